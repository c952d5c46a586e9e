import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  KnownHosts,
  appendKnownHost,
  fingerprint,
  hashedKnownHostsLine,
  hostsFieldMatches,
  keyTypeOf,
  knownHostsLine,
} from '../../src/core/ssh/knownHosts';
import { ed25519Pair } from '../support/keys';

function newKeyBlob(): Buffer {
  return ed25519Pair().parsed.getPublicSSH();
}

const keyA = newKeyBlob();
const keyB = newKeyBlob();

test('fingerprint matches OpenSSH format and key type is read from the blob', () => {
  const fp = fingerprint(keyA);
  assert.match(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.notEqual(fp, fingerprint(keyB));
  assert.equal(keyTypeOf(keyA), 'ssh-ed25519');
  assert.equal(keyTypeOf(Buffer.from([0, 0])), '');
});

test('plain entry: match, mismatch, unknown', () => {
  const kh = KnownHosts.parse(`# comment\n\n10.99.0.1 ssh-ed25519 ${keyA.toString('base64')} root@h1\n`);
  assert.deepEqual(kh.verify('10.99.0.1', 22, keyA), { status: 'match' });
  const mismatch = kh.verify('10.99.0.1', 22, keyB);
  assert.equal(mismatch.status, 'mismatch');
  assert.deepEqual(mismatch.status === 'mismatch' && mismatch.knownFingerprints, [fingerprint(keyA)]);
  assert.deepEqual(kh.verify('10.99.0.2', 22, keyA), { status: 'unknown' });
  // A non-default port needs its own [host]:port entry, as in OpenSSH.
  assert.deepEqual(kh.verify('10.99.0.1', 2222, keyA), { status: 'unknown' });
});

test('[host]:port, comma lists, wildcards and negation', () => {
  const kh = KnownHosts.parse(
    [
      `[10.99.0.5]:2222 ssh-ed25519 ${keyA.toString('base64')}`,
      `h1,h2.lab,10.99.0.7 ssh-ed25519 ${keyA.toString('base64')}`,
      `*.lab,!evil.lab ssh-ed25519 ${keyB.toString('base64')}`,
    ].join('\n'),
  );
  assert.equal(kh.verify('10.99.0.5', 2222, keyA).status, 'match');
  assert.equal(kh.verify('10.99.0.5', 22, keyA).status, 'unknown');
  assert.equal(kh.verify('h2.lab', 22, keyA).status, 'match');
  assert.equal(kh.verify('x.lab', 22, keyB).status, 'match');
  assert.equal(kh.verify('evil.lab', 22, keyB).status, 'unknown');
  assert.equal(hostsFieldMatches('H1', 'h1'), true, 'host names are case-insensitive');
  assert.equal(hostsFieldMatches('h?', 'h12'), false);
});

test('hashed entries match only their host and port', () => {
  const line = hashedKnownHostsLine('10.99.0.3', 22, keyA);
  assert.match(line, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
  const kh = KnownHosts.parse(line + '\n' + hashedKnownHostsLine('10.99.0.3', 2200, keyB));
  assert.equal(kh.verify('10.99.0.3', 22, keyA).status, 'match');
  assert.equal(kh.verify('10.99.0.3', 22, keyB).status, 'mismatch');
  assert.equal(kh.verify('10.99.0.3', 2200, keyB).status, 'match');
  assert.equal(kh.verify('10.99.0.4', 22, keyA).status, 'unknown');
});

test('@revoked wins over a matching entry; @cert-authority lines are ignored', () => {
  const b64 = keyA.toString('base64');
  const kh = KnownHosts.parse(
    `h1 ssh-ed25519 ${b64}\n@revoked h1 ssh-ed25519 ${b64}\n@cert-authority *.lab ssh-ed25519 ${keyB.toString('base64')}`,
  );
  assert.equal(kh.verify('h1', 22, keyA).status, 'revoked');
  assert.equal(kh.verify('a.lab', 22, keyB).status, 'unknown');
  assert.deepEqual(kh.keyTypesFor('h1', 22), ['ssh-ed25519']);
});

test('malformed lines are skipped, not fatal', () => {
  const kh = KnownHosts.parse('garbage\nh1 ssh-ed25519 not*base64\nh1 ssh-ed25519\n');
  assert.equal(kh.lines.length, 0);
});

test('appendKnownHost adds a line that verifies, keeping the file intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const file = join(dir, 'sub', 'known_hosts');
  await appendKnownHost(file, knownHostsLine('10.99.0.9', 22, keyA));
  writeFileSync(file, readFileSync(file, 'utf8').trimEnd()); // no trailing newline
  await appendKnownHost(file, knownHostsLine('10.99.0.9', 2022, keyB));
  const kh = await KnownHosts.load(file);
  assert.equal(kh.verify('10.99.0.9', 22, keyA).status, 'match');
  assert.equal(kh.verify('10.99.0.9', 2022, keyB).status, 'match');
  assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 2);
  assert.equal((await KnownHosts.load(join(dir, 'missing'))).lines.length, 0);
});

test('interoperates with OpenSSH: ssh-keygen finds our hashed lines, we verify its hashed lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-ossh-'));
  const ours = join(dir, 'ours');
  writeFileSync(ours, hashedKnownHostsLine('10.99.0.77', 2222, keyA) + '\n');
  const found = execFileSync('ssh-keygen', ['-F', '[10.99.0.77]:2222', '-f', ours], { encoding: 'utf8' });
  assert.match(found, /found: line 1/);
  const theirs = join(dir, 'theirs');
  writeFileSync(theirs, knownHostsLine('10.99.0.78', 22, keyB) + '\n');
  execFileSync('ssh-keygen', ['-H', '-f', theirs], { stdio: 'ignore' });
  const text = readFileSync(theirs, 'utf8');
  assert.match(text, /^\|1\|/);
  assert.equal(KnownHosts.parse(text).verify('10.99.0.78', 22, keyB).status, 'match');
  assert.equal(KnownHosts.parse(text).verify('10.99.0.78', 22, keyA).status, 'mismatch');
});
