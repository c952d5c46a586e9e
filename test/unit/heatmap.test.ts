// The heatmap's colour buckets (src/shared/heatmap.ts): the setting as read, each cell's bucket, the legend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellClass, DEFAULT_LATENCY_THRESHOLDS, latencyThresholdsSetting, legendItems } from '../../src/shared/heatmap';
import type { MatrixCell } from '../../src/shared/matrix';

const cell = (avgMs: number, over: Partial<MatrixCell> = {}): MatrixCell => ({
  from: 'h1',
  to: 'h2',
  ok: true,
  byName: { ok: true, sent: 3, received: 3, lossPercent: 0, raw: '' },
  byIp: { ok: true, sent: 3, received: 3, lossPercent: 0, avgMs, raw: '' },
  ...over,
});

test('the thresholds setting: two increasing numbers of ms are taken as they are', () => {
  assert.deepEqual(latencyThresholdsSetting([20, 80]), { value: [20, 80] });
  assert.deepEqual(latencyThresholdsSetting([0.5, 2.5]), { value: [0.5, 2.5] });
  assert.deepEqual(latencyThresholdsSetting(undefined), { value: DEFAULT_LATENCY_THRESHOLDS });
});

test('the thresholds setting: anything else gives [1, 5] and one line saying what to change', () => {
  for (const bad of [[5, 1], [1, 1], [0, 5], [-1, 5], [1], [1, 5, 9], ['1', '5'], [1, Number.NaN], [1, 120_000], 'fast', 3, {}]) {
    const r = latencyThresholdsSetting(bad);
    assert.deepEqual(r.value, [1, 5], JSON.stringify(bad));
    assert.ok(r.warning, JSON.stringify(bad));
    assert.doesNotMatch(r.warning, /\n/);
    assert.match(r.warning, /^swarmOverlay\.matrix\.latencyThresholdsMs is .*: using \[1, 5\]\.$/);
  }
});

test('cells take the bucket of their RTT by IP under the thresholds given; failures come first', () => {
  const buckets = (t: readonly [number, number]) => [0.4, 1, 4.99, 5, 30].map((ms) => cellClass(cell(ms), t));
  assert.deepEqual(buckets([1, 5]), ['ok-fast', 'ok', 'ok', 'ok-slow', 'ok-slow']);
  assert.deepEqual(buckets([20, 80]), ['ok-fast', 'ok-fast', 'ok-fast', 'ok-fast', 'ok']);
  assert.equal(cellClass(undefined, [1, 5]), 'pending');
  assert.equal(cellClass(cell(0.2, { byIp: { ok: false, sent: 3, received: 0, lossPercent: 100, raw: '' } }), [1, 5]), 'fail');
  assert.equal(cellClass(cell(0.2, { byName: { ok: false, sent: 3, received: 0, lossPercent: 100, raw: '' } }), [1, 5]), 'partial');
});

test('the legend says the thresholds in use', () => {
  assert.deepEqual(
    legendItems([1, 5])
      .slice(0, 3)
      .map(([, text]) => text),
    ['ok, < 1 ms', 'ok, 1–5 ms', 'ok, ≥ 5 ms'],
  );
  assert.deepEqual(
    legendItems([20, 80.5]).map(([cls, text]) => `${cls}: ${text}`),
    [
      'ok-fast: ok, < 20 ms',
      'ok: ok, 20–80.5 ms',
      'ok-slow: ok, ≥ 80.5 ms',
      'partial: IP ok, name or large packet fails',
      'fail: unreachable',
    ],
  );
});
