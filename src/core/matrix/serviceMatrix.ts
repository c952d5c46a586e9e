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
import { type TaskReport, demuxLogs, linesByNode, parseTaskReport, serviceTaskScript } from './serviceScript';

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

export async function runServiceMatrix(via: DockerHost, o: ServiceRunOptions): Promise<ServiceRunResult> {
  const log = o.logger;
  const timings = { placeMs: 0, measureMs: 0, cleanupMs: 0 };
  checkpoint(o, 'nodes');
  const { all, chosen, names, eligible, problems, hostOf } = await probeNodes(via, o.nodes);
  const encrypted = o.network.Options?.encrypted !== undefined;
  const reports = new Map<string, TaskReport>();
  const done = (cells: MatrixCell[], unseen: Unseen = new Map(), waitedS = 0) => ({
    hosts: names,
    cells,
    problems,
    diagnoses: [
      ...ipsecDiagnoses(encrypted, cells, new Map([...reports].map(([id, r]) => [hostOf.get(id) ?? id, r.ipsec]))),
      ...(cells.some((c) => !c.ok) ? unseenDiagnoses(unseen, waitedS) : []),
      ...overallDiagnoses(names, cells, problems),
      ...raftLatencyDiagnoses(new Set(chosen.filter((n) => n.role === 'manager').map((n) => n.hostname || n.id)), cells),
    ],
    timings,
  });
  if (eligible.length === 0) return done([]);

  checkpoint(o, 'image');
  const image = await resolveServiceImage(via, o.image, log);
  const discoverS = Math.max(1, Math.min(Math.round(o.convergeTimeoutMs / 1000), Math.floor(o.leaseS / 3)));
  const script = serviceTaskScript({
    service: probeServiceName(o.runId),
    network: o.network.Name,
    expected: eligible.length,
    discoverS,
    leaseS: o.leaseS,
    largeSize: o.largeSize,
    plan: o.plan,
    ipsecCheck: encrypted,
  });
  const tasks = await runProbeTasks(via, {
    ...o,
    service: probeServiceName(o.runId),
    image,
    script,
    networks: [o.network.Id],
    all,
    eligible,
    hostOf,
    timings,
    stragglerS: 3 * pingLimitS(o.plan) + STRAGGLER_SLACK_S,
    measuring: `Measuring ${eligible.length * eligible.length} pair(s)…`,
  });
  problems.push(...tasks.problems);
  for (const [nodeId, lines] of tasks.lines) {
    const r = parseTaskReport(lines);
    if (r) reports.set(nodeId, r);
  }
  const taskOf = tasks.tasks;
  const cells: MatrixCell[] = [];
  // Every task that reported: its address on the network, so targets map back to nodes.
  const live = eligible.filter((n) => reports.get(n.id)?.done);
  const ipOf = new Map<string, string>();
  for (const n of live) {
    const att = taskOf.get(n.id)?.NetworksAttachments?.find((a) => a.Network?.ID === o.network.Id);
    const ip = att?.Addresses?.[0]?.split('/')[0];
    if (ip) ipOf.set(n.id, ip);
  }
  const unseen: Unseen = new Map();
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
  for (const c of finalCells) o.onCell?.(c);
  return done(finalCells, unseen, discoverS);
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
  const eligibleIds = new Set(eligible.map((n) => n.id));
  const excluded = o.all.filter((n) => !eligibleIds.has(n.id)).map((n) => `node.id!=${n.id}`);
  let t = Date.now();
  checkpoint(o, 'place');
  o.onProgress?.(`Starting the probe service ${o.service} on ${eligible.length} node(s) through ${via.name}…`);
  // Named before it is asked for: an answer lost on the way must not leave it behind.
  const serviceId = o.service;
  try {
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
    const id = created.id ?? created.ID ?? serviceId;
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
      const tasks = (await via.call('list the probe tasks', (d) => d.listTasks({ filters: { service: [id] } }), {
        signal: o.signal,
      })) as TaskAnswer[];
      for (const task of tasks) if (task.NodeID && eligibleIds.has(task.NodeID)) taskOf.set(task.NodeID, task);
      if (
        !running &&
        eligible.every((n) => taskOf.get(n.id)?.Status?.State === 'running' || ENDED.has(taskOf.get(n.id)?.Status?.State ?? ''))
      ) {
        running = true;
        timings.placeMs = Date.now() - t;
        t = Date.now();
        o.onProgress?.(o.measuring);
      }
      const raw = (await via.call('read the probe service logs', (d) => d.getService(id).logs({ stdout: true, stderr: true }), {
        signal: o.signal,
      })) as unknown;
      const text = Buffer.isBuffer(raw) ? demuxLogs(raw) : typeof raw === 'string' ? raw : '';
      for (const [nodeId, l] of linesByNode(text)) if (eligibleIds.has(nodeId)) lines.set(nodeId, l);
      for (const n of eligible) {
        const task = taskOf.get(n.id);
        const state = task?.Status?.State ?? '';
        if (!isDone(n.id) && ENDED.has(state) && !failed.has(n.id)) {
          const why = task?.Status?.Err || task?.Status?.Message || state;
          failed.set(n.id, `the probe task could not run there (${why.replace(/\.$/, '')})`);
        }
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
    const c = Date.now();
    // No signal: after a cancel the service must still go.
    await via
      .call('remove the probe service', (d) => d.getService(serviceId).remove())
      .catch((err: unknown) => {
        const why = userMessage(err);
        if (!/not found|no such service/i.test(why))
          o.logger.warn(`probes: could not remove ${o.service} (${why}); its tasks end with their lease and a later run removes it`);
      });
    timings.cleanupMs = Date.now() - c;
  }
}
