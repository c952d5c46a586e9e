// The login order without a server: ssh2's side is played by calling the handler as it would.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AuthenticationType } from 'ssh2';
import type { AuthFailed } from '../../src/core/errors';
import { Redactor, lineLogger } from '../../src/core/log';
import type { SecretPrompter } from '../../src/core/ssh/auth';
import type { SelectedAgent } from '../../src/core/ssh/agentSelection';
import { type AuthOffer, type AuthOptions, makeAuthHandler } from '../../src/core/ssh/sshAuth';
import type { SshEndpoint } from '../../src/core/ssh/sshConfig';
import { ed25519Pair } from '../support/keys';

const dir = mkdtempSync(join(tmpdir(), 'so-auth-'));
const fileOf = new Map<string, string>();
const keyFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  fileOf.set(text, name);
  return file;
};
const plainKey = keyFile('id_plain', ed25519Pair().private);
// One KDF round keeps the test fast; the passphrase check is the same.
const locked = ed25519Pair({ passphrase: 'right-pass', cipher: 'aes256-ctr', rounds: 1 });
const lockedKey = keyFile('id_locked', locked.private);
// An opened encrypted key is offered decrypted: known by its public key.
fileOf.set(locked.public.split(' ')[1]!, 'id_locked');
const notAKey = keyFile('notes.txt', 'hello');
const missing = join(dir, 'id_missing');

const endpoint = (identityFiles: string[], explicitIdentity = true): SshEndpoint => ({
  alias: 'h1',
  hostName: '10.99.0.1',
  port: 22,
  user: 'alice',
  identityFiles,
  explicitIdentity,
  jumps: [],
});

/** Prompters that answer from lists and record every question, in order. */
function prompter(passphrases: Array<string | undefined>, passwords: Array<string | undefined>, asked: string[]): SecretPrompter {
  return {
    passphrase: async (file, _e, retry) => {
      asked.push(`passphrase ${file.slice(dir.length + 1)}${retry ? ' (again)' : ''}`);
      return passphrases.shift();
    },
    password: async (_e, retry) => {
      asked.push(`password${retry ? ' (again)' : ''}`);
      return passwords.shift();
    },
  };
}

function setup(e: SshEndpoint, secrets: SecretPrompter, extra: Partial<AuthOptions> = {}) {
  const lines: string[] = [];
  const failures: AuthFailed[] = [];
  const redactor = new Redactor();
  const logger = lineLogger((l) => lines.push(l), 'trace');
  // agentSocket '' stands for no agent, whatever SSH_AUTH_SOCK says.
  const auth = makeAuthHandler(e, { secrets, redactor, logger, agentSocket: '', ...extra }, (err) => failures.push(err));
  /** What the handler offers next, as ssh2 would ask after a failure. */
  const next = (methodsLeft: AuthenticationType[] | null = null) =>
    new Promise<AuthOffer>((resolve) => auth.handler(methodsLeft, null, resolve));
  return { auth, next, lines, failures, redactor };
}

/** A short name for an offer: agent, the key file's name (and the passphrase given), the password, or false. */
function named(o: AuthOffer): string {
  if (o === false) return 'false';
  if (o.type === 'agent') return 'agent';
  if (o.type === 'password') return `password ${o.password}`;
  const name = Buffer.isBuffer(o.key) ? fileOf.get(o.key.toString()) : fileOf.get(o.key.getPublicSSH().toString('base64'));
  return `key ${name}${o.passphrase ? ` with ${o.passphrase}` : ''}`;
}

test('methods come in order: agent, each identity file, password, then false with what was tried', async () => {
  const asked: string[] = [];
  const secrets = prompter(['right-pass'], ['pw-1234'], asked);
  const { next, failures } = setup(endpoint([plainKey, lockedKey]), secrets, { agentSocket: '/tmp/agent.sock' });
  const offers: AuthOffer[] = [];
  for (let i = 0; i < 5; i++) offers.push(await next());
  assert.deepEqual(offers.map(named), ['agent', 'key id_plain', 'key id_locked with right-pass', 'password pw-1234', 'false']);
  const first = offers[0] as Extract<AuthOffer, { type: 'agent' }>;
  assert.equal(first.username, 'alice');
  assert.equal((first.agent as SelectedAgent).spec, '/tmp/agent.sock');
  assert.deepEqual(asked, ['passphrase id_locked', 'password', 'password (again)']);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.kind, 'auth');
  const tried = `ssh-agent, ${plainKey}, ${lockedKey}, password`;
  assert.equal(failures[0]!.message, `SSH authentication as alice on 10.99.0.1 failed (tried: ${tried}).`);
});

