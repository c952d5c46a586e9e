// Managers spread over failure domains: a node label (default `zone`) names each node's domain, and a
// swarm whose managers put a majority's worth in one domain is lost with that domain, however many
// managers it has. Pure arithmetic over the nodes the manager lists.
import type { SwarmNode } from '../model';
import { managerUp } from './nodes';
import { type Quorum, faultTolerance, quorum } from './quorum';

export const DEFAULT_FAILURE_DOMAIN_LABEL = 'zone';

type NodeFacts = Pick<SwarmNode, 'hostname' | 'role' | 'labels' | 'status' | 'availability'>;

export interface DomainSpread {
  /** Sentences, most serious first: the domains whose loss loses the swarm, then the fix, then unlabelled managers. */
  warnings: string[];
  /** Losing one domain loses the swarm: the worst domain, "zone a holds 2 of 3 managers". */
  atRisk?: string;
}

function domainOf(n: NodeFacts, key: string): string | undefined {
  const v = n.labels[key]?.trim();
  return v ? v : undefined;
}

function counts(domains: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of domains) m.set(d, (m.get(d) ?? 0) + 1);
  return m;
}

/** Safe: an odd number of managers, at least 3, none of the domains holding more than the swarm can lose. */
function safe(domains: string[]): boolean {
  const m = domains.length;
  if (m < 3 || m % 2 === 0) return false;
  const f = faultTolerance(m);
  return [...counts(domains).values()].every((c) => c <= f);
}

interface Change {
  promote: NodeFacts[];
  demote: NodeFacts[];
}

/** The smallest change (one demotion, one promotion, a swap, two promotions) that makes the spread safe. */
function smallestFix(managers: Array<[NodeFacts, string]>, workers: Array<[NodeFacts, string]>): Change | undefined {
  const domains = managers.map(([, d]) => d);
  const load = counts(domains);
  // Workers in the least-used domains first, so the suggestion spreads rather than piles up.
  const byNeed = [...workers].sort(([a, da], [b, db]) => (load.get(da) ?? 0) - (load.get(db) ?? 0) || a.hostname.localeCompare(b.hostname));
  const without = (i: number) => domains.filter((_, j) => j !== i);
  for (let i = 0; i < managers.length; i++) if (safe(without(i))) return { promote: [], demote: [managers[i]![0]] };
  for (const [w, d] of byNeed) if (safe([...domains, d])) return { promote: [w], demote: [] };
  for (const [w, d] of byNeed)
    for (let i = 0; i < managers.length; i++) if (safe([...without(i), d])) return { promote: [w], demote: [managers[i]![0]] };
  for (let a = 0; a < byNeed.length; a++)
    for (let b = a + 1; b < byNeed.length; b++)
      if (safe([...domains, byNeed[a]![1], byNeed[b]![1]])) return { promote: [byNeed[a]![0], byNeed[b]![0]], demote: [] };
  return undefined;
}

function names(nodes: NodeFacts[], key: string): string {
  return nodes.map((n) => `${n.hostname} (${key} ${n.labels[key]?.trim()})`).join(' and ');
}

/**
 * What the managers' spread over the domains named by label `key` means for the swarm. Says nothing when
 * no manager carries the label (the user does not use it) or there is a single manager (quorum says that).
 */
export function domainSpread(nodes: NodeFacts[], key = DEFAULT_FAILURE_DOMAIN_LABEL): DomainSpread {
  const managers = nodes.filter((n) => n.role === 'manager');
  const labelled = managers.filter((n) => domainOf(n, key) !== undefined);
  if (managers.length < 2 || labelled.length === 0) return { warnings: [] };
  const unlabelled = managers.filter((n) => domainOf(n, key) === undefined);
  // An unlabelled manager counts as a domain of its own: the best case, so no risk is claimed that is not known.
  const tagged: Array<[NodeFacts, string]> = managers.map((n) => [n, domainOf(n, key) ?? `\u0000${n.hostname}`]);
  const m = managers.length;
  const f = faultTolerance(m);
  const warnings: string[] = [];
  const risky = [...counts(tagged.map(([, d]) => d)).entries()]
    .filter(([d, c]) => c > f && !d.startsWith('\u0000'))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [d, c] of risky) warnings.push(`${c} of ${m} managers are in ${key} ${d}: losing ${key} ${d} loses the swarm.`);
  if (risky.length > 0) {
    const workers: Array<[NodeFacts, string]> = nodes
      .filter((n) => n.role === 'worker' && n.status === 'ready' && n.availability === 'active' && domainOf(n, key) !== undefined)
      .map((n) => [n, domainOf(n, key)!]);
    const fix = smallestFix(tagged, workers);
    const zones = new Set([...tagged, ...workers].map(([, d]) => d)).size;
    if (fix) {
      const steps = [
        ...(fix.promote.length ? [`promote ${names(fix.promote, key)}`] : []),
        ...(fix.demote.length ? [`demote ${names(fix.demote, key)}`] : []),
      ];
      const after = m + fix.promote.length - fix.demote.length;
      const text = steps.join(' and ');
      warnings.push(
        `To fix it, ${text}: ${after} managers with no more than ${faultTolerance(after)} in any ${key} survive the loss of one.`,
      );
    } else if (zones < 3) {
      warnings.push(
        `The managers can spread over only ${zones} ${key}${zones === 1 ? '' : 's'} here; with fewer than three, losing one can always lose the swarm: add nodes in a third ${key}.`,
      );
    } else {
      warnings.push(`Spread the managers so that no ${key} holds more than ${f} of the ${m}.`);
    }
  }
  if (unlabelled.length > 0) {
    warnings.push(
      `${unlabelled.map((n) => n.hostname).join(', ')} ${unlabelled.length === 1 ? 'has' : 'have'} no "${key}" label: label every manager with its failure domain (docker node update --label-add ${key}=<name> <node>).`,
    );
  }
  return { warnings, ...(risky[0] ? { atRisk: `${key} ${risky[0][0]} holds ${risky[0][1]} of ${m} managers` } : {}) };
}

/** The quorum of a swarm from its node list, with what the managers' spread over failure domains means. */
export function swarmQuorum(nodes: SwarmNode[], domainLabel = DEFAULT_FAILURE_DOMAIN_LABEL): Quorum {
  const managers = nodes.filter((n) => n.role === 'manager');
  const q = quorum(managers.length, managers.filter(managerUp).length);
  const spread = domainSpread(nodes, domainLabel);
  if (spread.warnings.length === 0) return q;
  return { ...q, warnings: [...q.warnings, ...spread.warnings], ...(spread.atRisk ? { domainAtRisk: spread.atRisk } : {}) };
}
