// A watch's recent history per pair, and the words that sum a round up: plain data and arithmetic,
// shared by the panel (cells and detail pane), the status bar item and the CLI.
import type { MatrixCell, MatrixReport } from './matrix';

/** Rounds kept per pair. */
export const HISTORY_ROUNDS = 20;

export interface CellSample {
  round: number;
  ok: boolean;
  /** Average round trip by IP, when any reply came. */
  rttMs?: number;
  lossPercent: number;
}

/** Samples per pair, oldest first, keyed by `pairKey`. */
export type MatrixHistory = Record<string, CellSample[]>;

export function pairKey(from: string, to: string): string {
  return `${from}→${to}`;
}

export function sampleOf(c: MatrixCell, round: number): CellSample {
  return { round, ok: c.ok, rttMs: c.byIp.avgMs, lossPercent: c.byIp.lossPercent };
}

/** The history with one more round's cells, each pair keeping its last `keep` samples. */
export function addRound(history: MatrixHistory, round: number, cells: MatrixCell[], keep = HISTORY_ROUNDS): MatrixHistory {
  const next: MatrixHistory = { ...history };
  for (const c of cells) {
    const key = pairKey(c.from, c.to);
    next[key] = [...(next[key] ?? []), sampleOf(c, round)].slice(-keep);
  }
  return next;
}

const BARS = '▁▂▃▄▅▆▇█';

/** RTTs as a row of bars scaled between their minimum and maximum; a round with no reply shows `×`. */
export function sparkline(samples: CellSample[]): string {
  const rtts = samples.map((s) => s.rttMs).filter((v): v is number => v !== undefined);
  const lo = Math.min(...rtts);
  const span = Math.max(...rtts) - lo;
  return samples
    .map((s) => {
      if (s.rttMs === undefined) return '×';
      const i = span > 0 ? Math.round(((s.rttMs - lo) / span) * (BARS.length - 1)) : 0;
      return BARS[i];
    })
    .join('');
}

/** Rounds in which the pair failed, and rounds in which any ping by IP was lost. */
export function lossCount(samples: CellSample[]): { failed: number; lossy: number } {
  return { failed: samples.filter((s) => !s.ok).length, lossy: samples.filter((s) => s.lossPercent > 0).length };
}

/** Pairs expected (every ordered pair of hosts, each host to itself included) and how many passed. */
export function passingPairs(r: Pick<MatrixReport, 'hosts' | 'cells'>): { passing: number; total: number } {
  return { passing: r.cells.filter((c) => c.ok).length, total: r.hosts.length * r.hosts.length };
}

/** The status bar's words for a round: "demo-overlay: 9/9" when every pair passes, else "demo-overlay: 2 pairs failing". */
export function watchStatusText(r: Pick<MatrixReport, 'network' | 'hosts' | 'cells'>): string {
  const { passing, total } = passingPairs(r);
  const failing = total - passing;
  if (failing === 0) return `${r.network}: ${passing}/${total}`;
  return `${r.network}: ${failing} ${failing === 1 ? 'pair' : 'pairs'} failing`;
}
