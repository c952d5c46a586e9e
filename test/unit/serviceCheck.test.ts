// The service check's pure parts: targets from the manager's view, a probe's report parsed, and the
// diagnosis for each failure the check names (VIP / load balancer, IPVS, DNS, one node's VXLAN, ingress).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkScript, checkTargets, parseCheckReport, uncheckedPorts } from '../../src/core/services/checkService';
import { type CheckCell, type CheckTarget, type DnsCheck, diagnoseServiceCheck } from '../../src/core/services/serviceCheckDiagnosis';
import type { SwarmService } from '../../src/core/services/services';
import type { PingResult } from '../../src/shared/matrix';

const HOSTS = ['h1', 'h2', 'h3'];
const NODES = HOSTS.map((h, i) => ({ hostname: h, address: `10.99.0.${i + 1}` }));
const okPing: PingResult = { ok: true, sent: 3, received: 3, lossPercent: 0, avgMs: 0.1, raw: '' };
const noReply: PingResult = { ok: false, sent: 3, received: 0, lossPercent: 100, error: 'no reply', raw: '' };

function service(over: Partial<SwarmService> = {}): SwarmService {
  const task = (slot: number, node: string, address: string) => ({
    id: `t${slot}`,
    slot,
    nodeId: node,
    node,
    desiredState: 'running',
    state: 'running',
    networks: [{ id: 'net1', name: 'so-net', address }],
  });
  return {
    id: 's1',
    name: 'web',
    mode: 'replicated',
    desired: 3,
    running: 3,
    image: 'img',
    ports: [{ protocol: 'tcp', target: 80, published: 8080, mode: 'ingress' }],
    networks: [{ id: 'net1', name: 'so-net', vip: '10.0.1.2' }],
    tasks: [task(1, 'h1', '10.0.1.3'), task(2, 'h2', '10.0.1.4'), task(3, 'h3', '10.0.1.5')],
    version: 1,
    labels: {},
    ...over,
  };
}

/** A report where `fails(from, target)` says what fails: 'ping', 'tcp' or nothing. */
function report(
  targets: CheckTarget[],
  fails: (from: string, t: CheckTarget) => 'ping' | 'tcp' | undefined,
  o: { ipvs?: boolean; dns?: (from: string) => Partial<DnsCheck> } = {},
) {
  const cells: CheckCell[] = HOSTS.flatMap((from) =>
    targets.map((t) => {
      const f = fails(from, t);
      const ping = t.kind === 'published' ? undefined : f === 'ping' ? noReply : okPing;
      const tcp = t.ports.map((port) => ({ port, ok: f === undefined }));
      return { from, target: t.label, kind: t.kind, address: t.address, ping, tcp, ok: f === undefined };
    }),
  );
  const expectedTasks = targets.filter((t) => t.kind === 'task').map((t) => t.address);
  const dns: DnsCheck[] = HOSTS.map((from) => ({
    from,
    name: { answered: ['10.0.1.2'], expected: ['10.0.1.2'], ok: true },
    tasks: { answered: expectedTasks, expected: expectedTasks, ok: true },
    ...o.dns?.(from),
  }));
  return {
    service: 'web',
    endpointMode: 'vip' as const,
    networks: ['so-net'],
    hosts: HOSTS,
    targets,
    cells,
    dns,
    ipvs: Object.fromEntries(HOSTS.map((h) => [h, o.ipvs ?? true])),
    problems: [],
  };
}

