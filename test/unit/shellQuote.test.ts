import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { shellQuote } from '../../src/core/ssh/shellQuote';

test('safe words stay as they are; others are single-quoted', () => {
  assert.equal(shellQuote('docker'), 'docker');
  assert.equal(shellQuote('/var/run/docker.sock'), '/var/run/docker.sock');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('$(reboot)'), `'$(reboot)'`);
});

test('property: any argument list survives a real POSIX shell unchanged', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/\0/g, '')),
        { maxLength: 5 },
      ),
      (args) => {
        const script = `printf '%s\\0' ${args.map(shellQuote).join(' ')}`;
        const out = execFileSync('/bin/sh', ['-c', script]);
        const got = args.length === 0 ? [] : out.toString('utf8').split('\0').slice(0, -1);
        assert.deepEqual(got, args.length === 0 ? [] : args);
      },
    ),
    { numRuns: 150 },
  );
});
