// Raft arithmetic of swarm managers: a majority must agree, so M managers tolerate ⌊(M−1)/2⌋ failures.

export interface Quorum {
  managers: number;
  reachableManagers: number;
  majority: number;
  /** Manager failures the swarm survives when every manager is up. */
  faultTolerance: number;
  /** Further failures it survives now, given the unreachable ones; negative when quorum is lost. */
  remainingTolerance: number;
  hasQuorum: boolean;
  /** Plain sentences, most serious first. */
  warnings: string[];
  /** Set when losing one failure domain loses the swarm (see failureDomains.ts): "zone a holds 2 of 3 managers". */
  domainAtRisk?: string;
}

export function majority(managers: number): number {
  return Math.floor(managers / 2) + 1;
}

export function faultTolerance(managers: number): number {
  return managers < 1 ? 0 : Math.floor((managers - 1) / 2);
}

export function quorum(managers: number, reachableManagers = managers): Quorum {
  const m = Math.max(0, Math.floor(managers));
  const r = Math.min(m, Math.max(0, Math.floor(reachableManagers)));
  const need = majority(m);
  const hasQuorum = m > 0 && r >= need;
  const warnings: string[] = [];
  if (m === 0) {
    warnings.push('No manager: this is not a working swarm.');
  } else if (!hasQuorum) {
    warnings.push(
      `The swarm has lost quorum: ${r} of ${m} managers are reachable and ${need} are needed. ` +
        'Nodes cannot join, be promoted or changed, and networks and services cannot be created until a majority is back.',
    );
  } else if (r < m) {
    const left = r - need;
    warnings.push(
      `${m - r} of ${m} managers unreachable: the swarm survives ${left === 0 ? 'no further manager failure' : `${left} more manager failure${left === 1 ? '' : 's'}`}.`,
    );
  }
  if (m > 0 && m % 2 === 0) {
    warnings.push(`${m} managers tolerate no more failures than ${m - 1}: use an odd number of managers (3 tolerate 1, 5 tolerate 2).`);
  }
  if (m === 1 && hasQuorum) warnings.push('A single manager: if it fails, the swarm cannot be managed.');
  return {
    managers: m,
    reachableManagers: r,
    majority: need,
    faultTolerance: faultTolerance(m),
    remainingTolerance: r - need,
    hasQuorum,
    warnings,
  };
}

/** "3 managers · majority 2 · tolerates 1 failure", and " · zone a holds 2 of 3 managers" when one domain can sink it. */
export function quorumLine(q: Quorum): string {
  const f = q.faultTolerance;
  const line = `${q.managers} manager${q.managers === 1 ? '' : 's'} · majority ${q.majority} · tolerates ${f} failure${f === 1 ? '' : 's'}`;
  return q.domainAtRisk ? `${line} · ${q.domainAtRisk}` : line;
}

/** What changing the manager count from `before` to `after` does, as sentences (empty when harmless). */
export function managerChangeWarnings(before: number, after: number): string[] {
  const out: string[] = [];
  const fb = faultTolerance(before);
  const fa = faultTolerance(after);
  if (fa < fb) out.push(`Fault tolerance drops from ${fb} to ${fa} manager failure${fa === 1 ? '' : 's'}.`);
  if (after > 0 && after % 2 === 0) out.push(`${after} managers is an even number: it tolerates no more failures than ${after - 1}.`);
  return out;
}
