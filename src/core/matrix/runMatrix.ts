// The connectivity matrix: one short-lived probe container per host on the network, every ordered
// pair pinged by name, by IP and with a large packet (one exec per source, all targets at once),
// results streamed per cell, a diagnosis, and the probes always removed. Runs may overlap on the same
// hosts and network: each names, labels and pings only its own probes, and sweeps only what belongs to
// runs that are over (lease.ts).
import { randomBytes } from 'node:crypto';
import type { HostProblem, MatrixCell, MatrixMode, MatrixReport, PingResult } from '../../shared/matrix';
import { Cancelled, Refused, userMessage } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import { hostStatus } from '../hosts/hostStatus';
import type { Logger } from '../log';
import { type InspectedNetwork, inspectAllocated } from '../networks/overlayNetworks';
import { type StepOptions, abortableDelay, checkpoint } from '../steps';
import {
  IPSEC_CHECK,
  type Unseen,
  anyRaftSlowPair,
  finishCell,
  ipsecDiagnoses,
  overallDiagnoses,
  parseIpsecCheck,
  raftLatencyDiagnoses,
  unseenDiagnoses,
  withUnseen,
} from './diagnosis';
import { parsePing } from './pingOutput';
import { type PingPlan, type PingTarget, pingScript, splitPingOutput } from './pingScript';
import { DEFAULT_LEASE_S, leaseProblem } from './lease';
import { type Probe, ProbeShell, execInProbe, placeProbes, removeProbes, renewLeases, sweepProbes } from './probes';
import { type ServiceRunOptions, openServiceWatch, runServiceMatrix, sweepProbeServices } from './serviceMatrix';
import { waitOutRecentLeaves, waitUntilKnown } from './settle';
import { createTemporaryCopy, removeWhenFree, sweepTemporaryNetworks } from './temporaryCopy';

export const DEFAULT_PROBE_IMAGE = 'alpine:3.20';

export interface MatrixOptions extends StepOptions {
  network: string;
  /** The host the network is read through (a manager for an overlay). */
  via: string;
  /** Containers mode: configured host names. Service mode: node hostnames (or ids); empty for every node. */
  hosts: string[];
  /** How the probes run (default containers; matrixMode.ts chooses for `auto`). */
  mode?: MatrixMode;
  image: string;
  plan?: PingPlan;
  /** Run id, to name and label the probes; random by default. */
  runId?: string;
  /** Seconds the probes and a temporary copy outlive this run if it dies without cleaning up (default 60; lease.ts). */
  leaseS?: number;
  logger: Logger;
  onProgress?: (message: string) => void;
  onCell?: (cell: MatrixCell) => void;
  /** When the overlay is not attachable, check a temporary attachable copy of it (removed afterwards). */
  temporaryCopy?: boolean;
  /** How long to wait for every host to learn of every probe through gossip (default 20 s). */
  convergeTimeoutMs?: number;
}

export interface MatrixResult extends MatrixReport {
  largeSize: number;
  timings: { sweepMs: number; settleMs: number; placeMs: number; convergeMs: number; measureMs: number; cleanupMs: number };
}

/**
 * Pause before failed targets are tried again, after every source's first pass. Gossip is waited for
 * before measuring; what is left is a lone lost reply when every probe pings at once on a busy machine
 * (seen in the 6-host lab: 1 of 3 replies lost even to itself), which a second try after the crowd does
 * not repeat.
 */
const RETRY_DELAY_MS = 200;

export const DEFAULT_PLAN: PingPlan = { count: 3, timeoutS: 2, intervalS: 0.2 };

const CONVERGE_TIMEOUT_MS = 20_000;

export async function runMatrix(hosts: DockerHosts, o: MatrixOptions): Promise<MatrixResult> {
  if (o.mode === 'service') return serviceRun(hosts, o);
  const placed = await placeMatrix(hosts, o);
  let round: MeasuredRound;
  try {
    round = await placed.measure();
  } finally {
    const t = Date.now();
    await placed.remove();
    placed.timings.cleanupMs = Date.now() - t;
  }
  const { cells, diagnoses, ok, measureMs } = round;
  return { ...placed.report(cells, diagnoses, ok), timings: { ...placed.timings, measureMs } };
}

