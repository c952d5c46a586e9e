import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { faultTolerance, majority, managerChangeWarnings, quorum, quorumLine } from '../../src/core/swarm/quorum';

test('majority and fault tolerance for 1..7 managers', () => {
  const expected: Array<[number, number, number]> = [
    [1, 1, 0],
    [2, 2, 0],
    [3, 2, 1],
    [4, 3, 1],
    [5, 3, 2],
    [6, 4, 2],
    [7, 4, 3],
  ];
  for (const [m, maj, f] of expected) {
    assert.equal(majority(m), maj, `majority of ${m}`);
    assert.equal(faultTolerance(m), f, `tolerance of ${m}`);
    const q = quorum(m);
    assert.equal(q.hasQuorum, true);
    assert.equal(q.remainingTolerance, f);
    assert.equal(
      q.warnings.some((w) => /even number|no more failures than/.test(w)),
      m % 2 === 0,
      `even warning for ${m}`,
    );
  }
  assert.equal(quorumLine(quorum(3)), '3 managers · majority 2 · tolerates 1 failure');
  assert.equal(quorumLine(quorum(1)), '1 manager · majority 1 · tolerates 0 failures');
  assert.equal(quorumLine(quorum(5)), '5 managers · majority 3 · tolerates 2 failures');
});

test('unreachable managers: reduced tolerance, then lost quorum said plainly', () => {
  const one = quorum(3, 2);
  assert.equal(one.hasQuorum, true);
  assert.equal(one.remainingTolerance, 0);
  assert.match(one.warnings[0]!, /^1 of 3 managers unreachable: the swarm survives no further manager failure\.$/);
  const two = quorum(3, 1);
  assert.equal(two.hasQuorum, false);
  assert.match(two.warnings[0]!, /^The swarm has lost quorum: 1 of 3 managers are reachable and 2 are needed\. Nodes cannot join/);
  assert.match(quorum(5, 4).warnings[0]!, /survives 1 more manager failure\./);
  assert.equal(quorum(0).hasQuorum, false);
  assert.equal(quorum(3, 7).reachableManagers, 3, 'reachable is capped at the count');
});

test('manager count changes: tolerance drops and even counts are named', () => {
  assert.deepEqual(managerChangeWarnings(3, 2), [
    'Fault tolerance drops from 1 to 0 manager failures.',
    '2 managers is an even number: it tolerates no more failures than 1.',
  ]);
  assert.deepEqual(managerChangeWarnings(2, 3), []);
  assert.deepEqual(managerChangeWarnings(3, 4), ['4 managers is an even number: it tolerates no more failures than 3.']);
  assert.deepEqual(managerChangeWarnings(5, 4), [
    'Fault tolerance drops from 2 to 1 manager failure.',
    '4 managers is an even number: it tolerates no more failures than 3.',
  ]);
});

test('property: quorum holds exactly when a strict majority is reachable', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 99 }), (m, r) => {
      const q = quorum(m, r);
      const reach = Math.min(m, r);
      assert.equal(q.hasQuorum, reach * 2 > m);
      assert.equal(q.faultTolerance, m - q.majority);
      assert.ok(q.majority * 2 > m && (q.majority - 1) * 2 <= m);
    }),
  );
});
