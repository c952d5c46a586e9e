// Swarm services and their tasks as read through one manager: services, tasks and networks in one
// set of three requests (never one per service), mapped into plain data: stacks (the
// com.docker.stack.namespace label) and services outside any stack, each with its tasks, and a
// one-line reason when its tasks are not all running.
import type { DockerHost } from '../docker/DockerHost';
import type { SwarmNode } from '../model';

export const STACK_LABEL = 'com.docker.stack.namespace';

export type ServiceMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';

export interface PublishedPort {
  protocol: string;
  target: number;
  /** Unset while Docker has not assigned one yet. */
  published?: number;
  /** `ingress` (the routing mesh: every node answers) or `host` (only the nodes running a task). */
  mode: string;
}

export interface ServiceNetwork {
  id: string;
  /** The network's name, or its id when the manager does not list it. */
  name: string;
  /** The service's virtual IP on that network, without the prefix length; none with endpoint mode dnsrr. */
  vip?: string;
}

export interface TaskNetwork {
  id: string;
  name: string;
  address: string;
}

export interface ServiceTask {
  id: string;
  /** Replicated: the slot (1, 2, …); global: none (one task per node). */
  slot?: number;
  nodeId: string;
  /** The node's hostname; '' while the task is not assigned to a node. */
  node: string;
  desiredState: string;
  state: string;
  /** When the state was reached (ISO time). */
  since?: string;
  /** Docker's error for a task that failed or cannot be placed (e.g. "no suitable node (…)"). */
  error?: string;
  /** Docker's message for the state (e.g. "pending task scheduling"). */
  message?: string;
  containerId?: string;
  networks: TaskNetwork[];
}

export interface SwarmService {
  id: string;
  name: string;
  stack?: string;
  mode: ServiceMode;
  /** Tasks that should run: the replica count, or, for a global service, one per eligible node. */
  desired: number;
  running: number;
  /** The image as given, without the "@sha256:…" digest Docker pins it to. */
  image: string;
  ports: PublishedPort[];
  networks: ServiceNetwork[];
  /** The current tasks (not the history of replaced ones), by slot, then node. */
  tasks: ServiceTask[];
  /** Set when the service's tasks are not all running: why, in one line. */
  problem?: string;
  /** Index the Engine API needs for an update. */
  version: number;
  labels: Record<string, string>;
}

export interface Stack {
  name: string;
  services: SwarmService[];
}

/** A swarm's services: the stacks, then the services outside any stack, each by name. */
export interface ServicesView {
  stacks: Stack[];
  services: SwarmService[];
}

// What the Engine API answers, trusted for nothing (a field of the wrong type reads as absent).
export interface ServiceAnswer {
  ID?: string;
  Version?: { Index?: number };
  Spec?: {
    Name?: string;
    Labels?: Record<string, string> | null;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: { TotalCompletions?: number }; GlobalJob?: object };
    TaskTemplate?: { ContainerSpec?: { Image?: string }; Networks?: Array<{ Target?: string }> | null; ForceUpdate?: number };
    EndpointSpec?: { Ports?: PortAnswer[] | null };
  };
  Endpoint?: { Ports?: PortAnswer[] | null; VirtualIPs?: Array<{ NetworkID?: string; Addr?: string }> | null };
}

interface PortAnswer {
  Protocol?: string;
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: string;
}

export interface TaskAnswer {
  ID?: string;
  ServiceID?: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: Array<{ Network?: { ID?: string; Spec?: { Name?: string } }; Addresses?: string[] | null }> | null;
}

export interface NetworkNameAnswer {
  Id?: string;
  Name?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? v.filter((x): x is T => typeof x === 'object' && x !== null) : []);
const withoutPrefix = (cidr: string) => cidr.replace(/\/\d+$/, '');
/** The object without its unset fields: what JSON would keep, so the model compares equal after a round trip. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/** "img:tag@sha256:…" → "img:tag"; an image named by its ID ("sha256:…") stays as it is. */
export function imageName(image: string): string {
  return image.replace(/@sha256:[0-9a-f]{64}$/i, '');
}

/** A task Docker still wants: not one it replaced or stopped (those are the service's history). */
function current(t: TaskAnswer): boolean {
  const desired = text(t.DesiredState) ?? '';
  return desired !== 'shutdown' && desired !== 'remove';
}

function mode(spec: ServiceAnswer['Spec']): ServiceMode {
  const m = spec?.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated-job';
  if (m.GlobalJob) return 'global-job';
  return 'replicated';
}

