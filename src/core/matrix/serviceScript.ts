// Service mode's task: what one probe task runs on its node, and how the manager reads the tasks'
// reports back from the service's logs. A task finds the others through Docker's DNS
// (`tasks.<service>` lists the address of every task its node has learned of through gossip; the
// reverse lookup of an address names that task), pings each by name, by IP and with a near-MTU
// packet with the same commands as container probes (pingScript.ts), prints the framed results, and
// stays up for the others' pings until its lease ends. Every line a task prints starts with
// `@<node id> `, so the manager tells the reports apart in the interleaved service logs.
import { IPSEC_CHECK, parseIpsecCheck } from './diagnosis';
import {
  PING_FILE,
  PINGS_AT_ONCE,
  REMOVE_PING_FILES,
  type PingPlan,
  collectCommand,
  pingBound,
  pingCommand,
  splitPingOutput,
} from './pingScript';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;

export interface TaskScriptOptions {
  /** The probe service's name: `tasks.<service>` resolves to its tasks. */
  service: string;
  /** The network's name: the reverse lookup answers `<task name>.<network>`. */
  network: string;
  /** How many tasks to wait for before pinging. */
  expected: number;
  /** Longest wait for the other tasks to appear in this node's DNS (gossip), in seconds. */
  discoverS: number;
  /** The task ends this many seconds after it started (its lease). */
  leaseS: number;
  largeSize: number;
  plan: PingPlan;
  /** On an encrypted overlay: report whether the node's kernel has the IPsec it needs (diagnosis.ts). */
  ipsecCheck?: boolean;
  /**
   * A watch: measure again this many seconds after each round ends, until the lease ends; every round's
   * report starts with `__round <n>`. Without it the task measures once.
   */
  roundsEveryS?: number;
}

/**
 * Failed pings are tried once more, at most RETRY_AT_ONCE at a time, once no other task has pinged
 * this one for a second (the node's count of ICMP echo requests received, /proc/net/snmp InEchos, has
 * stood still; at most QUIET_MAX_S). Every task measures at about the same moment, so on a busy
 * machine (twelve nodes on two cores in the lab) a task can lose replies even to itself, and a retry
 * while the others still measure loses them again (seen at 12 nodes: a retry 5 s later still lost one
 * reply in 2 of 5 runs). A task cannot see when the others are done, but it sees when they stop pinging it.
 */
const RETRY_AT_ONCE = 4;
const QUIET_MAX_S = 15;

/** Shell functions: `echos` prints the echo requests this node received so far; `quiet` waits until that stands still for a second. */
const QUIET = [
  `echos() { awk '/^Icmp:/ { if (!i) { for (k = 1; k <= NF; k++) if ($k == "InEchos") i = k } else { print $i; exit } }' /proc/net/snmp 2>/dev/null; }`,
  `quiet() { qa=$(echos); qs=0; qt=0; while [ "$qs" -lt 2 ] && [ "$qt" -lt ${2 * QUIET_MAX_S} ]; do sleep 0.5; qb=$(echos); if [ "$qa" = "$qb" ]; then qs=$((qs+1)); else qs=0; fi; qa=$qb; qt=$((qt+1)); done; }`,
];

/** A shell command printing the IPv4 addresses the embedded DNS gives for `name`, one a line, sorted. `name` must be safe. */
export function dnsAddresses(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`unsafe name ${JSON.stringify(name)}`);
  return `nslookup ${name} 2>/dev/null | sed -n 's/^Address:[[:space:]]*\\([0-9.]*\\)$/\\1/p' | sort -u`;
}

/**
 * Shell lines that wait until this node's DNS lists `expected` addresses for `name` (gossip), or the
 * time in `$until` is up; the addresses are then in `$<variable>`.
 */
export function waitForTasksInDns(name: string, expected: number, variable: string): string[] {
  return [
    'while :; do',
    `  ${variable}=$(${dnsAddresses(name)})`,
    `  [ "$(echo $${variable} | wc -w)" -ge ${expected} ] && break`,
    '  [ "$(date +%s)" -ge "$until" ] && break',
    '  sleep 1',
    'done',
  ];
}

/**
 * `passed FILE`: whether a kept ping output is what the verdict (parsePing) calls passed — exit code 0 and
 * every reply back. Busybox's ping exits 0 when one reply of three came back, and " 0% packet loss" is
 * never part of "100% packet loss".
 */
const PASSED = `passed() { pr=""; pl=""; while IFS= read -r pline || [ -n "$pline" ]; do case "$pline" in __rc=0) pr=1 ;; *" 0% packet loss"*) pl=1 ;; esac; done < "$1"; [ -n "$pr" ] && [ -n "$pl" ]; }`;

