import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cancelled } from '../../src/core/errors';
import { ChannelLimiter } from '../../src/core/ssh/ChannelLimiter';

test('never more than max at once; waiters served in order', async () => {
  const limiter = new ChannelLimiter(3);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const release = await limiter.acquire();
      active++;
      peak = Math.max(peak, active);
      order.push(i);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      release();
      release(); // a second release is harmless
    }),
  );
  assert.equal(peak, 3);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
  );
  assert.equal(limiter.inUse, 0);
});

test('an aborted waiter leaves the queue without taking a slot', async () => {
  const limiter = new ChannelLimiter(1);
  const first = await limiter.acquire();
  const ctrl = new AbortController();
  const waiting = limiter.acquire(ctrl.signal);
  assert.equal(limiter.waiting, 1);
  ctrl.abort();
  await assert.rejects(waiting, Cancelled);
  assert.equal(limiter.waiting, 0);
  first();
  const again = await limiter.acquire();
  assert.equal(limiter.inUse, 1);
  again();
  await assert.rejects(limiter.acquire(ctrl.signal), Cancelled);
  assert.throws(() => new ChannelLimiter(0), RangeError);
});
