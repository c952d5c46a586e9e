// The cancellation points of long commands: announce, then honour a cancel; after a change, undo it
// or say what remains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterChange, checkpoint } from '../../src/core/steps';

const kind = (err: unknown) => (err as { kind?: string }).kind;

test('checkpoint announces the step, then stops only when cancelled', () => {
  const seen: string[] = [];
  const ctrl = new AbortController();
  const o = { signal: ctrl.signal, onStep: (s: string) => seen.push(s) };
  checkpoint(o, 'a');
  ctrl.abort();
  assert.throws(
    () => checkpoint(o, 'b'),
    (err) => kind(err) === 'cancelled',
  );
  assert.deepEqual(seen, ['a', 'b']);
  checkpoint(undefined, 'c');
});

test('afterChange without a cancel does nothing, and does not undo', async () => {
  let undone = 0;
  await afterChange({ signal: new AbortController().signal }, 'made', 'x was made.', async () => void undone++);
  assert.equal(undone, 0);
});

test('afterChange with a cancel undoes and stops as a plain cancel', async () => {
  const ctrl = new AbortController();
  ctrl.abort();
  let undone = 0;
  await assert.rejects(
    afterChange({ signal: ctrl.signal }, 'made', 'x was made.', async () => void undone++),
    (err) => kind(err) === 'cancelled',
  );
  assert.equal(undone, 1);
});

test('afterChange with a cancel and no undo, or a failed undo, says what remains', async () => {
  const ctrl = new AbortController();
  ctrl.abort();
  await assert.rejects(
    afterChange({ signal: ctrl.signal }, 'made', 'x was made.'),
    (err: Error) => kind(err) === 'cancelledLate' && err.message === 'Cancelled too late: x was made.',
  );
  await assert.rejects(
    afterChange({ signal: ctrl.signal }, 'made', 'x was made.', () => Promise.reject(new Error('it is in use.'))),
    (err: Error) => kind(err) === 'cancelledLate' && err.message === 'Cancelled too late: x was made. Undoing it failed (it is in use).',
  );
});
