// Changes to one service, made through a manager: scale, force update (its tasks restart), remove;
// and what it shows: its inspect answer and its logs (every node's tasks, read through the manager).
import { PassThrough, type Readable } from 'node:stream';
import type { DockerHost } from '../docker/DockerHost';
import { Refused } from '../errors';
import { listNodes } from '../swarm/nodes';
import { abortableDelay } from '../steps';
import { type ServiceAnswer, type SwarmService, type TaskAnswer, allServices, servicesFromAnswers } from './services';

/** The most replicas Scale accepts: far above what a swarm runs, low enough to catch a typo. */
export const MAX_REPLICAS = 1000;

/** Why a typed replica count cannot be used, or undefined when it can. */
export function replicasProblem(value: string): string | undefined {
  if (!/^\d+$/.test(value.trim())) return 'Type a whole number of replicas, e.g. 3 (0 stops every task).';
  const n = Number(value.trim());
  if (n > MAX_REPLICAS) return `At most ${MAX_REPLICAS} replicas.`;
  return undefined;
}

type Spec = NonNullable<ServiceAnswer['Spec']>;

async function updateSpec(via: DockerHost, ref: string, what: string, change: (spec: Spec, name: string) => void): Promise<void> {
  await via.call(what, async (d) => {
    // Read just before writing: the update names the version it replaces, so a concurrent change is refused, not lost.
    const current = (await d.getService(ref).inspect()) as ServiceAnswer;
    const spec = structuredClone(current.Spec ?? {});
    change(spec, spec.Name ?? ref);
    await d.getService(current.ID ?? ref).update({ _query: { version: current.Version?.Index ?? 0 }, _body: spec });
  });
}

/** Sets a replicated service's replica count; refused for a global service. */
export async function scaleService(via: DockerHost, ref: string, replicas: number): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    throw new Refused(`Scale to a whole number of replicas from 0 to ${MAX_REPLICAS}, not ${replicas}.`);
  }
  await updateSpec(via, ref, `scale the service "${ref}"`, (spec, name) => {
    if (!spec.Mode?.Replicated) throw new Refused(`"${name}" is not a replicated service: only a replicated service can be scaled.`);
    spec.Mode = { ...spec.Mode, Replicated: { ...spec.Mode.Replicated, Replicas: replicas } };
  });
}

/** Restarts every task of a service (as `docker service update --force`): the ForceUpdate counter goes up by one. */
export async function forceUpdateService(via: DockerHost, ref: string): Promise<void> {
  await updateSpec(via, ref, `force an update of the service "${ref}"`, (spec) => {
    spec.TaskTemplate = { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 };
  });
}

export interface ConvergeOptions {
  signal?: AbortSignal;
  /** How long to wait at most; default 60 s. */
  timeoutMs?: number;
  /** Tasks that must all have been replaced (a force update): their ids before the change. */
  replacing?: ReadonlySet<string>;
  /** Told of the service as read on each poll (e.g. "2/3 running" in a progress line). */
  onProgress?: (service: SwarmService) => void;
}

/**
 * After a change, waits (as `docker service scale` and `update` do) until every task the service
 * wants runs: returns undefined then, or the service's one-line problem when it does not within the
 * time, or as soon as every task not running is held by an error (e.g. no suitable node) twice in a
 * row. Two requests per poll (the service and its tasks), every 500 ms.
 */
export async function waitForService(via: DockerHost, ref: string, o: ConvergeOptions = {}): Promise<string | undefined> {
  const nodes = await listNodes(via);
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let stuck = 0;
  for (;;) {
    const [answer, tasks] = await via.call(
      `read the service "${ref}"`,
      (d) =>
        Promise.all([
          d.getService(ref).inspect() as Promise<ServiceAnswer>,
          d.listTasks({ filters: JSON.stringify({ service: [ref] }) }) as Promise<TaskAnswer[]>,
        ]),
      { signal: o.signal },
    );
    const service = allServices(servicesFromAnswers([answer], Array.isArray(tasks) ? tasks : [], [], nodes))[0];
    if (!service) return `"${ref}" is gone.`;
    o.onProgress?.(service);
    const replaced = !o.replacing || service.tasks.every((t) => !o.replacing!.has(t.id));
    if (!service.problem && replaced) return undefined;
    const waiting = service.tasks.filter((t) => t.desiredState === 'running' && t.state !== 'running');
    stuck = waiting.length > 0 && waiting.every((t) => t.error) ? stuck + 1 : 0;
    if (stuck >= 2 || Date.now() > deadline)
      return service.problem ?? `${service.running}/${service.desired} running, tasks still being replaced`;
    await abortableDelay(500, o.signal);
  }
}

export async function removeService(via: DockerHost, ref: string): Promise<void> {
  await via.call(`remove the service "${ref}"`, (d) => d.getService(ref).remove());
}

export async function inspectService(via: DockerHost, ref: string): Promise<unknown> {
  return via.call(`inspect the service "${ref}"`, (d) => d.getService(ref).inspect());
}

export interface LogFollow {
  /** Stops following: the stream to the manager is closed. */
  stop(): void;
  /** Resolves when the stream ends, by `stop` or because the manager closed it. */
  ended: Promise<void>;
}

/**
 * Follows a service's logs through a manager (every node's tasks), from the last `tail` lines on:
 * each complete line goes to `onLine` as "task@node | text". `names` maps task and node ids to
 * readable names (from the services read in the last refresh); unknown ids are shortened.
 */
export async function followServiceLogs(
  via: DockerHost,
  ref: string,
  onLine: (line: string) => void,
  o: { tail?: number; names?: ReadonlyMap<string, string> } = {},
): Promise<LogFollow> {
  const stream = (await via.call(`read the logs of the service "${ref}"`, (d) =>
    d.getService(ref).logs({ follow: true, stdout: true, stderr: true, details: true, tail: o.tail ?? 500 }),
  )) as unknown as Readable;
  const out = new PassThrough();
  const modem = via.client().modem as unknown as { demuxStream(s: Readable, out: PassThrough, err: PassThrough): void };
  modem.demuxStream(stream, out, out);
  let rest = '';
  out.setEncoding('utf8');
  out.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) onLine(logLine(l, o.names));
  });
  const ended = new Promise<void>((resolve) => {
    const done = () => {
      if (rest) onLine(logLine(rest, o.names));
      rest = '';
      out.end();
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  return { stop: () => stream.destroy(), ended };
}

/**
 * One line of `logs?details=true`: "com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,
 * com.docker.swarm.task.id=… text" → "task@node | text", as `docker service logs` writes it.
 */
export function logLine(raw: string, names: ReadonlyMap<string, string> = new Map()): string {
  const line = raw.replace(/\r$/, '');
  const m = /^(\S*com\.docker\.swarm\.\S*) ?(.*)$/.exec(line);
  if (!m) return line;
  const attrs = new Map(
    m[1]!.split(',').flatMap((kv) => {
      const i = kv.indexOf('=');
      return i > 0 ? [[kv.slice(0, i), kv.slice(i + 1)] as const] : [];
    }),
  );
  const name = (id: string | undefined) => (id ? (names.get(id) ?? id.slice(0, 12)) : '?');
  return `${name(attrs.get('com.docker.swarm.task.id'))}@${name(attrs.get('com.docker.swarm.node.id'))} | ${m[2]}`;
}
