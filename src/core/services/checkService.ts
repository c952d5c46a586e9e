// Check Service Connectivity: does a service's traffic get through? Runs on the matrix's service
// probes (serviceMatrix.ts: one global probe service through the manager, a task on every node that
// can run one, on the service's overlay networks, with the run's lease labels, always removed). Each
// probe task asks its node's embedded DNS for `<service>` and `tasks.<service>`, pings the VIP and
// every running task, opens a TCP connection (busybox `nc -z`) to them on `--port` or the service's
// target ports, and to every node's address on each published port, and says whether its kernel has
// IPVS. The published ports are tried from the probes on the overlay: their traffic leaves through
// the node's docker_gwbridge to each node's swarm address, as a client outside the swarm would arrive.
import { randomBytes } from 'node:crypto';
import type { DockerHost } from '../docker/DockerHost';
import { ConfigError, Refused } from '../errors';
import type { Logger } from '../log';
import { DEFAULT_LEASE_S, leaseProblem } from '../matrix/lease';
import { parsePing } from '../matrix/pingOutput';
import { type PingPlan, type PingTarget, pingLimitS, pingScript, splitPingOutput } from '../matrix/pingScript';
import { DEFAULT_PLAN } from '../matrix/runMatrix';
import { probeNodes, probeServiceName, resolveServiceImage, runProbeTasks, sweepProbeServices } from '../matrix/serviceMatrix';
import { dnsAddresses, waitForTasksInDns } from '../matrix/serviceScript';
import { type StepOptions, checkpoint } from '../steps';
import {
  type CheckCell,
  type CheckTarget,
  type DnsCheck,
  type ServiceCheckReport,
  cellOk,
  diagnoseServiceCheck,
  dnsMatches,
} from './serviceCheckDiagnosis';
import { type ServiceAnswer, type SwarmService, type TaskAnswer, allServices, servicesFromAnswers } from './services';

export interface CheckServiceOptions extends StepOptions {
  /** The service's name or id. */
  service: string;
  image: string;
  /** TCP port to try on the VIP and the tasks; default: the service's target ports. */
  port?: number;
  runId?: string;
  leaseS?: number;
  plan?: PingPlan;
  logger: Logger;
  onProgress?: (message: string) => void;
}

export interface ServiceCheckResult extends ServiceCheckReport {
  timings: { placeMs: number; measureMs: number; cleanupMs: number };
}

/** Seconds a probe waits for `tasks.<service>` to list every running task before it checks (gossip). */
const DISCOVER_S = 10;
const NC_WAIT_S = 2;

export function portProblem(port: number | undefined, what = 'The port'): string | undefined {
  if (port === undefined) return undefined;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `${what} must be a whole number from 1 to 65535.`;
}

interface NetworkAnswer {
  Id?: string;
  Name?: string;
  Driver?: string;
  Ingress?: boolean;
}

/** The service as the manager describes it, with its tasks; refused when it has no overlay a probe can join. */
async function readService(via: DockerHost, ref: string) {
  const [answer, tasks, networks, nodes] = await Promise.all([
    via
      .call(`read the service "${ref}"`, (d) => d.getService(ref).inspect() as Promise<ServiceAnswer>)
      .catch((err: unknown) => {
        throw /no such service|not found/i.test(String((err as Error).message))
          ? new ConfigError(`No service named "${ref}" in the swarm ${via.name} manages.`)
          : err;
      }),
    via.call('list its tasks', (d) => d.listTasks({ filters: JSON.stringify({ service: [ref] }) }) as Promise<TaskAnswer[]>),
    via.call('list the networks', (d) => d.listNetworks() as Promise<NetworkAnswer[]>),
    probeNodes(via, []),
  ]);
  const service = allServices(servicesFromAnswers([answer], Array.isArray(tasks) ? tasks : [], networks, nodes.all))[0]!;
  const ingress = new Set(networks.filter((n) => n.Ingress || n.Name === 'ingress').map((n) => n.Id));
  const overlays = service.networks.filter((n) => !ingress.has(n.id));
  if (!overlays.length) {
    throw new Refused(
      `"${service.name}" is on no overlay network besides ingress, so a probe cannot reach its tasks: attach it to an overlay (docker service update --network-add).`,
    );
  }
  const dnsrr = (answer.Spec as { EndpointSpec?: { Mode?: string } } | undefined)?.EndpointSpec?.Mode === 'dnsrr';
  return { service, overlays, nodes, endpointMode: dnsrr ? ('dnsrr' as const) : ('vip' as const) };
}

