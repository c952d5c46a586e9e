// Services, tasks and networks as a manager answers them → the model: stacks, modes, replicas,
// images, ports, VIPs, task addresses, and the one-line reason a service is flagged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ServiceAnswer,
  type TaskAnswer,
  allServices,
  imageName,
  portText,
  servicesFromAnswers,
} from '../../src/core/services/services';
import { logLine, replicasProblem } from '../../src/core/services/serviceActions';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const nodes = [
  { id: 'n1', hostname: 'h1' },
  { id: 'n2', hostname: 'h2' },
  { id: 'n3', hostname: 'h3' },
];
const networks = [
  { Id: 'net-app', Name: 'app' },
  { Id: 'net-ingress', Name: 'ingress' },
];

function service(
  id: string,
  name: string,
  extra: Partial<NonNullable<ServiceAnswer['Spec']>> = {},
  more: Partial<ServiceAnswer> = {},
): ServiceAnswer {
  return {
    ID: id,
    Version: { Index: 42 },
    Spec: {
      Name: name,
      Mode: { Replicated: { Replicas: 2 } },
      TaskTemplate: { ContainerSpec: { Image: `probe:busybox@${DIGEST}` }, Networks: [{ Target: 'net-app' }] },
      ...extra,
    },
    Endpoint: { VirtualIPs: [{ NetworkID: 'net-app', Addr: '10.0.1.2/24' }] },
    ...more,
  };
}

function task(service: string, o: Partial<TaskAnswer> & { state?: string; err?: string; at?: string } = {}): TaskAnswer {
  const { state = 'running', err, at = '2026-12-02T10:00:00Z', ...rest } = o;
  return {
    ID: `${service}-t${Math.random().toString(36).slice(2, 8)}`,
    ServiceID: service,
    NodeID: 'n1',
    Slot: 1,
    DesiredState: 'running',
    Status: { State: state, Err: err, Timestamp: at, ContainerStatus: { ContainerID: 'c'.repeat(64) } },
    NetworksAttachments: [{ Network: { ID: 'net-app', Spec: { Name: 'app' } }, Addresses: ['10.0.1.5/24'] }],
    ...rest,
  };
}

test('a replicated service: replicas, image without digest, VIP per network, tasks with node and address', () => {
  const view = servicesFromAnswers(
    [service('s1', 'web')],
    [task('s1', { Slot: 2, NodeID: 'n2' }), task('s1', { Slot: 1, NodeID: 'n3' })],
    networks,
    nodes,
  );
  assert.deepEqual(view.stacks, []);
  const [web] = view.services;
  assert.equal(web!.name, 'web');
  assert.equal(web!.mode, 'replicated');
  assert.deepEqual([web!.running, web!.desired], [2, 2]);
  assert.equal(web!.image, 'probe:busybox');
  assert.deepEqual(web!.networks, [{ id: 'net-app', name: 'app', vip: '10.0.1.2' }]);
  assert.equal(web!.problem, undefined);
  assert.equal(web!.version, 42);
  assert.deepEqual(
    web!.tasks.map((t) => [t.slot, t.node, t.state, t.networks[0]?.address]),
    [
      [1, 'h3', 'running', '10.0.1.5'],
      [2, 'h2', 'running', '10.0.1.5'],
    ],
  );
  // JSON-safe: survives a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
});

test('stacks by label, sorted; services outside any stack listed on their own', () => {
  const stacked = (id: string, name: string, stack: string) => service(id, name, { Labels: { 'com.docker.stack.namespace': stack } });
  const view = servicesFromAnswers(
    [stacked('a', 'shop_web', 'shop'), service('b', 'lonely'), stacked('c', 'blog_db', 'blog'), stacked('d', 'shop_db', 'shop')],
    [],
    networks,
    nodes,
  );
  assert.deepEqual(
    view.stacks.map((s) => [s.name, s.services.map((x) => x.name)]),
    [
      ['blog', ['blog_db']],
      ['shop', ['shop_db', 'shop_web']],
    ],
  );
  assert.deepEqual(
    view.services.map((s) => s.name),
    ['lonely'],
  );
  assert.deepEqual(
    allServices(view).map((s) => s.name),
    ['blog_db', 'shop_db', 'shop_web', 'lonely'],
  );
});

test('a global service: desired is the tasks Docker wants, one per node, no slot', () => {
  const g = service('g', 'agent', { Mode: { Global: {} } });
  const view = servicesFromAnswers(
    [g],
    [
      task('g', { Slot: 0, NodeID: 'n1' }),
      task('g', { Slot: 0, NodeID: 'n2', state: 'preparing' }),
      task('g', { Slot: 0, NodeID: 'n3', DesiredState: 'shutdown', state: 'shutdown' }),
    ],
    networks,
    nodes,
  );
  const [agent] = view.services;
  assert.equal(agent!.mode, 'global');
  assert.deepEqual([agent!.running, agent!.desired], [1, 2]);
  assert.deepEqual(
    agent!.tasks.map((t) => [t.slot, t.node]),
    [
      [undefined, 'h1'],
      [undefined, 'h2'],
    ],
  );
  assert.equal(agent!.problem, '1/2 running: a task is preparing on h2');
});

