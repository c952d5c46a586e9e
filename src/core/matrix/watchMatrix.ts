// Watch mode: probes placed once (runMatrix.ts's placing phases), then a measuring round every few
// seconds on the same probes, each a full report; leases renewed meanwhile. It ends on stop(), on
// the caller's AbortSignal, at its duration, or on an error, and the probes are removed every time.
import type { MatrixRound } from '../../shared/matrix';
import { Refused, isCancelled } from '../errors';
import type { DockerHosts } from '../hosts/DockerHosts';
import { abortableDelay } from '../steps';
import { MAX_LEASE_S } from './lease';
import { type MatrixOptions, type PlacedMatrix, placeMatrix, placeServiceWatch } from './runMatrix';

/** Pause between rounds by default, and the shortest allowed. */
export const DEFAULT_WATCH_INTERVAL_S = 5;
export const MIN_WATCH_INTERVAL_S = 1;
export const MAX_WATCH_INTERVAL_S = 600;
/** A watch left alone ends by itself after this long (default) or at most MAX_LEASE_S. */
export const DEFAULT_WATCH_DURATION_S = 1800;

export function watchIntervalProblem(intervalS: number | undefined, what = 'The watch interval'): string | undefined {
  if (intervalS === undefined) return undefined;
  if (!Number.isInteger(intervalS) || intervalS < MIN_WATCH_INTERVAL_S || intervalS > MAX_WATCH_INTERVAL_S) {
    return `${what} must be a whole number of seconds from ${MIN_WATCH_INTERVAL_S} to ${MAX_WATCH_INTERVAL_S}.`;
  }
  return undefined;
}

export function watchDurationProblem(durationS: number | undefined, what = 'The watch duration'): string | undefined {
  if (durationS === undefined) return undefined;
  if (!Number.isInteger(durationS) || durationS < 1 || durationS > MAX_LEASE_S) {
    return `${what} must be a whole number of seconds from 1 to ${MAX_LEASE_S}.`;
  }
  return undefined;
}

/** A watch's placed probes: measure a round when wanted, stop once. */
export interface MatrixWatch {
  placed: PlacedMatrix;
  /** Measures one round on the placed probes. */
  round(): Promise<MatrixRound>;
  /** Removes the probes; idempotent. */
  stop(): Promise<void>;
}

/**
 * Places the probes for a watch: container probes kept in place, or in service mode one probe service
 * whose tasks measure every `intervalS` and live as long as the watch (`durationS`, plus a minute).
 * The caller must stop() it; on a failure while placing nothing is left.
 */
export async function openWatch(
  hosts: DockerHosts,
  o: MatrixOptions & Pick<WatchOptions, 'intervalS' | 'durationS'>,
): Promise<MatrixWatch> {
  const placed =
    o.mode === 'service'
      ? await placeServiceWatch(
          hosts,
          { ...o, leaseS: Math.min(MAX_LEASE_S, (o.durationS ?? DEFAULT_WATCH_DURATION_S) + 60) },
          o.intervalS ?? DEFAULT_WATCH_INTERVAL_S,
        )
      : await placeMatrix(hosts, o, true);
  let n = 0;
  return {
    placed,
    round: async () => {
      const startedAt = new Date();
      const { cells, diagnoses, ok, measureMs } = await placed.measure();
      return {
        ...placed.report(cells, diagnoses, ok),
        round: ++n,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        measureMs,
      };
    },
    stop: () => placed.remove(),
  };
}

export interface WatchOptions extends MatrixOptions {
  /** Seconds between the end of a round and the start of the next (default 5). */
  intervalS?: number;
  /** Seconds after which the watch ends by itself (default 1800). */
  durationS?: number;
  /** Stop after this many rounds (default: no limit). */
  rounds?: number;
  onPlaced?: (placed: PlacedMatrix) => void;
  onRound?: (round: MatrixRound) => void;
}

export interface WatchEnd {
  /** The last complete round (a stop before the first one is a cancel: it throws). */
  last: MatrixRound;
  rounds: number;
  why: 'stopped' | 'duration' | 'rounds';
}

/**
 * Runs a watch until `signal` aborts (a stop, not an error: it resolves with the last round), the
 * duration ends or `rounds` were measured. The probes are removed before it returns or throws.
 */
export async function watchMatrix(hosts: DockerHosts, o: WatchOptions): Promise<WatchEnd> {
  const problem = watchIntervalProblem(o.intervalS) ?? watchDurationProblem(o.durationS);
  if (problem) throw new Refused(problem);
  const intervalMs = (o.intervalS ?? DEFAULT_WATCH_INTERVAL_S) * 1000;
  const endAt = Date.now() + (o.durationS ?? DEFAULT_WATCH_DURATION_S) * 1000;
  const watch = await openWatch(hosts, o);
  let last: MatrixRound | undefined;
  try {
    o.onPlaced?.(watch.placed);
    for (;;) {
      last = await watch.round();
      o.onRound?.(last);
      if (o.rounds !== undefined && last.round >= o.rounds) return { last, rounds: last.round, why: 'rounds' };
      if (Date.now() + intervalMs >= endAt) return { last, rounds: last.round, why: 'duration' };
      o.onProgress?.(`Round ${last.round} done; the next in ${intervalMs / 1000} s…`);
      await abortableDelay(intervalMs, o.signal);
    }
  } catch (err) {
    // A stop between or during rounds ends the watch with the last complete round.
    if (isCancelled(err) && o.signal?.aborted && last) return { last, rounds: last.round, why: 'stopped' };
    throw err;
  } finally {
    await watch.stop();
  }
}
