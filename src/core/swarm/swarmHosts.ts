// The configured, reachable hosts that are nodes of the swarm a manager manages, and the firewall
// prerequisites between them that can be proven over TCP.
import type { DockerHost } from '../docker/DockerHost';
import type { DockerHosts } from '../hosts/DockerHosts';
import { tcpReachable } from './hostNetwork';
import { listNodes } from './nodes';

export interface SwarmHost {
  name: string;
  nodeId: string;
  address: string;
  isManager: boolean;
}

export async function swarmHosts(hosts: DockerHosts, via: DockerHost): Promise<SwarmHost[]> {
  const [nodes, statuses] = await Promise.all([listNodes(via), hosts.statusAll()]);
  const out: SwarmHost[] = [];
  for (const s of statuses) {
    const node = s.reachable ? nodes.find((n) => n.id === s.swarm.nodeId) : undefined;
    if (node) out.push({ name: s.name, nodeId: node.id, address: node.address, isManager: node.role === 'manager' });
  }
  return out;
}

export interface PortCheck {
  from: string;
  to: string;
  address: string;
  port: number;
  protocol: 'tcp';
  purpose: string;
  ok: boolean;
  reason?: string;
}

/** From each host: 2377/tcp to every manager and 7946/tcp to every peer, opened by the host itself. */
export async function checkPorts(hosts: DockerHosts, members: SwarmHost[], timeoutMs = 3000): Promise<PortCheck[]> {
  const jobs: Array<Promise<PortCheck>> = [];
  for (const from of members) {
    for (const to of members) {
      if (to.name === from.name) continue;
      const targets: Array<[number, string]> = [[7946, 'gossip (control plane)']];
      if (to.isManager) targets.unshift([2377, 'cluster management']);
      for (const [port, purpose] of targets) {
        jobs.push(
          tcpReachable(hosts.get(from.name).ssh, to.address, port, timeoutMs).then((r) => ({
            from: from.name,
            to: to.name,
            address: to.address,
            port,
            protocol: 'tcp' as const,
            purpose,
            ok: r.ok,
            reason: r.ok ? undefined : r.reason,
          })),
        );
      }
    }
  }
  return Promise.all(jobs);
}

export const UDP_NOTE = '7946/udp (gossip) and 4789/udp (VXLAN data) cannot be proven over SSH: run the connectivity matrix to test them.';