function ports(s: ServiceAnswer): PublishedPort[] {
  // Endpoint.Ports holds what Docker assigned (a published port picked from its range); the spec is the fallback.
  const answer = list<PortAnswer>(s.Endpoint?.Ports);
  const from = answer.length ? answer : list<PortAnswer>(s.Spec?.EndpointSpec?.Ports);
  return from
    .filter((p) => count(p.TargetPort) !== undefined)
    .map((p) =>
      defined({
        protocol: text(p.Protocol) ?? 'tcp',
        target: count(p.TargetPort)!,
        published: count(p.PublishedPort) || undefined,
        mode: text(p.PublishMode) ?? 'ingress',
      }),
    );
}

export function taskFromAnswer(t: TaskAnswer, hostnames: ReadonlyMap<string, string>): ServiceTask {
  const nodeId = text(t.NodeID) ?? '';
  const slot = count(t.Slot);
  return defined({
    id: text(t.ID) ?? '',
    slot: slot ? slot : undefined,
    nodeId,
    node: hostnames.get(nodeId) ?? (nodeId ? nodeId.slice(0, 12) : ''),
    desiredState: text(t.DesiredState) ?? 'unknown',
    state: text(t.Status?.State) ?? 'unknown',
    since: text(t.Status?.Timestamp) ?? text(t.UpdatedAt),
    error: text(t.Status?.Err)?.trim() || undefined,
    message: text(t.Status?.Message)?.trim() || undefined,
    containerId: text(t.Status?.ContainerStatus?.ContainerID) || undefined,
    networks: list<NonNullable<TaskAnswer['NetworksAttachments']>[number]>(t.NetworksAttachments).flatMap((a) => {
      const id = text(a.Network?.ID) ?? '';
      const address = text((Array.isArray(a.Addresses) ? a.Addresses : [])[0]) ?? '';
      return [{ id, name: text(a.Network?.Spec?.Name) ?? id.slice(0, 12), address: withoutPrefix(address) }];
    }),
  });
}

const byTime = (t: TaskAnswer) => text(t.Status?.Timestamp) ?? text(t.UpdatedAt) ?? text(t.CreatedAt) ?? '';

/**
 * Why a service's tasks are not all running, in one line, or undefined when they are: the error of a
 * current task that cannot run (e.g. "no suitable node"), else the latest failure among the tasks it
 * replaced (a port in use, an image that cannot be pulled), else the state its tasks wait in.
 */
export function serviceProblem(
  s: Pick<SwarmService, 'mode' | 'desired' | 'running' | 'tasks'>,
  history: ServiceTask[],
): string | undefined {
  if (s.mode === 'replicated-job' || s.mode === 'global-job') {
    const failed = [...s.tasks, ...history].find((t) => t.state === 'failed' || t.state === 'rejected');
    return failed
      ? `a job task ${failed.state}${failed.node ? ` on ${failed.node}` : ''}: ${failed.error ?? 'no reason given'}`
      : undefined;
  }
  const waiting = s.tasks.filter((t) => t.desiredState === 'running' && t.state !== 'running');
  if (s.running >= s.desired && waiting.length === 0) return undefined;
  const head = `${s.running}/${s.desired} running`;
  const where = (t: ServiceTask) => (t.node ? ` on ${t.node}` : '');
  const stuck = waiting.find((t) => t.error);
  if (stuck) return `${head}: ${stuck.error}${where(stuck)}`;
  const failed = history.find((t) => (t.state === 'failed' || t.state === 'rejected') && t.error);
  if (failed) return `${head}: last task ${failed.state}${where(failed)}: ${failed.error}`;
  const first = waiting[0];
  if (first) return `${head}: a task is ${first.state}${where(first)}${first.message ? ` (${first.message})` : ''}`;
  return head;
}

