// OpenSSH is the oracle: random configs are resolved by SshConfigResolver and by `ssh -G -F <file> <alias>`
// (which prints the config and never connects), and every answer must agree. Host names stay inside
// 10.99.0.0/24, 127.0.0.1 or made-up names; no Match exec here.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/core/errors';
import { SshConfigResolver, connectionTokens, expandConfigPath, parseUserHostPort, type SshEndpoint } from '../../src/core/ssh/sshConfig';

const hasSsh = spawnSync('ssh', ['-V'], { stdio: 'ignore' }).status === 0;
const CONFIGS = Number(process.env.SSHCFG_ORACLE_CONFIGS ?? 1000);
const SEED = Number(process.env.SSHCFG_ORACLE_SEED ?? 20261202);
// ssh expands `~` and %d from the password database, not $HOME; $HOME only anchors Include globs.
const { homedir: PW_HOME, username: LOCAL_USER } = userInfo();
const SSH_HOME = mkdtempSync(join(tmpdir(), 'oracle-home-'));
mkdirSync(join(SSH_HOME, '.ssh'));
const SSH_DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((n) => `~/.ssh/${n}`);
const OUR_DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ed25519'].map((n) => `~/.ssh/${n}`);

/** One lookup; `preset` is what `ssh -l`/`-p` set before the config is read (ResolveOptions user/port). */
interface Job {
  file: string;
  alias: string;
  preset?: Preset;
}
type Preset = { user?: string; port?: number };
type SshAnswer = { ok: true; values: Map<string, string[]> } | { ok: false; error: string };

