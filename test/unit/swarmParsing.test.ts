import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refused } from '../../src/core/errors';
import { parseIpAddr, parseRouteSource } from '../../src/core/swarm/hostNetwork';
import { parseLabels, roleChangeWarnings } from '../../src/core/swarm/nodeActions';
import { findNode, nodeFromAnswer, sortNodes } from '../../src/core/swarm/nodes';
import { maskToken } from '../../src/core/swarm/swarmActions';

test('ip -o -4 addr show and ip route get are parsed; loopback is left out', () => {
  const out = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth0\\       valid_lft forever',
    '3: docker0    inet 172.30.1.1/24 brd 172.30.1.255 scope global docker0\\       valid_lft forever',
    '7: veth1@if6    inet 192.0.2.5/30 scope global veth1',
    'garbage',
  ].join('\n');
  assert.deepEqual(parseIpAddr(out), [
    { interface: 'eth0', address: '10.99.0.1', prefix: 24 },
    { interface: 'docker0', address: '172.30.1.1', prefix: 24 },
    { interface: 'veth1', address: '192.0.2.5', prefix: 30 },
  ]);
  assert.equal(parseRouteSource('10.99.0.1 dev eth0 src 10.99.0.2 uid 0 \\    cache'), '10.99.0.2');
  assert.equal(parseRouteSource('RTNETLINK answers: Network is unreachable'), undefined);
});

const answer = (id: string, host: string, role: string, extra: object = {}) =>
  nodeFromAnswer({
    ID: id,
    Version: { Index: 5 },
    Spec: { Role: role, Availability: 'active', Labels: null },
    Description: { Hostname: host, Engine: { EngineVersion: '20.10.24' } },
    Status: { State: 'ready', Addr: '10.99.0.9' },
    ...extra,
  });

test('nodes from Engine API answers, leader first', () => {
  const leader = answer('aaa111', 'h1', 'manager', { ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.99.0.1:2377' } });
  const worker = answer('bbb222', 'h2', 'worker');
  const other = answer('ccc333', 'h3', 'manager', { ManagerStatus: { Reachability: 'unreachable', Addr: '10.99.0.3:2377' } });
  assert.equal(leader.managerStatus, 'leader');
  assert.equal(leader.address, '10.99.0.1');
  assert.equal(worker.managerStatus, undefined);
  assert.equal(worker.address, '10.99.0.9');
  assert.deepEqual(worker.labels, {});
  assert.equal(other.managerStatus, 'unreachable');
  assert.deepEqual(
    sortNodes([worker, other, leader]).map((n) => n.hostname),
    ['h1', 'h3', 'h2'],
  );
  const odd = nodeFromAnswer({});
  assert.equal(odd.role, 'worker');
  assert.equal(odd.status, 'unknown');
});

test('findNode by id, hostname or unique prefix; one sentence otherwise', () => {
  const nodes = [answer('abc123', 'h1', 'manager'), answer('abd456', 'h2', 'worker'), answer('xyz789', 'h2', 'worker')];
  assert.equal(findNode(nodes, 'abc123').hostname, 'h1');
  assert.equal(findNode(nodes, 'h1').id, 'abc123');
  assert.equal(findNode(nodes, 'xyz').id, 'xyz789');
  assert.throws(() => findNode(nodes, 'h2'), /2 nodes are named "h2" \(abd456, xyz789\): use the node id\./);
  assert.throws(() => findNode(nodes, 'ab'), /No node of this swarm is named or has the id "ab"\./);
  assert.throws(() => findNode(nodes, 'nope'), Refused);
});

test('role changes: the last manager cannot be demoted; losses of tolerance are named', () => {
  const m1 = answer('m1', 'h1', 'manager');
  const w = answer('w1', 'h2', 'worker');
  assert.throws(() => roleChangeWarnings([m1, w], m1, 'worker'), /h1 is the last manager/);
  assert.throws(() => roleChangeWarnings([m1, w], w, 'worker'), /already a worker/);
  assert.deepEqual(roleChangeWarnings([m1, w], w, 'manager'), ['2 managers is an even number: it tolerates no more failures than 1.']);
  const down = answer('w2', 'h4', 'worker', { Status: { State: 'down' } });
  assert.throws(() => roleChangeWarnings([m1, down], down, 'manager'), /h4 is down: only a ready node can be promoted/);
});

test('labels are parsed and checked', () => {
  assert.deepEqual(parseLabels(['zone=a', 'tier=', 'flag', 'k=v=w']), { zone: 'a', tier: '', flag: '', k: 'v=w' });
  assert.throws(() => parseLabels(['bad key=1']), /"bad key" is not a label key/);
  assert.throws(() => parseLabels(['=x']), /"" is not a label key/);
  assert.throws(() => parseLabels(['k=a\nb']), /control characters/);
});

test('join tokens are masked down to their public prefix', () => {
  const t = 'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx';
  assert.equal(maskToken(t), 'SWMTKN-1-3pu6…(hidden)');
  assert.ok(!maskToken(t).includes('1awxwuwd'));
  assert.equal(maskToken('weird'), '…(hidden)');
});
