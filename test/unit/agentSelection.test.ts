// Which agent a connection asks, per platform and config, and which of its keys are offered.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WINDOWS_AGENT_PIPE, identityPublicKey, openSshPublicKey, selectAgents } from '../../src/core/ssh/agentSelection';
import { knownHostsFiles } from '../../src/core/ssh/hostKeyCheck';
import type { SshEndpoint } from '../../src/core/ssh/sshConfig';
import { ed25519Pair } from '../support/keys';

const endpoint = (extra: Partial<SshEndpoint> = {}): SshEndpoint => ({
  alias: 'h1',
  hostName: '10.99.0.1',
  port: 22,
  user: 'alice',
  identityFiles: [],
  explicitIdentity: false,
  jumps: [],
  ...extra,
});

const linux = (env: NodeJS.ProcessEnv = {}, explicit?: string) => ({ env, platform: 'linux' as const, explicit });
const windows = (env: NodeJS.ProcessEnv = {}, explicit?: string) => ({ env, platform: 'win32' as const, explicit });

test('without IdentityAgent: SSH_AUTH_SOCK, else nothing on Linux and macOS', () => {
  assert.deepEqual(selectAgents(endpoint(), linux({ SSH_AUTH_SOCK: '/run/agent.sock' })), ['/run/agent.sock']);
  assert.deepEqual(selectAgents(endpoint(), linux({})), []);
  assert.deepEqual(selectAgents(endpoint(), { env: {}, platform: 'darwin' }), []);
});

test('on Windows without SSH_AUTH_SOCK: the OpenSSH agent pipe, then Pageant', () => {
  assert.deepEqual(selectAgents(endpoint(), windows({})), [WINDOWS_AGENT_PIPE, 'pageant']);
  assert.equal(WINDOWS_AGENT_PIPE, String.raw`\\.\pipe\openssh-ssh-agent`);
  assert.deepEqual(selectAgents(endpoint(), windows({ SSH_AUTH_SOCK: String.raw`\\.\pipe\my-agent` })), [String.raw`\\.\pipe\my-agent`]);
  // IdentityAgent wins on Windows too (e.g. 1Password's pipe).
  const onePassword = String.raw`\\.\pipe\openssh-ssh-agent-1password`;
  assert.deepEqual(selectAgents(endpoint({ identityAgent: onePassword }), windows({})), [onePassword]);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: 'none' }), windows({})), []);
});

test('IdentityAgent: a path wins over SSH_AUTH_SOCK; none disables; SSH_AUTH_SOCK and $VAR read the environment', () => {
  const env = { SSH_AUTH_SOCK: '/run/agent.sock', OP_SOCK: '/home/a/.1password/agent.sock' };
  const secretive = '/Users/a/Library/Containers/com.maxgoedjen.Secretive.SecretAgent/Data/socket.ssh';
  assert.deepEqual(selectAgents(endpoint({ identityAgent: secretive }), linux(env)), [secretive]);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: 'none' }), linux(env)), []);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: 'SSH_AUTH_SOCK' }), linux(env)), ['/run/agent.sock']);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: 'SSH_AUTH_SOCK' }), linux({})), []);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: '$OP_SOCK' }), linux(env)), ['/home/a/.1password/agent.sock']);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: '$UNSET_VAR' }), linux(env)), []);
});

test('an agent set by the caller wins over the config; an empty one means no agent', () => {
  const env = { SSH_AUTH_SOCK: '/run/agent.sock' };
  assert.deepEqual(selectAgents(endpoint({ identityAgent: '/x.sock' }), linux(env, '/test.sock')), ['/test.sock']);
  assert.deepEqual(selectAgents(endpoint({ identityAgent: '/x.sock' }), linux(env, '')), []);
  assert.deepEqual(selectAgents(endpoint(), windows({}, '')), []);
});

const dir = mkdtempSync(join(tmpdir(), 'so-agent-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the public key of an identity file, without its passphrase: from .pub, or from the clear header', async () => {
  const key = join(dir, 'id_locked');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-C', 'k', '-f', key]);
  const pub = Buffer.from(readFileSync(`${key}.pub`, 'utf8').split(' ')[1]!, 'base64');
  assert.deepEqual(await identityPublicKey(key), pub);
  // Without the .pub file, the OpenSSH format still names its public key in clear.
  assert.deepEqual(openSshPublicKey(readFileSync(key, 'utf8')), pub);
  rmSync(`${key}.pub`);
  assert.deepEqual(await identityPublicKey(key), pub);
  const plain = join(dir, 'id_plain');
  const pair = ed25519Pair();
  writeFileSync(plain, pair.private, { mode: 0o600 });
  assert.deepEqual(await identityPublicKey(plain), Buffer.from(pair.public.split(' ')[1]!, 'base64'));
  assert.equal(await identityPublicKey(join(dir, 'missing')), undefined);
  assert.equal(openSshPublicKey('not a key'), undefined);
  assert.equal(openSshPublicKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----'), undefined);
});

test('known_hosts files: an explicit file wins over UserKnownHostsFile; else the config; else ssh defaults; global after', () => {
  const e = endpoint({ userKnownHostsFile: ['/cfg/kh1', '/cfg/kh2'], globalKnownHostsFile: ['/etc/kh'] });
  assert.deepEqual(knownHostsFiles(e, '/setting/kh', '/home/a', 'linux'), { user: ['/setting/kh'], global: ['/etc/kh'] });
  assert.deepEqual(knownHostsFiles(e, undefined, '/home/a', 'linux'), { user: ['/cfg/kh1', '/cfg/kh2'], global: ['/etc/kh'] });
  assert.deepEqual(knownHostsFiles(endpoint({ userKnownHostsFile: [] }), undefined, '/home/a', 'linux').user, []);
  assert.deepEqual(knownHostsFiles(endpoint(), undefined, '/home/a', 'linux'), {
    user: ['/home/a/.ssh/known_hosts', '/home/a/.ssh/known_hosts2'],
    global: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
  });
  assert.deepEqual(knownHostsFiles(endpoint(), undefined, '/home/a', 'win32', { PROGRAMDATA: 'D:\\PD' }).global, [
    'D:\\PD\\ssh\\ssh_known_hosts',
    'D:\\PD\\ssh\\ssh_known_hosts2',
  ]);
});
