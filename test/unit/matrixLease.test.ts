// Which labelled objects a sweep removes (lease.ts): never a live run's, never its own run's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import {
  LEASE_LABEL,
  PROBE_LABEL,
  TEMPORARY_LABEL,
  leaseProblem,
  networkIsOver,
  probeCommand,
  probeIsOver,
} from '../../src/core/matrix/lease';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const secondsAgo = (s: number) => (NOW - s * 1000) / 1000;
const probe = (State: string, ageS: number, run = 'r1', lease: string | null = '60') => {
  const Labels: Record<string, string> = { [PROBE_LABEL]: run };
  if (lease !== null) Labels[LEASE_LABEL] = lease;
  return { State, Created: secondsAgo(ageS), Labels };
};

describe('probe sweep', () => {
  test('a running probe is never removed, however old: it ends by itself once its run stops renewing', () => {
    assert.equal(probeIsOver(probe('running', 5), NOW), false);
    assert.equal(probeIsOver(probe('running', 86_400), NOW), false);
    assert.equal(probeIsOver(probe('removing', 86_400), NOW), false);
  });
  test('an ended probe is removed at once', () => {
    assert.equal(probeIsOver(probe('exited', 1), NOW), true);
    assert.equal(probeIsOver(probe('dead', 1), NOW), true);
  });
  test('a probe that never started is removed only once older than its lease (plus slack)', () => {
    assert.equal(probeIsOver(probe('created', 30), NOW), false);
    assert.equal(probeIsOver(probe('created', 69), NOW), false);
    assert.equal(probeIsOver(probe('created', 71), NOW), true);
    assert.equal(probeIsOver(probe('paused', 71, 'r1', '600'), NOW), false);
    assert.equal(probeIsOver(probe('created', 611, 'r1', '600'), NOW), true);
  });
  test('probes from before leases count with their old 900 s sleep', () => {
    assert.equal(probeIsOver(probe('created', 600, 'r1', null), NOW), false);
    assert.equal(probeIsOver(probe('created', 911, 'r1', null), NOW), true);
    assert.equal(probeIsOver(probe('created', 911, 'r1', 'nonsense'), NOW), true);
  });
  test('a run never sweeps its own probes', () => {
    assert.equal(probeIsOver(probe('exited', 1, 'mine'), NOW, 'mine'), false);
    assert.equal(probeIsOver(probe('exited', 1, 'other'), NOW, 'mine'), true);
  });
  test('no creation time: not judged by age', () => {
    assert.equal(probeIsOver({ State: 'created', Labels: { [PROBE_LABEL]: 'r' } }, NOW), false);
  });
});

describe('temporary network sweep', () => {
  const net = (ageS: number, run = 'r1', lease = '60') => ({
    Created: new Date(NOW - ageS * 1000).toISOString(),
    Labels: { [TEMPORARY_LABEL]: run, [LEASE_LABEL]: lease },
  });
  test('removed once older than its lease with no running probe of its run', () => {
    assert.equal(networkIsOver(net(71), NOW, new Set()), true);
    assert.equal(networkIsOver(net(30), NOW, new Set()), false);
  });
  test('kept while a probe of its run runs anywhere, however old (the run renews its probes, not its network)', () => {
    assert.equal(networkIsOver(net(3600), NOW, new Set(['r1'])), false);
    assert.equal(networkIsOver(net(3600), NOW, new Set(['r2'])), true);
  });
  test('never its own run’s, never one without the run label, never one with an unreadable creation time', () => {
    assert.equal(networkIsOver(net(3600, 'mine'), NOW, new Set(), 'mine'), false);
    assert.equal(networkIsOver({ Created: new Date(0).toISOString(), Labels: {} }, NOW, new Set()), false);
    assert.equal(networkIsOver({ Created: 'yesterday', Labels: { [TEMPORARY_LABEL]: 'r' } }, NOW, new Set()), false);
  });
});

describe('lease length and the probe command', () => {
  test('whole seconds from 5 to 3600', () => {
    assert.equal(leaseProblem(undefined), undefined);
    assert.equal(leaseProblem(5), undefined);
    assert.equal(leaseProblem(3600), undefined);
    for (const bad of [4, 3601, 2.5, NaN])
      assert.match(leaseProblem(bad, '--lease')!, /^--lease must be a whole number of seconds from 5 to 3600\.$/);
  });
  test('the command ends by itself after the lease unless SIGUSR1 re-arms it', { timeout: 20_000 }, () => {
    const [sh, c, script] = probeCommand(3);
    assert.deepEqual([sh, c], ['sh', '-c']);
    // Run here with the host's sh. The lease is counted in whole seconds of `date +%s` and checked once a
    // second, so a 3 s lease ends 2–4 s after it was (re-)armed. Not re-armed, it ends within 4 s;
    // re-armed at 1, 2 and 3 s (each arm keeps it alive past the next), it cannot end before 5 s.
    const t = Date.now();
    execFileSync('sh', [
      '-c',
      `sh -c '${script!.replace(/'/g, `'\\''`)}' & p=$!; for i in 1 2 3; do sleep 1; kill -USR1 $p; done; wait $p`,
    ]);
    const s = (Date.now() - t) / 1000;
    assert.ok(s >= 4.9 && s < 10, `lasted ${s} s`);
  });
});
