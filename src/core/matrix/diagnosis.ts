// Plain-language diagnosis of a connectivity matrix, per pair and overall.
import type { HostProblem, MatrixCell } from '../../shared/matrix';

export function cellDiagnosis(c: Omit<MatrixCell, 'ok' | 'diagnosis'>, largeSize?: number): string | undefined {
  if (c.byIp.ok && !c.byName.ok) {
    return `${c.to} answers at its IP but not by name (${c.byName.error}): service discovery between the hosts is failing; check 7946/tcp+udp (gossip).`;
  }
  if (!c.byIp.ok) {
    if (c.byIp.sent > 0 && c.byIp.received > 0) return `${c.byIp.lossPercent}% packet loss from ${c.from} to ${c.to}.`;
    return `${c.from} cannot reach ${c.to} over the overlay (${c.byIp.error}).`;
  }
  if (c.large && !c.large.ok) {
    return `Small packets pass from ${c.from} to ${c.to} but ${largeSize ?? 'large'}-byte ones do not: the path MTU is below the network's MTU; lower the overlay MTU or fix the underlay.`;
  }
  return undefined;
}

export function finishCell(c: Omit<MatrixCell, 'ok' | 'diagnosis'>, largeSize?: number): MatrixCell {
  const ok = c.byName.ok && c.byIp.ok && (c.large?.ok ?? true);
  return { ...c, ok, diagnosis: ok ? undefined : cellDiagnosis(c, largeSize) };
}

/** Overall findings, most telling first. */
export function overallDiagnoses(hosts: string[], cells: MatrixCell[], problems: HostProblem[]): string[] {
  const out: string[] = problems.map((p) => `${p.host} took no part: ${p.reason}`);
  const live = hosts.filter((h) => !problems.some((p) => p.host === h));
  const cross = cells.filter((c) => c.from !== c.to);
  const isolated: string[] = [];
  if (live.length >= 3) {
    for (const h of live) {
      const mine = cross.filter((c) => (c.from === h || c.to === h) && !problems.some((p) => p.host === c.from || p.host === c.to));
      const others = cross.filter((c) => c.from !== h && c.to !== h);
      const local = cells.find((c) => c.from === h && c.to === h);
      if (mine.length > 0 && mine.every((c) => !c.byIp.ok) && others.some((c) => c.byIp.ok) && (local?.byIp.ok ?? true)) isolated.push(h);
    }
  }
  for (const h of isolated) {
    out.push(
      `Every overlay pair to and from ${h} fails while its local check passes and the other hosts reach each other: VXLAN traffic (4789/udp) to or from ${h} is blocked or mangled.`,
    );
  }
  const rest = cross.filter((c) => !isolated.includes(c.from) && !isolated.includes(c.to));
  const nameOnly = rest.filter((c) => c.byIp.ok && !c.byName.ok);
  if (nameOnly.length)
    out.push(
      `${nameOnly.length} pair(s) reach each other by IP but not by name: service discovery (gossip, 7946/tcp+udp) is failing between those hosts.`,
    );
  const mtu = rest.filter((c) => c.byIp.ok && c.byName.ok && c.large && !c.large.ok);
  if (mtu.length) out.push(`${mtu.length} pair(s) pass small packets but not large ones: an MTU problem on the path between the hosts.`);
  const down = rest.filter((c) => !c.byIp.ok);
  if (down.length && !isolated.length)
    out.push(`${down.length} pair(s) cannot reach each other over the overlay: check 4789/udp and 7946/tcp+udp between those hosts.`);
  if (live.length === 1 && hosts.length > 1) out.push('Only one host took part, so nothing crossed the overlay.');
  return out;
}

/** Per host, the hosts whose probes it had not learned of through gossip when measuring began. */
export type Unseen = Map<string, string[]>;

function unseenPair(unseen: Unseen, a: string, b: string): boolean {
  return (unseen.get(a)?.includes(b) ?? false) || (unseen.get(b)?.includes(a) ?? false);
}

/** A failed cell whose hosts had not learned of each other's probe gets that as its diagnosis. */
export function withUnseen(c: MatrixCell, unseen: Unseen, waitedS: number): MatrixCell {
  if (c.ok || !unseenPair(unseen, c.from, c.to)) return c;
  return {
    ...c,
    diagnosis: `${c.from} and ${c.to} had not learned of each other's probe through gossip after ${waitedS} s, so traffic between them had no path yet: check 7946/tcp+udp between them.`,
  };
}

