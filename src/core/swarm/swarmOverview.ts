// The swarms among the configured hosts, grouped by cluster so two swarms never mix, each read
// through one of its reachable managers, with the quorum worked out from the managers' state.
import { userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import type { HostStatus, SwarmNode } from '../model';
import { swarmQuorum } from './failureDomains';
import { listNodes } from './nodes';
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

/** Managers answer as one group per cluster; without a cluster id (no leader), per set of Raft members. */
function groupKey(s: HostStatus): string {
  return s.swarm.clusterId ?? `raft:${(s.swarm.managerIds ?? [s.swarm.nodeId]).join(',')}`;
}

/**
 * Why no manager of a group could list the nodes: when the managers it knows of mostly do not
 * answer, that the swarm has lost quorum and what stops working; otherwise Docker's own reason.
 */
function failureReason(group: HostStatus[], reachable: HostStatus[], dockerError: string | undefined): { error: string } {
  const ids = new Set(group.flatMap((g) => g.swarm.managerIds ?? []));
  if (ids.size > 0) {
    const answering = reachable.filter((s) => ids.has(s.swarm.nodeId) && s.swarm.isManager).length;
    const q = quorum(ids.size, Math.max(answering, 1));
    if (!q.hasQuorum && q.warnings[0]) return { error: q.warnings[0] };
  }
  return { error: dockerError ?? 'No manager of this swarm answered.' };
}

export interface OverviewOptions {
  /** The node label that names a node's failure domain (default `zone`). */
  failureDomainLabel?: string;
}

export async function swarmOverview(hosts: DockerHosts, statuses: HostStatus[], options: OverviewOptions = {}): Promise<SwarmsView> {
  const reachable = statuses.filter((s) => s.reachable);
  // A manager whose swarm has no leader reports no cluster id: it still counts, grouped by its Raft members.
  const managers = reachable.filter((s) => s.swarm.isManager && s.swarm.state === 'active');
  const keys = [...new Set(managers.map(groupKey))].sort();
  const swarms: Array<SwarmOverview & { memberIds?: Set<string> }> = await Promise.all(
    keys.map(async (key) => {
      const group = managers.filter((s) => groupKey(s) === key);
      const clusterId = group[0]!.swarm.clusterId ?? '';
      const memberIds = new Set(group.flatMap((g) => [g.swarm.nodeId, ...(g.swarm.managerIds ?? [])]));
      let error: string | undefined;
      for (const m of group) {
        try {
          const nodes = await listNodes(hosts.get(m.name));
          return { clusterId, via: m.name, nodes, quorum: swarmQuorum(nodes, options.failureDomainLabel), hostOfNode: {}, memberIds };
        } catch (err) {
          error = userMessage(err);
        }
      }
      return { clusterId, nodes: [], hostOfNode: {}, memberIds, ...failureReason(group, reachable, error) };
    }),
  );
  const standalone: string[] = [];
  const orphans: SwarmOverview = { clusterId: '', nodes: [], hostOfNode: {} };
  for (const s of reachable) {
    if (s.swarm.state === 'inactive') {
      standalone.push(s.name);
      continue;
    }
    const home = swarms.find(
      (w) =>
        (s.swarm.clusterId && w.clusterId === s.swarm.clusterId) ||
        w.nodes.some((n) => n.id === s.swarm.nodeId) ||
        (w.memberIds?.has(s.swarm.nodeId) ?? false),
    );
    (home ?? orphans).hostOfNode[s.swarm.nodeId] = s.name;
  }
  for (const w of swarms) delete w.memberIds;
  if (Object.keys(orphans.hostOfNode).length) {
    orphans.error = 'These hosts are in a swarm none of whose managers is configured here.';
    swarms.push(orphans);
  }
  return { swarms, standalone };
}