test('with nothing to offer, the failure says so', async () => {
  const asked: string[] = [];
  const { next, failures } = setup(endpoint([]), prompter([], [undefined], asked));
  assert.equal(await next(), false);
  assert.deepEqual(asked, ['password']);
  assert.equal(failures[0]!.message, 'SSH authentication as alice on 10.99.0.1 failed (tried: no key or password was available).');
});

test('methods the server does not accept are skipped', async () => {
  const asked: string[] = [];
  const { next } = setup(endpoint([plainKey]), prompter([], ['pw-1234'], asked), { agentSocket: '/tmp/agent.sock' });
  assert.equal(named(await next(['password'])), 'password pw-1234');
  assert.deepEqual(asked, ['password']);
  const { next: keysOnly } = setup(endpoint([plainKey]), prompter([], ['pw-1234'], asked));
  assert.equal(named(await keysOnly(['publickey'])), 'key id_plain');
  assert.equal(await keysOnly(['publickey']), false);
  assert.deepEqual(asked, ['password'], 'no password prompt when the server takes none');
});

test('a wrong passphrase is asked again (3 tries at most), then the key is skipped', async () => {
  const asked: string[] = [];
  const { next, lines, redactor } = setup(endpoint([lockedKey]), prompter(['wrong-1', 'wrong-2', 'wrong-3', 'right-pass'], [], asked));
  assert.equal(await next(['publickey']), false);
  assert.deepEqual(asked, ['passphrase id_locked', 'passphrase id_locked (again)', 'passphrase id_locked (again)']);
  assert.equal(lines.filter((l) => l.includes(`wrong passphrase for ${lockedKey}`)).length, 3);
  assert.equal(redactor.redact('wrong-1 wrong-2 wrong-3'), '…(redacted) …(redacted) …(redacted)');
});

test('the passphrase that opened a key is the last offer, kept under its key id; a dismissed prompt skips the key', async () => {
  const asked: string[] = [];
  const { next, auth } = setup(endpoint([lockedKey, plainKey]), prompter(['wrong-1', 'right-pass'], [], asked));
  assert.equal(named(await next()), 'key id_locked with right-pass');
  assert.deepEqual(auth.lastOffer(), { kind: 'passphrase', id: `passphrase:${lockedKey}`, value: 'right-pass' });
  assert.equal(named(await next()), 'key id_plain');
  assert.equal(auth.lastOffer(), undefined, 'a plain key carries no secret');

  const again: string[] = [];
  const dismissed = setup(endpoint([lockedKey, plainKey]), prompter([undefined], [], again));
  assert.equal(named(await dismissed.next()), 'key id_plain');
  assert.deepEqual(again, ['passphrase id_locked']);
});

test('a password is asked twice at most, the second time as a retry, and kept under user@host:port', async () => {
  const asked: string[] = [];
  const { next, auth, redactor } = setup(endpoint([]), prompter([], ['pw-first', 'pw-second', 'pw-third'], asked));
  assert.equal(named(await next()), 'password pw-first');
  assert.deepEqual(auth.lastOffer(), { kind: 'password', id: 'password:alice@10.99.0.1:22', value: 'pw-first' });
  assert.equal(named(await next()), 'password pw-second');
  assert.equal(await next(), false);
  assert.equal(auth.lastOffer(), undefined);
  assert.deepEqual(asked, ['password', 'password (again)']);
  assert.equal(redactor.redact('pw-first pw-second'), '…(redacted) …(redacted)');
});

test('unreadable and unusable identity files are skipped; a warning only for files the user named', async () => {
  const asked: string[] = [];
  const named1 = setup(endpoint([missing, notAKey, plainKey]), prompter([], [], asked));
  assert.equal(named(await named1.next()), 'key id_plain');
  assert.ok(named1.lines.some((l) => l.includes(`identity file ${missing} cannot be read; skipped`)));
  assert.ok(named1.lines.some((l) => l.includes(`${notAKey} is not a usable private key (Unsupported key format); skipped`)));
  const defaults = setup(endpoint([missing], false), prompter([], [], asked));
  assert.equal(await defaults.next(['publickey']), false);
  assert.ok(!defaults.lines.some((l) => l.includes('cannot be read')), 'ssh default key paths that do not exist are not worth a warning');
});

test('a prompter that throws ends authentication with an AuthFailed that keeps the cause', async () => {
  const broken: SecretPrompter = {
    passphrase: async () => undefined,
    password: async () => {
      throw new Error('keychain locked');
    },
  };
  const { next, failures, lines } = setup(endpoint([]), broken);
  assert.equal(await next(), false);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.message, 'SSH authentication as alice on 10.99.0.1 failed.');
  assert.equal((failures[0]!.cause as Error).message, 'keychain locked');
  assert.ok(lines.some((l) => l.includes('authentication handler failed: Error: keychain locked')));
});