export function unseenDiagnoses(unseen: Unseen, waitedS: number): string[] {
  return [...unseen].map(
    ([host, missing]) =>
      `After ${waitedS} s ${host} still did not know the probe(s) on ${missing.join(', ')}: gossip (7946/tcp+udp) is blocked or slow between them; if a node left and rejoined this network moments before, Docker can take up to a minute to settle, so run again.`,
  );
}

/**
 * Round trip between two managers above which Raft suffers: every change to the swarm (a service, a
 * network, a node) commits only when a majority of managers has answered, so each waits at least this
 * long, and Docker advises managers in one region's zones, a few ms apart. 50 ms is farther than any
 * two zones of one region and what a link between regions starts at.
 */
export const RAFT_RTT_WARN_MS = 50;

/** Manager pairs whose overlay round trip (the slower direction's average) is high enough to hurt Raft. */
export function raftLatencyDiagnoses(managers: ReadonlySet<string>, cells: MatrixCell[]): string[] {
  const worst = new Map<string, { a: string; b: string; ms: number }>();
  for (const c of cells) {
    const ms = c.byIp.avgMs;
    if (c.from === c.to || ms === undefined || !managers.has(c.from) || !managers.has(c.to)) continue;
    const [a, b] = [c.from, c.to].sort() as [string, string];
    const key = `${a}\u0000${b}`;
    if (ms > (worst.get(key)?.ms ?? -1)) worst.set(key, { a, b, ms });
  }
  return [...worst.values()]
    .filter((p) => p.ms >= RAFT_RTT_WARN_MS)
    .sort((x, y) => y.ms - x.ms)
    .map(
      (p) =>
        `Managers ${p.a} and ${p.b} are ${Math.round(p.ms)} ms apart (round trip; over ${RAFT_RTT_WARN_MS} ms hurts Raft): every change to the swarm waits for a majority of managers, so keep managers in one region, spread over its zones.`,
    );
}

/** Whether any pair is slow enough that the managers among its hosts are worth finding out. */
export function anyRaftSlowPair(cells: MatrixCell[]): boolean {
  return cells.some((c) => c.from !== c.to && (c.byIp.avgMs ?? 0) >= RAFT_RTT_WARN_MS);
}

/**
 * What a host's kernel says about the IPsec Docker's encrypted overlay needs: ESP with AES-GCM
 * (`rfc4106(gcm(aes))`). Read from /proc/crypto inside a probe (the file is the host kernel's, not
 * namespaced). The algorithm loads on first use, and dockerd asked for it when the probes' peers
 * appeared, so by the time the pings have failed a kernel that can do it lists it.
 */
export const IPSEC_CHECK = "grep -q 'rfc4106(gcm(aes))' /proc/crypto && echo __ipsec=yes || echo __ipsec=no";

export function parseIpsecCheck(output: string): boolean | undefined {
  const m = /__ipsec=(yes|no)/.exec(output);
  return m ? m[1] === 'yes' : undefined;
}

/**
 * On an encrypted overlay with failing pairs across hosts: the hosts whose kernel cannot do the IPsec
 * Docker asks for (no traffic leaves or enters them encrypted), or, when every kernel can, the ESP
 * protocol dropped on the path — neither is fixed by opening 4789/udp. Empty otherwise.
 */
export function ipsecDiagnoses(encrypted: boolean, cells: MatrixCell[], ipsec: ReadonlyMap<string, boolean | undefined>): string[] {
  if (!encrypted || !cells.some((c) => c.from !== c.to && !c.byIp.ok)) return [];
  const lacking = [...ipsec].filter(([, ok]) => ok === false).map(([h]) => h);
  if (lacking.length > 0) {
    return lacking.map(
      (h) =>
        `${h} cannot use IPsec: its kernel has no AES-GCM for ESP (rfc4106(gcm(aes)) is missing from /proc/crypto), so no traffic of this encrypted overlay leaves or enters it — use an unencrypted overlay, or a kernel with ESP (esp4) and AES-GCM support.`,
    );
  }
  if ([...ipsec.values()].some((ok) => ok === undefined)) return [];
  return [
    'Every host’s kernel has the IPsec (ESP, AES-GCM) this encrypted overlay needs, yet pairs fail: if the same hosts reach each other on an unencrypted overlay, ESP (IP protocol 50) is dropped on the path between them — allow protocol 50 as well as 4789/udp.',
  ];
}
