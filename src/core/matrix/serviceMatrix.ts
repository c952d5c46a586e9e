// Service mode of the connectivity matrix: every node of the swarm, through one manager connection.
// The probes are ONE global swarm service on the network under test, constrained to the chosen nodes
// (a task per node); each task pings every other task (serviceScript.ts) and the manager reads the
// reports back from the service's logs. Nothing connects to a worker. Nodes that are down, drained or
// paused get no task and are reported with that state; a task that cannot start (image missing, no
// resources) is reported with the swarm's reason. The service is always removed; its tasks end by
// themselves when their lease ends, and a later run sweeps a service left by a run that died.
import type { DockerHost } from '../docker/DockerHost';
import type { HostProblem, MatrixCell, PingResult } from '../../shared/matrix';
import { ConfigError, userMessage } from '../errors';
import type { Logger } from '../log';
import type { SwarmNode } from '../model';
import type { InspectedNetwork } from '../networks/overlayNetworks';
import { listNodes } from '../swarm/nodes';
import { abortableDelay, checkpoint } from '../steps';
import { type Unseen, finishCell, ipsecDiagnoses, overallDiagnoses, raftLatencyDiagnoses, unseenDiagnoses, withUnseen } from './diagnosis';
import { LEASE_LABEL, PROBE_LABEL, probeServiceIsOver } from './lease';
import { parsePing } from './pingOutput';
import { type PingPlan, pingLimitS } from './pingScript';
import { type TaskReport, demuxLogs, linesByNode, linesByRound, parseTaskReport, serviceTaskScript } from './serviceScript';

export interface ServiceRunOptions {
  network: InspectedNetwork;
  /** Node hostnames (or ids) to probe; empty: every node of the swarm. */
  nodes: string[];
  image: string;
  runId: string;
  leaseS: number;
  plan: PingPlan;
  largeSize: number;
  convergeTimeoutMs: number;
  logger: Logger;
  signal?: AbortSignal;
  onStep?: (step: string) => void;
  onProgress?: (message: string) => void;
  onCell?: (cell: MatrixCell) => void;
}

export interface ServiceRunResult {
  hosts: string[];
  cells: MatrixCell[];
  problems: HostProblem[];
  diagnoses: string[];
  timings: { placeMs: number; measureMs: number; cleanupMs: number };
}

interface TaskAnswer {
  ID?: string;
  NodeID?: string;
  Status?: { State?: string; Err?: string; Message?: string };
  NetworksAttachments?: Array<{ Network?: { ID?: string }; Addresses?: string[] }>;
}

