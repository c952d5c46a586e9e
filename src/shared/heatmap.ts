// How the matrix heatmap colours and words a cell, and its legend: one place for the latency buckets
// (the `swarmOverlay.matrix.latencyThresholdsMs` setting), read by the extension and drawn by the webview.
import type { MatrixCell } from './matrix';
import { type Translate, english } from './webviewStrings';

/** Upper bounds of the fast and normal buckets, in ms: below the first is fast, from the second on is slow. */
export type LatencyThresholds = readonly [number, number];

export const LATENCY_THRESHOLDS_KEY = 'swarmOverlay.matrix.latencyThresholdsMs';
export const DEFAULT_LATENCY_THRESHOLDS: LatencyThresholds = [1, 5];
/** A minute: an RTT past that is no latency bucket but a failure. */
const MAX_THRESHOLD_MS = 60_000;

/** The setting as read: two increasing numbers above 0 (ms); anything else gives the default and a one-line warning. */
export function latencyThresholdsSetting(value: unknown): { value: LatencyThresholds; warning?: string } {
  if (value === undefined || value === null) return { value: DEFAULT_LATENCY_THRESHOLDS };
  if (Array.isArray(value) && value.length === 2) {
    const [a, b] = value as unknown[];
    if (typeof a === 'number' && typeof b === 'number' && a > 0 && a < b && b <= MAX_THRESHOLD_MS) return { value: [a, b] };
  }
  const [a, b] = DEFAULT_LATENCY_THRESHOLDS;
  return {
    value: DEFAULT_LATENCY_THRESHOLDS,
    warning: `${LATENCY_THRESHOLDS_KEY} is ${JSON.stringify(value)}, not two increasing numbers of ms from above 0 to ${MAX_THRESHOLD_MS}, such as [${a}, ${b}]: using [${a}, ${b}].`,
  };
}

export type CellClass = 'pending' | 'fail' | 'partial' | 'ok-fast' | 'ok' | 'ok-slow';

export function cellClass(c: MatrixCell | undefined, [fast, slow]: LatencyThresholds): CellClass {
  if (!c) return 'pending';
  if (!c.byIp.ok) return 'fail';
  if (!c.byName.ok || (c.large && !c.large.ok)) return 'partial';
  const ms = c.byIp.avgMs ?? 0;
  return ms < fast ? 'ok-fast' : ms < slow ? 'ok' : 'ok-slow';
}

/** What the cell shows: its RTT by IP, or what failed; `…` while a run is going and it has not come. */
export function cellText(c: MatrixCell | undefined, running: boolean, t: Translate = english): string {
  if (!c) return running ? '…' : '';
  if (!c.byIp.ok) return `✕ ${c.byIp.lossPercent}%`;
  const ms = t('{0} ms', c.byIp.avgMs?.toFixed(2) ?? '?');
  if (!c.byName.ok) return t('{0} · no name', ms);
  if (c.large && !c.large.ok) return t('{0} · no large', ms);
  return ms;
}

/** The legend, bucket by bucket: "ok, < 1 ms", "ok, 1–5 ms", "ok, ≥ 5 ms", then the failures. */
export function legendItems([fast, slow]: LatencyThresholds, t: Translate = english): Array<[CellClass, string]> {
  return [
    ['ok-fast', t('ok, < {0} ms', fast)],
    ['ok', t('ok, {0}–{1} ms', fast, slow)],
    ['ok-slow', t('ok, ≥ {0} ms', slow)],
    ['partial', t('IP ok, name or large packet fails')],
    ['fail', t('unreachable')],
  ];
}