/** `ssh -G`, a few at a time. */
async function sshG(jobs: Job[], parallel = 4): Promise<SshAnswer[]> {
  const answers: SshAnswer[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const { file, alias, preset = {} } = jobs[i]!;
      const args = ['-G', '-F', file, ...(preset.user ? ['-l', preset.user] : []), ...(preset.port ? ['-p', String(preset.port)] : [])];
      answers[i] = await new Promise<SshAnswer>((done) => {
        const child = execFile('ssh', [...args, '--', alias], { env: { ...process.env, HOME: SSH_HOME } }, (err, stdout, stderr) => {
          if (err) return done({ ok: false, error: stderr.trim() || String(err) });
          const values = new Map<string, string[]>();
          for (const line of stdout.split('\n')) {
            const sp = line.indexOf(' ');
            if (sp > 0) values.set(line.slice(0, sp), [...(values.get(line.slice(0, sp)) ?? []), line.slice(sp + 1)]);
          }
          done({ ok: true, values });
        });
        child.stdin?.end();
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return answers;
}

// ssh -G prints `none` for `ProxyJump none # comment` (a hop named "none"); we read it as none.
const hops = (spec: string | undefined): unknown =>
  spec === undefined || /^none$/i.test(spec) ? [] : spec.split(',').map((h) => parseUserHostPort(h));

/** What ssh says, in the form our resolver answers (ssh -G leaves IdentityFile unexpanded and prints ssh's defaults). */
function expected(ssh: Map<string, string[]>, alias: string): Record<string, unknown> {
  const one = (k: string): string | undefined => ssh.get(k)?.[0];
  const hostName = one('hostname')!;
  const port = Number(one('port'));
  const user = one('user')!;
  const tokens = connectionTokens({
    hostName,
    alias,
    port,
    user,
    localUser: LOCAL_USER,
    home: PW_HOME,
    keyAlias: one('hostkeyalias'),
  });
  const raw = ssh.get('identityfile') ?? [];
  const isDefault = raw.join('\n') === SSH_DEFAULT_IDS.join('\n');
  const ids = (isDefault ? OUR_DEFAULT_IDS : raw).map((f) => expandConfigPath(f, tokens, PW_HOME));
  return {
    hostName,
    port,
    user,
    identityFiles: [...new Set(ids)],
    explicitIdentity: !isDefault,
    proxyJump: hops(one('proxyjump')),
    userKnownHostsFile: one('userknownhostsfile'),
    globalKnownHostsFile: one('globalknownhostsfile'),
    identityAgent: one('identityagent'),
    identitiesOnly: one('identitiesonly') === 'yes',
  };
}

function ours(e: SshEndpoint): Record<string, unknown> {
  const pw = `${PW_HOME.replace(/\/+$/, '')}/.ssh`;
  return {
    hostName: e.hostName,
    port: e.port,
    user: e.user,
    identityFiles: e.identityFiles,
    explicitIdentity: e.explicitIdentity,
    proxyJump: hops(e.proxyJump),
    userKnownHostsFile: e.userKnownHostsFile ? e.userKnownHostsFile.join(' ') || 'none' : `${pw}/known_hosts ${pw}/known_hosts2`,
    globalKnownHostsFile: e.globalKnownHostsFile
      ? e.globalKnownHostsFile.join(' ') || 'none'
      : '/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2',
    identityAgent: e.identityAgent,
    identitiesOnly: e.identitiesOnly ?? false,
  };
}

/** Resolves `alias` both ways; returns a readable report of any disagreement, or undefined. */
function compare(text: string, alias: string, preset: Preset | undefined, ssh: SshAnswer): string | undefined {
  let mine: Record<string, unknown> | Error;
  try {
    mine = ours(new SshConfigResolver(text, PW_HOME, LOCAL_USER).resolveHost(alias, preset));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    mine = err;
  }
  const theirs = ssh.ok ? expected(ssh.values, alias) : new Error(ssh.error);
  const show = (v: Record<string, unknown> | Error): string => (v instanceof Error ? v.message : JSON.stringify(v));
  const report = `--- config\n${text}--- alias ${alias} ${JSON.stringify(preset ?? {})}\nours: ${show(mine)}\nssh:  ${show(theirs)}`;
  if (mine instanceof Error || theirs instanceof Error) return mine instanceof Error && theirs instanceof Error ? undefined : report;
  try {
    assert.deepEqual(mine, theirs);
    return undefined;
  } catch {
    return report;
  }
}

/** Writes each config, asks ssh, and lists every disagreement. */
async function disagreements(
  cases: { text: string; aliases: string[]; preset?: Preset }[],
): Promise<{ compared: number; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'oracle-cfg-'));
  const jobs = cases.flatMap((c, i) => {
    const file = join(dir, `config-${i}`);
    writeFileSync(file, c.text, { mode: 0o600 });
    return c.aliases.map((alias, n) => ({ file, alias, text: c.text, preset: n === 0 ? c.preset : undefined }));
  });
  const answers = await sshG(jobs);
  const failures = jobs.map((j, i) => compare(j.text, j.alias, j.preset, answers[i]!)).filter((f): f is string => f !== undefined);
  return { compared: jobs.length, failures };
}

// ---------------------------------------------------------------- generated configs

const ALIASES = ['web', 'Web', 'db', 'db1', 'dbx', 'bastion', 'app.prod', 'APP.prod', '10.99.0.7', 'x'];
const pattern = fc.constantFrom(
  'web',
  'WEB',
  'w?b',
  'db',
  'db?',
  'd*',
  '*',
  '*.prod',
  'app.*',
  'bastion',
  'x',
  '10.99.0.*',
  '10.99.0.?',
  'web,db',
  '?',
  '*b*',
);
const hostPattern = fc.tuple(fc.constantFrom('', '', '', '!'), pattern).map(([neg, p]) => neg + p);
const listItem = fc
  .tuple(
    fc.constantFrom('', '', '!'),
    fc.constantFrom(
      'web',
      'WEB',
      'db?',
      'd*',
      '*',
      '*.prod',
      'app.*',
      '10.99.0.*',
      '10.99.0.1',
      '*.internal',
      'web.internal',
      'bastion',
      'x',
      'n%.internal',
    ),
  )
  .map(([neg, p]) => neg + p);
const userItem = fc
  .tuple(fc.constantFrom('', '', '!'), fc.constantFrom('root', 'deploy', 'ad*', 'Ops', 'r?ot', LOCAL_USER))
  .map(([n, u]) => n + u);
const list = <T extends string>(item: fc.Arbitrary<T>): fc.Arbitrary<string> =>
  fc.array(item, { minLength: 1, maxLength: 3 }).map((l) => l.join(','));
const criterion = fc.oneof(
  fc.tuple(fc.constantFrom('host', 'Host', '!host', 'originalhost', '!originalhost'), list(listItem)).map((p) => p.join(' ')),
  fc.tuple(fc.constantFrom('user', 'User', '!user', 'localuser'), list(userItem)).map((p) => p.join(' ')),
  fc.constantFrom('final', 'canonical', '!final', '!canonical'),
);
const header = fc.oneof(
  { weight: 3, arbitrary: fc.array(hostPattern, { minLength: 1, maxLength: 3 }).map((ps) => `Host ${ps.join(' ')}`) },
  { weight: 2, arbitrary: fc.array(criterion, { minLength: 1, maxLength: 2 }).map((cs) => `Match ${cs.join(' ')}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'Match all',
      'Host *',
      'Match host=web',
      'Match final host 10.99.0.*',
      'Host "web" \'db?\'',
      'Match host "web,x" # c',
      'Match canonical all',
    ),
  },
);
const option = fc.oneof(
  fc.tuple(
    fc.constant('HostName'),
    fc.constantFrom('10.99.0.1', '10.99.0.2', '127.0.0.1', '%h.internal', '%h', 'DB.Internal', 'n%%.internal'),
  ),
  fc.tuple(fc.constant('User'), fc.constantFrom('root', 'deploy', 'admin', 'Ops')),
  fc.tuple(fc.constant('Port'), fc.constantFrom('22', '2222', '2200', '070', 'ssh')),
  fc.tuple(
    fc.constant('IdentityFile'),
    fc.constantFrom(
      '~/.ssh/id_a',
      '~/.ssh/id_a',
      '~/.ssh/id_%h',
      '%d/.ssh/k_%r',
      '/keys/%n_%p',
      '/keys/%C',
      '/keys/%u-%l-%L-%i-%k',
      '"/keys/with space"',
      '~/.ssh/id_%%',
      "'/keys/single %h'",
      '/keys/esc\\ aped',
      '"/keys/mi"x\'d\'',
    ),
  ),
  fc.tuple(
    fc.constant('ProxyJump'),
    fc.constantFrom('none', 'NONE', 'bastion', 'admin@bastion:2222', 'bastion,db', 'u@10.99.0.5', 'x:2200'),
  ),
  fc.tuple(fc.constant('UserKnownHostsFile'), fc.constantFrom('~/.ssh/kh_%h', '/kh/%n /kh/%r', 'none', '%d/kh-%C')),
  fc.tuple(fc.constant('GlobalKnownHostsFile'), fc.constantFrom('/etc/kh/%h', '/g1 /g2')),
  fc.tuple(fc.constant('IdentityAgent'), fc.constantFrom('~/agent.%h', 'none', 'SSH_AUTH_SOCK', '/run/%u/%r')),
  fc.tuple(fc.constant('IdentitiesOnly'), fc.constantFrom('yes', 'no', 'True')),
  fc.tuple(fc.constant('HostKeyAlias'), fc.constantFrom('ka1', 'ka2')),
);
const keywordCase = fc.constantFrom(
  (k: string) => k,
  (k: string) => k.toLowerCase(),
  (k: string) => k.toUpperCase(),
);
const separator = fc.constantFrom(' ', '=', ' = ', '\t', '  ');
const optionLine = fc
  .tuple(fc.constantFrom('', '  ', '\t'), keywordCase, option, separator, fc.boolean(), fc.constantFrom('', '', ' # note'))
  .map(([indent, kc, [k, v], sep, quote, comment]) => {
    const value = quote && !/["\s]/.test(v) ? `"${v}"` : v;
    return `${indent}${kc(k)}${sep}${value}${comment}`;
  });
const block = fc
  .tuple(header, keywordCase, fc.constantFrom(' ', '=', '\t', ' = '), fc.array(optionLine, { maxLength: 4 }))
  .map(([h, kc, sep, lines]) => [kc(h.split(' ')[0]!) + sep + h.slice(h.indexOf(' ') + 1), ...lines].join('\n'));
const configArb = fc
  .record({
    preamble: fc.array(optionLine, { maxLength: 2 }),
    blocks: fc.array(block, { minLength: 1, maxLength: 5 }),
    aliases: fc.uniqueArray(fc.constantFrom(...ALIASES), { minLength: 2, maxLength: 2 }),
    preset: fc.option(
      fc.record({ user: fc.constantFrom('root', 'deploy', 'preset'), port: fc.constantFrom(22, 2299) }, { requiredKeys: [] }),
      { freq: 4, nil: undefined },
    ),
  })
  .map(({ preamble, blocks, aliases, preset }) => ({
    text: `# generated\n${[...preamble, ...blocks].join('\n')}\n`,
    aliases,
    preset,
  }));

test(`property: ${CONFIGS} random configs resolve as \`ssh -G\` does`, { skip: hasSsh ? false : 'ssh not installed' }, async () => {
  const started = Date.now();
  const cases = fc.sample(configArb, { numRuns: CONFIGS, seed: SEED });
  const { compared, failures } = await disagreements(cases);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `ssh -G oracle: ${compared - failures.length}/${compared} lookups agree over ${cases.length} configs (seed ${SEED}, ${seconds} s)`,
  );
  assert.equal(failures.length, 0, `${failures.length} disagreements with ssh -G; first ones:\n${failures.slice(0, 5).join('\n\n')}`);
});

