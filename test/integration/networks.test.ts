// Overlay networks against the real lab: create with every option and read it back, refusals that
// create nothing, overlap checks, membership across hosts, removal refused while in use, ports.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import type { OverlayOptions } from '../../src/core/networks/createOptions';
import { createOverlay, listNetworks, networkMembers, removeOverlay, type NetworkAnswer } from '../../src/core/networks/overlayNetworks';
import { checkPorts, swarmHosts } from '../../src/core/swarm/swarmHosts';
import { joinSwarm, initSwarm } from '../../src/core/swarm/swarmActions';
import { lab, labCore, labExec, leaveSwarms, runCliProcess } from '../support/lab';

const L = lab();
const IMAGE = 'swarm-overlay/probe:busybox';
const cli = (...args: string[]) =>
  runCliProcess(['--hosts-file', L.hostsFile, '--known-hosts', L.knownHosts, '--ssh-config', L.sshConfig, ...args]);

describe('overlay networks', () => {
  let core: Core;
  const h = (name: string) => core.hosts.get(name);
  const names = ['h1', 'h2', 'h3'];
  const base: OverlayOptions = { name: 'x', attachable: true, encrypted: false, internal: false, labels: {} };
  // Docker's own networks (ingress, docker_gwbridge) appear on their own after init: count the others.
  const count = async () => (await listNetworks(h('h1'))).filter((n) => !n.builtIn).length;

  before(async () => {
    core = labCore();
    await leaveSwarms(core, names);
    await initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' });
    await joinSwarm(h('h2'), h('h1'), 'worker', core.redactor);
    await joinSwarm(h('h3'), h('h1'), 'worker', core.redactor);
  });
  after(async () => {
    for (const n of names) {
      const containers = (await h(n)
        .call('list', (d) => d.listContainers({ all: true, filters: { label: ['swarm-overlay.test=networks'] } }))
        .catch(() => [])) as Array<{ Id: string }>;
      for (const c of containers)
        await h(n)
          .call('rm', (d) => d.getContainer(c.Id).remove({ force: true }))
          .catch(() => undefined);
    }
    await leaveSwarms(core, names);
    core.dispose();
  });

  test('create with every option, read back through the Engine API', async () => {
    const created = await createOverlay(core.hosts, h('h1'), names, {
      name: 'so-full',
      attachable: true,
      encrypted: true,
      internal: true,
      subnet: '10.50.0.0/24',
      gateway: '10.50.0.1',
      ipRange: '10.50.0.128/25',
      mtu: 1400,
      labels: { team: 'net', 'com.example.tier': 'web' },
    });
    const raw = (await h('h1').call('inspect', (d) => d.getNetwork('so-full').inspect())) as NetworkAnswer & {
      Labels: Record<string, string>;
    };
    assert.equal(raw.Driver, 'overlay');
    assert.equal(raw.Scope, 'swarm');
    assert.equal(raw.Attachable, true);
    assert.equal(raw.Internal, true);
    assert.equal(raw.Options?.encrypted, '');
    assert.equal(raw.Options?.['com.docker.network.driver.mtu'], '1400');
    assert.deepEqual(raw.IPAM?.Config, [{ Subnet: '10.50.0.0/24', Gateway: '10.50.0.1', IPRange: '10.50.0.128/25' }]);
    assert.deepEqual(raw.Labels, { team: 'net', 'com.example.tier': 'web' });
    assert.equal(created.id, raw.Id);
    assert.deepEqual([created.encrypted, created.mtu], [true, 1400]);
  });

  test('each invalid input is refused with one sentence and creates nothing', async () => {
    const before = await count();
    const bad: Array<[Partial<OverlayOptions>, RegExp]> = [
      [{ name: 'bad name' }, /network name is 1-63/],
      [{ name: 'so-full' }, /A network named "so-full" exists already/],
      [{ name: 'n1', subnet: '10.50.0.0/16' }, /10\.50\.0\.0\/16 overlaps 10\.50\.0\.0\/24 \(network "so-full"\)\./],
      [{ name: 'n2', subnet: '10.99.0.0/24' }, /10\.99\.0\.0\/24 overlaps 10\.99\.0\.\d\/24 \(h\d's eth0\)\./],
      [{ name: 'n3', subnet: '172.30.2.0/24' }, /overlaps 172\.30\.2\.\d+\/24 \((network "bridge" on h2|h2's docker0)\)/],
      [{ name: 'n4', subnet: '10.60.0.0/24', gateway: '10.61.0.1' }, /not inside the subnet/],
      [{ name: 'n5', subnet: '10.60.0.0/24', ipRange: '10.60.1.0/25' }, /IP range .* is not inside the subnet/],
      [{ name: 'n6', mtu: 50 }, /MTU must be a whole number/],
      [{ name: 'n7', subnet: 'not-a-cidr' }, /is not an IPv4 CIDR/],
    ];
    for (const [change, pattern] of bad) {
      await assert.rejects(createOverlay(core.hosts, h('h1'), names, { ...base, ...change }), (err: Error) => {
        assert.equal(err.name, 'Refused');
        assert.match(err.message, pattern);
        return true;
      });
    }
    assert.equal(await count(), before, 'no network was created');
    const viaCli = cli('network', 'create', 'n8', '--via', 'h1', '--subnet', '10.99.0.0/16');
    assert.equal(viaCli.code, 1);
    assert.match(viaCli.stderr, /overlaps/);
    assert.equal(await count(), before);
  });

  test('membership lists containers from all three hosts; removal is refused while in use, then done', async () => {
    const made = cli('--json', 'network', 'create', 'so-members', '--via', 'h1', '--attachable', '--subnet', '10.51.0.0/24');
    assert.equal(made.code, 0, made.stderr);
    await Promise.all(
      names.map((n) =>
        h(n).call('run a probe', async (d) => {
          const c = await d.createContainer({
            Image: IMAGE,
            name: `so-member-${n}`,
            Cmd: ['sleep', '300'],
            Labels: { 'swarm-overlay.test': 'networks' },
            HostConfig: { NetworkMode: 'so-members' },
          });
          await c.start();
        }),
      ),
    );
    const members = await networkMembers(core.hosts, names, 'so-members');
    assert.deepEqual(
      members.map((m) => [m.host, m.container]),
      [
        ['h1', 'so-member-h1'],
        ['h2', 'so-member-h2'],
        ['h3', 'so-member-h3'],
      ],
    );
    for (const m of members) assert.match(m.address, /^10\.51\.0\.\d+$/);
    await assert.rejects(
      removeOverlay(core.hosts, h('h1'), async () => names, 'so-members'),
      /"so-members" is in use by so-member-h1 on h1, so-member-h2 on h2, so-member-h3 on h3: remove or disconnect them first\./,
    );
    assert.ok((await listNetworks(h('h1'))).some((n) => n.name === 'so-members'));
    for (const n of names) await h(n).call('rm', (d) => d.getContainer(`so-member-${n}`).remove({ force: true }));
    await removeOverlay(core.hosts, h('h1'), async () => names, 'so-members');
    assert.ok(!(await listNetworks(h('h1'))).some((n) => n.name === 'so-members'));
    const rmBuiltIn = cli('network', 'rm', 'ingress', '--via', 'h1');
    assert.equal(rmBuiltIn.code, 1);
    assert.match(rmBuiltIn.stderr, /one of Docker's own networks/);
  });

  test("a worker's own bridge network is removed through that worker (no manager involved), refused while in use", async () => {
    await h('h2').call('make a local network', (d) =>
      d.createNetwork({ Name: 'so-local', Driver: 'bridge', Labels: { 'swarm-overlay.test': 'networks' } }),
    );
    await h('h2').call('run a container on it', async (d) => {
      const c = await d.createContainer({
        Image: IMAGE,
        name: 'so-local-user',
        Cmd: ['sleep', '300'],
        Labels: { 'swarm-overlay.test': 'networks' },
        HostConfig: { NetworkMode: 'so-local' },
      });
      await c.start();
    });
    const inUse = cli('network', 'rm', 'so-local', '--via', 'h2');
    assert.equal(inUse.code, 1, inUse.stderr);
    assert.match(inUse.stderr, /"so-local" is in use by so-local-user on h2: remove or disconnect them first\./);
    await h('h2').call('rm', (d) => d.getContainer('so-local-user').remove({ force: true }));
    const removed = cli('network', 'rm', 'so-local', '--via', 'h2');
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(!(await listNetworks(h('h2'))).some((n) => n.name === 'so-local'), 'so-local is gone from h2');
  });

  test('ports: 2377 and 7946 between the swarm hosts, and a blocked one is named', async () => {
    const members = await swarmHosts(core.hosts, h('h1'));
    assert.deepEqual(
      members.map((m) => m.name),
      names,
    );
    const checks = await checkPorts(core.hosts, members);
    assert.equal(checks.length, 8, '2377 to the one manager from two hosts, 7946 for all six pairs');
    assert.ok(
      checks.every((c) => c.ok),
      JSON.stringify(checks.filter((c) => !c.ok)),
    );
    labExec('h3', ['iptables', '-I', 'OUTPUT', '-p', 'tcp', '--dport', '7946', '-j', 'REJECT']);
    try {
      const r = cli('--json', 'ports', '--via', 'h1');
      assert.equal(r.code, 1);
      const doc = JSON.parse(r.stdout) as {
        ok: boolean;
        checks: Array<{ from: string; to: string; port: number; ok: boolean; reason?: string }>;
      };
      const failed = doc.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.from}>${c.to}:${c.port}`)
        .sort();
      assert.deepEqual(failed, ['h3>h1:7946', 'h3>h2:7946']);
    } finally {
      labExec('h3', ['iptables', '-D', 'OUTPUT', '-p', 'tcp', '--dport', '7946', '-j', 'REJECT']);
    }
  });
});