describe('service check', () => {
  const targets = checkTargets(service(), service().networks, NODES, undefined);

  test('UDP and SCTP ports are not tried, and the report says so for each; TCP ports are tried', () => {
    const mixed = service({
      ports: [
        { protocol: 'tcp', target: 80, published: 8080, mode: 'ingress' },
        { protocol: 'udp', target: 53, published: 5353, mode: 'ingress' },
        { protocol: 'sctp', target: 9899, mode: 'ingress' },
      ],
    });
    assert.deepEqual(
      checkTargets(mixed, mixed.networks, NODES, undefined).flatMap((t) => t.ports),
      [80, 80, 80, 80, 8080, 8080, 8080],
    );
    const said = uncheckedPorts(mixed);
    assert.equal(said.length, 2);
    assert.match(said[0]!, /^53\/udp \(published as 5353, ingress mode\) was not tried: UDP has no handshake/);
    assert.match(said[1]!, /^9899\/sctp was not tried: SCTP has no handshake/);
    assert.deepEqual(uncheckedPorts(service()), []);
  });

  test('targets: the VIP, every running task, the published port on every node (host mode: only where a task runs)', () => {
    assert.deepEqual(
      targets.map((t) => [t.kind, t.label, t.address, t.ports]),
      [
        ['vip', 'VIP so-net', '10.0.1.2', [80]],
        ['task', 'web.1@h1', '10.0.1.3', [80]],
        ['task', 'web.2@h2', '10.0.1.4', [80]],
        ['task', 'web.3@h3', '10.0.1.5', [80]],
        ['published', '*:8080 on h1', '10.99.0.1', [8080]],
        ['published', '*:8080 on h2', '10.99.0.2', [8080]],
        ['published', '*:8080 on h3', '10.99.0.3', [8080]],
      ],
    );
    const host = service({ ports: [{ protocol: 'tcp', target: 80, published: 8080, mode: 'host' }], tasks: service().tasks.slice(0, 1) });
    assert.deepEqual(
      checkTargets(host, host.networks, NODES, 81).map((t) => [t.label, t.ports]),
      [
        ['VIP so-net', [81]],
        ['web.1@h1', [81]],
        [':8080 on h1', [8080]],
      ],
    );
  });

  test('a probe report parsed from the script output', () => {
    const script = checkScript({ service: 'web', targets, expected: 3, leaseS: 60, plan: { count: 1, timeoutS: 1, intervalS: 0.2 } });
    assert.match(script, /nslookup tasks\.web/);
    assert.match(script, /tcp 10\.99\.0\.3 8080/);
    assert.throws(() =>
      checkScript({ service: 'web;rm', targets, expected: 1, leaseS: 60, plan: { count: 1, timeoutS: 1, intervalS: 0.2 } }),
    );
    const ping = (i: number, ok: boolean) =>
      `__begin ${i}\n1 packets transmitted, ${ok ? 1 : 0} packets received, ${ok ? 0 : 100}% packet loss\n${ok ? 'round-trip min/avg/max = 0.1/0.2/0.3 ms\n' : ''}__rc=${ok ? 0 : 1}\n__end ${i}\n`;
    const text = [
      '__ipvs no',
      '__dnsname 10.0.1.2',
      '__dnstasks 10.0.1.3 10.0.1.4 10.0.1.5',
      ping(0, true) + ping(1, true) + ping(2, true) + ping(3, false),
      '__tcp 10.0.1.2 80 1',
      '__tcp 10.0.1.3 80 0',
      '__done',
    ].join('\n');
    const r = parseCheckReport(text, targets);
    assert.equal(r.ipvs, false);
    assert.deepEqual(r.name, ['10.0.1.2']);
    assert.deepEqual(r.tasks, ['10.0.1.3', '10.0.1.4', '10.0.1.5']);
    assert.deepEqual(
      [...r.pings].map(([a, p]) => [a, p.ok]),
      [
        ['10.0.1.2', true],
        ['10.0.1.3', true],
        ['10.0.1.4', true],
        ['10.0.1.5', false],
      ],
    );
    assert.equal(r.tcp.get('10.0.1.2 80'), false);
    assert.equal(r.tcp.get('10.0.1.3 80'), true);
    assert.equal(r.tcp.get('10.0.1.4 80'), undefined);
  });

  test('everything answers: no diagnosis', () => {
    assert.deepEqual(diagnoseServiceCheck(report(targets, () => undefined)), []);
  });

  test('VIP fails while the tasks answer, no IPVS: the load balancer on those nodes, dnsrr, and the missing IPVS with its fix', () => {
    const d = diagnoseServiceCheck(
      report(targets, (_f, t) => (t.kind === 'vip' ? 'tcp' : t.kind === 'published' ? 'tcp' : undefined), { ipvs: false }),
    );
    assert.ok(
      d.some((x) =>
        /^From h1, h2, h3 the service's virtual IP 10\.0\.1\.2 \(TCP 80\) does not answer while its tasks do: .*--endpoint-mode dnsrr/.test(
          x,
        ),
      ),
      d.join('\n'),
    );
    assert.ok(
      d.some((x) => /^Published port 8080 \(ingress\) answers on no node's address: the routing mesh needs IPVS/.test(x)),
      d.join('\n'),
    );
    assert.ok(
      d.some((x) => /^h1, h2, h3 have no IPVS .*modprobe ip_vs.*--endpoint-mode dnsrr.*mode=host/.test(x)),
      d.join('\n'),
    );
  });

  test("VIP fails on one node only, IPVS present: that node's load balancer, no IPVS sentence", () => {
    const d = diagnoseServiceCheck(report(targets, (f, t) => (t.kind === 'vip' && f === 'h2' ? 'ping' : undefined)));
    assert.deepEqual(d, [
      'From h2 the service\'s virtual IP 10.0.1.2 does not answer while its tasks do: the virtual IP / load balancer of "web" on h2 is not working; as a workaround, run the service with --endpoint-mode dnsrr.',
    ]);
  });

  test('the name does not resolve on h2: embedded DNS or not on this network', () => {
    const d = diagnoseServiceCheck(
      report(targets, () => undefined, { dns: (f) => (f === 'h2' ? { name: { answered: [], expected: ['10.0.1.2'], ok: false } } : {}) }),
    );
    assert.equal(d.length, 1);
    assert.match(d[0]!, /^On h2 the name "web" does not resolve: Docker's embedded DNS there does not know the service — is it on so-net/);
  });

  test("h3's tasks unreachable from every other node: h3's 4789/udp", () => {
    const node = (t: CheckTarget) => t.node;
    const d = diagnoseServiceCheck(
      report(targets, (f, t) =>
        t.kind === 'task' && ((f === 'h3' && node(t) !== 'h3') || (f !== 'h3' && node(t) === 'h3')) ? 'ping' : undefined,
      ),
    );
    assert.deepEqual(d, [
      'No probe on another node reaches the tasks on h3, while the other nodes reach each other: VXLAN traffic (4789/udp) to or from h3 is blocked or mangled.',
    ]);
  });

  test('a published ingress port answering only where a task runs: the ingress network on the other nodes', () => {
    const one = service({ tasks: service().tasks.slice(0, 1) });
    const ts = checkTargets(one, one.networks, NODES, undefined);
    const d = diagnoseServiceCheck(report(ts, (_f, t) => (t.kind === 'published' && t.node !== 'h1' ? 'tcp' : undefined)));
    assert.deepEqual(d, [
      'Published port 8080 (ingress) answers only where a task runs (h1), not on h2, h3: the ingress network on h2, h3 does not reach the tasks — check 4789/udp and 7946/tcp+udp between h2, h3 and h1.',
    ]);
  });

  test('tasks answer pings but not the port: the service does not listen', () => {
    const d = diagnoseServiceCheck(report(targets, (_f, t) => (t.kind === 'published' ? undefined : 'tcp')));
    assert.ok(d[0]?.startsWith('9 task check(s) answer pings but not TCP 80: the service does not listen there'), d.join('\n'));
  });
});