export function serviceTaskScript(o: TaskScriptOptions): string {
  for (const name of [o.service, o.network]) if (!SAFE_NAME.test(name)) throw new Error(`unsafe name ${JSON.stringify(name)}`);
  for (const n of [o.expected, o.discoverS, o.leaseS, o.largeSize, o.roundsEveryS ?? 0])
    if (!Number.isInteger(n) || n < 0) throw new Error('bad number');
  const rounds = o.roundsEveryS !== undefined;
  // p INDEX ADDRESS [SIZE]: one ping in the background, as container probes run it.
  const p = `p() { ${pingCommand(o.plan, '"$2"', '${3:+ -s $3}', '$1')} }`;
  return [
    `end=$(($(date +%s)+${o.leaseS})); until=$(($(date +%s)+${o.discoverS}))`,
    pingBound(o.plan),
    p,
    ...QUIET,
    PASSED,
    ...waitForTasksInDns(`tasks.${o.service}`, o.expected, 'ips'),
    '{',
    'jobs=""; i=0',
    'for ip in $ips; do',
    `  n=$(nslookup "$ip" 2>/dev/null | sed -n 's/.*name = //p' | head -n 1); n=\${n%.}; n=\${n%.${o.network}}; [ -n "$n" ] || n=so-unnamed`,
    '  echo "__name $ip $n"',
    `  jobs="$jobs $((3*i)):$n: $((3*i+1)):$ip: $((3*i+2)):$ip:${o.largeSize}"; i=$((i+1))`,
    'done',
    'r=1; while :; do',
    ...(rounds ? ['echo "__round $r"'] : []),
    'echo "__targets" $ips',
    ...(o.ipsecCheck ? [IPSEC_CHECK] : []),
    // As in pingScript: small packets first, then the large ones, PINGS_AT_ONCE at a time.
    'n=0; for j in $jobs; do IFS=: read -r k a s <<EOF',
    '$j',
    'EOF',
    `  [ -z "$s" ] && { p "$k" "$a"; n=$((n+1)); [ $((n % ${PINGS_AT_ONCE})) -eq 0 ] && wait; }; done`,
    'for j in $jobs; do IFS=: read -r k a s <<EOF',
    '$j',
    'EOF',
    `  [ -n "$s" ] && { p "$k" "$a" "$s"; n=$((n+1)); [ $((n % ${PINGS_AT_ONCE})) -eq 0 ] && wait; }; done; wait`,
    // Failed pings get one more try once nobody pings this task any more (`quiet`): a lone reply lost on a busy machine.
    // Passed as the verdict says (PASSED), read by the shell itself: no grep per ping (see collectCommand).
    `again=""; for j in $jobs; do passed ${PING_FILE}\${j%%:*} || again="$again $j"; done`,
    `if [ -n "$again" ]; then quiet; n=0; for j in $again; do IFS=: read -r k a s <<EOF`,
    '$j',
    'EOF',
    `  p "$k" "$a" "$s"; n=$((n+1)); [ $((n % ${RETRY_AT_ONCE})) -eq 0 ] && wait; done; wait; fi`,
    `for j in $jobs; do k=\${j%%:*}; ${collectCommand('$k')}; done; ${REMOVE_PING_FILES}`,
    'echo "__done"',
    ...(rounds ? [`r=$((r+1)); sleep ${o.roundsEveryS}; [ "$(date +%s)" -lt "$end" ] || break`, 'done'] : ['break', 'done']),
    // Each line as it comes (a watch's rounds must not wait in a buffer), prefixed with the node id.
    '} 2>&1 | while IFS= read -r l; do echo "@$SO_NODE $l"; done',
    // Stay up for the other tasks' pings until the lease ends (the run removes the service sooner).
    'while [ "$(date +%s)" -lt "$end" ]; do sleep 1; done',
  ].join('\n');
}

/** Splits the service logs' multiplexed stream (8-byte frame headers) into text; a raw text answer is kept as is. */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const kind = buf[at]!;
    const size = buf.readUInt32BE(at + 4);
    if (kind > 2 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0 || at + 8 + size > buf.length) {
      // Not a frame (a TTY stream, or a cut answer): keep the rest as text.
      if (at === 0) return buf.toString('utf8');
      break;
    }
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The log lines of each task, by the node id that starts them (`@<node id> `); other lines are dropped. */
export function linesByNode(text: string): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^@([A-Za-z0-9]{1,64}) (.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push(m[2]!);
    out.set(m[1]!, list);
  }
  return new Map([...out].map(([k, v]) => [k, v.join('\n') + '\n']));
}

export type TargetKind = 'name' | 'ip' | 'large';
const KINDS: TargetKind[] = ['name', 'ip', 'large'];

export interface TaskReport {
  /** The addresses of the tasks this task found in its DNS, in its order. */
  targets: string[];
  /** Per target address and kind, the ping's raw output and exit code. */
  results: Map<string, { raw: string; exitCode?: number }>;
  /** Whether the task printed its whole report. */
  done: boolean;
  /** Whether the node's kernel has the IPsec an encrypted overlay needs, when the task was asked. */
  ipsec?: boolean;
}

/** A watching task's lines split by round (`__round <n>`): the text of each round, by its number. */
export function linesByRound(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let round: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^__round (\d{1,9})$/.exec(line);
    if (m) round = Number(m[1]);
    else if (round !== undefined) out.set(round, (out.get(round) ?? '') + line + '\n');
  }
  return out;
}

/** One task's report, from its lines; undefined until it has printed its list of targets. */
export function parseTaskReport(text: string): TaskReport | undefined {
  const head = /^__targets((?: [0-9.]{7,15})*) *$/m.exec(text);
  if (!head) return undefined;
  const targets = head[1]!.trim().split(' ').filter(Boolean);
  const done = /^__done$/m.test(text);
  const split = splitPingOutput(text, targets.length * 3);
  const results = new Map<string, { raw: string; exitCode?: number }>();
  targets.forEach((ip, i) => KINDS.forEach((kind, k) => results.set(`${ip}/${kind}`, split[3 * i + k]!)));
  return { targets, results, done, ipsec: parseIpsecCheck(text) };
}
