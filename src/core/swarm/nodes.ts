// Swarm nodes as read through a manager, and finding one by hostname or id.
import type { DockerHost } from '../docker/DockerHost';
import { Refused } from '../errors';
import type { NodeAvailability, NodeRole, SwarmNode } from '../model';

export interface NodeAnswer {
  ID?: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> | null; Name?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status?: { State?: string; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

// A daemon's answer is trusted for nothing, not even its types: a field of the wrong type reads as absent.
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const stringEntries = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string'))
    : {};

export function nodeFromAnswer(n: NodeAnswer): SwarmNode {
  const role: NodeRole = n.Spec?.Role === 'manager' ? 'manager' : 'worker';
  const availability = (
    ['active', 'pause', 'drain'].includes(text(n.Spec?.Availability) ?? '') ? n.Spec!.Availability : 'active'
  ) as NodeAvailability;
  let managerStatus: SwarmNode['managerStatus'];
  if (role === 'manager') {
    const r = n.ManagerStatus?.Reachability;
    managerStatus = n.ManagerStatus?.Leader === true ? 'leader' : r === 'reachable' || r === 'unreachable' ? r : 'unknown';
  }
  const index = n.Version?.Index;
  return {
    id: text(n.ID) ?? '',
    hostname: text(n.Description?.Hostname) ?? '',
    role,
    availability,
    status: text(n.Status?.State) ?? 'unknown',
    statusMessage: text(n.Status?.Message) || undefined,
    managerStatus,
    engineVersion: text(n.Description?.Engine?.EngineVersion) ?? '',
    address: text(n.ManagerStatus?.Addr)?.replace(/:\d+$/, '') || text(n.Status?.Addr) || '',
    labels: stringEntries(n.Spec?.Labels),
    version: typeof index === 'number' && Number.isFinite(index) ? index : 0,
  };
}

/** A manager counts towards quorum unless the swarm reports it unreachable or down ("unknown" is a fresh one). */
export function managerUp(n: SwarmNode): boolean {
  return n.role === 'manager' && n.managerStatus !== 'unreachable' && n.status !== 'down';
}

export function sortNodes(nodes: SwarmNode[]): SwarmNode[] {
  const rank = (n: SwarmNode) => (n.managerStatus === 'leader' ? 0 : n.role === 'manager' ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

export async function listNodes(via: DockerHost): Promise<SwarmNode[]> {
  const answer = await via.call('list the swarm nodes (is it a manager?)', (d) => d.listNodes() as Promise<NodeAnswer[]>);
  const entries = (Array.isArray(answer) ? answer : []).filter((n): n is NodeAnswer => typeof n === 'object' && n !== null);
  return sortNodes(entries.map(nodeFromAnswer));
}

/** A node by exact id, unique id prefix, or hostname; one clear sentence when none or several match. */
export function findNode(nodes: SwarmNode[], ref: string): SwarmNode {
  const byId = nodes.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = nodes.filter((n) => n.hostname === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new Refused(`${byName.length} nodes are named "${ref}" (${byName.map((n) => n.id.slice(0, 12)).join(', ')}): use the node id.`);
  }
  const byPrefix = ref.length >= 3 ? nodes.filter((n) => n.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new Refused(`No node of this swarm is named or has the id "${ref}".`);
}
