// The swarms among the configured hosts, grouped by cluster so two swarms never mix, each read
// through one of its reachable managers, with the quorum worked out from the managers' state.
import { userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import type { HostStatus, SwarmNode } from '../model';
import { listNodes, managerUp } from './nodes';
import { type Quorum, quorum } from './quorum';

export interface SwarmOverview {
  /** Cluster id, or '' for workers whose managers are not configured here. */
  clusterId: string;
  /** The configured host the nodes were read through. */
  via?: string;
  nodes: SwarmNode[];
  quorum?: Quorum;
  /** node id → configured host name */
  hostOfNode: Record<string, string>;
  /** Why the nodes could not be read, when they could not. */
  error?: string;
}

export interface SwarmsView {
  swarms: SwarmOverview[];
  /** Reachable hosts not in any swarm. */
  standalone: string[];
}

export async function swarmOverview(hosts: DockerHosts, statuses: HostStatus[]): Promise<SwarmsView> {
  const reachable = statuses.filter((s) => s.reachable);
  const managers = reachable.filter((s) => s.swarm.isManager && s.swarm.clusterId);
  const clusterIds = [...new Set(managers.map((s) => s.swarm.clusterId!))].sort();
  const swarms: SwarmOverview[] = await Promise.all(
    clusterIds.map(async (clusterId) => {
      let error: string | undefined;
      for (const m of managers.filter((s) => s.swarm.clusterId === clusterId)) {
        try {
          const nodes = await listNodes(hosts.get(m.name));
          const mgrs = nodes.filter((n) => n.role === 'manager');
          const up = mgrs.filter(managerUp);
          return { clusterId, via: m.name, nodes, quorum: quorum(mgrs.length, up.length), hostOfNode: {} };
        } catch (err) {
          error = userMessage(err);
        }
      }
      // No manager could answer: a swarm without a leader has usually lost quorum.
      return { clusterId, nodes: [], hostOfNode: {}, error };
    }),
  );
  const standalone: string[] = [];
  const orphans: SwarmOverview = { clusterId: '', nodes: [], hostOfNode: {} };
  for (const s of reachable) {
    if (s.swarm.state === 'inactive') {
      standalone.push(s.name);
      continue;
    }
    const home = swarms.find((w) => (s.swarm.clusterId && w.clusterId === s.swarm.clusterId) || w.nodes.some((n) => n.id === s.swarm.nodeId));
    (home ?? orphans).hostOfNode[s.swarm.nodeId] = s.name;
  }
  if (Object.keys(orphans.hostOfNode).length) {
    orphans.error = 'These hosts are in a swarm none of whose managers is configured here.';
    swarms.push(orphans);
  }
  return { swarms, standalone };
}
