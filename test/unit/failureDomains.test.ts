import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SwarmNode } from '../../src/core/model';
import { domainSpread, swarmQuorum } from '../../src/core/swarm/failureDomains';
import { majority, quorumLine } from '../../src/core/swarm/quorum';

/** "m:a" a manager in zone a, "w:c" a ready worker in zone c, "m" a manager with no label. */
function nodes(spec: string, key = 'zone'): SwarmNode[] {
  return spec.split(' ').map((s, i) => {
    const [role, zone] = s.split(':');
    return {
      id: `id${i}`,
      hostname: `h${i + 1}`,
      role: role === 'm' ? 'manager' : 'worker',
      availability: 'active',
      status: 'ready',
      managerStatus: role === 'm' ? (i === 0 ? 'leader' : 'reachable') : undefined,
      engineVersion: '26.1.5',
      address: `10.99.0.${i + 1}`,
      labels: zone ? { [key]: zone } : {},
      version: 1,
    };
  });
}

test('two of three managers in one zone: losing it loses the swarm, and the fix is named', () => {
  const s = domainSpread(nodes('m:a m:a m:b w:c'));
  assert.equal(s.atRisk, 'zone a holds 2 of 3 managers');
  assert.equal(s.warnings[0], '2 of 3 managers are in zone a: losing zone a loses the swarm.');
  assert.equal(
    s.warnings[1],
    'To fix it, promote h4 (zone c) and demote h1 (zone a): 3 managers with no more than 1 in any zone survive the loss of one.',
  );
});

test('spread managers, no label, or a single manager: nothing to say', () => {
  assert.deepEqual(domainSpread(nodes('m:a m:b m:c w:a')), { warnings: [] });
  assert.deepEqual(domainSpread(nodes('m:a m:a m:b m:b m:c')), { warnings: [] });
  assert.deepEqual(domainSpread(nodes('m m m w')), { warnings: [] });
  assert.deepEqual(domainSpread(nodes('m:a w:b w:c')), { warnings: [] });
});

test('the fix is the smallest change: a promotion when it is enough, two when one is not', () => {
  // 2 managers a, b: one more in c makes 3 over 3 zones.
  assert.match(domainSpread(nodes('m:a m:b w:c')).warnings.at(-1)!, /^To fix it, promote h3 \(zone c\): 3 managers/);
  // 3 in a, 2 in b (the "3 + 2 across two regions" shape at zone level): two more zones are needed.
  const five = domainSpread(nodes('m:a m:a m:a m:b m:b w:c w:d'));
  assert.equal(five.warnings[0], '3 of 5 managers are in zone a: losing zone a loses the swarm.');
  assert.match(five.warnings[1]!, /^To fix it, promote h6 \(zone c\) and demote h1 \(zone a\): 5 managers with no more than 2/);
});

test('with fewer than three zones there is no safe spread, and it says so', () => {
  const s = domainSpread(nodes('m:a m:a m:b w:b w:a'));
  assert.equal(s.atRisk, 'zone a holds 2 of 3 managers');
  assert.equal(
    s.warnings[1],
    'The managers can spread over only 2 zones here; with fewer than three, losing one can always lose the swarm: add nodes in a third zone.',
  );
});

test('an unlabelled manager is named, and counted as a zone of its own', () => {
  const s = domainSpread(nodes('m:a m:a m'));
  assert.equal(s.warnings[0], '2 of 3 managers are in zone a: losing zone a loses the swarm.');
  assert.equal(
    s.warnings.at(-1),
    'h3 has no "zone" label: label every manager with its failure domain (docker node update --label-add zone=<name> <node>).',
  );
  assert.deepEqual(domainSpread(nodes('m:a m m')).warnings, [
    'h2, h3 have no "zone" label: label every manager with its failure domain (docker node update --label-add zone=<name> <node>).',
  ]);
});

test('the label key is a setting; the quorum line carries the risk', () => {
  const ns = nodes('m:r1 m:r1 m:r2', 'rack');
  assert.deepEqual(domainSpread(ns, 'zone'), { warnings: [] });
  const q = swarmQuorum(ns, 'rack');
  assert.equal(q.domainAtRisk, 'rack r1 holds 2 of 3 managers');
  assert.equal(quorumLine(q), '3 managers · majority 2 · tolerates 1 failure · rack r1 holds 2 of 3 managers');
  assert.equal(quorumLine(swarmQuorum(nodes('m:a m:b m:c'))), '3 managers · majority 2 · tolerates 1 failure');
});

test('property: at risk exactly when one zone holds a majority; a suggested fix leaves no zone that can', () => {
  const zone = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  fc.assert(
    fc.property(fc.array(zone, { minLength: 2, maxLength: 7 }), fc.array(zone, { maxLength: 5 }), (mz, wz) => {
      const spec = [...mz.map((z) => `m:${z}`), ...wz.map((z) => `w:${z}`)].join(' ');
      const ns = nodes(spec);
      const s = domainSpread(ns);
      const m = mz.length;
      const worst = Math.max(...['a', 'b', 'c', 'd', 'e'].map((z) => mz.filter((x) => x === z).length));
      assert.equal(s.atRisk !== undefined, m - worst < majority(m), spec);
      const fix = s.warnings.find((w) => w.startsWith('To fix it, '));
      if (!fix) return;
      const byName = new Map(ns.map((n) => [n.hostname, n]));
      const promoted = [...fix.matchAll(/promote ((?:h\d+ \(zone \w\)(?: and )?)+)/g)].flatMap((x) =>
        [...x[1]!.matchAll(/h\d+/g)].map((h) => h[0]),
      );
      const demoted = [...fix.matchAll(/demote ((?:h\d+ \(zone \w\)(?: and )?)+)/g)].flatMap((x) =>
        [...x[1]!.matchAll(/h\d+/g)].map((h) => h[0]),
      );
      const after = ns.map((n) => {
        const role = promoted.includes(n.hostname) ? 'manager' : demoted.includes(n.hostname) ? 'worker' : n.role;
        return { ...n, role };
      });
      assert.ok(promoted.every((h) => byName.get(h)?.role === 'worker') && demoted.every((h) => byName.get(h)?.role === 'manager'), fix);
      assert.equal(domainSpread(after).atRisk, undefined, `${spec} → ${fix}`);
      assert.equal(swarmQuorum(after).managers % 2, 1);
    }),
    { numRuns: 500 },
  );
});