/** The targets, from what the manager says: the VIP on each overlay, every running task, every published TCP port on every node. */
export function checkTargets(
  service: SwarmService,
  overlays: Array<{ id: string; name: string; vip?: string }>,
  nodes: Array<{ hostname: string; address: string }>,
  port: number | undefined,
): CheckTarget[] {
  const ports = port !== undefined ? [port] : [...new Set(service.ports.filter((p) => p.protocol === 'tcp').map((p) => p.target))];
  const out: CheckTarget[] = [];
  for (const n of overlays) if (n.vip) out.push({ kind: 'vip', label: `VIP ${n.name}`, address: n.vip, network: n.name, ports });
  for (const t of service.tasks.filter((x) => x.state === 'running')) {
    for (const n of t.networks.filter((x) => overlays.some((o) => o.id === x.id) && x.address)) {
      const name = `${service.name}${t.slot !== undefined ? `.${t.slot}` : ''}@${t.node}`;
      out.push({
        kind: 'task',
        label: overlays.length > 1 ? `${name} ${n.name}` : name,
        address: n.address,
        node: t.node,
        network: n.name,
        ports,
      });
    }
  }
  const taskNodes = new Set(service.tasks.filter((t) => t.state === 'running').map((t) => t.node));
  for (const p of service.ports.filter((x) => x.protocol === 'tcp' && x.published !== undefined)) {
    for (const n of nodes) {
      const taskHere = taskNodes.has(n.hostname);
      // Host mode: only a node running a task listens.
      if (p.mode === 'host' && !taskHere) continue;
      out.push({
        kind: 'published',
        label: `${p.mode === 'host' ? '' : '*'}:${p.published} on ${n.hostname}`,
        address: n.address,
        node: n.hostname,
        ports: [p.published!],
        publishMode: p.mode,
        taskHere,
      });
    }
  }
  return out;
}

/**
 * The service's ports the check cannot try, each as a sentence: UDP and SCTP have no handshake to open
 * without speaking the service's own protocol (the pings and DNS lookups still test the path to its tasks).
 */
export function uncheckedPorts(service: SwarmService): string[] {
  return service.ports
    .filter((p) => p.protocol !== 'tcp')
    .map(
      (p) =>
        `${p.target}/${p.protocol}${p.published !== undefined ? ` (published as ${p.published}, ${p.mode} mode)` : ''} was not tried: ` +
        `${p.protocol.toUpperCase()} has no handshake to open without the service's own protocol; the pings and DNS lookups still test the path to its tasks.`,
    );
}

/**
 * `tcp ADDRESS PORT`: 0 when a TCP connection opens. Alpine's busybox nc has `-z`; Debian's small
 * busybox nc does not: it connects (`-w`: connect timeout), half-closes on stdin's end and exits when
 * the server closes; a server that keeps the connection open is cut by `timeout`, which still means it
 * opened (a refused or unanswered connect ends sooner, with 1).
 */
const TCP_FUNCTION = [
  `if nc --help 2>&1 | grep -q -- ' -z'; then tcp() { nc -z -w ${NC_WAIT_S} "$1" "$2"; }`,
  `else tcp() { if command -v timeout >/dev/null 2>&1; then timeout ${NC_WAIT_S + 2} nc -w ${NC_WAIT_S} "$1" "$2"; else nc -w ${NC_WAIT_S} "$1" "$2"; fi; r=$?; [ $r -eq 124 ] || [ $r -eq 143 ] && r=0; return $r; }; fi`,
].join('\n');

/** What one probe task runs: wait for the tasks in DNS, then the checks, each line prefixed by its node id. */
export function checkScript(o: { service: string; targets: CheckTarget[]; expected: number; leaseS: number; plan: PingPlan }): string {
  const pings: PingTarget[] = [...new Set(o.targets.filter((t) => t.kind !== 'published').map((t) => t.address))].map((a) => ({
    key: a,
    address: a,
  }));
  const tcp = [...new Set(o.targets.flatMap((t) => t.ports.map((p) => `${t.address} ${p}`)))];
  for (const x of tcp) if (!/^[0-9.]{7,15} \d{1,5}$/.test(x)) throw new Error(`unsafe TCP target ${JSON.stringify(x)}`);
  return [
    `end=$(($(date +%s)+${o.leaseS})); until=$(($(date +%s)+${DISCOVER_S}))`,
    ...waitForTasksInDns(`tasks.${o.service}`, o.expected, 't'),
    '{',
    '[ -e /proc/net/ip_vs ] && echo "__ipvs yes" || echo "__ipvs no"',
    `echo "__dnsname" $(${dnsAddresses(o.service)})`,
    'echo "__dnstasks" $t',
    pings.length ? pingScript(pings, o.plan) : '',
    TCP_FUNCTION,
    ...tcp.map((x) => `(tcp ${x} </dev/null >/dev/null 2>&1; echo "__tcp ${x} $?") &`),
    'wait',
    'echo "__done"',
    '} 2>&1 | sed "s/^/@$SO_NODE /"',
    // Stay up until the lease ends (the run removes the service sooner).
    'while [ "$(date +%s)" -lt "$end" ]; do sleep 1; done',
  ].join('\n');
}

