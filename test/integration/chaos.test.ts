// A chaos run: a few dozen random faults (sshd stopped, dockerd frozen or stopped, the host's links to
// the other hosts cut, 4789/udp dropped, a cancel, a second run at the same time, a settings change)
// injected at a random step of swarm init, join, leave, network create and the matrix. After each
// episode, with the fault healed, it checks what the product promises whatever happened:
// - the operation ended within its bound, and a failure was one clear sentence;
// - a matrix left probes or a temporary network only on a host it could not reach, and once their
//   lease is over the next run's sweep leaves nothing (checked at the end);
// - no connection outlives its core (the process's SSH sessions, read with `ss`);
// - no secret (join token, key passphrase) in any log line, error or CLI output;
// - the core's view of hosts, nodes and networks agrees with the docker CLI's on the hosts.
// Bounded: episodes start until CHAOS_BUDGET_S (default 100) has passed, at least 12 and at most
// CHAOS_EPISODES (default 30). CHAOS_SEED replays a run (with the same episode count).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { isCancelled, isCancelledLate, userMessage } from '../../src/core/errors';
import { PROBE_LABEL, sweepProbes } from '../../src/core/matrix/probes';
import { type MatrixResult, runMatrix } from '../../src/core/matrix/runMatrix';
import { sweepProbeServices } from '../../src/core/matrix/serviceMatrix';
import { TEMPORARY_LABEL, sweepTemporaryNetworks } from '../../src/core/matrix/temporaryCopy';
import type { MatrixMode } from '../../src/shared/matrix';
import { createOverlay, listNetworks } from '../../src/core/networks/overlayNetworks';
import type { SecretPrompter } from '../../src/core/ssh/auth';
import { initSwarm, joinSwarm, leaveSwarm } from '../../src/core/swarm/swarmActions';
import { swarmOverview } from '../../src/core/swarm/swarmOverview';
import { LAB_DIR, lab, labMatrixArgs, labCore, labExec, spawnCliProcess } from '../support/lab';

const run = promisify(execFile);
const L = lab();
const IMAGE = 'swarm-overlay/probe:busybox';
const names = ['h1', 'h2', 'h3'];
const EPISODES = Number(process.env.CHAOS_EPISODES ?? 30);
const MIN_EPISODES = Math.min(12, EPISODES);
const BUDGET_MS = Number(process.env.CHAOS_BUDGET_S ?? 100) * 1000;
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PASSPHRASE = 'chaos passphrase 7f3e';
/**
 * Shorter bounds than the defaults (10 s, 20 s), so a frozen daemon costs seconds: every request to a
 * host is bounded by these. 8 s, not less: the first container on an overlay can take 4–5 s to start here.
 */
const CONNECT_MS = 2000;
const REQUEST_MS = 8000;
const LEASE_S = 6;
/** A service-mode run cannot outlast its lease (its tasks end with it): long enough for placing and measuring here. */
const SERVICE_LEASE_S = 30;
/**
 * What each operation may take at most with those bounds, whatever the fault: its requests run one
 * after another (up to ~6 for join), each bounded by CONNECT_MS + REQUEST_MS; the matrix adds its
 * gossip wait (6 s here), two ping rounds and the probes' removal.
 */
