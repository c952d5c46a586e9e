// Swarm membership against the real lab: init, join, quorum, promote/demote, availability, labels,
// refusals that change nothing, and a clean leave. Runs in order; each step builds on the last.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import type { SwarmNode } from '../../src/core/model';
import { changeNode, removeNode } from '../../src/core/swarm/nodeActions';
import { listNodes } from '../../src/core/swarm/nodes';
import { quorum } from '../../src/core/swarm/quorum';
import { initSwarm, joinSwarm, joinTokens, leaveSwarm, rotateToken } from '../../src/core/swarm/swarmActions';
import { swarmOverview } from '../../src/core/swarm/swarmOverview';
import { lab, labCore, labExec, runCliProcess } from '../support/lab';

const L = lab();
const cli = (...args: string[]) =>
  runCliProcess(['--hosts-file', L.hostsFile, '--known-hosts', L.knownHosts, '--ssh-config', L.sshConfig, ...args]);

describe('swarm from the core and the CLI', () => {
  let core: Core;
  const lines: string[] = [];
  const h = (name: string) => core.hosts.get(name);
  const states = async () => (await core.hosts.statusAll()).map((s) => s.swarm.state);
  const byHost = async (via = 'h1') =>
    Object.fromEntries((await listNodes(h(via))).map((n) => [n.hostname, n])) as Record<string, SwarmNode>;

  before(async () => {
    core = labCore({}, lines);
    // Start from no swarm whatever an earlier run left.
    for (const name of ['h3', 'h2', 'h1'])
      await h(name)
        .call('leave', (d) => d.swarmLeave({ force: true }))
        .catch(() => undefined);
  });
  after(async () => {
    for (const name of ['h3', 'h2', 'h1'])
      await h(name)
        .call('leave', (d) => d.swarmLeave({ force: true }))
        .catch(() => undefined);
    core.dispose();
  });

  test('init refuses an address the host does not have, then works on its own address', async () => {
    await assert.rejects(
      initSwarm(h('h1'), { advertiseAddr: '10.99.0.9' }),
      /^Refused: 10\.99\.0\.9 is not an address of h1 \(it has 10\.99\.0\.1 on eth0, 172\.30\.1\.1 on docker0[^)]*\)\.$/,
    );
    await assert.rejects(initSwarm(h('h1'), { advertiseAddr: '10.99.0.1', defaultAddrPool: ['10.20.0.0/33'] }), /not a CIDR/);
    assert.deepEqual(await states(), ['inactive', 'inactive', 'inactive'], 'refusals changed nothing');
    const nodeId = await initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' });
    assert.match(nodeId, /^[a-z0-9]{25}$/);
    await assert.rejects(initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' }), /h1 is already in a swarm \(active, as manager/);
  });

  test('join h2 as worker; a second join of h2 is refused clearly', async () => {
    const plan = await joinSwarm(h('h2'), h('h1'), 'worker', core.redactor);
    assert.deepEqual(plan, { managerAddr: '10.99.0.1', advertiseAddr: '10.99.0.2' });
    await assert.rejects(
      joinSwarm(h('h2'), h('h1'), 'worker', core.redactor),
      /^Refused: h2 is already in a swarm \(active, as worker, node [a-z0-9]{12}\); it must leave that swarm first\.$/,
    );
  });

  test('with 2377/tcp blocked from h3, the join is refused before anything is attempted', async () => {
    labExec('h3', ['iptables', '-I', 'OUTPUT', '-p', 'tcp', '--dport', '2377', '-j', 'REJECT']);
    try {
      await assert.rejects(
        joinSwarm(h('h3'), h('h1'), 'manager', core.redactor),
        /^Refused: h3 cannot reach the manager h1 at 10\.99\.0\.1:2377\/tcp \(connection refused\); nothing was changed\./,
      );
      assert.equal((await states())[2], 'inactive');
    } finally {
      labExec('h3', ['iptables', '-D', 'OUTPUT', '-p', 'tcp', '--dport', '2377', '-j', 'REJECT']);
    }
  });

  test('join h3 as manager: 3 nodes, 2 managers, quorum with the even-count warning', async () => {
    await joinSwarm(h('h3'), h('h1'), 'manager', core.redactor);
    const nodes = await byHost();
    assert.deepEqual(Object.keys(nodes).sort(), ['h1', 'h2', 'h3']);
    assert.equal(nodes.h1!.managerStatus, 'leader');
    assert.equal(nodes.h2!.role, 'worker');
    assert.equal(nodes.h3!.role, 'manager');
    const view = await swarmOverview(core.hosts, await core.hosts.statusAll());
    assert.equal(view.swarms.length, 1);
    assert.deepEqual(view.standalone, []);
    const q = view.swarms[0]!.quorum!;
    assert.deepEqual([q.managers, q.majority, q.faultTolerance], [2, 2, 0]);
    assert.ok(q.warnings.some((w) => w.startsWith('2 managers tolerate no more failures than 1')));
    assert.deepEqual(Object.values(view.swarms[0]!.hostOfNode).sort(), ['h1', 'h2', 'h3']);
  });

  test('promote h2: 3 managers tolerate 1; zone labels that put two in one zone are flagged; demote it back', async () => {
    await changeNode(h('h1'), 'h2', { kind: 'role', role: 'manager' });
    let nodes = await byHost();
    assert.equal(nodes.h2!.role, 'manager');
    const q = quorum(3);
    assert.equal(Object.values(nodes).filter((n) => n.role === 'manager').length, q.managers);
    assert.equal(q.faultTolerance, 1);

    // Failure domains: h1 and h2 in zone a, h3 in zone b (labels set through the CLI, read back by Docker's own).
    for (const [node, zone] of [
      ['h1', 'a'],
      ['h2', 'a'],
      ['h3', 'b'],
    ] as const)
      assert.equal(cli('node', 'label', node, '--via', 'h1', '--add', `zone=${zone}`).code, 0);
    const dockerSays = labExec('h1', ['docker', 'node', 'ls', '--format', '{{.Hostname}}', '--filter', 'node.label=zone=a']);
    assert.deepEqual(dockerSays.trim().split('\n').sort(), ['h1', 'h2']);
    const statuses = await core.hosts.statusAll();
    const risky = (await swarmOverview(core.hosts, statuses)).swarms[0]!.quorum!;
    assert.equal(risky.domainAtRisk, 'zone a holds 2 of 3 managers');
    assert.ok(risky.warnings.includes('2 of 3 managers are in zone a: losing zone a loses the swarm.'), risky.warnings.join('\n'));
    const viaCli = cli('--json', 'nodes', '--via', 'h2');
    assert.equal(JSON.parse(viaCli.stdout).quorum.domainAtRisk, 'zone a holds 2 of 3 managers', viaCli.stderr);
    // Another label key sees no domains at all; zones a, b, c are safe.
    assert.equal((await swarmOverview(core.hosts, statuses, { failureDomainLabel: 'rack' })).swarms[0]!.quorum!.domainAtRisk, undefined);
    assert.equal(cli('node', 'label', 'h2', '--via', 'h1', '--add', 'zone=c').code, 0);
    assert.equal(JSON.parse(cli('--json', 'nodes', '--via', 'h1').stdout).quorum.domainAtRisk, null);
    for (const node of ['h1', 'h2', 'h3']) assert.equal(cli('node', 'label', node, '--via', 'h1', '--rm', 'zone').code, 0);

    await changeNode(h('h1'), 'h2', { kind: 'role', role: 'worker' });
    nodes = await byHost();
    assert.equal(nodes.h2!.role, 'worker');
  });

  test('drain and activate; add and remove labels (CLI)', async () => {
    assert.equal((await changeNode(h('h1'), 'h3', { kind: 'availability', availability: 'drain' })).availability, 'drain');
    assert.equal((await byHost()).h3!.availability, 'drain');
    const activated = cli('--json', 'node', 'activate', 'h3', '--via', 'h1');
    assert.equal(activated.code, 0, activated.stderr);
    assert.equal(JSON.parse(activated.stdout).node.availability, 'active');
    const labelled = cli('--json', 'node', 'label', 'h2', '--via', 'h1', '--add', 'zone=a', '--add', 'tier=web');
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.deepEqual((await byHost()).h2!.labels, { zone: 'a', tier: 'web' });
    const unlabelled = cli('node', 'label', 'h2', '--via', 'h1', '--rm', 'zone');
    assert.equal(unlabelled.code, 0, unlabelled.stderr);
    assert.deepEqual((await byHost()).h2!.labels, { tier: 'web' });
    const missing = cli('node', 'label', 'h2', '--via', 'h1', '--rm', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /h2 has no label "nope"\./);
  });

  test('nodes and tokens from the CLI: quorum object, tokens masked unless revealed, never logged', async () => {
    const nodes = cli('--json', 'nodes', '--via', 'h3');
    assert.equal(nodes.code, 0, nodes.stderr);
    const doc = JSON.parse(nodes.stdout);
    assert.equal(doc.nodes.length, 3);
    assert.deepEqual([doc.quorum.managers, doc.quorum.majority, doc.quorum.faultTolerance, doc.quorum.hasQuorum], [2, 2, 0, true]);
    const tokens = await joinTokens(h('h1'), core.redactor);
    const masked = cli('-v', 'swarm', 'tokens', '--via', 'h1');
    assert.equal(masked.code, 0);
    assert.ok(!masked.stdout.includes(tokens.worker) && !masked.stderr.includes(tokens.worker));
    assert.match(masked.stdout, /worker: {2}docker swarm join --token SWMTKN-1-\w{4}…\(hidden\) 10\.99\.0\.1:2377/);
    const revealed = cli('--json', 'swarm', 'tokens', '--via', 'h1', '--reveal');
    assert.equal(JSON.parse(revealed.stdout).worker, tokens.worker);
    await rotateToken(h('h1'), 'worker');
    const rotated = await joinTokens(h('h1'), core.redactor);
    assert.notEqual(rotated.worker, tokens.worker);
    assert.equal(rotated.manager, tokens.manager);
    const log = lines.join('\n');
    for (const t of [tokens.worker, tokens.manager, rotated.worker]) assert.ok(!log.includes(t), 'no join token in the log');
  });

  test('demote of the last manager is refused; a manager leave needs force', async () => {
    await changeNode(h('h1'), 'h3', { kind: 'role', role: 'worker' });
    await assert.rejects(
      changeNode(h('h1'), 'h1', { kind: 'role', role: 'worker' }),
      /^Refused: h1 is the last manager: demoting it would leave the swarm without one\.$/,
    );
    const refused = cli('node', 'demote', 'h1', '--via', 'h1');
    assert.equal(refused.code, 1);
    await assert.rejects(leaveSwarm(h('h1'), false), /h1 is a manager: .* It is the last manager: .* Use force to leave anyway\./);
    assert.equal((await byHost()).h1!.role, 'manager', 'nothing changed');
  });

  test('leave and remove: the lab ends with no swarm, and a re-init works', async () => {
    await leaveSwarm(h('h3'), false);
    await leaveSwarm(h('h2'), false);
    // A node that left shows as down once its heartbeats stop (seen 5-15 s); then it can be removed.
    for (let i = 0; i < 200; i++) {
      const nodes = await byHost();
      if (nodes.h2?.status === 'down' && nodes.h3?.status === 'down') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await removeNode(h('h1'), 'h2');
    await removeNode(h('h1'), 'h3');
    assert.deepEqual(Object.keys(await byHost()), ['h1']);
    await leaveSwarm(h('h1'), true);
    assert.deepEqual(await states(), ['inactive', 'inactive', 'inactive']);
    const init = cli('swarm', 'init', 'h1');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /h1 is now the first manager of a new swarm .*advertising 10\.99\.0\.1/);
    assert.equal(cli('swarm', 'leave', 'h1', '--force').code, 0);
    assert.deepEqual(await states(), ['inactive', 'inactive', 'inactive']);
  });
});