// ---------------------------------------------------------------- named corner cases, each checked against ssh -G

type Expect = Record<string, Partial<SshEndpoint>>;
/** A named case: our answers for each alias (fields given in `expect`, or a check of its own), and ssh -G's agreement. */
const corner = (name: string, text: string, expect: Expect | [string[], (r: SshConfigResolver) => void]): void => {
  test(name, { skip: hasSsh ? false : 'ssh not installed' }, async () => {
    const r = new SshConfigResolver(text, PW_HOME, LOCAL_USER);
    const [aliases, check] = Array.isArray(expect) ? expect : [Object.keys(expect), undefined];
    if (check) check(r);
    for (const [alias, fields] of Object.entries(Array.isArray(expect) ? {} : expect)) {
      const e = r.resolve(alias);
      assert.deepEqual(Object.fromEntries(Object.keys(fields).map((k) => [k, e[k as keyof SshEndpoint]])), fields, alias);
    }
    const { failures } = await disagreements([{ text, aliases }]);
    assert.deepEqual(failures, []);
  });
};
const resolve = (r: SshConfigResolver, alias: string): SshEndpoint => r.resolve(alias);
const listed = { user: 'listed' };
const notListed = { user: LOCAL_USER };

corner('Host db? needs exactly one more character', 'Host db?\n  HostName 10.99.0.9\n', {
  db: { hostName: 'db' },
  db1: { hostName: '10.99.0.9' },
  db12: { hostName: 'db12' },
});
corner('negation: Host * !bastion', 'Host * !bastion\n  User everyone\nHost bastion\n  User jump\n', {
  web: { user: 'everyone' },
  bastion: { user: 'jump' },
});
corner('Match host takes a comma list with negation', 'Match host a,b,!c*\n  User listed\n', {
  a: listed,
  b: listed,
  c: notListed,
  cb: notListed,
  d: notListed,
});
corner('Match originalhost and user take comma lists', 'Host w\n  User deploy\nMatch originalhost v,w user root,deploy\n  Port 2201\n', {
  w: { port: 2201 },
  x: { port: 22 },
  v: {},
});
corner(
  'case: Match host ignores case, Host patterns do not, the host name is lowercased',
  'Host WEB\n  Port 2202\nMatch host web\n  User m\nHost web\n  HostName Web.Internal\n',
  { WEB: { port: 2202, user: 'm' }, web: { port: 22, hostName: 'web.internal' }, Web: {} },
);
corner('the first value obtained wins, across blocks', 'Host web\n  User first\n  User second\nHost *\n  User third\n  Port 2203\n', {
  web: { user: 'first', port: 2203 },
  x: { user: 'third' },
});
corner('ProxyJump none stops later ProxyJump lines', 'Host web\n  ProxyJump none\nHost * !bastion\n  ProxyJump bastion\n', {
  web: { jumps: [], proxyJump: undefined },
  db: { proxyJump: 'bastion' },
});

