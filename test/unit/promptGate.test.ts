// Questions during connects: one per id at a time, one on screen at a time, and a clock that stops meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PausableDeadline, PromptGate } from '../../src/core/ssh/promptGate';
import { ed25519Pair } from '../support/keys';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the same question from many connections is asked once; all get its answer', async () => {
  const gate = new PromptGate();
  let asked = 0;
  const question = async () => {
    asked++;
    await sleep(30);
    return 'answer';
  };
  const answers = await Promise.all([1, 2, 3].map(() => gate.ask('passphrase:/k', question)));
  assert.deepEqual(answers, ['answer', 'answer', 'answer']);
  assert.equal(asked, 1);
  assert.equal(gate.asked, 1);
  // Once answered, a new connect asks again (the caller keeps what must be kept).
  await gate.ask('passphrase:/k', question);
  assert.equal(asked, 2);
});

test('different questions are put one after the other, never two at once', async () => {
  const gate = new PromptGate();
  let onScreen = 0;
  let most = 0;
  const question = (v: string) => async () => {
    most = Math.max(most, ++onScreen);
    await sleep(20);
    onScreen--;
    return v;
  };
  const answers = await Promise.all(['a', 'b', 'c'].map((v) => gate.ask(`password:${v}`, question(v))));
  assert.deepEqual(answers, ['a', 'b', 'c']);
  assert.equal(most, 1);
  // A question that throws does not block the next one.
  await assert.rejects(
    gate.ask('x', async () => {
      throw new Error('boom');
    }),
  );
  assert.equal(await gate.ask('y', async () => 'fine'), 'fine');
});

test('refused host keys are remembered per host, port and fingerprint until forgotten', () => {
  const gate = new PromptGate();
  const a = PromptGate.hostKeyId('10.99.0.1', 22, 'SHA256:aaa');
  const b = PromptGate.hostKeyId('10.99.0.1', 2222, 'SHA256:aaa');
  gate.refuse(a);
  gate.refuse(b);
  assert.ok(gate.isRefused(a) && gate.isRefused(b));
  assert.ok(!gate.isRefused(PromptGate.hostKeyId('10.99.0.1', 22, 'SHA256:bbb')));
  assert.equal(gate.forgetRefusals('10.99.0.1', 22), 1);
  assert.ok(!gate.isRefused(a));
  assert.ok(gate.isRefused(b));
});

test('an opened key is kept per key file and content', () => {
  const gate = new PromptGate();
  const key = ed25519Pair().parsed;
  gate.keepUnlockedKey('/k', Buffer.from('one'), { passphrase: 'pw', key });
  assert.equal(gate.unlockedKey('/k', Buffer.from('one'))?.passphrase, 'pw');
  assert.equal(gate.unlockedKey('/k', Buffer.from('two')), undefined);
  assert.equal(gate.unlockedKey('/other', Buffer.from('one')), undefined);
});

test('the deadline does not run while a question is on screen', async () => {
  let expiredAt = 0;
  const started = Date.now();
  const deadline = new PausableDeadline(300, () => (expiredAt = Date.now()));
  await sleep(40);
  const gate = new PromptGate();
  await gate.ask('q', () => sleep(400), deadline);
  assert.equal(expiredAt, 0, 'not expired while asking, though longer than the deadline');
  await sleep(400);
  assert.ok(expiredAt > 0, 'expired once the remaining time ran');
  const total = expiredAt - started;
  assert.ok(total >= 690, `300 ms of clock plus 400 ms of question (took ${total} ms)`);
  assert.ok(deadline.pausedMs >= 390, `paused ${deadline.pausedMs} ms`);
  const cleared = new PausableDeadline(20, () => assert.fail('a cleared deadline fires'));
  const resume = cleared.pause();
  cleared.clear();
  resume();
  await sleep(40);
});