test('flagged with the reason: no suitable node, a replaced task that failed, a port in use', () => {
  const view = servicesFromAnswers(
    [service('p', 'pinned', { Mode: { Replicated: { Replicas: 1 } } }), service('f', 'flaky'), service('ok', 'fine')],
    [
      task('p', { NodeID: '', state: 'pending', err: 'no suitable node (scheduling constraints not satisfied on 3 nodes)' }),
      task('f', { Slot: 1, NodeID: 'n1' }),
      task('f', { Slot: 2, NodeID: 'n2', state: 'assigned' }),
      task('f', { Slot: 2, NodeID: 'n2', DesiredState: 'shutdown', state: 'rejected', err: 'old failure', at: '2026-12-02T09:00:00Z' }),
      task('f', {
        Slot: 2,
        NodeID: 'n2',
        DesiredState: 'shutdown',
        state: 'failed',
        err: 'port 8080 is already in use',
        at: '2026-12-02T09:30:00Z',
      }),
      task('ok', { Slot: 1 }),
      task('ok', { Slot: 2 }),
      // Replaced and shut down normally: history, not a problem.
      task('ok', { Slot: 1, DesiredState: 'shutdown', state: 'shutdown', at: '2026-12-01T00:00:00Z' }),
    ],
    networks,
    nodes,
  );
  const by = new Map(allServices(view).map((s) => [s.name, s]));
  assert.equal(by.get('pinned')!.problem, '0/1 running: no suitable node (scheduling constraints not satisfied on 3 nodes)');
  assert.equal(by.get('pinned')!.tasks[0]!.node, '');
  assert.equal(by.get('flaky')!.problem, '1/2 running: last task failed on h2: port 8080 is already in use');
  assert.equal(by.get('fine')!.problem, undefined);
  assert.equal(by.get('fine')!.tasks.length, 2, 'history is not listed as tasks');
});

test('an image pull failure on a rejected task is the reason', () => {
  const view = servicesFromAnswers(
    [service('x', 'pull', { Mode: { Replicated: { Replicas: 1 } } })],
    [
      task('x', { state: 'preparing' }),
      task('x', {
        DesiredState: 'shutdown',
        state: 'rejected',
        err: 'No such image: nothere:latest',
      }),
    ],
    networks,
    nodes,
  );
  assert.equal(view.services[0]!.problem, '0/1 running: last task rejected on h1: No such image: nothere:latest');
});

test('published ports: as Docker assigned them, else the spec; text as docker service ls writes it', () => {
  const pub = service(
    'w',
    'web',
    { EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80 }] } },
    {
      Endpoint: {
        Ports: [
          { Protocol: 'tcp', TargetPort: 80, PublishedPort: 30001, PublishMode: 'ingress' },
          { Protocol: 'udp', TargetPort: 53, PublishedPort: 5353, PublishMode: 'host' },
        ],
        VirtualIPs: [
          { NetworkID: 'net-ingress', Addr: '10.0.0.7/24' },
          { NetworkID: 'net-app', Addr: '10.0.1.9/24' },
        ],
      },
    },
  );
  const [web] = servicesFromAnswers([pub], [], networks, nodes).services;
  assert.deepEqual(web!.ports.map(portText), ['*:30001->80/tcp', '5353->53/udp']);
  assert.deepEqual(
    web!.networks.map((n) => `${n.name}=${n.vip}`),
    ['app=10.0.1.9', 'ingress=10.0.0.7'],
  );
  const specOnly = servicesFromAnswers([service('s', 's', { EndpointSpec: { Ports: [{ TargetPort: 80 }] } })], [], networks, nodes);
  assert.deepEqual(specOnly.services[0]!.ports.map(portText), ['80/tcp']);
});

test('a network named in the spec (not by id) and dnsrr (no VIP) still list the network', () => {
  const s = service('d', 'dns', { TaskTemplate: { ContainerSpec: { Image: 'img' }, Networks: [{ Target: 'app' }] } }, { Endpoint: {} });
  const [dns] = servicesFromAnswers([s], [], networks, nodes).services;
  assert.deepEqual(dns!.networks, [{ id: 'net-app', name: 'app' }]);
});

test('answers of the wrong shape read as absent, never throw', () => {
  const odd = [
    { ID: 5, Spec: { Name: ['x'], Mode: 'global', Labels: { a: 1 } } },
    null,
    'text',
    { Spec: { Mode: { Replicated: { Replicas: -3 } } }, Endpoint: { VirtualIPs: 'no', Ports: [{ TargetPort: 'x' }] } },
  ] as unknown as ServiceAnswer[];
  const tasks = [{ ServiceID: 1, Status: 'x', NetworksAttachments: [{ Addresses: 'z' }] }, 7] as unknown as TaskAnswer[];
  const view = servicesFromAnswers(odd, tasks, [null] as never, nodes);
  assert.equal(view.services.length, 2);
  for (const s of view.services) {
    assert.equal(typeof s.name, 'string');
    assert.ok(Number.isInteger(s.desired) && s.desired >= 0);
    assert.deepEqual(s.ports, []);
  }
});

test('image names: the digest Docker pins goes, an image named by id stays', () => {
  assert.equal(imageName(`nginx:1.27@${DIGEST}`), 'nginx:1.27');
  assert.equal(imageName(DIGEST), DIGEST);
  assert.equal(imageName('registry:5000/team/app:v2'), 'registry:5000/team/app:v2');
});

test('replica counts: a whole number from 0 to 1000', () => {
  for (const ok of ['0', '3', '1000', ' 7 ']) assert.equal(replicasProblem(ok), undefined, ok);
  for (const bad of ['', '-1', '2.5', 'three', '1e3', '1001']) assert.ok(replicasProblem(bad), bad);
});

test('log lines with details read as task@node | text', () => {
  const names = new Map([
    ['t1', 'web.1'],
    ['n2', 'h2'],
  ]);
  assert.equal(
    logLine('com.docker.swarm.node.id=n2,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world', names),
    'web.1@h2 | hello world',
  );
  assert.equal(
    logLine('com.docker.swarm.node.id=abcdefabcdefabcdef,com.docker.swarm.task.id=tttttttttttttttttt x\r'),
    'tttttttttttt@abcdefabcdef | x',
  );
  assert.equal(logLine('plain line'), 'plain line');
});