const BOUND_MS: Record<OpKind, number> = { init: 40_000, join: 50_000, leave: 30_000, create: 40_000, matrix: 75_000 };
/** How many steps each operation announces on its way (a fault comes at one of them). */
const STEPS: Record<OpKind, number> = { init: 4, join: 6, leave: 3, create: 5, matrix: 8 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type OpKind = 'init' | 'join' | 'leave' | 'create' | 'matrix';
const HOST_FAULTS = ['sshd-stop', 'dockerd-freeze', 'dockerd-stop', 'link-cut', 'vxlan-drop'] as const;
const FAULTS = [...HOST_FAULTS, 'cancel', 'concurrent', 'settings'] as const;
type FaultKind = (typeof FAULTS)[number];
/** Faults after which the host cannot be reached to clean up (its probe may wait for its lease). */
const CUTS_OFF = new Set<FaultKind>(['sshd-stop', 'dockerd-freeze', 'dockerd-stop']);

/** mulberry32: a small seeded generator, so a failing run can be replayed with CHAOS_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ctl = (host: string, action: string) => run(path.join(LAB_DIR, 'ctl.sh'), [host, action], { timeout: 90_000 });
const inHost = (host: string, args: string[]) => run(path.join(LAB_DIR, 'exec.sh'), [host, ...args], { timeout: 60_000 });
const CUT = [
  ['INPUT', '-s', '10.99.0.0/28', '-j', 'DROP'],
  ['OUTPUT', '-d', '10.99.0.0/28', '-j', 'DROP'],
];
const VXLAN = [
  ['INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP'],
  ['OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP'],
];

/** How a host fault is applied and healed (the heal must work whether or not the apply finished). */
const HOST_FAULT_ACTIONS: Record<
  (typeof HOST_FAULTS)[number],
  { apply: (h: string) => Promise<unknown>; heal: (h: string) => Promise<unknown> }
> = {
  'sshd-stop': { apply: (h) => ctl(h, 'stop-sshd'), heal: (h) => ctl(h, 'start-sshd') },
  'dockerd-freeze': {
    apply: (h) => inHost(h, ['sh', '-c', 'kill -STOP $(pidof dockerd)']),
    heal: (h) => inHost(h, ['sh', '-c', 'kill -CONT $(pidof dockerd)']),
  },
  'dockerd-stop': { apply: (h) => ctl(h, 'stop-dockerd'), heal: (h) => ctl(h, 'start-dockerd') },
  'link-cut': {
    apply: (h) => Promise.all(CUT.map((r) => inHost(h, ['iptables', '-I', ...r]))),
    heal: (h) => Promise.all(CUT.map((r) => inHost(h, ['sh', '-c', `while iptables -D ${r.join(' ')} 2>/dev/null; do :; done`]))),
  },
  'vxlan-drop': {
    apply: (h) => Promise.all(VXLAN.map((r) => inHost(h, ['iptables', '-I', ...r]))),
    heal: (h) => Promise.all(VXLAN.map((r) => inHost(h, ['sh', '-c', `while iptables -D ${r.join(' ')} 2>/dev/null; do :; done`]))),
  },
};

/** Heals every host fault on every host: after a test run that died mid-episode too. */
function healEverything(): void {
  for (const h of names) {
    for (const r of [...CUT, ...VXLAN]) labExecQuiet(h, ['sh', '-c', `while iptables -D ${r.join(' ')} 2>/dev/null; do :; done`]);
    labExecQuiet(h, ['sh', '-c', 'kill -CONT $(pidof dockerd) 2>/dev/null; true']);
    for (const a of ['start-sshd', 'start-dockerd']) {
      try {
        execFileSync(path.join(LAB_DIR, 'ctl.sh'), [h, a], { stdio: 'ignore', timeout: 90_000 });
      } catch {
        // already running
      }
    }
  }
}

function labExecQuiet(host: string, args: string[]): void {
  try {
    labExec(host, args);
  } catch {
    // best effort
  }
}

process.on('exit', () => {
  for (const h of names) labExecQuiet(h, ['sh', '-c', 'kill -CONT $(pidof dockerd) 2>/dev/null; true']);
});

/** The docker CLI's view on one host: swarm state, whether it is a manager, its node id. */
async function oracleHost(h: string): Promise<{ state: string; manager: boolean; nodeId: string }> {
  const { stdout } = await inHost(h, [
    'docker',
    'info',
    '--format',
    '{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}|{{.Swarm.NodeID}}',
  ]);
  const [state = '', manager = '', nodeId = ''] = stdout.trim().split('|');
  return { state, manager: manager === 'true', nodeId };
}

interface Counts {
  episodes: number;
  applied: Record<string, number>;
  ops: Record<string, { ok: number; failed: number; cancelled: number; maxMs: number }>;
  matrixGreen: number;
  matrixFailingPairs: number;
  leftBehind: number;
  secondRuns: number;
  viewChecks: number;
}

describe(`chaos: random faults during init, join, create and the matrix (seed ${SEED})`, () => {
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const lines: string[] = [];
  const outputs: string[] = [];
  const tokens = new Set<string>();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'so-chaos-'));
  const identity = path.join(tmp, 'id_ed25519');
  const secrets: SecretPrompter = { passphrase: async () => PASSPHRASE, password: async () => undefined };
  const newCore = () =>
    labCore(
      {
        hosts: L.hosts.map((h) => ({ ...h, identityFile: identity })),
        secrets,
        connectTimeoutMs: CONNECT_MS,
        requestTimeoutMs: REQUEST_MS,
      },
      lines,
    );
  let core: Core;
  let networkSeq = 0;
  const networks: Array<{ name: string; attachable: boolean }> = [];
  const counts: Counts = {
    episodes: 0,
    applied: {},
    ops: {},
    matrixGreen: 0,
    matrixFailingPairs: 0,
    leftBehind: 0,
    secondRuns: 0,
    viewChecks: 0,
  };
  const log = (s: string) => console.log(`chaos[${SEED}]: ${s}`);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    // The lab key with a passphrase: the passphrase goes through the core and must never be logged.
    copyFileSync(L.identity, identity);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', identity]);
    healEverything();
    await resetSwarms();
    core = newCore();
  });

  after(async () => {
    healEverything();
    core?.dispose();
    await resetSwarms();
    rmSync(tmp, { recursive: true, force: true });
    process.off('unhandledRejection', onUnhandled);
  });

  /** Every host out of any swarm, through the docker CLI on the hosts (the harness, not the product). */
  async function resetSwarms(): Promise<void> {
    for (const h of [...names].reverse()) await inHost(h, ['docker', 'swarm', 'leave', '--force']).catch(() => undefined);
    networks.length = 0;
  }

  /** SSH sessions this process holds to the lab hosts. */
  function sshSessions(): number {
    const out = execFileSync('ss', ['-Htnp', 'state', 'established', '( dport = :22 )'], { encoding: 'utf8' });
    return out.split('\n').filter((l) => /10\.99\.0\.\d+:22\b/.test(l) && l.includes(`pid=${process.pid},`)).length;
  }

  async function labState(): Promise<Record<string, { state: string; manager: boolean; nodeId: string }>> {
    return Object.fromEntries(await Promise.all(names.map(async (h) => [h, await oracleHost(h)] as const)));
  }

  /** The next operation: what the lab's state allows, at random. */
  async function chooseOp(): Promise<{ kind: OpKind; host: string; members: string[]; mode: MatrixMode }> {
    const s = await labState();
    // A host left half-joined by a fault (pending, error) is put back by the harness first.
    for (const h of names)
      if (s[h]!.state === 'pending' || s[h]!.state === 'error') await inHost(h, ['docker', 'swarm', 'leave', '--force']);
    if (!(s.h1!.state === 'active' && s.h1!.manager)) {
      if (s.h1!.state === 'active') await resetSwarms();
      return { kind: 'init', host: 'h1', members: [], mode: 'containers' };
    }
    const out = names.filter((h) => h !== 'h1' && s[h]!.state !== 'active');
    const workers = names.filter((h) => h !== 'h1' && s[h]!.state === 'active');
    const members = ['h1', ...workers];
    // A third of the matrix runs go through the manager alone, as one swarm service.
    const mode: MatrixMode = random() < 0.33 ? 'service' : 'containers';
    // Weights: the matrix 45 %, network create 20 %, join 20 % (when a host is out), leave 15 % (when one is in).
    const r = random();
    if (out.length > 0 && (workers.length === 0 || r < 0.2)) return { kind: 'join', host: pick(out), members, mode };
    if (workers.length > 0 && r >= 0.85) return { kind: 'leave', host: pick(workers), members, mode };
    if (networks.length === 0 || r < 0.4) return { kind: 'create', host: 'h1', members, mode };
    return { kind: 'matrix', host: 'h1', members, mode };
  }

  /** Runs one operation with the core it is given, announcing its steps. */
  async function operate(
    c: Core,
    { kind, host, members, mode }: { kind: OpKind; host: string; members: string[]; mode: MatrixMode },
    signal: AbortSignal,
    onStep: (s: string) => void,
    runId: string,
  ): Promise<MatrixResult | undefined> {
    const steps = { signal, onStep };
    const h = (n: string) => c.hosts.get(n);
    switch (kind) {
      case 'init':
        await initSwarm(h(host), { advertiseAddr: '10.99.0.1' }, steps);
        return undefined;
      case 'join':
        await joinSwarm(h(host), h('h1'), 'worker', c.redactor, steps);
        return undefined;
      case 'leave':
        await leaveSwarm(h(host), false, steps);
        return undefined;
      case 'create': {
        const name = `so-chaos-${++networkSeq}`;
        const attachable = random() < 0.8;
        await createOverlay(c.hosts, h('h1'), names, { name, attachable, encrypted: false, internal: false, labels: {} }, steps);
        networks.push({ name, attachable });
        return undefined;
      }
      case 'matrix': {
        return runMatrix(c.hosts, {
          network: networks[networks.length - 1]!.name,
          via: 'h1',
          hosts: members,
          image: IMAGE,
          logger: c.logger,
          mode,
          runId,
          leaseS: mode === 'service' ? SERVICE_LEASE_S : LEASE_S,
          convergeTimeoutMs: 6_000,
          temporaryCopy: true,
          ...steps,
        });
      }
    }
  }

  /** The run id of episode i's matrix run: its leftovers are told apart from an earlier, excused episode's. */
  const episodeRun = (i: number) => `chaos${SEED}e${i}`;

  /**
   * Probe containers, temporary networks and (on a manager) probe services on each host, read through the
   * docker CLI: of one run, or of every run.
   */
  async function leftovers(runId?: string): Promise<Record<string, { probes: number; networks: number; services: number }>> {
    const count = (s: string) => s.split('\n').filter(Boolean).length;
    const of = (label: string) => (runId ? `label=${label}=${runId}` : `label=${label}`);
    return Object.fromEntries(
      await Promise.all(
        names.map(async (h) => {
          const ps = await inHost(h, ['docker', 'ps', '-aq', '--filter', of(PROBE_LABEL)]);
          const nets = await inHost(h, ['docker', 'network', 'ls', '-q', '--filter', of(TEMPORARY_LABEL)]);
          const manager = (await oracleHost(h)).manager;
          const services = manager ? await inHost(h, ['docker', 'service', 'ls', '-q', '--filter', of(PROBE_LABEL)]) : { stdout: '' };
          return [h, { probes: count(ps.stdout), networks: count(nets.stdout), services: count(services.stdout) }] as const;
        }),
      ),
    );
  }

  /** Waits until every host answers through the core (a healed fault may take a moment). */
  async function settle(): Promise<void> {
    const end = Date.now() + 30_000;
    for (;;) {
      const s = await core.hosts.statusAll();
      if (s.every((x) => x.reachable)) return;
      if (Date.now() > end) assert.fail(`hosts still unreachable 30 s after healing: ${JSON.stringify(s.filter((x) => !x.reachable))}`);
      await sleep(500);
    }
  }

  /** The core's view (what the sidebar shows) against the docker CLI's, until they agree (15 s). */
  async function assertViewsAgree(what: string): Promise<void> {
    const end = Date.now() + 15_000;
    for (;;) {
      const statuses = await core.hosts.statusAll();
      const view = await swarmOverview(core.hosts, statuses);
      const oracle = await labState();
      const mine = {
        hosts: Object.fromEntries(statuses.map((s) => [s.name, [s.swarm.state, s.swarm.isManager, s.swarm.nodeId]])),
        nodes: view.swarms
          .flatMap((sw) => sw.nodes.map((n) => `${n.hostname}|${n.managerStatus ?? ''}|${n.availability}|${n.status}`))
          .sort(),
        networks: [] as string[],
      };
      const theirs = {
        hosts: Object.fromEntries(names.map((h) => [h, [oracle[h]!.state, oracle[h]!.manager, oracle[h]!.nodeId]])),
        nodes: [] as string[],
        networks: [] as string[],
      };
      if (oracle.h1!.manager) {
        const nodes = await inHost('h1', [
          'docker',
          'node',
          'ls',
          '--format',
          '{{.Hostname}}|{{.ManagerStatus}}|{{.Availability}}|{{.Status}}',
        ]);
        theirs.nodes = nodes.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.toLowerCase())
          .sort();
        const nets = await inHost('h1', ['docker', 'network', 'ls', '--filter', 'driver=overlay', '--format', '{{.Name}}']);
        theirs.networks = nets.stdout.trim().split('\n').filter(Boolean).sort();
        mine.networks = (await listNetworks(core.hosts.get('h1')))
          .filter((n) => n.driver === 'overlay')
          .map((n) => n.name)
          .sort();
      }
      const a = JSON.stringify(mine);
      const b = JSON.stringify(theirs);
      if (a === b) {
        counts.viewChecks++;
        return;
      }
      if (Date.now() > end) assert.fail(`${what}: the views never agreed with the docker CLI within 15 s:\ncore ${a}\ncli  ${b}`);
      await sleep(1000);
    }
  }

  test(`${MIN_EPISODES} to ${EPISODES} episodes within ${BUDGET_MS / 1000} s`, { timeout: 15 * 60_000 }, async () => {
    const started = Date.now();
    for (let i = 1; i <= EPISODES && (i <= MIN_EPISODES || Date.now() - started < BUDGET_MS); i++) {
      const choice = await chooseOp();
      const { kind, host } = choice;
      const fault = pick(FAULTS);
      const target = pick(names);
      // Step 0: the fault is there before the operation starts (a host already down when the user clicks);
      // otherwise it comes while the operation runs, at one of its steps (applied without pausing it).
      const atStep = random() < 0.3 ? 0 : 1 + Math.floor(random() * STEPS[kind]);
      const transientMs = random() < 0.4 ? 1000 + Math.floor(random() * 3000) : undefined;
      const what = `episode ${i}: ${kind}${kind === 'matrix' ? ` (${choice.mode})` : ''} on ${host}, ${fault}${HOST_FAULTS.includes(fault as never) ? ` on ${target}` : ''} at step ${atStep}${transientMs ? ` for ${transientMs} ms` : ''}`;
      const controller = new AbortController();
      const opCore = core;
      const release = opCore.hold();
      let applied: Promise<unknown> | undefined;
      let healed: Promise<unknown> | undefined;
      let second: Promise<{ ms: number; error?: string; result?: MatrixResult | string }> | undefined;
      let stepsSeen = 0;
      const hostFault = HOST_FAULTS.includes(fault as never) ? HOST_FAULT_ACTIONS[fault as (typeof HOST_FAULTS)[number]] : undefined;
      const heal = () => (healed ??= (applied ?? Promise.resolve()).then(() => hostFault?.heal(target)));
      const inject = () => {
        counts.applied[fault] = (counts.applied[fault] ?? 0) + 1;
        if (hostFault) {
          // Caught at once (a failed apply is logged, not an unhandled rejection); the heal runs after it either way.
          applied = hostFault.apply(target).catch((err: unknown) => log(`${what}: applying the fault failed: ${String(err)}`));
          if (transientMs) void sleep(transientMs).then(heal);
        } else if (fault === 'cancel') controller.abort();
        else if (fault === 'settings') {
          // What a settings change does in VS Code: the core is replaced; the running operation keeps the old one.
          core = newCore();
          opCore.retire();
        } else if (fault === 'concurrent') second = secondRun(kind);
      };
      const onStep = () => {
        if (++stepsSeen === atStep) inject();
      };
      if (atStep === 0) {
        inject();
        await applied;
      }
      const t = Date.now();
      let outcome: 'ok' | 'failed' | 'cancelled' = 'ok';
      let error = '';
      let result: MatrixResult | undefined;
      try {
        result = await operate(opCore, choice, controller.signal, onStep, episodeRun(i));
      } catch (err) {
        error = userMessage(err);
        outcome = isCancelled(err) || isCancelledLate(err) ? 'cancelled' : 'failed';
      } finally {
        release();
      }
      const ms = Date.now() - t;
      if (stepsSeen < atStep) counts.applied[`${fault} (not reached)`] = (counts.applied[`${fault} (not reached)`] ?? 0) + 1;
      const secondOutcome = second ? await second : undefined;
      const probesBeforeHeal = kind === 'matrix' ? await leftovers(episodeRun(i)).catch(() => undefined) : undefined;
      await heal();
      await settle();
      const op = (counts.ops[kind] ??= { ok: 0, failed: 0, cancelled: 0, maxMs: 0 });
      op[outcome]++;
      op.maxMs = Math.max(op.maxMs, ms);
      counts.episodes++;
      log(
        `${what}: ${outcome} in ${ms} ms${error ? ` (${error})` : ''}${result ? `, ${result.ok ? 'green' : 'not green'}, ${result.cells.filter((c) => !c.ok).length} failing pair(s) ${JSON.stringify([...result.problems, ...result.diagnoses])}` : ''}`,
      );
      outputs.push(error);

      // 1. Within its bound; a failure is one sentence, never a transport's words.
      assert.ok(ms <= BOUND_MS[kind], `${what}: took ${ms} ms, bound ${BOUND_MS[kind]} ms`);
      if (error) {
        assert.doesNotMatch(error, /\n|socket hang up|ECONNRESET|EPIPE|ERR_|\bat \S+:\d+:\d+/, `${what}: ${error}`);
        assert.match(error, /[.)?!]$/, `${what}: not a sentence: ${error}`);
      }
      if (secondOutcome) {
        counts.secondRuns++;
        assert.ok(secondOutcome.ms <= BOUND_MS.matrix, `${what}: the second run took ${secondOutcome.ms} ms`);
        if (secondOutcome.error)
          assert.doesNotMatch(secondOutcome.error, /socket hang up|\bat \S+:\d+:\d+/, `${what}: second run: ${secondOutcome.error}`);
      }
      // 2. A settings change or a second run does not break the operation under way.
      if (fault === 'settings' || fault === 'concurrent') assert.notEqual(outcome, 'cancelled', what);
      if (fault === 'settings' && stepsSeen >= atStep)
        assert.doesNotMatch(error, /settings changed/, `${what}: the old core's operation lost its connections`);
      // 3. A matrix's leftovers: only where it could not clean up.
      if (result) {
        if (result.ok) counts.matrixGreen++;
        counts.matrixFailingPairs += result.cells.filter((c) => !c.ok).length;
      }
      if (probesBeforeHeal) {
        // Probes only on a host the run could not reach, or one it reported as not taking part (a create or start
        // that did not answer in time may still complete in the daemon: that probe ends with its lease); a
        // temporary network only while such a probe still holds it.
        const cutOff = CUTS_OFF.has(fault) && stepsSeen >= atStep;
        const excused = (h: string) => (cutOff && h === target) || (result?.problems.some((p) => p.host === h) ?? false);
        for (const [h, left] of Object.entries(probesBeforeHeal)) {
          counts.leftBehind += left.probes + left.networks + left.services;
          if (left.probes > 0)
            assert.ok(excused(h), `${what}: ${left.probes} probe(s) left on ${h}, which it could reach and reported fine`);
        }
        // The probe service goes through h1 alone: only a cut-off h1 may leave it.
        const servicesLeft = Object.values(probesBeforeHeal).some((l) => l.services > 0);
        if (servicesLeft) assert.ok(cutOff && target === 'h1', `${what}: a probe service was left though h1 could remove it`);
        const probesLeft = Object.values(probesBeforeHeal).some((l) => l.probes > 0);
        const networksLeft = Object.values(probesBeforeHeal).some((l) => l.networks > 0);
        // A host that did not take part may still hold an endpoint on it in the swarm's books for a while.
        if (networksLeft)
          assert.ok(
            probesLeft || cutOff || (result?.problems.length ?? 0) > 0,
            `${what}: a temporary network was left after a run that went fine`,
          );
      }
      // 4. No connection outlives its core: at most one SSH session per host for the one live core.
      const sessions = sshSessions();
      assert.ok(sessions <= names.length, `${what}: ${sessions} SSH sessions open for one core of ${names.length} hosts`);
      // 5. The views agree with the lab.
      await assertViewsAgree(what);
      assert.deepEqual(unhandled, [], `${what}: unhandled rejections`);
      // The tokens of a swarm an init made, whatever it reported: a connection cut after Docker's answer
      // fails the init for the user while the swarm exists (its tokens are then just as leakable).
      if (kind === 'init' && (await oracleHost('h1')).manager) {
        for (const role of ['worker', 'manager'])
          tokens.add((await inHost('h1', ['docker', 'swarm', 'join-token', '-q', role])).stdout.trim());
      }
    }

    // The end: once every lease is over, the next run's sweeps leave nothing on any host.
    const none = { probes: 0, networks: 0, services: 0 };
    const clean = (l: Record<string, typeof none>) => Object.values(l).every((x) => x.probes + x.networks + x.services === 0);
    if (!clean(await leftovers())) await sleep((SERVICE_LEASE_S + 11) * 1000);
    const { liveRuns } = await sweepProbes(core.hosts, names, core.logger);
    const via = core.hosts.get('h1');
    await sweepTemporaryNetworks(via, core.logger, liveRuns, 'final-sweep').catch(() => 0);
    if ((await oracleHost('h1')).manager) await sweepProbeServices(via, core.logger);
    const left = await leftovers();
    assert.deepEqual(
      left,
      { h1: none, h2: none, h3: none },
      'probes, temporary networks or probe services left after the lease and a sweep',
    );
    // No secret anywhere: not in a log line, not in an error, not in a CLI's output.
    const text = [...lines, ...outputs].join('\n');
    for (const token of tokens) assert.ok(!text.includes(token), 'a join token was logged');
    assert.doesNotMatch(text, /SWMTKN-1-[0-9a-z]{20,}/i, 'something that looks like a join token was logged');
    assert.ok(!text.includes(PASSPHRASE), 'the key passphrase was logged');
    assert.ok(tokens.size >= 2, 'the swarm was initialized at least once, so there were tokens to leak');
    log(`${counts.episodes} episodes in ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(counts)}`);
  });

  /** A second operation at the same time: another matrix run (the CLI, as a CI job would) or a refresh from another core. */
  async function secondRun(kind: OpKind): Promise<{ ms: number; error?: string; result?: string }> {
    const t = Date.now();
    if (kind === 'matrix') {
      const net = networks[networks.length - 1]!;
      const cli = spawnCliProcess(
        labMatrixArgs(
          net.name,
          '--lease',
          String(LEASE_S),
          '--temporary',
          '--json',
          '--connect-timeout',
          String(CONNECT_MS / 1000),
          '--request-timeout',
          String(REQUEST_MS / 1000),
        ),
      );
      let out = '';
      cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => cli.on('close', resolve));
      outputs.push(out);
      return { ms: Date.now() - t, result: `exit ${code}`, ...(code === 0 || code === 1 ? {} : { error: out.trim().split('\n').pop() }) };
    }
    const other = newCore();
    try {
      const statuses = await other.hosts.statusAll();
      await swarmOverview(other.hosts, statuses);
      return { ms: Date.now() - t };
    } catch (err) {
      return { ms: Date.now() - t, error: userMessage(err) };
    } finally {
      other.dispose();
    }
  }
});