export interface ProbeReport {
  ipvs: boolean;
  name: string[];
  tasks: string[];
  pings: Map<string, ReturnType<typeof parsePing>>;
  tcp: Map<string, boolean>;
}

/** One probe's lines (checkScript's output) as data. */
export function parseCheckReport(text: string, targets: CheckTarget[]): ProbeReport {
  const words = (tag: string) =>
    (new RegExp(`^${tag}((?: [0-9.]{7,15})*) *$`, 'm').exec(text)?.[1] ?? '').trim().split(' ').filter(Boolean);
  const addresses = [...new Set(targets.filter((t) => t.kind !== 'published').map((t) => t.address))];
  const split = splitPingOutput(text, addresses.length);
  const tcp = new Map<string, boolean>();
  for (const m of text.matchAll(/^__tcp ([0-9.]{7,15}) (\d{1,5}) (\d+)$/gm)) tcp.set(`${m[1]} ${m[2]}`, m[3] === '0');
  return {
    ipvs: /^__ipvs yes$/m.test(text),
    name: words('__dnsname'),
    tasks: words('__dnstasks'),
    pings: new Map(addresses.map((a, i) => [a, parsePing(split[i]!.raw, split[i]!.exitCode)])),
    tcp,
  };
}

export async function checkService(via: DockerHost, o: CheckServiceOptions): Promise<ServiceCheckResult> {
  const problem = leaseProblem(o.leaseS) ?? portProblem(o.port);
  if (problem) throw new Refused(problem);
  const leaseS = o.leaseS ?? DEFAULT_LEASE_S;
  const runId = o.runId ?? randomBytes(4).toString('hex');
  const plan = o.plan ?? DEFAULT_PLAN;
  checkpoint(o, 'inspect');
  const { service, overlays, nodes, endpointMode } = await readService(via, o.service);
  const { all, names, eligible, problems, hostOf } = nodes;
  const targets = checkTargets(service, overlays, eligible, o.port);
  const running = service.tasks.filter((t) => t.state === 'running');
  const timings = { placeMs: 0, measureMs: 0, cleanupMs: 0 };
  checkpoint(o, 'sweep');
  await sweepProbeServices(via, o.logger, runId);
  checkpoint(o, 'image');
  const image = await resolveServiceImage(via, o.image, o.logger);
  const script = checkScript({ service: service.name, targets, expected: running.length, leaseS, plan });
  const probes = await runProbeTasks(via, {
    ...o,
    service: probeServiceName(runId),
    runId,
    leaseS,
    image,
    script,
    networks: overlays.map((n) => n.id),
    all,
    eligible,
    hostOf,
    timings,
    stragglerS: DISCOVER_S + pingLimitS(plan) + NC_WAIT_S + 10,
    measuring: `Checking "${service.name}" from ${eligible.length} node(s)…`,
  });
  problems.push(...probes.problems);
  const cells: CheckCell[] = [];
  const dns: DnsCheck[] = [];
  const ipvs: Record<string, boolean> = {};
  const vips = overlays.flatMap((n) => (n.vip ? [n.vip] : []));
  const taskIps = [...new Set(targets.filter((t) => t.kind === 'task').map((t) => t.address))];
  for (const n of eligible) {
    const lines = probes.lines.get(n.id);
    if (lines === undefined) continue;
    const from = hostOf.get(n.id)!;
    const r = parseCheckReport(lines, targets);
    ipvs[from] = r.ipvs;
    // The embedded DNS answers on one network per name: one VIP (vip) or one IP per running task.
    const nameExpected = endpointMode === 'vip' ? vips : taskIps;
    const within = (answered: string[], expected: string[], count: number) =>
      overlays.length === 1 ? dnsMatches(answered, expected) : answered.length === count && answered.every((a) => expected.includes(a));
    dns.push({
      from,
      name: { answered: r.name, expected: nameExpected, ok: within(r.name, nameExpected, endpointMode === 'vip' ? 1 : running.length) },
      tasks: { answered: r.tasks, expected: taskIps, ok: within(r.tasks, taskIps, running.length) },
    });
    for (const t of targets) {
      const cell = {
        from,
        target: t.label,
        kind: t.kind,
        address: t.address,
        ping: t.kind === 'published' ? undefined : r.pings.get(t.address),
        tcp: t.ports.map((port) => ({ port, ok: r.tcp.get(`${t.address} ${port}`) ?? false })),
      };
      cells.push({ ...cell, ok: cellOk(cell) });
    }
  }
  const report = {
    service: service.name,
    endpointMode,
    networks: overlays.map((n) => n.name),
    hosts: names,
    targets,
    cells,
    dns,
    ipvs,
    problems,
    notChecked: uncheckedPorts(service),
  };
  const diagnoses = diagnoseServiceCheck(report);
  const ok = problems.length === 0 && cells.every((c) => c.ok) && dns.every((d) => d.name.ok && d.tasks.ok);
  return { ...report, ok, diagnoses, timings };
}
