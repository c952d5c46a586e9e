// Cancellation points of long commands. Each step is announced (for progress, and so tests can
// cancel at every one of them) and then honours a cancel. After a change that cannot be taken back
// silently, a cancel either undoes it, so the state is as before, or says exactly what remains.
import { Cancelled, CancelledLate, throwIfAborted, userMessage } from './errors';

export interface StepOptions {
  signal?: AbortSignal;
  /** Called with a step id (e.g. `join`, `start:h2`) before the step's cancel check. */
  onStep?: (step: string) => void;
}

/** Announces `step`, then stops with `Cancelled` if the command was cancelled. */
export function checkpoint(o: StepOptions | undefined, step: string): void {
  o?.onStep?.(step);
  throwIfAborted(o?.signal);
}

/**
 * Announces `step` right after a change was made; if the command was cancelled meanwhile, undoes the
 * change (when `undo` is given) and stops with `Cancelled`, or stops with `CancelledLate` naming what
 * remains.
 */
export async function afterChange(o: StepOptions | undefined, step: string, remains: string, undo?: () => Promise<void>): Promise<void> {
  o?.onStep?.(step);
  if (!o?.signal?.aborted) return;
  if (!undo) throw new CancelledLate(`Cancelled too late: ${remains}`);
  try {
    await undo();
  } catch (err) {
    throw new CancelledLate(`Cancelled too late: ${remains} Undoing it failed (${userMessage(err).replace(/\.$/, '')}).`);
  }
  throw new Cancelled();
}

/** A pause that a cancel cuts short with `Cancelled`. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