async function inspectForRun(hosts: DockerHosts, o: MatrixOptions): Promise<{ runId: string; leaseS: number; net: InspectedNetwork }> {
  const problem = leaseProblem(o.leaseS);
  if (problem) throw new Refused(problem);
  const leaseS = o.leaseS ?? DEFAULT_LEASE_S;
  const runId = o.runId ?? randomBytes(4).toString('hex');
  checkpoint(o, 'inspect');
  const net = await inspectAllocated(hosts.get(o.via), o.network, o.signal);
  if (net.Driver !== 'overlay' && !(net.Driver === 'bridge' && o.hosts.length === 1)) {
    throw new Refused(`"${net.Name}" is a ${net.Driver} network: the matrix needs an attachable overlay (or a bridge, for a single host).`);
  }
  return { runId, leaseS, net };
}

/** One measuring pass over placed probes: cells, diagnoses and how long it took. */
export interface MeasuredRound {
  cells: MatrixCell[];
  diagnoses: string[];
  ok: boolean;
  measureMs: number;
}

/**
 * Container probes placed on the network and kept there: `measure()` as often as wanted (only the
 * pings, the retry and the diagnosis), then `remove()` once, whatever happened. Leases are renewed
 * until then. A one-shot run is one `measure()`; a watch is many (watchMatrix.ts).
 */
export interface PlacedMatrix {
  runId: string;
  network: string;
  testedOn?: string;
  hosts: string[];
  largeSize: number;
  problems: HostProblem[];
  probes: readonly Probe[];
  timings: Omit<MatrixResult['timings'], 'measureMs'>;
  measure(): Promise<MeasuredRound>;
  /** The report of one measured round, shaped as a run's. */
  report(cells: MatrixCell[], diagnoses: string[], ok: boolean): MatrixReport & { largeSize: number };
  /** Removes the probes (and a temporary copy); idempotent, never throws, ignores any cancel. */
  remove(): Promise<void>;
}

/** Runs a script in a probe and gives its output. */
type RunScript = (src: Probe, script: string) => Promise<string>;

/**
 * The placing phases of a container-mode run: inspect, sweep, a temporary copy when the overlay is not
 * attachable, settle, place, converge. On a cancel or an error while placing, what was placed is
 * removed before it throws. With `keepShells` (a watch), each probe's round script runs in a shell kept
 * open across rounds (ProbeShell); the retry of failed targets and everything else in a plain exec.
 */
