// Prompts take the time people take (issue 11 §3) and agents and known_hosts files as people set them
// (§5): in-process cores against the lab, with fake prompters slower than the connect timeout.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HostConfig } from '../../src/core/model';
import type { HostKeyPrompter, SecretPrompter } from '../../src/core/ssh/auth';
import { lab, labCore, labExec } from '../support/lab';

const L = lab();
const tmp = mkdtempSync(path.join(tmpdir(), 'so-prompts-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const knownHostsLines = readFileSync(L.knownHosts, 'utf8').trim().split('\n');
const lineFor = (ip: string) => knownHostsLines.find((l) => l.startsWith(`${ip} `))!;
/** Connect timeout of every core here; each prompt takes longer than that. */
const TIMEOUT_MS = 1000;
const noAgent = { agentSocket: '' };

after(() => rmSync(tmp, { recursive: true, force: true }));

/** A host-key prompter that takes `ms` to answer `yes`, recording how many questions were on screen at once. */
function slowHostKeys(ms: number, yes: boolean) {
  const asked: string[] = [];
  let onScreen = 0;
  let most = 0;
  const prompter: HostKeyPrompter = {
    confirmUnknownKey: async (endpoint, _type, fp) => {
      asked.push(`${endpoint.hostName} ${fp}`);
      most = Math.max(most, ++onScreen);
      await sleep(ms);
      onScreen--;
      return yes;
    },
  };
  return { prompter, asked, most: () => most };
}

describe('prompts do not count against the connect timeout', () => {
  test('three unknown host keys, each answered after 1.5 s with a 1 s timeout: all trusted, one question at a time', async () => {
    const kh = path.join(tmp, 'kh-empty-1');
    const hostKeys = slowHostKeys(1500, true);
    const lines: string[] = [];
    const core = labCore({ knownHostsFile: kh, hostKeys: hostKeys.prompter, connectTimeoutMs: TIMEOUT_MS }, lines);
    after(() => core.dispose());
    const statuses = await core.hosts.statusAll();
    for (const s of statuses) assert.equal(s.reachable, true, `${s.name}: ${s.error}`);
    assert.equal(hostKeys.asked.length, 3, 'one question per host key');
    assert.equal(hostKeys.most(), 1, 'never two questions on screen');
    const written = readFileSync(kh, 'utf8');
    for (const ip of ['10.99.0.1', '10.99.0.2', '10.99.0.3']) assert.ok(written.includes(`${ip} ssh-ed25519 `), `${ip} written`);
    assert.match(lines.join('\n'), /ms of it waiting for answers/);
  });

  describe('one encrypted key for three hosts', () => {
    const key = path.join(tmp, 'id_shared');
    const passphrase = 'one passphrase for three hosts';
    const comment = `so-prompts-test-${process.pid}`;
    before(() => {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', key]);
      for (const h of ['h1', 'h2', 'h3']) labExec(h, ['sh', '-c', 'cat >> /root/.ssh/authorized_keys'], readFileSync(`${key}.pub`, 'utf8'));
    });
    after(() => {
      for (const h of ['h1', 'h2', 'h3']) labExec(h, ['sed', '-i', `/ ${comment}$/d`, '/root/.ssh/authorized_keys']);
    });

    test('the passphrase is asked once, answered after 3 s with a 1 s timeout, and all three hosts connect', async () => {
      const asked: string[] = [];
      const secrets: SecretPrompter = {
        passphrase: async (file, endpoint) => {
          asked.push(`${path.basename(file)} for ${endpoint.hostName}`);
          await sleep(3000);
          return passphrase;
        },
        password: async () => undefined,
      };
      const hosts: HostConfig[] = L.hosts.map((h) => ({ ...h, identityFile: key }));
      const lines: string[] = [];
      const core = labCore({ hosts, secrets, connectTimeoutMs: TIMEOUT_MS, ...noAgent }, lines);
      after(() => core.dispose());
      const statuses = await core.hosts.statusAll();
      for (const s of statuses) assert.equal(s.reachable, true, `${s.name}: ${s.error}`);
      assert.equal(asked.length, 1, `one question for the key, not one per host (asked: ${asked.join('; ')})`);
      assert.ok(!lines.join('\n').includes(passphrase), 'no passphrase in the log');
      // A reconnect uses what was answered.
      for (const h of L.hosts) core.hosts.get(h.name).ssh.reset();
      const again = await core.hosts.statusAll();
      assert.ok(again.every((s) => s.reachable));
      assert.equal(asked.length, 1, 'not asked again on reconnect');
    });
  });
});

describe('a refused host key', () => {
  test('is not asked again on the next 3 status reads; the host shows the key as not trusted; retry asks again', async () => {
    const kh = path.join(tmp, 'kh-empty-2');
    const hostKeys = slowHostKeys(1200, false);
    const hosts = L.hosts.filter((h) => h.name === 'h1');
    const core = labCore({ hosts, knownHostsFile: kh, hostKeys: hostKeys.prompter, connectTimeoutMs: TIMEOUT_MS });
    after(() => core.dispose());
    const [first] = await core.hosts.statusAll();
    assert.equal(first!.reachable, false);
    assert.equal(first!.errorKind, 'hostKeyUnknown');
    assert.match(first!.error!, /host key of 10\.99\.0\.1 \(ssh-ed25519 SHA256:.+\) is not in .*, and it was not accepted/);
    assert.equal(hostKeys.asked.length, 1);
    for (let i = 0; i < 3; i++) {
      const [s] = await core.hosts.statusAll();
      assert.equal(s!.errorKind, 'hostKeyUnknown', `read ${i + 2}`);
    }
    assert.equal(hostKeys.asked.length, 1, 'not asked again on refreshes');
    assert.equal(existsSync(kh), false, 'nothing written');
    assert.equal(core.hosts.retryHostKey('h1'), 1);
    const [afterRetry] = await core.hosts.statusAll();
    assert.equal(afterRetry!.errorKind, 'hostKeyUnknown');
    assert.equal(hostKeys.asked.length, 2, 'asked again after the retry');
  });
});

describe('UserKnownHostsFile and GlobalKnownHostsFile from the ssh config', () => {
  const cfg = path.join(tmp, 'ssh_config_kh');
  const userKh = path.join(tmp, 'user_kh');
  const globalKh = path.join(tmp, 'global_kh');
  const hosts: HostConfig[] = [{ name: 'h1', host: 'lab1' }];
  before(() =>
    writeFileSync(
      cfg,
      `Host lab1\n  HostName 10.99.0.1\n  User root\n  IdentityFile ${L.identity}\n` +
        `  UserKnownHostsFile ${userKh} ${path.join(tmp, 'user_kh2')}\n  GlobalKnownHostsFile ${globalKh}\n`,
    ),
  );
  const core = (knownHostsFile?: string, accept = false) => {
    const asked: string[] = [];
    const c = labCore({
      hosts,
      sshConfigFile: cfg,
      knownHostsFile,
      hostKeys: { confirmUnknownKey: async (e) => (asked.push(e.hostName), accept) },
      ...noAgent,
    });
    after(() => c.dispose());
    return { core: c, asked };
  };

  test('the key found in the global file is trusted; a wrong one there is a mismatch', async () => {
    rmSync(userKh, { force: true });
    writeFileSync(globalKh, lineFor('10.99.0.1') + '\n');
    const ok = core();
    const [s] = await ok.core.hosts.statusAll();
    assert.equal(s!.reachable, true, s!.error);
    assert.deepEqual(ok.asked, []);
    writeFileSync(globalKh, `10.99.0.1 ${lineFor('10.99.0.2').split(' ').slice(1).join(' ')}\n`);
    const bad = core();
    const [m] = await bad.core.hosts.statusAll();
    assert.equal(m!.errorKind, 'hostKeyMismatch', m!.error);
  });

  test('a newly trusted key goes to the first UserKnownHostsFile; an explicit file (setting, --known-hosts) wins', async () => {
    rmSync(userKh, { force: true });
    writeFileSync(globalKh, '');
    const fresh = core(undefined, true);
    const [s] = await fresh.core.hosts.statusAll();
    assert.equal(s!.reachable, true, s!.error);
    assert.deepEqual(fresh.asked, ['10.99.0.1']);
    assert.match(readFileSync(userKh, 'utf8'), /^10\.99\.0\.1 ssh-ed25519 /);
    assert.equal(existsSync(path.join(tmp, 'user_kh2')), false);
    // The config's files now know nothing of h1; the explicit file does: it is the one read.
    writeFileSync(userKh, '');
    const explicit = core(L.knownHosts);
    const [e] = await explicit.core.hosts.statusAll();
    assert.equal(e!.reachable, true, e!.error);
    assert.deepEqual(explicit.asked, []);
  });
});

describe('IdentityAgent and IdentitiesOnly', () => {
  const sock = path.join(tmp, 'agent.sock');
  const cfg = path.join(tmp, 'ssh_config_agent');
  const pubOnly = path.join(tmp, 'lab_key_pub_only');
  const savedSock = process.env.SSH_AUTH_SOCK;
  let agent: ChildProcess | undefined;
  before(async () => {
    delete process.env.SSH_AUTH_SOCK;
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(50);
    execFileSync('ssh-add', ['-q', L.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    // Only the public half: a login with it can come from the agent only.
    copyFileSync(`${L.identity}.pub`, `${pubOnly}.pub`);
    const entry = (name: string, extra: string) =>
      `Host ${name}\n  HostName 10.99.0.1\n  User root\n  UserKnownHostsFile ${L.knownHosts}\n${extra}`;
    writeFileSync(
      cfg,
      [
        entry('via-agent', `  IdentityFile ${path.join(tmp, 'no_such_key')}\n  IdentityAgent ${sock}\n`),
        entry('agent-none', `  IdentityFile ${path.join(tmp, 'no_such_key')}\n  IdentityAgent none\n`),
        entry('only-match', `  IdentityFile ${pubOnly}\n  IdentitiesOnly yes\n  IdentityAgent ${sock}\n`),
        entry('only-other', `  IdentityFile ${L.wrongIdentity}\n  IdentitiesOnly yes\n  IdentityAgent ${sock}\n`),
      ].join('\n'),
    );
  });
  after(() => {
    if (agent?.pid) process.kill(agent.pid);
    if (savedSock !== undefined) process.env.SSH_AUTH_SOCK = savedSock;
  });

  const status = async (alias: string) => {
    const c = labCore({ hosts: [{ name: alias, host: alias }], sshConfigFile: cfg, knownHostsFile: undefined, agentSocket: undefined });
    after(() => c.dispose());
    const [s] = await c.hosts.statusAll();
    return s!;
  };

  test('IdentityAgent names the agent socket while SSH_AUTH_SOCK is unset', async () => {
    assert.equal(process.env.SSH_AUTH_SOCK, undefined);
    const s = await status('via-agent');
    assert.equal(s.reachable, true, s.error);
  });

  test('IdentityAgent none: no agent is asked', async () => {
    const s = await status('agent-none');
    assert.equal(s.errorKind, 'auth');
    assert.match(s.error!, /tried: no key or password was available/);
  });

  test('IdentitiesOnly yes: the agent key matching the IdentityFile is offered, others are not', async () => {
    const match = await status('only-match');
    assert.equal(match.reachable, true, match.error);
    const other = await status('only-other');
    assert.equal(other.errorKind, 'auth');
    assert.match(other.error!, /tried: ssh-agent, .*wrong_id_ed25519\)/);
  });
});
