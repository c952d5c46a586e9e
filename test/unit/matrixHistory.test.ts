// A watch's history per pair and the status bar's words (src/shared/matrixHistory.ts), and the watch
// messages of the webview protocol.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchDurationProblem, watchIntervalProblem } from '../../src/core/matrix/watchMatrix';
import type { MatrixCell } from '../../src/shared/matrix';
import { addRound, lossCount, passingPairs, sparkline, watchStatusText } from '../../src/shared/matrixHistory';
import { parseWebviewMessage } from '../../src/shared/protocol';

const cell = (from: string, to: string, ok: boolean, avgMs?: number, lossPercent = ok ? 0 : 100): MatrixCell => ({
  from,
  to,
  ok,
  byName: { ok, sent: 3, received: 3, lossPercent: 0, raw: '' },
  byIp: { ok, sent: 3, received: 3 - Math.round((lossPercent / 100) * 3), lossPercent, avgMs, raw: '' },
});

test('addRound keeps the last rounds per pair, oldest first, without changing the history it was given', () => {
  let h = {};
  for (let r = 1; r <= 5; r++) h = addRound(h, r, [cell('h1', 'h2', r !== 3, r === 3 ? undefined : r), cell('h2', 'h1', true, 1)], 3);
  const before = h;
  const after = addRound(h, 6, [cell('h1', 'h2', true, 6)], 3);
  assert.deepEqual(
    (before as Record<string, Array<{ round: number }>>)['h1→h2']!.map((s) => s.round),
    [3, 4, 5],
  );
  assert.deepEqual(
    after['h1→h2']!.map((s) => [s.round, s.ok, s.rttMs]),
    [
      [4, true, 4],
      [5, true, 5],
      [6, true, 6],
    ],
  );
  assert.equal(after['h2→h1']!.length, 3, 'a pair missing from a round keeps its samples');
});

test('sparkline scales RTTs between their extremes; a round without a reply is ×; equal values are the lowest bar', () => {
  const s = (rtts: Array<number | undefined>) =>
    sparkline(rtts.map((rttMs, i) => ({ round: i + 1, ok: rttMs !== undefined, rttMs, lossPercent: 0 })));
  assert.equal(s([1, 8, undefined, 4.5]), '▁█×▅');
  assert.equal(s([0.3, 0.3]), '▁▁');
  assert.equal(s([undefined]), '×');
  assert.equal(s([]), '');
});

test('lossCount counts failed rounds and rounds with any loss', () => {
  const samples = [
    { round: 1, ok: true, rttMs: 1, lossPercent: 0 },
    { round: 2, ok: true, rttMs: 1, lossPercent: 33.3 },
    { round: 3, ok: false, lossPercent: 100 },
  ];
  assert.deepEqual(lossCount(samples), { failed: 1, lossy: 2 });
});

test('status text: every pair passing is n/n; otherwise how many fail, a host that took no part counting its pairs', () => {
  const hosts = ['h1', 'h2', 'h3'];
  const all = hosts.flatMap((f) => hosts.map((t) => cell(f, t, true, 0.2)));
  assert.equal(watchStatusText({ network: 'demo-overlay', hosts, cells: all }), 'demo-overlay: 9/9');
  const two = all.map((c) => (c.from === 'h1' && c.to !== 'h1' ? cell(c.from, c.to, false) : c));
  assert.equal(watchStatusText({ network: 'demo-overlay', hosts, cells: two }), 'demo-overlay: 2 pairs failing');
  const one = all.map((c) => (c.from === 'h1' && c.to === 'h2' ? cell(c.from, c.to, false) : c));
  assert.equal(watchStatusText({ network: 'n', hosts, cells: one }), 'n: 1 pair failing');
  // h3 took no part: its 5 pairs have no cell.
  const missing = all.filter((c) => c.from !== 'h3' && c.to !== 'h3');
  assert.deepEqual(passingPairs({ hosts, cells: missing }), { passing: 4, total: 9 });
  assert.equal(watchStatusText({ network: 'n', hosts, cells: missing }), 'n: 5 pairs failing');
});

test('watch interval and duration: whole seconds within bounds', () => {
  assert.equal(watchIntervalProblem(undefined), undefined);
  assert.equal(watchIntervalProblem(1), undefined);
  assert.match(watchIntervalProblem(0, '--interval')!, /^--interval must be a whole number of seconds from 1 to 600\.$/);
  assert.match(watchIntervalProblem(NaN)!, /whole number/);
  assert.equal(watchDurationProblem(3600), undefined);
  assert.match(watchDurationProblem(3601)!, /from 1 to 3600/);
});

test('protocol: Watch is a run with watch: true; Stop has no fields; a watch that is not a boolean is refused', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'run', via: 'h1', network: 'net', hosts: ['h1'], watch: true }), {
    type: 'run',
    via: 'h1',
    network: 'net',
    hosts: ['h1'],
    watch: true,
  });
  assert.deepEqual(parseWebviewMessage({ type: 'run', via: 'h1', network: 'net', hosts: ['h1'], watch: false }), {
    type: 'run',
    via: 'h1',
    network: 'net',
    hosts: ['h1'],
  });
  assert.equal(parseWebviewMessage({ type: 'run', via: 'h1', network: 'net', hosts: ['h1'], watch: 'yes' }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'stop', extra: 1 }), { type: 'stop' });
});
