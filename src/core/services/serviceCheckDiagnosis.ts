// What a service check found, as plain data, and its diagnosis in plain words. Pure: the probes'
// reports come in (checkService.ts), sentences come out, so every rule is unit-tested.
import type { HostProblem, PingResult } from '../../shared/matrix';

export type TargetKind = 'vip' | 'task' | 'published';

/** One target as the manager describes it. */
export interface CheckTarget {
  kind: TargetKind;
  /** "VIP so-net", "web.2@h3", "*:8080 on h2". */
  label: string;
  address: string;
  /** Tasks: the node it runs on; published ports: the node whose address is tried. */
  node?: string;
  network?: string;
  /** TCP ports tried (published: the published port). */
  ports: number[];
  /** Published ports: `ingress` (every node should answer) or `host` (only nodes running a task). */
  publishMode?: string;
  /** Published ports: whether a task runs on `node`. */
  taskHere?: boolean;
}

export interface TcpResult {
  port: number;
  ok: boolean;
}

/** One probe's result for one target. */
export interface CheckCell {
  from: string;
  target: string;
  kind: TargetKind;
  address: string;
  /** None for published ports (only TCP is meaningful there). */
  ping?: PingResult;
  tcp: TcpResult[];
  ok: boolean;
}

/** What one probe's embedded DNS answered, against what the manager says. */
export interface DnsCheck {
  from: string;
  /** `<service>`: the VIPs (endpoint mode vip) or the task IPs (dnsrr). */
  name: { answered: string[]; expected: string[]; ok: boolean };
  /** `tasks.<service>`: the running tasks' IPs. */
  tasks: { answered: string[]; expected: string[]; ok: boolean };
}

export interface ServiceCheckReport {
  service: string;
  endpointMode: 'vip' | 'dnsrr';
  networks: string[];
  /** Probe nodes (rows), in the swarm's order. */
  hosts: string[];
  targets: CheckTarget[];
  ok: boolean;
  cells: CheckCell[];
  dns: DnsCheck[];
  /** Per probe node: whether its kernel has IPVS (Docker's service VIPs and ingress mesh need it). */
  ipvs: Record<string, boolean>;
  diagnoses: string[];
  problems: HostProblem[];
  /** Ports of the service the check could not try (UDP, SCTP), each as a sentence. */
  notChecked: string[];
}

const list = (xs: string[]) => xs.join(', ');
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Whether a DNS answer matches what the manager says (order does not matter, duplicates do not count). */
export function dnsMatches(answered: string[], expected: string[]): boolean {
  return sameSet([...new Set(answered)], [...new Set(expected)]);
}

export function cellOk(c: Pick<CheckCell, 'ping' | 'tcp'>): boolean {
  return (c.ping?.ok ?? true) && c.tcp.every((t) => t.ok);
}

function ipvsFix(nodes: string[]): string {
  return (
    `${list(nodes)} ${nodes.length > 1 ? 'have' : 'has'} no IPVS in ${nodes.length > 1 ? 'their kernels' : 'its kernel'} (no /proc/net/ip_vs), ` +
    'which Docker needs for service virtual IPs and the ingress routing mesh: load the ip_vs module (modprobe ip_vs) or use a kernel ' +
    'built with IP_VS; meanwhile run the service with --endpoint-mode dnsrr and publish its ports with mode=host.'
  );
}