corner(
  'duplicate IdentityFile lines are tried once',
  'Host web\n  IdentityFile ~/.ssh/k\n  IdentityFile ~/.ssh/k\nHost *\n  IdentityFile ~/.ssh/k\n',
  { web: { identityFiles: [`${PW_HOME.replace(/\/+$/, '')}/.ssh/k`] } },
);
corner(
  'tokens %h %p %r %u %d %% %n %C %l %L %i %k in paths, %h and %% in HostName',
  'Host web\n  HostName %h.internal%%\n  User deploy\n  Port 2204\n  HostKeyAlias ka\n' +
    '  UserKnownHostsFile /t/%h /t/%p /t/%r /t/%u /t/%d /t/%% /t/%n /t/%C /t/%l /t/%L /t/%i /t/%k\n  IdentityFile /k/%h-%p-%r-%u-%%-%n\n',
  [
    ['web'],
    (r) => {
      const e = resolve(r, 'web');
      assert.equal(e.hostName, 'web.internal%');
      assert.deepEqual(e.identityFiles, [`/k/web.internal%-2204-deploy-${LOCAL_USER}-%-web`]);
      const known = ['/t/web.internal%', '/t/2204', '/t/deploy', `/t/${LOCAL_USER}`, `/t/${PW_HOME}`, '/t/%', '/t/web'];
      assert.deepEqual(e.userKnownHostsFile!.slice(0, 7), known);
    },
  ],
);
corner('a token HostName does not accept is refused, as ssh refuses it', 'Host web\n  HostName %d.internal\n', [
  ['web'],
  (r) => assert.throws(() => resolve(r, 'web'), ConfigError),
]);
corner(
  'Match final re-reads the config with the final host name',
  'Host web\n  HostName 10.99.0.3\nHost 10.99.0.3\n  User final\nMatch final\n',
  {
    web: { user: 'final' },
  },
);
corner(
  'ProxyJump: ssh:// and user@host:port hops; only the first hop keeps its own ProxyJump',
  'Host a\n  ProxyJump z\nHost b\n  ProxyJump y\nHost web\n  ProxyJump ssh://u@a:2205,b\n',
  [
    ['web'],
    (r) => {
      const hops = resolve(r, 'web').jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`);
      assert.deepEqual(hops, [`${LOCAL_USER}@z:22`, 'u@a:2205', `${LOCAL_USER}@b:22`]);
    },
  ],
);

test(
  'Include globs are read relative to ~/.ssh, in order, and only where they apply',
  { skip: hasSsh ? false : 'ssh not installed' },
  async () => {
    // Here our home and ssh's $HOME are the same temporary directory (ssh globs Include with $HOME).
    mkdirSync(join(SSH_HOME, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(SSH_HOME, '.ssh', 'conf.d', '10-web.conf'), 'Host web\n  HostName 10.99.0.10\n  User ten\n');
    writeFileSync(
      join(SSH_HOME, '.ssh', 'conf.d', '20-web.conf'),
      'Host web\n  HostName 10.99.0.20\n  Port 2220\nHost db\n  User dbuser\n',
    );
    writeFileSync(join(SSH_HOME, '.ssh', 'conf.d', 'skip.txt'), 'Host *\n  User skipped\n');
    writeFileSync(join(SSH_HOME, '.ssh', 'under-host.conf'), 'User conditional\nHost db\n  Port 2221\n');
    const text = 'Include conf.d/*.conf\nHost x\n  Include under-host.conf\nHost *\n  Port 2299\n';
    const r = new SshConfigResolver(text, SSH_HOME, LOCAL_USER);
    assert.deepEqual([r.resolve('web').hostName, r.resolve('web').user, r.resolve('web').port], ['10.99.0.10', 'ten', 2220]);
    assert.deepEqual([r.resolve('x').user, r.resolve('x').port], ['conditional', 2299]);
    assert.deepEqual([r.resolve('db').user, r.resolve('db').port], ['dbuser', 2299]);
    const file = join(SSH_HOME, 'include-config');
    writeFileSync(file, text);
    const answers = await sshG(['web', 'x', 'db'].map((alias) => ({ file, alias })));
    for (const [i, alias] of ['web', 'x', 'db'].entries()) {
      const a = answers[i]!;
      assert.ok(a.ok);
      const e = r.resolve(alias);
      assert.deepEqual(
        [e.hostName, e.user, String(e.port)],
        ['hostname', 'user', 'port'].map((k) => a.values.get(k)![0]),
        alias,
      );
    }
  },
);

corner(
  'Match exec runs the command as ssh does, after the earlier criteria held',
  'Match host web exec true\n  User yes\nMatch exec false\n  Port 2206\nMatch host db exec "exit 3"\n  User no\n',
  { web: { user: 'yes', port: 22 }, db: { user: LOCAL_USER } },
);
corner('a jump host that jumps through itself is refused, as ssh -G refuses it', 'Host *\n  ProxyJump bastion\n', [
  ['web', 'bastion'],
  (r) => assert.throws(() => r.resolve('web'), /ProxyJump loop via bastion/),
]);
