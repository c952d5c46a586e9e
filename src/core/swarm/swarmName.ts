// What people call a swarm. Type imports only: the extension bundle uses it without loading the core.
import type { SwarmOverview } from './swarmOverview';

/**
 * Its leader's hostname and size ("swarm of h1 · 3 nodes"); the cluster id is for tooltips. Without a
 * leader, the first manager; with no node read (no manager configured here), the configured hosts in it.
 */
export function swarmName(s: Pick<SwarmOverview, 'nodes' | 'hostOfNode'>): string {
  const named = s.nodes.find((n) => n.managerStatus === 'leader') ?? s.nodes.find((n) => n.role === 'manager') ?? s.nodes[0];
  if (!named) {
    const hosts = Object.values(s.hostOfNode).sort();
    return hosts.length ? `swarm with ${hosts.join(', ')}` : 'swarm';
  }
  const size = s.nodes.length;
  return `swarm of ${named.hostname || named.id.slice(0, 12)} · ${size} node${size === 1 ? '' : 's'}`;
}