export async function placeMatrix(hosts: DockerHosts, o: MatrixOptions, keepShells = false): Promise<PlacedMatrix> {
  if (o.mode === 'service') throw new Error('placeMatrix places container probes; a service-mode watch is placeServiceWatch');
  const { runId, leaseS, net: inspected } = await inspectForRun(hosts, o);
  const via = hosts.get(o.via);
  const log = o.logger;
  const sealed = inspected.Driver === 'overlay' && !inspected.Attachable;
  if (sealed && !o.temporaryCopy) {
    throw new Refused(
      `The overlay "${inspected.Name}" is not attachable, so test containers cannot join it: check a temporary attachable copy with the same ` +
        'options instead (CLI --temporary; in VS Code, confirm the offer), or create an attachable overlay.',
    );
  }
  checkpoint(o, 'sweep');
  o.onProgress?.('Removing probes of earlier runs that are over…');
  let t = Date.now();
  const { liveRuns } = await sweepProbes(
    hosts,
    hosts.list().map((h) => h.name),
    log,
    runId,
  );
  if (sealed) await sweepTemporaryNetworks(via, log, liveRuns, runId, o.signal);
  const timings = { sweepMs: Date.now() - t, settleMs: 0, placeMs: 0, convergeMs: 0, cleanupMs: 0 };
  const probes: Probe[] = [];
  const problems: HostProblem[] = [];
  const copy = sealed ? `so-check-${runId}` : undefined;
  // Renewed three times per lease while the probes live; a probe not renewed ends by itself (lease.ts).
  const renewal = setInterval(() => void renewLeases(hosts, probes, log), (leaseS * 1000) / 3);
  renewal.unref();
  const shells = new Map<string, ProbeShell>();
  const inExec: RunScript = async (src, script) =>
    (await hosts.get(src.host).call('run pings in a probe', () => execInProbe(src, script, o.signal))).output;
  const inShell: RunScript = async (src, script) => {
    let shell = shells.get(src.name);
    if (shell && shell.script !== script) return inExec(src, script);
    try {
      shell ??= await hosts.get(src.host).call('open a shell in a probe', () => ProbeShell.open(src, script));
      shells.set(src.name, shell);
      return await hosts.get(src.host).call('run pings in a probe', () => shell!.run(o.signal));
    } catch (err) {
      // Timed out, cancelled or gone: this shell is not used again (the next round opens another).
      shell?.close();
      shells.delete(src.name);
      throw err;
    }
  };
  let removed: Promise<void> | undefined;
  const remove = () =>
    (removed ??= (async () => {
      clearInterval(renewal);
      for (const shell of shells.values()) shell.close();
      shells.clear();
      await removeProbes(hosts, probes, log);
      // No signal: after a cancel the copy must still go.
      if (copy && !(await removeWhenFree(via, copy)))
        log.warn(`matrix: could not remove ${copy} yet; a later run removes it once its lease is over`);
    })());
  try {
    let net = inspected;
    if (copy) {
      o.onProgress?.(`"${inspected.Name}" is not attachable: creating the temporary attachable overlay ${copy} with the same options…`);
      checkpoint(o, 'temporary');
      await createTemporaryCopy(via, inspected, copy, runId, leaseS);
      checkpoint(o, 'temporary-created');
      net = await inspectAllocated(via, copy, o.signal);
    }
    checkpoint(o, 'settle');
    if (net.Driver === 'overlay') timings.settleMs = await waitOutRecentLeaves(hosts, o.hosts, net.Id, o.onProgress, o.signal);
    t = Date.now();
    checkpoint(o, 'place');
    o.onProgress?.(`Starting ${o.hosts.length} probe(s)…`);
    await placeProbes(hosts, o.hosts, net.Name, { ...o, runId, leaseS }, probes, problems);
    timings.placeMs = Date.now() - t;
    checkpoint(o, 'converge');
    t = Date.now();
    const live = probes.filter((p) => p.ip);
    let unseen: Unseen = new Map();
    if (net.Driver === 'overlay' && live.length > 1) {
      o.onProgress?.('Waiting until every host knows every probe…');
      unseen = await waitUntilKnown(hosts, net.Name, live, o.convergeTimeoutMs ?? CONVERGE_TIMEOUT_MS, o.signal);
      timings.convergeMs = Date.now() - t;
      for (const [host, missing] of unseen) {
        log.warn(`matrix: after ${timings.convergeMs} ms ${host} still did not know the probe(s) of ${missing.join(', ')}`);
      }
    }
    const largeSize = largeSizeOf(net);
    const encrypted = net.Options?.encrypted !== undefined;
    const note = copy
      ? `"${inspected.Name}" is not attachable: this check ran on ${copy}, a temporary attachable overlay with the same options ` +
        'across the same hosts, removed afterwards.'
      : undefined;
    let measured = 0;
    return {
      runId,
      network: inspected.Name,
      testedOn: copy,
      hosts: o.hosts,
      largeSize,
      problems,
      probes,
      timings,
      // Gossip that had not converged explains failures of the first round only; later ones stand on their own.
      measure: () =>
        measureRound(
          hosts,
          o,
          keepShells ? inShell : inExec,
          live,
          problems,
          largeSize,
          measured++ === 0 ? unseen : new Map(),
          timings.convergeMs,
          encrypted,
        ),
      report: (cells, diagnoses, ok) => ({
        network: inspected.Name,
        mode: 'containers',
        ...(copy ? { testedOn: copy } : {}),
        hosts: o.hosts,
        ok,
        cells,
        diagnoses: note ? [note, ...diagnoses] : diagnoses,
        problems,
        largeSize,
      }),
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** The largest ICMP payload that fits the network's MTU (IPv4 and ICMP headers take 28 bytes). */
function largeSizeOf(net: InspectedNetwork): number {
  return (Number(net.Options?.['com.docker.network.driver.mtu']) || 1450) - 28;
}

/**
 * What both service-mode paths do first: read the network (an overlay: a service needs no attachable
 * network, so no temporary copy), sweep probe services of runs that are over, and the service options.
 */
async function prepareServiceRun(hosts: DockerHosts, o: MatrixOptions) {
  const { runId, leaseS, net } = await inspectForRun(hosts, o);
  if (net.Driver !== 'overlay') throw new Refused(`"${net.Name}" is a ${net.Driver} network: service probes need an overlay.`);
  const via = hosts.get(o.via);
  checkpoint(o, 'sweep');
  o.onProgress?.('Removing probe services of earlier runs that are over…');
  const t = Date.now();
  await sweepProbeServices(via, o.logger, runId);
  const sweepMs = Date.now() - t;
  // As in container mode: Docker 20.10 loses track of a node that rejoins an overlay seconds after
  // leaving it (an earlier run's probes). Only the manager can be asked here; a recent leave there
  // (typically an earlier run's probe, which left everywhere at once) is waited out.
  const settleMs = await waitOutRecentLeaves(hosts, [o.via], net.Id, o.onProgress, o.signal);
  const largeSize = largeSizeOf(net);
  const options: ServiceRunOptions = {
    ...o,
    network: net,
    nodes: o.hosts,
    runId,
    leaseS,
    plan: o.plan ?? DEFAULT_PLAN,
    largeSize,
    convergeTimeoutMs: o.convergeTimeoutMs ?? CONVERGE_TIMEOUT_MS,
  };
  return { runId, net, via, sweepMs, settleMs, largeSize, options };
}

/** Service mode: one swarm service through the manager. */
async function serviceRun(hosts: DockerHosts, o: MatrixOptions): Promise<MatrixResult> {
  const { net, via, sweepMs, settleMs, largeSize, options } = await prepareServiceRun(hosts, o);
  const r = await runServiceMatrix(via, options);
  const ok = r.problems.length === 0 && r.cells.every((c) => c.ok);
  return {
    network: net.Name,
    mode: 'service',
    hosts: r.hosts,
    ok,
    cells: r.cells,
    diagnoses: r.diagnoses,
    problems: r.problems,
    largeSize,
    timings: { sweepMs, settleMs, convergeMs: 0, ...r.timings },
  };
}

/**
 * A watch in service mode, shaped as placed container probes: one probe service through the manager
 * whose tasks measure every `intervalS` seconds for `o.leaseS` (the watch's length); each `measure()`
 * is every task's newest round. Its problems are the latest round's.
 */
export async function placeServiceWatch(hosts: DockerHosts, o: MatrixOptions, intervalS: number): Promise<PlacedMatrix> {
  const { runId, net, via, sweepMs, settleMs, largeSize, options } = await prepareServiceRun(hosts, o);
  const watch = await openServiceWatch(via, options, intervalS);
  const problems = [...watch.problems];
  const timings = { sweepMs, settleMs, convergeMs: 0, cleanupMs: 0, placeMs: 0 };
  return {
    runId,
    network: net.Name,
    hosts: watch.hosts,
    largeSize,
    problems,
    probes: [],
    timings,
    measure: async () => {
      const r = await watch.round();
      problems.splice(0, problems.length, ...r.problems);
      timings.placeMs = watch.timings.placeMs;
      const ok = r.problems.length === 0 && r.cells.every((c) => c.ok);
      return { cells: r.cells, diagnoses: r.diagnoses, ok, measureMs: r.measureMs };
    },
    report: (cells, diagnoses, ok) => ({
      network: net.Name,
      mode: 'service',
      hosts: watch.hosts,
      ok,
      cells,
      diagnoses,
      problems,
      largeSize,
    }),
    remove: async () => {
      await watch.stop();
      timings.cleanupMs = watch.timings.cleanupMs;
    },
  };
}

/** Per probe's host, whether its kernel has the IPsec an encrypted overlay needs (undefined: could not tell). */
async function ipsecSupport(hosts: DockerHosts, live: Probe[], signal?: AbortSignal): Promise<Map<string, boolean | undefined>> {
  const answers = await Promise.all(
    live.map(async (p) => {
      const out = await hosts
        .get(p.host)
        .call('read its kernel’s IPsec support', () => execInProbe(p, IPSEC_CHECK, signal))
        .catch(() => undefined);
      return [p.host, out ? parseIpsecCheck(out.output) : undefined] as const;
    }),
  );
  return new Map(answers);
}

/** Which of the probed hosts are swarm managers: asked only when some pair is slow enough to matter to Raft. */
async function managersAmong(hosts: DockerHosts, names: string[]): Promise<Set<string>> {
  const statuses = await Promise.all(names.map((n) => hostStatus(hosts.get(n))));
  return new Set(statuses.filter((s) => s.reachable && s.swarm.isManager).map((s) => s.name));
}

/** The measuring phase: every live probe pings every other (one exec per source), a retry of what failed, the diagnosis. */
async function measureRound(
  hosts: DockerHosts,
  o: MatrixOptions,
  runScript: RunScript,
  live: Probe[],
  problems: HostProblem[],
  largeSize: number,
  unseen: Unseen,
  convergeMs: number,
  encrypted: boolean,
): Promise<MeasuredRound> {
  const plan = o.plan ?? DEFAULT_PLAN;
  const log = o.logger;
  const t = Date.now();
  const cells: MatrixCell[] = [];
  checkpoint(o, 'measure');
  o.onProgress?.(`Measuring ${live.length * live.length} pair(s)…`);
  const measure = async (src: Probe, targets: PingTarget[]): Promise<Map<string, PingResult>> => {
    let results: Array<{ raw: string; exitCode?: number }>;
    try {
      results = splitPingOutput(await runScript(src, pingScript(targets, plan)), targets.length);
    } catch (err) {
      if (err instanceof Cancelled) throw err;
      const reason = userMessage(err);
      results = targets.map(() => ({ raw: reason }));
    }
    return new Map(targets.map((tg, i) => [tg.key, parsePing(results[i]!.raw, results[i]!.exitCode)]));
  };
  // Failed targets are tried again once every source's first pass is over: a reply lost while every
  // probe pings at once (on a busy machine) is not lost again in the same crowd.
  let firstPassesLeft = live.length;
  let allFirstPassesDone = () => {};
  const firstPassesDone = new Promise<void>((resolve) => (allFirstPassesDone = resolve));
  await Promise.all(
    live.map(async (src) => {
      const targets: PingTarget[] = live.flatMap((dst) => [
        { key: `${dst.host}/name`, address: dst.name },
        { key: `${dst.host}/ip`, address: dst.ip },
        { key: `${dst.host}/large`, address: dst.ip, size: largeSize },
      ]);
      let byKey: Map<string, PingResult>;
      try {
        byKey = await measure(src, targets);
      } finally {
        if (--firstPassesLeft === 0) allFirstPassesDone();
      }
      // Failed targets get one more try before they count as failed (see RETRY_DELAY_MS).
      const failed = targets.filter((tg) => !byKey.get(tg.key)!.ok);
      if (failed.length > 0) {
        const why = failed.map((f) => {
          const r = byKey.get(f.key)!;
          return `${f.key}: ${r.error} [${r.raw.replace(/\s+/g, ' ').slice(0, 400)}]`;
        });
        log.debug(`matrix: from ${src.host}, ${failed.length} target(s) failed the first try (${why.join('; ')}); trying them again`);
        await firstPassesDone;
        checkpoint(o, `retry:${src.host}`);
        await abortableDelay(RETRY_DELAY_MS, o.signal);
        for (const [k, v] of await measure(src, failed)) byKey.set(k, v);
      }
      for (const dst of live) {
        const at = (kind: 'name' | 'ip' | 'large') => byKey.get(`${dst.host}/${kind}`);
        const pings = { byName: at('name')!, byIp: at('ip')!, large: at('large') };
        const measured = finishCell({ from: src.host, to: dst.host, ...pings }, largeSize);
        const cell = withUnseen(measured, unseen, Math.round(convergeMs / 1000));
        cells.push(cell);
        o.onCell?.(cell);
      }
    }),
  );
  const measureMs = Date.now() - t;
  const order = (c: MatrixCell) => o.hosts.indexOf(c.from) * 1000 + o.hosts.indexOf(c.to);
  cells.sort((a, b) => order(a) - order(b));
  const failing = cells.some((c) => !c.ok);
  const ipsec = encrypted && cells.some((c) => c.from !== c.to && !c.byIp.ok) ? await ipsecSupport(hosts, live, o.signal) : new Map();
  const diagnoses = [
    ...ipsecDiagnoses(encrypted, cells, ipsec),
    ...(failing ? unseenDiagnoses(unseen, Math.round(convergeMs / 1000)) : []),
    ...overallDiagnoses(o.hosts, cells, problems),
    ...raftLatencyDiagnoses(anyRaftSlowPair(cells) ? await managersAmong(hosts, o.hosts) : new Set(), cells),
  ];
  const ok = problems.length === 0 && cells.every((c) => c.ok);
  return { cells, diagnoses, ok, measureMs };
}
