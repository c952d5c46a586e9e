// Which way the matrix probes: with SSH to every probed host, one container per host as always;
// otherwise one swarm service through the manager, which covers nodes nobody configured SSH for.
import type { MatrixMode } from '../../shared/matrix';
import { ConfigError } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import { listNodes } from '../swarm/nodes';
import { swarmHosts } from '../swarm/swarmHosts';

export type MatrixModeChoice = MatrixMode | 'auto';
export const MATRIX_MODES: readonly MatrixModeChoice[] = ['auto', 'service', 'containers'];

export interface MatrixPlan {
  mode: MatrixMode;
  /** Containers: configured host names. Service: node hostnames (empty: every node). */
  hosts: string[];
}

/**
 * Decides the mode and what to probe. `chosen` names hosts or nodes (empty: every node of the swarm
 * `via` manages; in containers mode, every configured host that is one of its nodes).
 */
export async function planMatrix(hosts: DockerHosts, via: string, choice: MatrixModeChoice, chosen: string[] = []): Promise<MatrixPlan> {
  const manager = hosts.get(via);
  const containers = async (): Promise<MatrixPlan> => {
    if (chosen.length) {
      for (const n of chosen) hosts.get(n);
      return { mode: 'containers', hosts: chosen };
    }
    return { mode: 'containers', hosts: (await swarmHosts(hosts, manager)).map((m) => m.name) };
  };
  if (choice === 'containers') return containers();
  let nodes;
  try {
    nodes = await listNodes(manager);
  } catch (err) {
    // Not a manager (a bridge network on one host, say): only containers can run, and say why if they cannot.
    if (choice === 'auto') return containers();
    throw err;
  }
  const members = await swarmHosts(hosts, manager);
  const hostOfNode = new Map(members.map((m) => [m.nodeId, m.name]));
  // A configured host whose status could not be read just now (busy, slow) still has SSH: matched by
  // its address, so a slow host does not switch the run to another mode; ready nodes are matched first.
  const mapped = new Set(hostOfNode.values());
  for (const n of [...nodes].sort((a, b) => Number(b.status === 'ready') - Number(a.status === 'ready'))) {
    if (hostOfNode.has(n.id)) continue;
    const h = hosts.list().find((x) => !mapped.has(x.name) && hosts.get(x.name).ssh.endpoint.hostName === n.address);
    if (!h) continue;
    hostOfNode.set(n.id, h.name);
    mapped.add(h.name);
  }
  const probed = chosen.length
    ? chosen.map((name) => {
        const n = nodes.find((x) => x.hostname === name || x.id === name || hostOfNode.get(x.id) === name);
        if (!n) throw new ConfigError(`No node of the swarm ${via} manages is named "${name}".`);
        return n;
      })
    : nodes;
  if (probed.length === 0) throw new ConfigError('No host to probe.');
  // Without a list, a node that is not ready (one that left and stays listed as down, say) cannot take
  // part in either mode, so it does not decide the mode: containers when every ready node has SSH.
  const deciding = chosen.length ? probed : probed.filter((n) => n.status === 'ready');
  const ssh = deciding.map((n) => hostOfNode.get(n.id));
  const reachable = (list: Array<string | undefined>): list is string[] => list.every((h) => h !== undefined);
  if (choice === 'auto' && ssh.length > 0 && reachable(ssh)) return { mode: 'containers', hosts: ssh };
  return { mode: 'service', hosts: probed.map((n) => n.hostname || n.id) };
}
