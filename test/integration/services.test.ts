// Swarm services against the real lab: what the core reads (stacks, modes, replicas, images, ports,
// VIPs, tasks with node, state, error and address) checked against the docker CLI and the nodes
// themselves; one set of requests per manager per refresh; scale, force update, logs and remove.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { Refused } from '../../src/core/errors';
import type { HostStatus } from '../../src/core/model';
import { followServiceLogs, forceUpdateService, removeService, scaleService, waitForService } from '../../src/core/services/serviceActions';
import { type SwarmService, allServices, portText, readServices } from '../../src/core/services/services';
import { swarmOverview } from '../../src/core/swarm/swarmOverview';
import { freshSwarm, labCore, labExec, leaveSwarms } from '../support/lab';

const IMAGE = 'swarm-overlay/probe:busybox';
const NET = 'so-svc-net';
// Prints one line, then waits; exits at once on SIGTERM (a sleep as PID 1 would ignore it for 10 s).
const COMMAND = ['sh', '-c', 'echo "hello from $(hostname)"; trap "exit 0" TERM; sleep 3600 & wait'];
const NAMES = ['svc-rep', 'svc-glob', 'svc-bad', 'shop_web', 'svc-pub'];

/** Waits until `check` holds, polling every 300 ms, up to `ms`. */
async function until<T>(check: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('swarm services', () => {
  let core: Core;
  const lines: string[] = [];
  const names = ['h1', 'h2', 'h3'];
  const h1 = () => core.hosts.get('h1');
  let statuses: HostStatus[] = [];
  // What a refresh reads: the swarms (nodes through a manager), then each swarm's services through the same manager.
  const read = async () => {
    const view = await swarmOverview(core.hosts, statuses);
    assert.equal(view.swarms.length, 1);
    const swarm = view.swarms[0]!;
    assert.equal(swarm.via, 'h1');
    const services = await readServices(core.hosts.get(swarm.via), swarm.nodes);
    return { swarm, view: services, services: new Map(allServices(services).map((s) => [s.name, s])) };
  };
  const service = async (name: string): Promise<SwarmService> => (await read()).services.get(name)!;
  const cli = (...args: string[]) => labExec('h1', ['docker', ...args]).trim();

  before(async () => {
    core = labCore({}, lines);
    await freshSwarm(core, names);
    statuses = await core.hosts.statusAll();
    // By image id: a tag makes every node ask the (unreachable) registry first, seconds per task.
    const image = ((await h1().call('inspect the image', (d) => d.getImage(IMAGE).inspect())) as { Id: string }).Id;
    await h1().call('create the network', (d) => d.createNetwork({ Name: NET, Driver: 'overlay', Attachable: true }));
    const spec = (name: string, more: Record<string, unknown> = {}, template: Record<string, unknown> = {}) => ({
      Name: name,
      TaskTemplate: {
        ContainerSpec: { Image: image, Command: COMMAND, StopGracePeriod: 1_000_000_000 },
        Networks: [{ Target: NET }],
        ...template,
      },
      Mode: { Replicated: { Replicas: 1 } },
      ...more,
    });
    const create = (s: object) => h1().call('create a service', (d) => d.createService(s));
    await create(spec('svc-rep', { Mode: { Replicated: { Replicas: 2 } } }));
    await create(spec('svc-glob', { Mode: { Global: {} } }));
    await create(spec('svc-bad', {}, { Placement: { Constraints: ['node.labels.so-nowhere==yes'] } }));
    await create(spec('shop_web', { Labels: { 'com.docker.stack.namespace': 'shop' } }));
    await create(
      spec('svc-pub', { EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 18081, PublishMode: 'ingress' }] } }),
    );
    await until(
      async () => {
        const { services } = await read();
        const running = ['svc-rep', 'svc-glob', 'shop_web', 'svc-pub'].every((n) => {
          const s = services.get(n);
          return s && s.desired > 0 && s.running === s.desired && !s.problem;
        });
        return running && services.get('svc-bad')?.tasks[0]?.error;
      },
      45_000,
      'every service runs and svc-bad has its error',
    );
  });

  after(async () => {
    for (const name of NAMES) await removeService(h1(), name).catch(() => undefined);
    // The network is free once the tasks' containers are gone.
    await until(
      () =>
        h1()
          .call('remove the network', (d) => d.getNetwork(NET).remove())
          .then(
            () => true,
            (err: unknown) => /not found|No such network/i.test(String(err)),
          ),
      20_000,
      `${NET} is removed`,
    ).catch(() => undefined);
    await leaveSwarms(core, names);
    core.dispose();
  });

  test('services as the docker CLI lists them: mode, replicas, image, ports; stacks by label', async () => {
    const { view, services } = await read();
    const listed = cli('service', 'ls', '--format', '{{.Name}}|{{.Mode}}|{{.Replicas}}|{{.Image}}|{{.Ports}}').split('\n').sort();
    const ours = [...services.values()]
      .map((s) => `${s.name}|${s.mode}|${s.running}/${s.desired}|${s.image}|${s.ports.map(portText).join(', ')}`)
      .sort();
    assert.deepEqual(ours, listed);
    assert.deepEqual(
      view.stacks.map((s) => [s.name, s.services.map((x) => x.name)]),
      [['shop', ['shop_web']]],
    );
    assert.deepEqual(view.services.map((s) => s.name).sort(), ['svc-bad', 'svc-glob', 'svc-pub', 'svc-rep']);
    assert.deepEqual(
      services
        .get('svc-glob')!
        .tasks.map((t) => t.node)
        .sort(),
      ['h1', 'h2', 'h3'],
    );
    assert.match(services.get('svc-pub')!.ports.map(portText).join(), /^\*:18081->80\/tcp$/);
  });

  test('tasks as docker service ps shows them: node, desired and current state, error', async () => {
    const { services } = await read();
    const ps = cli(
      'service',
      'ps',
      '--no-trunc',
      '--filter',
      'desired-state=running',
      '--format',
      '{{.Name}}|{{.Node}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}',
      ...NAMES,
    )
      .split('\n')
      .map((l) => {
        const [name, node, desired, current, error] = l.split('|');
        // "svc-rep.1" / "svc-glob.<node id>"; "Running 5 seconds ago" → "running"
        return `${name!.replace(/\.[a-z0-9]{25}$/, '')}|${node}|${desired!.toLowerCase()}|${current!.split(' ')[0]!.toLowerCase()}|${error!.replace(/^"|"$/g, '')}`;
      })
      .sort();
    const ours = [...services.values()]
      .flatMap((s) =>
        s.tasks.map((t) => `${s.name}${t.slot !== undefined ? `.${t.slot}` : ''}|${t.node}|${t.desiredState}|${t.state}|${t.error ?? ''}`),
      )
      .sort();
    assert.deepEqual(ours, ps);
  });

  test('a service that cannot run is flagged with the reason; the others are not', async () => {
    const { services } = await read();
    assert.match(
      services.get('svc-bad')!.problem ?? '',
      /^0\/1 running: no suitable node \(scheduling constraints not satisfied on 3 nodes\)$/,
    );
    assert.equal(services.get('svc-bad')!.tasks[0]!.node, '');
    for (const n of ['svc-rep', 'svc-glob', 'shop_web', 'svc-pub']) assert.equal(services.get(n)!.problem, undefined, n);
  });

  test("VIPs as the manager assigned them, task addresses as each node's container has them", async () => {
    const rep = await service('svc-rep');
    const net = rep.networks.find((n) => n.name === NET)!;
    const vips = cli('service', 'inspect', 'svc-rep', '--format', '{{range .Endpoint.VirtualIPs}}{{.Addr}} {{end}}');
    assert.ok(net.vip && vips.split(' ').includes(`${net.vip}/24`), `${net.vip} in ${vips}`);
    const pub = await service('svc-pub');
    assert.deepEqual(
      pub.networks.map((n) => n.name),
      ['ingress', NET],
    );
    assert.ok(pub.networks.every((n) => n.vip));
    for (const t of rep.tasks) {
      const address = t.networks.find((n) => n.name === NET)?.address;
      const onNode = labExec(t.node, [
        'docker',
        'inspect',
        t.containerId!,
        '--format',
        `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`,
      ]);
      assert.equal(address, onNode.trim(), `task ${t.slot} on ${t.node}`);
    }
  });

  test('one set of requests per manager per refresh, however many services', async () => {
    lines.length = 0;
    const { services } = await read();
    assert.equal(services.size, NAMES.length);
    const paths = lines
      .filter((l) => /docker: h\d: (GET|POST|DELETE) /.test(l))
      .map((l) =>
        l
          .replace(/^.*docker: /, '')
          .replace(/\?.*$/, '')
          .replace(/\/v[\d.]+\//, '/'),
      )
      .sort();
    assert.deepEqual(paths, ['h1: GET /networks', 'h1: GET /nodes', 'h1: GET /services', 'h1: GET /tasks']);
  });

  test('scale a replicated service and wait until its tasks run; a global one is refused', async () => {
    await scaleService(h1(), 'svc-rep', 3);
    const seen: string[] = [];
    const problem = await waitForService(h1(), 'svc-rep', { timeoutMs: 30_000, onProgress: (s) => seen.push(`${s.running}/${s.desired}`) });
    assert.equal(problem, undefined, `svc-rep converged (seen ${seen.join(', ')})`);
    assert.equal(seen.at(-1), '3/3');
    const rep = await service('svc-rep');
    assert.deepEqual([rep.running, rep.desired, rep.tasks.length], [3, 3, 3]);
    assert.equal(cli('service', 'ls', '--filter', 'name=svc-rep', '--format', '{{.Replicas}}'), '3/3');
    await assert.rejects(
      scaleService(h1(), 'svc-glob', 2),
      (err: unknown) => err instanceof Refused && /not a replicated service/.test(err.message),
    );
    await assert.rejects(scaleService(h1(), 'svc-rep', -1), Refused);
  });

  test('waiting on a service that cannot be placed stops early with the reason', async () => {
    await scaleService(h1(), 'svc-bad', 2);
    const started = Date.now();
    const problem = await waitForService(h1(), 'svc-bad', { timeoutMs: 30_000 });
    assert.match(problem ?? '', /^0\/2 running: no suitable node \(scheduling constraints not satisfied on 3 nodes\)$/);
    assert.ok(Date.now() - started < 10_000, `stopped early, in ${Date.now() - started} ms`);
  });

  test('force update replaces every task and counts up ForceUpdate', async () => {
    const before = new Set((await service('svc-rep')).tasks.map((t) => t.id));
    const counter = () => Number(cli('service', 'inspect', 'svc-rep', '--format', '{{.Spec.TaskTemplate.ForceUpdate}}'));
    const was = counter();
    await forceUpdateService(h1(), 'svc-rep');
    assert.equal(counter(), was + 1);
    assert.equal(await waitForService(h1(), 'svc-rep', { replacing: before, timeoutMs: 40_000 }), undefined);
    const s = await service('svc-rep');
    assert.equal(s.running, 3);
    assert.ok(
      s.tasks.every((t) => !before.has(t.id) && t.state === 'running'),
      'three new tasks run',
    );
  });

  test("logs of every node's tasks, through the manager, followed until stopped", async () => {
    const rep = await service('svc-rep');
    const got: string[] = [];
    const names = new Map(rep.tasks.flatMap((t) => [[t.id, `svc-rep.${t.slot}`] as const, [t.nodeId, t.node] as const]));
    const follow = await followServiceLogs(h1(), 'svc-rep', (l) => got.push(l), { names });
    try {
      await until(
        async () => rep.tasks.every((t) => got.some((l) => l.startsWith(`svc-rep.${t.slot}@${t.node} | hello from`))),
        15_000,
        'a line from each task',
      );
    } finally {
      follow.stop();
    }
    await follow.ended;
  });

  test('remove a service: the CLI no longer lists it', async () => {
    await removeService(h1(), 'svc-pub');
    assert.equal((await read()).services.has('svc-pub'), false);
    assert.doesNotMatch(cli('service', 'ls', '--format', '{{.Name}}'), /svc-pub/);
  });
});