/** The diagnosis, most telling first; empty when everything answers. */
export function diagnoseServiceCheck(r: Omit<ServiceCheckReport, 'ok' | 'diagnoses' | 'notChecked'>): string[] {
  const out: string[] = r.problems.map((p) => `${p.host} took no part: ${p.reason}`);
  const live = r.hosts.filter((h) => !r.problems.some((p) => p.host === h));
  const noIpvs = live.filter((h) => r.ipvs[h] === false);
  const cellsOf = (kind: TargetKind) => r.cells.filter((c) => c.kind === kind);
  const target = (label: string) => r.targets.find((t) => t.label === label);
  const said = new Set<string>();
  const once = (line: string) => {
    if (!said.has(line)) out.push(line);
    said.add(line);
  };

  // Names.
  for (const d of r.dns) {
    if (!d.name.ok) {
      once(
        d.name.answered.length === 0
          ? `On ${d.from} the name "${r.service}" does not resolve: Docker's embedded DNS there does not know the service — ` +
              `is it on ${list(r.networks)}, and does ${d.from} gossip with the other nodes (7946/tcp+udp)?`
          : `On ${d.from} "${r.service}" resolves to ${list(d.name.answered)}, but the manager says ${list(d.name.expected) || 'nothing'}: ` +
              'the embedded DNS there is out of date (gossip, 7946/tcp+udp).',
      );
    }
    if (!d.tasks.ok) {
      const missing = d.tasks.expected.filter((a) => !d.tasks.answered.includes(a));
      const extra = d.tasks.answered.filter((a) => !d.tasks.expected.includes(a));
      once(
        `On ${d.from} "tasks.${r.service}" ${missing.length ? `lacks ${list(missing)}` : ''}${missing.length && extra.length ? ' and ' : ''}` +
          `${extra.length ? `lists ${list(extra)}, which no running task has` : ''}: ` +
          'the embedded DNS there has not learned of those tasks (gossip, 7946/tcp+udp).',
      );
    }
  }

  // One node whose tasks nobody else reaches (and whose probe reaches no other node's tasks): its VXLAN.
  const tasks = cellsOf('task');
  const taskNodes = [...new Set(r.targets.filter((t) => t.kind === 'task').map((t) => t.node!))];
  const isolated: string[] = [];
  if (live.length >= 2) {
    for (const n of live) {
      const toN = tasks.filter((c) => c.from !== n && target(c.target)?.node === n);
      const fromN = tasks.filter((c) => c.from === n && target(c.target)?.node !== n);
      const mine = [...toN, ...fromN];
      const others = tasks.filter((c) => c.from !== n && target(c.target)?.node !== n);
      const othersWork = others.length === 0 ? taskNodes.length > 1 : others.some((c) => c.ok);
      if (mine.length > 0 && mine.every((c) => !c.ok) && othersWork) isolated.push(n);
    }
  }
  for (const n of isolated) {
    once(
      `No probe on another node reaches ${taskNodes.includes(n) ? `the tasks on ${n}` : `anything from ${n}`}, while the other nodes reach each other: ` +
        `VXLAN traffic (4789/udp) to or from ${n} is blocked or mangled.`,
    );
  }
  const away = (c: CheckCell) => isolated.includes(c.from) || isolated.includes(target(c.target)?.node ?? '');

  // Tasks that do not answer on their port while they answer pings: the service itself.
  const deaf = tasks.filter((c) => !away(c) && (c.ping?.ok ?? true) && c.tcp.some((t) => !t.ok));
  const deafPorts = [...new Set(deaf.flatMap((c) => c.tcp.filter((t) => !t.ok).map((t) => t.port)))];
  if (deafPorts.length) {
    once(
      `${deaf.length} task check(s) answer pings but not TCP ${list(deafPorts.map(String))}: the service does not listen there ` +
        '(wrong --port, or the process is not up).',
    );
  }
  const otherTasks = tasks.filter((c) => !away(c) && !(c.ping?.ok ?? true));
  if (otherTasks.length) {
    const pairs = [...new Set(otherTasks.map((c) => `${c.from} → ${target(c.target)?.node ?? '?'}`))];
    once(`${otherTasks.length} task(s) do not answer pings (${list(pairs)}): check 4789/udp and 7946/tcp+udp between those nodes.`);
  }

  // The VIP: failing from a node whose probe reaches the tasks means the load balancer on that node.
  const vipFails = cellsOf('vip').filter((c) => !c.ok);
  const lbNodes: string[] = [];
  for (const from of live) {
    const vip = vipFails.filter((c) => c.from === from);
    if (!vip.length) continue;
    const mine = tasks.filter((c) => c.from === from);
    const tasksAnswer = mine.some((c) => c.ok);
    if (tasksAnswer || mine.length === 0) lbNodes.push(from);
  }
  if (lbNodes.length) {
    const broken = vipFails.filter((c) => lbNodes.includes(c.from));
    const what = [
      ...new Set(
        broken.map(
          (c) =>
            `${c.address}${
              c.ping?.ok === false
                ? ''
                : ` (TCP ${c.tcp
                    .filter((t) => !t.ok)
                    .map((t) => t.port)
                    .join(', ')})`
            }`,
        ),
      ),
    ];
    once(
      `From ${list(lbNodes)} the service's virtual IP ${list(what)} does not answer while its tasks do: the virtual IP / load balancer of ` +
        `"${r.service}" on ${list(lbNodes)} is not working; as a workaround, run the service with --endpoint-mode dnsrr.`,
    );
  }

  // Published ports.
  const published = r.targets.filter((t) => t.kind === 'published');
  const byPort = new Map<number, CheckTarget[]>();
  for (const t of published) byPort.set(t.ports[0]!, [...(byPort.get(t.ports[0]!) ?? []), t]);
  const answers = (t: CheckTarget) => {
    const cs = r.cells.filter((c) => c.target === t.label && !isolated.includes(c.from));
    return cs.length > 0 && cs.every((c) => c.ok);
  };
  let meshNeedsIpvs = false;
  for (const [port, ts] of byPort) {
    const ingress = ts.filter((t) => t.publishMode !== 'host');
    const host = ts.filter((t) => t.publishMode === 'host');
    const failing = ingress.filter((t) => !answers(t));
    if (ingress.length && failing.length) {
      const withTask = ingress.filter((t) => t.taskHere && answers(t)).map((t) => t.node!);
      const nodes = failing.map((t) => t.node!);
      if (failing.length === ingress.length) {
        meshNeedsIpvs ||= noIpvs.length > 0;
        once(
          `Published port ${port} (ingress) answers on no node's address${noIpvs.length ? ': the routing mesh needs IPVS' : ''}: ` +
            `check that the service listens on its target port and that 4789/udp and 7946/tcp+udp are open between the nodes.`,
        );
      } else if (withTask.length) {
        once(
          `Published port ${port} (ingress) answers only where a task runs (${list(withTask)}), not on ${list(nodes)}: the ingress network ` +
            `on ${list(nodes)} does not reach the tasks — check 4789/udp and 7946/tcp+udp between ${list(nodes)} and ${list(withTask)}.`,
        );
      } else {
        once(`Published port ${port} (ingress) does not answer on ${list(nodes)}: the routing mesh there (4789/udp, 7946/tcp+udp).`);
      }
    }
    const hostFailing = host.filter((t) => t.taskHere && !answers(t)).map((t) => t.node!);
    if (hostFailing.length) {
      once(
        `Published port ${port} (host mode) does not answer on ${list(hostFailing)}, where a task runs: a firewall on that node, ` +
          'or the task does not listen on its target port.',
      );
    }
  }

  // Why VIPs and the mesh cannot work: a kernel without IPVS, on the nodes concerned.
  const vipNoIpvs = lbNodes.filter((n) => noIpvs.includes(n));
  if (vipNoIpvs.length || meshNeedsIpvs) once(ipvsFix(meshNeedsIpvs ? noIpvs : vipNoIpvs));
  if (live.length === 0) once('No probe could run, so nothing was checked.');
  return out;
}