/** The services, tasks and networks a manager answered, as the model: stacks and services outside them. */
export function servicesFromAnswers(
  services: ServiceAnswer[],
  tasks: TaskAnswer[],
  networks: NetworkNameAnswer[],
  nodes: Pick<SwarmNode, 'id' | 'hostname'>[],
): ServicesView {
  const hostnames = new Map(nodes.map((n) => [n.id, n.hostname]));
  const networkNames = new Map(list<NetworkNameAnswer>(networks).map((n) => [text(n.Id) ?? '', text(n.Name) ?? '']));
  const tasksOf = new Map<string, TaskAnswer[]>();
  for (const t of list<TaskAnswer>(tasks)) {
    const id = text(t.ServiceID) ?? '';
    tasksOf.set(id, [...(tasksOf.get(id) ?? []), t]);
  }
  const all = list<ServiceAnswer>(services).map((s): SwarmService => {
    const id = text(s.ID) ?? '';
    const labels = Object.fromEntries(Object.entries(s.Spec?.Labels ?? {}).filter(([, v]) => typeof v === 'string'));
    const answered = tasksOf.get(id) ?? [];
    const order = (a: ServiceTask, b: ServiceTask) =>
      (a.slot ?? 0) - (b.slot ?? 0) || a.node.localeCompare(b.node) || a.id.localeCompare(b.id);
    const currentTasks = answered
      .filter(current)
      .map((t) => taskFromAnswer(t, hostnames))
      .sort(order);
    const history = answered
      .filter((t) => !current(t))
      .sort((a, b) => byTime(b).localeCompare(byTime(a)))
      .map((t) => taskFromAnswer(t, hostnames));
    const m = mode(s.Spec);
    const running = currentTasks.filter((t) => t.state === 'running').length;
    const desired =
      m === 'replicated'
        ? (count(s.Spec?.Mode?.Replicated?.Replicas) ?? 1)
        : m === 'replicated-job'
          ? (count(s.Spec?.Mode?.ReplicatedJob?.TotalCompletions) ?? 1)
          : currentTasks.filter((t) => t.desiredState === 'running').length;
    const vips = list<{ NetworkID?: string; Addr?: string }>(s.Endpoint?.VirtualIPs);
    const networkIds = [
      ...new Set([
        ...list<{ Target?: string }>(s.Spec?.TaskTemplate?.Networks).map((n) => text(n.Target) ?? ''),
        ...vips.map((v) => text(v.NetworkID) ?? ''),
      ]),
    ].filter(Boolean);
    // A network named (not by id) in the spec: find its id among the listed ones.
    const idOf = (ref: string) => (networkNames.has(ref) ? ref : ([...networkNames].find(([, name]) => name === ref)?.[0] ?? ref));
    const serviceNetworks = [...new Set(networkIds.map(idOf))].map((nid) => {
      const vip = vips.find((v) => v.NetworkID === nid && text(v.Addr));
      return defined({ id: nid, name: networkNames.get(nid) || nid.slice(0, 12), vip: vip ? withoutPrefix(vip.Addr!) : undefined });
    });
    const service: SwarmService = {
      id,
      name: text(s.Spec?.Name) ?? id.slice(0, 12),
      stack: labels[STACK_LABEL] || undefined,
      mode: m,
      desired,
      running,
      image: imageName(text(s.Spec?.TaskTemplate?.ContainerSpec?.Image) ?? ''),
      ports: ports(s),
      networks: serviceNetworks.sort((a, b) => a.name.localeCompare(b.name)),
      tasks: currentTasks,
      version: count(s.Version?.Index) ?? 0,
      labels,
    };
    service.problem = serviceProblem(service, history);
    return defined(service);
  });
  all.sort((a, b) => a.name.localeCompare(b.name));
  const stackNames = [...new Set(all.flatMap((s) => (s.stack ? [s.stack] : [])))].sort();
  return {
    stacks: stackNames.map((name) => ({ name, services: all.filter((s) => s.stack === name) })),
    services: all.filter((s) => !s.stack),
  };
}

/** Every service of a view, stacks first. */
export function allServices(view: ServicesView): SwarmService[] {
  return [...view.stacks.flatMap((s) => s.services), ...view.services];
}

/** "*:8080->80/tcp" as `docker service ls` writes it; host-mode ports without the star. */
export function portText(p: PublishedPort): string {
  const published = p.published !== undefined ? `${p.mode === 'host' ? '' : '*:'}${p.published}->` : '';
  return `${published}${p.target}/${p.protocol}`;
}

/**
 * Services, tasks and networks through one manager: three requests for the whole swarm, whatever
 * the number of services. `nodes` (the node list the refresh read already) gives the tasks' hostnames.
 */
export async function readServices(
  via: DockerHost,
  nodes: Pick<SwarmNode, 'id' | 'hostname'>[],
  /** The manager's networks when the caller has read them already (their names are all this needs). */
  known?: Promise<Array<{ id: string; name: string }>>,
): Promise<ServicesView> {
  const [services, tasks, networks] = await Promise.all([
    via.call('list the services', (d) => d.listServices() as Promise<ServiceAnswer[]>),
    via.call('list the tasks', (d) => d.listTasks() as Promise<TaskAnswer[]>),
    known
      ? known.then((l) => l.map((n): NetworkNameAnswer => ({ Id: n.id, Name: n.name })))
      : via.call('list the networks', (d) => d.listNetworks() as Promise<NetworkNameAnswer[]>),
  ]);
  return servicesFromAnswers(list(services), list(tasks), list(networks), nodes);
}
