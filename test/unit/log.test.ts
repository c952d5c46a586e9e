import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor, lineLogger, redactingLogger } from '../../src/core/log';

const token = 'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx';

test('join tokens, unlock keys and registered secrets are masked in every level and argument', () => {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.add('s3cret-passphrase');
  redactor.add('abc'); // too short to mask safely: ignored
  const log = redactingLogger(
    lineLogger((l) => lines.push(l), 'trace'),
    redactor,
  );
  log.info(`joining with ${token}`);
  log.error(new Error(`failed with s3cret-passphrase`));
  log.debug('args', { token }, 'SWMKEY-1-abcdEFGH+/=', 'abc');
  log.trace('plain');
  const all = lines.join('\n');
  assert.ok(!all.includes(token));
  assert.ok(!all.includes('s3cret-passphrase'));
  assert.ok(!all.includes('SWMKEY-1-abcdEFGH'));
  assert.ok(all.includes('SWMTKN-1-…(redacted)'));
  assert.ok(all.includes('abc'));
  assert.equal(lines.length, 4);
});

test('lineLogger honours its minimum level', () => {
  const lines: string[] = [];
  const log = lineLogger((l) => lines.push(l), 'warn');
  log.info('no');
  log.warn('yes');
  log.error('yes too');
  assert.deepEqual(lines, ['[warn] yes', '[error] yes too']);
  const off = lineLogger((l) => lines.push(l), 'off');
  off.error('never');
  assert.equal(lines.length, 2);
});
