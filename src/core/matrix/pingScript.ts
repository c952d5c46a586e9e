// The one command a source probe runs: ping every target concurrently (by name, by IP, and a large
// packet by IP), each result framed by markers so the outputs can be told apart. Names and
// addresses are checked before they are put in the script.

export interface PingTarget {
  /** Key the result is reported under, e.g. "h2/name". */
  key: string;
  address: string;
  size?: number;
}

const SAFE_TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,253}$/;

export interface PingPlan {
  count: number;
  /** Seconds each reply may take. */
  timeoutS: number;
  intervalS: number;
  /** Extra seconds allowed for the name lookup before a ping is stopped (default 3). */
  lookupGraceS?: number;
}

/**
 * Seconds one ping may take in all before it is stopped: its own replies plus a grace for the name
 * lookup (a name the embedded DNS does not know goes upstream, where a sealed host can hang ~20 s).
 */
export function pingLimitS(plan: PingPlan): number {
  return Math.ceil(plan.count * plan.intervalS + plan.timeoutS) + (plan.lookupGraceS ?? 3);
}

/** The script's first line: T bounds one ping's time where the image has `timeout` (images without it still work, unbounded). */
export function pingBound(plan: PingPlan): string {
  return `if command -v timeout >/dev/null 2>&1; then T="timeout ${pingLimitS(plan)}"; else T=""; fi`;
}

/**
 * One ping in the background, its output and exit code kept in /tmp/so-ping-<shell pid>-<index> (the
 * script's own files, whatever else runs the same script at once). `address`, `size` (empty or ` -s N`)
 * and `index` are shell words: literals here, variables in the service task.
 */
/** Where a ping's output waits to be collected: `$$` is the script's shell, the same in its subshells. */
export const PING_FILE = '/tmp/so-ping-$$-';

export function pingCommand(plan: PingPlan, address: string, size: string, index: string): string {
  return `($T ping -c ${plan.count} -W ${plan.timeoutS} -i ${plan.intervalS}${size} ${address} > ${PING_FILE}${index} 2>&1; echo "__rc=$?" >> ${PING_FILE}${index}) &`;
}

/**
 * Prints one ping's kept output framed by its index (what splitPingOutput reads), with the shell's own
 * `read` and `printf`: a `cat` and an `rm` per ping were 0.3–0.4 s of a 1.9 s watch round on 6 lab hosts
 * (36 processes per probe, on CPUs every probe shares). REMOVE_PING_FILES clears them all at the end.
 */
export function collectCommand(index: string): string {
  return `echo "__begin ${index}"; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < ${PING_FILE}${index}; echo "__end ${index}"`;
}

/** Removes every kept ping output of this script, once they are collected (one process). */
export const REMOVE_PING_FILES = `rm -f ${PING_FILE}*`;

/**
 * At most this many pings run at once in one probe, small packets first, then the large ones. Each of
 * busybox's pings reads a raw ICMP socket with a small receive buffer (about 7 KB) that gets a copy of
 * every ICMP packet reaching the probe: with all of a probe's pings at once (18 on 6 hosts, 36 on 12)
 * on a busy machine, buffers overflowed and single replies were lost, even a probe's ping of itself
 * (service mode on 12 lab nodes, all at once: 3 of 3 runs lost 1–6 cells; batched: 4 of 5 green, the
 * fifth lost one large reply on a machine running twelve daemons on two cores). Nine is one batch for
 * 3 hosts (name, IP and large packet to each).
 */
export const PINGS_AT_ONCE = 9;

/** Background pings, a `wait` after every PINGS_AT_ONCE of them and at the end. */
function inBatches(pings: string[]): string[] {
  return pings.flatMap((p, i) => ((i + 1) % PINGS_AT_ONCE === 0 || i === pings.length - 1 ? [p, 'wait'] : [p]));
}

export function pingScript(targets: PingTarget[], plan: PingPlan): string {
  const parts = targets.map((t, i) => {
    if (!SAFE_TARGET.test(t.address)) throw new Error(`unsafe ping target ${JSON.stringify(t.address)}`);
    if (t.size !== undefined && (!Number.isInteger(t.size) || t.size < 0 || t.size > 65507)) throw new Error('bad ping size');
    return pingCommand(plan, t.address, t.size === undefined ? '' : ` -s ${t.size}`, String(i));
  });
  const collect = targets.map((_, i) => collectCommand(String(i)));
  const small = parts.filter((_, i) => targets[i]!.size === undefined);
  const large = parts.filter((_, i) => targets[i]!.size !== undefined);
  return [pingBound(plan), ...inBatches([...small, ...large]), ...collect, REMOVE_PING_FILES].join('\n');
}

/** Splits the script's output into per-target text and exit codes, by index. */
export function splitPingOutput(output: string, count: number): Array<{ raw: string; exitCode?: number }> {
  const results: Array<{ raw: string; exitCode?: number }> = Array.from({ length: count }, () => ({ raw: '' }));
  // End markers are indexed first: a regex searching ahead from each begin marker was quadratic when
  // hostile output repeats begin markers that never end.
  const ends = new Map<string, number[]>();
  for (const m of output.matchAll(/__end (\d+)/g)) {
    const list = ends.get(m[1]!) ?? [];
    list.push(m.index);
    ends.set(m[1]!, list);
  }
  const next = new Map<string, number>();
  const begin = /__begin (\d+)\n/g;
  for (let m = begin.exec(output); m; m = begin.exec(output)) {
    const list = ends.get(m[1]!) ?? [];
    let k = next.get(m[1]!) ?? 0;
    while (k < list.length && list[k]! < begin.lastIndex) k++;
    next.set(m[1]!, k);
    if (k === list.length) continue;
    const bodyEnd = list[k]!;
    const body = output.slice(begin.lastIndex, bodyEnd);
    begin.lastIndex = bodyEnd + `__end ${m[1]}`.length;
    const i = Number(m[1]);
    if (i < 0 || i >= count) continue;
    const rc = /__rc=(\d+)\s*$/.exec(body);
    results[i] = { raw: body.replace(/__rc=\d+\s*$/, '').trimEnd(), exitCode: rc ? Number(rc[1]) : undefined };
  }
  return results;
}