interface ServiceAnswer {
  ID?: string;
  CreatedAt?: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

const POLL_MS = 500;
/** Seconds a task may report after the first one did, beyond its own pings (a late start, a busy node). */
const STRAGGLER_SLACK_S = 10;
/** Task states after which a task never reports (it ended, or the swarm gave up on it). */
const ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

export const probeServiceName = (runId: string) => `so-probe-${runId}`;

/**
 * The image reference the service names. By tag, every node asks the registry first (a sealed node
 * waits for that to fail before it uses its local copy); by ID it starts at once. So a tag the
 * manager has is named by its image ID (content-addressed: the same image has the same ID on every
 * node); one it does not have is left as given, for the nodes to pull.
 */
export async function resolveServiceImage(via: DockerHost, image: string, logger: Logger): Promise<string> {
  if (/^sha256:[0-9a-f]{64}$/.test(image) || image.includes('@sha256:')) return image;
  try {
    const info = (await via.call('inspect the probe image', (d) => d.getImage(image).inspect())) as { Id?: string };
    if (info.Id) {
      logger.debug(`matrix: ${image} is ${info.Id} on ${via.name}; the probe service names it by ID`);
      return info.Id;
    }
  } catch {
    // Not on the manager: the nodes pull it.
  }
  logger.info(`matrix: ${image} is not on ${via.name}; the probe service names it as given, so every node pulls it`);
  return image;
}

/** Removes, through the manager, the probe services of runs that are over (lease.ts); returns how many. */
export async function sweepProbeServices(via: DockerHost, logger: Logger, ownRunId?: string): Promise<number> {
  try {
    const services = (await via.call('list probe services', (d) =>
      d.listServices({ filters: { label: [PROBE_LABEL] } }),
    )) as ServiceAnswer[];
    if (services.length === 0) return 0;
    const tasks = (await via.call('list probe tasks', (d) => d.listTasks({ filters: { 'desired-state': ['running'] } }))) as Array<
      TaskAnswer & { ServiceID?: string }
    >;
    const now = Date.now();
    const over = services.filter((s) =>
      probeServiceIsOver(
        {
          Labels: s.Spec?.Labels,
          CreatedAt: s.CreatedAt,
          taskStates: tasks.filter((t) => t.ServiceID === s.ID).map((t) => t.Status?.State ?? ''),
        },
        now,
        ownRunId,
      ),
    );
    await Promise.all(over.map((s) => via.call('remove a probe service', (d) => d.getService(s.ID!).remove()).catch(() => undefined)));
    if (over.length) logger.info(`matrix: removed ${over.length} probe service(s) of runs that are over`);
    return over.length;
  } catch {
    return 0;
  }
}

/** Why a chosen node gets no task, or undefined when it should run one. */
export function nodeProblem(n: SwarmNode): HostProblem | undefined {
  const host = n.hostname || n.id;
  if (n.status === 'down' || n.status === 'disconnected')
    return { host, state: 'down', reason: `the node is ${n.status}${n.statusMessage ? ` (${n.statusMessage})` : ''}` };
  if (n.availability === 'drain') return { host, state: 'drained', reason: 'the node is drained, so it runs no tasks' };
  if (n.availability === 'pause') return { host, state: 'paused', reason: 'the node is paused, so it takes no new tasks' };
  return undefined;
}

function notTried(why: string): PingResult {
  return { ok: false, sent: 0, received: 0, lossPercent: 100, error: why, raw: '' };
}

/** The nodes a probe service covers: `chosen` by hostname or id (empty: all), those that can run a task, and why the others cannot. */
export async function probeNodes(via: DockerHost, chosenNames: string[]) {
  const all = await listNodes(via);
  let chosen = all;
  if (chosenNames.length) {
    chosen = chosenNames.map((name) => {
      const n = all.find((x) => x.hostname === name || x.id === name);
      if (!n) throw new ConfigError(`No node of the swarm ${via.name} manages is named "${name}".`);
      return n;
    });
  }
  const problems: HostProblem[] = [];
  const eligible: SwarmNode[] = [];
  for (const n of chosen) {
    const p = nodeProblem(n);
    if (p) problems.push(p);
    else eligible.push(n);
  }
  const hostOf = new Map(chosen.map((n) => [n.id, n.hostname || n.id]));
  return { all, chosen, names: chosen.map((n) => n.hostname || n.id), eligible, problems, hostOf };
}

/** What a probe service's tasks are given, from the run's options: the nodes, the image by ID, the script. */
async function planService(via: DockerHost, o: ServiceRunOptions, roundsEveryS?: number) {
  checkpoint(o, 'nodes');
  const nodes = await probeNodes(via, o.nodes);
  const encrypted = o.network.Options?.encrypted !== undefined;
  const discoverS = Math.max(1, Math.min(Math.round(o.convergeTimeoutMs / 1000), Math.floor(o.leaseS / 3)));
  if (nodes.eligible.length === 0) return { ...nodes, encrypted, discoverS, image: o.image, script: '' };
  checkpoint(o, 'image');
  const image = await resolveServiceImage(via, o.image, o.logger);
  const script = serviceTaskScript({
    service: probeServiceName(o.runId),
    network: o.network.Name,
    expected: nodes.eligible.length,
    discoverS,
    leaseS: o.leaseS,
    largeSize: o.largeSize,
    plan: o.plan,
    ipsecCheck: encrypted,
    roundsEveryS,
  });
  return { ...nodes, encrypted, discoverS, image, script };
}
type ServicePlan = Awaited<ReturnType<typeof planService>>;

/** The probe tasks' options for a plan (shared by a one-shot run and a watch). */
function tasksOptions(o: ServiceRunOptions, plan: ServicePlan, timings: ServiceRunResult['timings']): ProbeTasksOptions {
  return {
    ...o,
    service: probeServiceName(o.runId),
    image: plan.image,
    script: plan.script,
    networks: [o.network.Id],
    all: plan.all,
    eligible: plan.eligible,
    hostOf: plan.hostOf,
    timings,
    stragglerS: 3 * pingLimitS(o.plan) + STRAGGLER_SLACK_S,
    measuring: `Measuring ${plan.eligible.length * plan.eligible.length} pair(s)…`,
  };
}

/**
 * The cells and diagnoses of one measurement from the tasks' reports (by node id): each task that
 * reported pinged the others it found in its DNS; a pair it did not find is "not tried".
 */
function serviceReport(
  o: ServiceRunOptions,
  plan: ServicePlan,
  reports: ReadonlyMap<string, TaskReport>,
  taskOf: ReadonlyMap<string, TaskAnswer>,
  problems: HostProblem[],
): { cells: MatrixCell[]; diagnoses: string[] } {
  const { chosen, names, eligible, hostOf, encrypted, discoverS } = plan;
  // Every task that reported: its address on the network, so targets map back to nodes.
  const live = eligible.filter((n) => reports.get(n.id)?.done);
  const ipOf = new Map<string, string>();
  for (const n of live) {
    const att = taskOf.get(n.id)?.NetworksAttachments?.find((a) => a.Network?.ID === o.network.Id);
    const ip = att?.Addresses?.[0]?.split('/')[0];
    if (ip) ipOf.set(n.id, ip);
  }
  const unseen: Unseen = new Map();
  const cells: MatrixCell[] = [];
  for (const src of live) {
    const r = reports.get(src.id)!;
    const from = hostOf.get(src.id)!;
    for (const dst of live) {
      const to = hostOf.get(dst.id)!;
      const ip = ipOf.get(dst.id);
      let cell: MatrixCell;
      if (ip && r.targets.includes(ip)) {
        const at = (kind: string) => {
          const x = r.results.get(`${ip}/${kind}`)!;
          return parsePing(x.raw, x.exitCode);
        };
        cell = finishCell({ from, to, byName: at('name'), byIp: at('ip'), large: at('large') }, o.largeSize);
      } else {
        unseen.set(from, [...(unseen.get(from) ?? []), to]);
        const why = `not tried: the task on ${from} did not find the one on ${to} in its DNS`;
        cell = finishCell({ from, to, byName: notTried('name not resolved'), byIp: notTried(why), large: notTried(why) }, o.largeSize);
      }
      cells.push(cell);
    }
  }
  const finalCells = cells.map((c) => withUnseen(c, unseen, discoverS));
  const order = (c: MatrixCell) => names.indexOf(c.from) * 1000 + names.indexOf(c.to);
  finalCells.sort((a, b) => order(a) - order(b));
  const diagnoses = [
    ...ipsecDiagnoses(encrypted, finalCells, new Map([...reports].map(([id, r]) => [hostOf.get(id) ?? id, r.ipsec]))),
    ...(finalCells.some((c) => !c.ok) ? unseenDiagnoses(unseen, discoverS) : []),
    ...overallDiagnoses(names, finalCells, problems),
    ...raftLatencyDiagnoses(new Set(chosen.filter((n) => n.role === 'manager').map((n) => n.hostname || n.id)), finalCells),
  ];
  return { cells: finalCells, diagnoses };
}

export async function runServiceMatrix(via: DockerHost, o: ServiceRunOptions): Promise<ServiceRunResult> {
  const timings = { placeMs: 0, measureMs: 0, cleanupMs: 0 };
  const plan = await planService(via, o);
  const problems = [...plan.problems];
  const reports = new Map<string, TaskReport>();
  let taskOf: ReadonlyMap<string, TaskAnswer> = new Map();
  if (plan.eligible.length > 0) {
    const tasks = await runProbeTasks(via, tasksOptions(o, plan, timings));
    problems.push(...tasks.problems);
    for (const [nodeId, lines] of tasks.lines) {
      const r = parseTaskReport(lines);
      if (r) reports.set(nodeId, r);
    }
    taskOf = tasks.tasks;
  }
  const { cells, diagnoses } = serviceReport(o, plan, reports, taskOf, problems);
  for (const c of cells) o.onCell?.(c);
  return { hosts: plan.names, cells, problems, diagnoses, timings };
}

export interface ProbeTasksOptions {
  service: string;
  runId: string;
  leaseS: number;
  /** Resolved (resolveServiceImage). */
  image: string;
  script: string;
  /** Ids of the networks the tasks join. */
  networks: string[];
  /** Every node of the swarm, and those that get a task. */
  all: SwarmNode[];
  eligible: SwarmNode[];
  hostOf: ReadonlyMap<string, string>;
  timings: { placeMs: number; measureMs: number; cleanupMs: number };
  /** Seconds the others may report after the first one did before they count as not started. */
  stragglerS: number;
  /** The progress line once every task runs. */
  measuring: string;
  logger: Logger;
  signal?: AbortSignal;
  onStep?: (step: string) => void;
  onProgress?: (message: string) => void;
}

export interface ProbeTasks {
  /** Per node id that printed `__done`: its lines (without the `@<node id> ` prefix). */
  lines: Map<string, string>;
  /** The last task answer per eligible node id. */
  tasks: Map<string, TaskAnswer>;
  /** Eligible nodes whose task did not report, and why. */
  problems: HostProblem[];
}

/**
 * The probe service's life, shared by the matrix and the service check: one global service on
 * `networks` with a task on each eligible node (the others excluded by constraints), carrying the run
 * id and lease labels; polls its tasks and logs until every task printed `__done`, ended, or the lease
 * (or the stragglers' time) is over; always removed, on finish, cancel and error.
 */
export async function runProbeTasks(via: DockerHost, o: ProbeTasksOptions): Promise<ProbeTasks> {
  const { eligible, timings } = o;
  let t = Date.now();
  // The service is removed by name in `finally`, so also when the create's answer was lost on the way.
  try {
    const id = await createProbeService(via, o);
    // The run waits no longer than the tasks live.
    const deadline = Date.now() + o.leaseS * 1000;
    const lines = new Map<string, string>();
    const taskOf = new Map<string, TaskAnswer>();
    const failed = new Map<string, string>();
    const isDone = (id: string) => /^__done$/m.test(lines.get(id) ?? '');
    let running = false;
    let firstDone: number | undefined;
    checkpoint(o, 'measure');
    for (;;) {
      await readProbeTasks(via, id, o, { taskOf, lines, failed, isDone });
      if (!running && allStarted(eligible, taskOf)) {
        running = true;
        timings.placeMs = Date.now() - t;
        t = Date.now();
        o.onProgress?.(o.measuring);
      }
      const settled = eligible.every((n) => isDone(n.id) || failed.has(n.id));
      if (settled || Date.now() >= deadline) break;
      // Once some tasks reported, the others get the time a report takes: a task still silent after
      // that sits on a node that died, and the run need not wait its lease.
      if (eligible.some((n) => isDone(n.id))) {
        firstDone ??= Date.now();
        if (Date.now() - firstDone > o.stragglerS * 1000) break;
      }
      await abortableDelay(POLL_MS, o.signal);
    }
    timings.measureMs = Date.now() - t;
    const problems: HostProblem[] = [];
    for (const n of eligible) {
      if (isDone(n.id)) continue;
      lines.delete(n.id);
      const state = taskOf.get(n.id)?.Status;
      const reason =
        failed.get(n.id) ??
        (state
          ? `its probe task did not report in time (task ${state.State}${state.Err ? `: ${state.Err}` : ''}); is the node down?`
          : `no probe task was placed there within the lease of ${o.leaseS} s`);
      problems.push({ host: o.hostOf.get(n.id)!, state: 'not-started', reason });
    }
    return { lines, tasks: taskOf, problems };
  } finally {
    await removeProbeService(via, o);
  }
}

/** Whether every eligible node's task runs (or has ended). */
const allStarted = (eligible: SwarmNode[], taskOf: ReadonlyMap<string, TaskAnswer>) =>
  eligible.every((n) => taskOf.get(n.id)?.Status?.State === 'running' || ENDED.has(taskOf.get(n.id)?.Status?.State ?? ''));

/**
 * One poll of a probe service: its tasks (into `taskOf`), its logs by node id (into `lines`; `tail`
 * lines per task when given), and the nodes whose task ended without being done (into `failed`).
 */
async function readProbeTasks(
  via: DockerHost,
  id: string,
  o: ProbeTasksOptions,
  into: {
    taskOf: Map<string, TaskAnswer>;
    lines: Map<string, string>;
    failed: Map<string, string>;
    isDone: (nodeId: string) => boolean;
  },
  tail?: number,
): Promise<void> {
  const eligibleIds = new Set(o.eligible.map((n) => n.id));
  const tasks = (await via.call('list the probe tasks', (d) => d.listTasks({ filters: { service: [id] } }), {
    signal: o.signal,
  })) as TaskAnswer[];
  for (const task of tasks) if (task.NodeID && eligibleIds.has(task.NodeID)) into.taskOf.set(task.NodeID, task);
  const options = { stdout: true, stderr: true, ...(tail === undefined ? {} : { tail }) };
  const raw = (await via.call('read the probe service logs', (d) => d.getService(id).logs(options), { signal: o.signal })) as unknown;
  const text = Buffer.isBuffer(raw) ? demuxLogs(raw) : typeof raw === 'string' ? raw : '';
  for (const [nodeId, l] of linesByNode(text)) if (eligibleIds.has(nodeId)) into.lines.set(nodeId, l);
  for (const n of o.eligible) {
    const task = into.taskOf.get(n.id);
    const state = task?.Status?.State ?? '';
    if (!into.isDone(n.id) && ENDED.has(state) && !into.failed.has(n.id)) {
      const why = task?.Status?.Err || task?.Status?.Message || state;
      into.failed.set(n.id, `the probe task could not run there (${why.replace(/\.$/, '')})`);
    }
  }
}

/**
 * Creates the probe service: global, constrained to the eligible nodes, on `networks`, labelled with
 * the run and its lease. Returns its id (its name when the answer carried none).
 */
async function createProbeService(via: DockerHost, o: ProbeTasksOptions): Promise<string> {
  const eligibleIds = new Set(o.eligible.map((n) => n.id));
  const excluded = o.all.filter((n) => !eligibleIds.has(n.id)).map((n) => `node.id!=${n.id}`);
  checkpoint(o, 'place');
  o.onProgress?.(`Starting the probe service ${o.service} on ${o.eligible.length} node(s) through ${via.name}…`);
  const created = (await via.call('create the probe service', (d) =>
    d.createService({
      Name: o.service,
      Labels: { [PROBE_LABEL]: o.runId, [LEASE_LABEL]: String(o.leaseS) },
      TaskTemplate: {
        ContainerSpec: { Image: o.image, Command: ['sh', '-c', o.script], Env: ['SO_NODE={{.Node.ID}}'], Hostname: '{{.Node.Hostname}}' },
        // A task runs once: it ends with its lease and must not come back.
        RestartPolicy: { Condition: 'none' },
        Placement: { Constraints: excluded },
        Networks: o.networks.map((Target) => ({ Target })),
      },
      Mode: { Global: {} },
    } as object),
  )) as { id?: string; ID?: string };
  return created.id ?? created.ID ?? o.service;
}

/** Removes the probe service by name (so also one whose create answer was lost); never throws. */
async function removeProbeService(via: DockerHost, o: ProbeTasksOptions): Promise<void> {
  const c = Date.now();
  // No signal: after a cancel the service must still go.
  await via
    .call('remove the probe service', (d) => d.getService(o.service).remove())
    .catch((err: unknown) => {
      const why = userMessage(err);
      if (!/not found|no such service/i.test(why))
        o.logger.warn(`probes: could not remove ${o.service} (${why}); its tasks end with their lease and a later run removes it`);
    });
  o.timings.cleanupMs = Date.now() - c;
}

/** A service-mode watch: the probe service stays up and its tasks measure a round every few seconds. */
export interface ServiceWatch {
  hosts: string[];
  /** Chosen nodes that get no task (down, drained, paused). */
  problems: HostProblem[];
  timings: ServiceRunResult['timings'];
  /**
   * The next measurement: each task's newest complete round not shown before. A task with no new round
   * once the others have one (within the time a report takes) is reported as silent for this round.
   */
  round(): Promise<{ cells: MatrixCell[]; diagnoses: string[]; problems: HostProblem[]; measureMs: number }>;
  /** Removes the probe service (its tasks end with it). */
  stop(): Promise<void>;
}

/**
 * Starts a probe service whose tasks measure every `intervalS` seconds until their lease (`o.leaseS`)
 * ends; the manager reads each task's newest rounds from the tail of the service logs.
 */
export async function openServiceWatch(via: DockerHost, o: ServiceRunOptions, intervalS: number): Promise<ServiceWatch> {
  const timings = { placeMs: 0, measureMs: 0, cleanupMs: 0 };
  const plan = await planService(via, o, intervalS);
  const to = tasksOptions(o, plan, timings);
  const host = (n: SwarmNode) => plan.hostOf.get(n.id)!;
  let id: string | undefined;
  if (plan.eligible.length > 0) {
    try {
      id = await createProbeService(via, to);
    } catch (err) {
      await removeProbeService(via, to);
      throw err;
    }
  }
  const placedAt = Date.now();
  const deadline = placedAt + o.leaseS * 1000;
  // A task prints about 36 lines per node per round (each ping's output framed, three pings per node):
  // the tail read per task covers three rounds.
  const tail = 3 * (36 * plan.eligible.length + 10);
  const taskOf = new Map<string, TaskAnswer>();
  const lines = new Map<string, string>();
  const failed = new Map<string, string>();
  const shown = new Map<string, number>();
  const newest = (nodeId: string): number | undefined => {
    let best: number | undefined;
    for (const [r, text] of linesByRound(lines.get(nodeId) ?? '')) if (/^__done$/m.test(text) && (best === undefined || r > best)) best = r;
    return best;
  };
  const fresh = (nodeId: string) => (newest(nodeId) ?? 0) > (shown.get(nodeId) ?? 0);
  let running = false;
  let stopped: Promise<void> | undefined;
  return {
    hosts: plan.names,
    problems: plan.problems,
    timings,
    round: async () => {
      let t = Date.now();
      const problems = [...plan.problems];
      const reports = new Map<string, TaskReport>();
      if (id) {
        let firstFresh: number | undefined;
        for (;;) {
          await readProbeTasks(via, id, to, { taskOf, lines, failed, isDone: (n) => newest(n) !== undefined }, tail);
          if (!running && allStarted(plan.eligible, taskOf)) {
            running = true;
            timings.placeMs = Date.now() - placedAt;
            t = Date.now();
            o.onProgress?.(to.measuring);
          }
          if (plan.eligible.every((n) => failed.has(n.id) || fresh(n.id)) || Date.now() >= deadline) break;
          if (plan.eligible.some((n) => fresh(n.id))) {
            firstFresh ??= Date.now();
            if (Date.now() - firstFresh > to.stragglerS * 1000) break;
          }
          await abortableDelay(POLL_MS, o.signal);
        }
        for (const n of plan.eligible) {
          const r = newest(n.id);
          const report = fresh(n.id) ? parseTaskReport(linesByRound(lines.get(n.id)!).get(r!)!) : undefined;
          if (report) {
            reports.set(n.id, report);
            shown.set(n.id, r!);
          } else {
            const reason = failed.get(n.id) ?? `its probe task sent no new round within ${to.stragglerS} s; is the node down?`;
            problems.push({ host: host(n), state: 'not-started', reason });
          }
        }
      }
      const { cells, diagnoses } = serviceReport(o, plan, reports, taskOf, problems);
      return { cells, diagnoses, problems, measureMs: Date.now() - t };
    },
    stop: () => (stopped ??= id ? removeProbeService(via, to) : Promise.resolve()),
  };
}
