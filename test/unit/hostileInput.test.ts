// Property tests: whatever a user types or a remote host answers is handled with one clear error or
// a well-formed value; nothing throws a TypeError, hangs, or reaches a shell unquoted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DockerHost } from '../../src/core/docker/DockerHost';
import { ConfigError, Refused } from '../../src/core/errors';
import type { SwarmNode } from '../../src/core/model';
import { hostProblems, parseHosts } from '../../src/core/hosts/hostsConfig';
import { parseLabels } from '../../src/core/labels';
import { parsePing } from '../../src/core/matrix/pingOutput';
import { pingScript, splitPingOutput, type PingTarget } from '../../src/core/matrix/pingScript';
import { KnownHosts, hashedKnownHostsLine, hostEntryName, hostsFieldMatches, parseKnownHosts } from '../../src/core/ssh/knownHosts';
import { shellQuote } from '../../src/core/ssh/shellQuote';
import { SshConfigResolver, parseUserHostPort } from '../../src/core/ssh/sshConfig';
import { parseIpAddr, parseRouteSource } from '../../src/core/swarm/hostNetwork';
import { findNode, listNodes, sortNodes } from '../../src/core/swarm/nodes';
import { maskToken } from '../../src/core/swarm/swarmActions';
import { parseWebviewMessage } from '../../src/shared/protocol';

const SHELL_META = [
  ';',
  '&',
  '|',
  '$',
  '`',
  '(',
  ')',
  '<',
  '>',
  "'",
  '"',
  '\\',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '#',
  '!',
  '=',
  '%',
  ' ',
  '\t',
  '\n',
  '\r',
  '\0',
];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Strings dense in shell metacharacters, which uniform random strings rarely are. */
const hostile = fc.string({
  unit: fc.constantFrom(...SHELL_META, '-', 'a', 'Z', '0', '.', '_', ':', '@', ',', 'é', '\u2028'),
  maxLength: 24,
});
const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), hostile);
// eslint-disable-next-line no-control-regex -- control characters are what this test looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The thrown value, or undefined when `f` returned. */
function thrown(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (err) {
    return err;
  }
}

function elapsedMs(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

// ---------------------------------------------------------------- hosts setting / --hosts file

const portLike = fc.oneof(
  fc.integer({ min: 1, max: 65535 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 65536, 22.5, Number.NaN, Infinity, '22', null, true),
);
const hostLike = fc.oneof(
  fc.constantFrom('10.99.0.1', 'fd00::1', 'web-2.lab', '[fd00::1]', 'h1%eth0'),
  fc.constantFrom('-oProxyCommand=sh', 'a b', 'x;reboot', '$(id)', 'a\nb', '`id`', 'h1 ', ''),
  hostile,
  fc.anything(),
);
const nameLike = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,10}$/),
  fc.constantFrom('', '-x', '.x', 'a'.repeat(64), 'a\nb', '__proto__', 'constructor'),
  hostile,
  fc.anything(),
);
const hostEntry = fc.record(
  {
    name: nameLike,
    host: hostLike,
    port: portLike,
    user: fc.oneof(fc.constantFrom('root', 'deploy$', 'a b', '-oX', ''), hostile, fc.anything()),
    identityFile: fc.oneof(fc.constantFrom('/k', '~/.ssh/id', ' ', ''), fc.anything()),
    dockerSocket: fc.oneof(fc.constantFrom('/var/run/docker.sock', 'docker.sock', ''), fc.anything()),
    password: fc.constant('SECRET-hunter22'),
    passphrase: fc.constant('SECRET-horse'),
    colour: fc.anything(),
  },
  { requiredKeys: [] },
);
const validEntry = fc.record(
  {
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,6}$/),
    host: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,12}$/), fc.constantFrom('10.99.0.1', 'fd00::1')),
    port: fc.integer({ min: 1, max: 65535 }),
    user: fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/),
    dockerSocket: fc.constant('/run/docker.sock'),
  },
  { requiredKeys: ['name', 'host'] },
);
const hostList = fc.oneof(
  fc.anything(),
  fc.array(fc.oneof(hostEntry, fc.anything()), { maxLength: 4 }),
  fc.array(hostEntry, { maxLength: 4 }),
  fc.array(fc.oneof(validEntry, validEntry, hostEntry), { minLength: 1, maxLength: 4 }),
);

test('property: parseHosts gives a valid host list or one ConfigError, never a TypeError, never echoing a secret', () => {
  let accepted = 0;
  fc.assert(
    fc.property(hostList, (value) => {
      const err = thrown(() => parseHosts(value, 'hosts.json'));
      if (err !== undefined) {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
        assert.ok(err.message.startsWith('hosts.json ') && err.message.endsWith('.'), err.message);
        assert.ok(!CONTROL.test(err.message), `control characters in ${JSON.stringify(err.message)}`);
        assert.ok(!err.message.includes('SECRET-'), err.message);
        return;
      }
      const hosts = parseHosts(value);
      if (hosts.length > 0) accepted++;
      assert.ok(Array.isArray(value));
      assert.equal(new Set(hosts.map((h) => h.name)).size, hosts.length);
      for (const h of hosts) {
        assert.match(h.name, NAME);
        assert.match(h.host, /^[A-Za-z0-9_.:%[\]-]{1,253}$/);
        assert.ok(!h.host.startsWith('-'));
        assert.ok(
          ![';', '&', '|', '$', '`', '(', ')', '<', '>', "'", '"', '\\', ' ', '\n', '*', '?', '!'].some((c) => h.host.includes(c)),
          h.host,
        );
        if (h.port !== undefined) assert.ok(Number.isInteger(h.port) && h.port >= 1 && h.port <= 65535);
        if (h.user !== undefined) assert.match(h.user, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/);
        if (h.dockerSocket !== undefined) assert.ok(h.dockerSocket.startsWith('/'));
        for (const key of Object.keys(h)) assert.ok(['name', 'host', 'port', 'user', 'identityFile', 'dockerSocket'].includes(key), key);
      }
    }),
    { numRuns: 400 },
  );
  assert.ok(accepted > 0, 'the generator never produced a valid list');
});

test('property: hostProblems never throws and each problem is one line ending in a full stop', () => {
  fc.assert(
    fc.property(fc.oneof(hostEntry, fc.anything()), fc.nat(1000), (entry, i) => {
      for (const p of hostProblems(entry, i)) {
        assert.equal(typeof p, 'string');
        assert.ok(p.endsWith('.') && !CONTROL.test(p), JSON.stringify(p));
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- ~/.ssh/config and [user@]host[:port]

// Never read: Include lines are left out below, and ~ only expands to it.
const home = join(tmpdir(), 'hostile-input-no-such-home');
const sshKeyword = fc.constantFrom(
  'Host',
  'HostName',
  'User',
  'Port',
  'IdentityFile',
  'ProxyJump',
  'Match',
  'host',
  'PORT',
  'Hostname',
  '=',
  '',
);
const sshValue = fc.oneof(
  fc.constantFrom(
    '*',
    'h1',
    '"h1',
    'h1"',
    '"a b"',
    '0',
    '65536',
    '-1',
    'abc',
    'none',
    'h1,h2',
    '@',
    'u@',
    'u@h:99999',
    '%h.%p',
    '~',
    'all',
    'host h1',
    'user',
  ),
  hostile,
);
const sshLine = fc.oneof(
  fc.tuple(fc.constantFrom('', '  ', '\t'), sshKeyword, fc.constantFrom(' ', '=', ' = ', '\t'), sshValue).map((parts) => parts.join('')),
  anyText,
);
// No Include (it reads files), no Match exec (it runs a shell), no canonicalisation (it runs nslookup).
const sshConfigText = fc
  .array(sshLine, { maxLength: 8 })
  .map((lines) => lines.filter((l) => !/include|exec|canonical/i.test(l)).join('\n'));

test('property: any ssh config text resolves or fails with a ConfigError', () => {
  fc.assert(
    fc.property(sshConfigText, fc.oneof(fc.constantFrom('h1', 'h2', 'x'), fc.stringMatching(/^[a-z0-9.]{1,8}$/)), (text, target) => {
      let resolver: SshConfigResolver | undefined;
      const err = thrown(() => {
        resolver = new SshConfigResolver(text, home, 'me');
        for (const alias of resolver.aliases()) assert.equal(typeof alias, 'string');
        const e = resolver.resolve(target);
        assert.ok(Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535);
        assert.equal(typeof e.hostName, 'string');
        assert.equal(typeof e.user, 'string');
        assert.ok(e.identityFiles.every((f) => typeof f === 'string'));
        for (const hop of e.jumps) assert.ok(Number.isInteger(hop.port) && hop.port >= 1 && hop.port <= 65535);
      });
      if (err !== undefined) assert.ok(err instanceof ConfigError, `${JSON.stringify(text)} threw ${String(err)}`);
    }),
    { numRuns: 300 },
  );
});

test('property: parseUserHostPort gives a host and an in-range port, or a ConfigError', () => {
  const spec = fc.oneof(
    anyText,
    fc
      .tuple(fc.option(anyText), anyText, fc.option(fc.oneof(fc.nat(), fc.integer(), anyText)))
      .map(([u, h, p]) => `${u === null ? '' : `${u}@`}${h}${p === null ? '' : `:${p}`}`),
  );
  fc.assert(
    fc.property(spec, (s) => {
      const err = thrown(() => {
        const r = parseUserHostPort(s);
        assert.ok(r.host.length > 0);
        if (r.port !== undefined) assert.ok(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535);
        if (r.user !== undefined) assert.ok(r.user.length > 0);
      });
      if (err !== undefined) assert.ok(err instanceof ConfigError, `${JSON.stringify(s)} threw ${String(err)}`);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- known_hosts

const b64 = fc.base64String({ minLength: 4, maxLength: 64 });
const knownHostsLineArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '@revoked ', '@cert-authority ', '@other '),
      hostile,
      fc.constantFrom(' ', '\t', '  '),
      fc.constantFrom('ssh-ed25519', 'x', ''),
      fc.constant(' '),
      fc.oneof(b64, hostile),
    )
    .map((p) => p.join('')),
  fc.tuple(fc.constant('|1|'), b64, fc.constant('|'), fc.oneof(b64, hostile), fc.constant(' ssh-ed25519 '), b64).map((p) => p.join('')),
  anyText,
);

test('property: any known_hosts text parses to well-formed lines and verifying never throws', () => {
  fc.assert(
    fc.property(
      fc.array(knownHostsLineArb, { maxLength: 8 }),
      fc.oneof(fc.constantFrom('h1', '10.0.0.1'), fc.string({ maxLength: 12 })),
      fc.integer({ min: 1, max: 65535 }),
      fc.uint8Array({ maxLength: 48 }),
      (lines, host, port, key) => {
        const parsed = parseKnownHosts(lines.join('\n'));
        for (const l of parsed) {
          assert.ok(l.hosts && l.keyType && !/\s/.test(l.hosts + l.keyType + l.key));
          assert.match(l.key, /^[A-Za-z0-9+/]+=*$/);
          assert.ok(l.marker === undefined || l.marker === 'revoked' || l.marker === 'cert-authority');
        }
        const verdict = new KnownHosts(parsed).verify(host, port, Buffer.from(key));
        assert.ok(['match', 'mismatch', 'unknown', 'revoked'].includes(verdict.status));
        if (verdict.status === 'mismatch') for (const fp of verdict.knownFingerprints) assert.match(fp, /^SHA256:[A-Za-z0-9+/]+$/);
      },
    ),
    { numRuns: 300 },
  );
});

// Printable ASCII but whitespace and the pattern syntax (',' '*' '?' '!'): every regex metacharacter included.
const literalUnit = fc.constantFrom(...'abcAB019.-_:[]()+^$|{}\\/%@#&=~`\'"<>;'.split(''));
const literal = fc.string({ unit: literalUnit, minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('|'));
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

test('property: a known_hosts entry without wildcards names exactly the hosts it lists, whatever characters they hold', () => {
  fc.assert(
    fc.property(
      fc.array(literal, { minLength: 1, maxLength: 4 }),
      fc.oneof(literal, fc.string({ maxLength: 12 })),
      fc.nat(),
      (entries, other, pick) => {
        const field = entries.join(',');
        const listed = entries[pick % entries.length]!;
        assert.ok(hostsFieldMatches(field, listed));
        assert.ok(hostsFieldMatches(field, listed.toUpperCase()), 'host names are case-insensitive');
        assert.equal(
          hostsFieldMatches(field, other),
          entries.some((e) => asciiLower(e) === asciiLower(other)),
          `${field} vs ${other}`,
        );
        // A near miss: one character of a listed name changed.
        const i = pick % listed.length;
        const near = listed.slice(0, i) + (listed[i] === 'x' ? 'y' : 'x') + listed.slice(i + 1);
        assert.equal(
          hostsFieldMatches(field, near),
          entries.some((e) => asciiLower(e) === asciiLower(near)),
        );
        assert.equal(hostsFieldMatches(`!${listed},${field}`, listed), false, 'a negated entry always wins');
      },
    ),
    { numRuns: 300 },
  );
});

/** Reference wildcard matcher ('*' any run, '?' one character), by dynamic programming. */
function globReference(pattern: string, name: string): boolean {
  let row = [true, ...Array.from({ length: name.length }, () => false)];
  for (const p of pattern) {
    const next = [row[0]! && p === '*'];
    for (let j = 1; j <= name.length; j++)
      next[j] = p === '*' ? next[j - 1]! || row[j]! : row[j - 1]! && (p === '?' || p.toLowerCase() === name[j - 1]!.toLowerCase());
    row = next;
  }
  return row[name.length]!;
}

test('property: known_hosts wildcards match as OpenSSH globs, and a hostile pattern cannot stall the check', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom('a', 'B', '.', '*', '?'), maxLength: 10 }).filter((p) => p.length > 0 && !p.startsWith('!')),
      fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 }),
      (pattern, name) => {
        assert.equal(hostsFieldMatches(pattern, name), globReference(pattern, name), `${pattern} vs ${name}`);
      },
    ),
    { numRuns: 500 },
  );
  // Backtracking regexes take exponential time here.
  const ms = elapsedMs(() => assert.equal(hostsFieldMatches('*a'.repeat(40) + 'b', 'a'.repeat(253)), false));
  assert.ok(ms < 1000, `took ${Math.round(ms)} ms`);
});

test('property: a hostile or hashed line for other hosts never vouches for ours', () => {
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOurKeyOurKeyOurKeyOurKeyOurKeyOurKey00', 'base64');
  const theirs = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAITheirKeyTheirKeyTheirKeyTheirKeyTheir0', 'base64');
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('', '@revoked '), fc.array(literal, { minLength: 1, maxLength: 3 })), { maxLength: 6 }),
      literal,
      fc.integer({ min: 1, max: 65535 }),
      fc.array(fc.tuple(literal, fc.integer({ min: 1, max: 65535 })), { maxLength: 3 }),
      (hostileLines, host, port, hashedOthers) => {
        const ours = asciiLower(hostEntryName(host, port));
        const plain = hostileLines
          .map(([marker, names]) => [marker, names.filter((n) => asciiLower(n) !== ours)] as const)
          .filter(([, names]) => names.length > 0)
          .map(([marker, names]) => `${marker}${names.join(',')} ssh-ed25519 ${key.toString('base64')}`);
        const hashed = hashedOthers
          .filter(([h, p]) => hostEntryName(h, p) !== hostEntryName(host, port))
          .map(([h, p]) => hashedKnownHostsLine(h, p, key));
        const kh = KnownHosts.parse([...plain, ...hashed].join('\n'));
        assert.deepEqual(kh.verify(host, port, key), { status: 'unknown' });
        assert.deepEqual(kh.keyTypesFor(host, port), []);
        const withOurs = KnownHosts.parse([...plain, ...hashed, hashedKnownHostsLine(host, port, theirs)].join('\n'));
        assert.equal(withOurs.verify(host, port, key).status, 'mismatch');
        assert.equal(withOurs.verify(host, port, theirs).status, 'match');
      },
    ),
    { numRuns: 200 },
  );
  // A random |1|salt|hash entry matches nothing it was not made from.
  fc.assert(
    fc.property(b64, b64, fc.string({ maxLength: 20 }), (salt, hash, name) => {
      const real = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
      assert.equal(hostsFieldMatches(`|1|${salt}|${hash}`, name), real === hash);
      assert.equal(hostsFieldMatches(`|1|${salt}|${real}`, name), true);
      assert.equal(hostsFieldMatches(`|2|${salt}|${real}`, name), false);
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------- node labels

const TOKEN_PREFIX = fc.constantFrom('SWMTKN-1-', 'SWMKEY-1-', 'swmtkn-1-', 'SwMkEy-1-');
const secret = fc.stringMatching(/^[0-9a-z]{8,30}$/);

test('property: parseLabels returns only valid labels, or one Refused; join tokens and unlock keys never pass', () => {
  const token = fc.tuple(TOKEN_PREFIX, secret).map(([p, s]) => p + s);
  const pair = fc.oneof(
    anyText,
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9./-]{0,8}$/), fc.constant('='), anyText).map((p) => p.join('')),
    fc
      .tuple(fc.oneof(fc.stringMatching(/^[a-z]{1,5}$/), fc.constant('')), token, fc.oneof(fc.constant(''), anyText))
      .map(([a, t, b]) => `${a}${t}${b}`),
    fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.constantFrom('=', '=x', '=a b '), token).map((p) => p.join('')),
  );
  fc.assert(
    fc.property(fc.array(pair, { maxLength: 4 }), (pairs) => {
      const hasToken = pairs.some((p) => /SWMTKN-1-|SWMKEY-1-/i.test(p));
      const err = thrown(() => parseLabels(pairs));
      if (err !== undefined) {
        assert.ok(err instanceof Refused, String(err));
        assert.ok(!/SWMTKN-1-|SWMKEY-1-/i.test(err.message), `the error repeats a secret: ${err.message}`);
        return;
      }
      assert.ok(!hasToken, `a token passed: ${JSON.stringify(pairs)}`);
      for (const [k, v] of Object.entries(parseLabels(pairs))) {
        assert.match(k, /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/);
        assert.ok(!/[\0\n\r]/.test(v) && v.length <= 4096);
      }
    }),
    { numRuns: 400 },
  );
});

// ---------------------------------------------------------------- webview messages

test('property: parseWebviewMessage returns undefined or a well-formed message, never throws', () => {
  const field = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,6}$/), hostile, fc.anything());
  const message = fc.oneof(
    fc.anything(),
    fc.record(
      {
        type: fc.oneof(fc.constantFrom('ready', 'cancel', 'export', 'run', 'matrix/state', '__proto__', 'toString'), fc.anything()),
        via: field,
        network: field,
        hosts: fc.oneof(
          fc.array(field, { maxLength: 5 }),
          fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), { minLength: 60, maxLength: 70 }),
          fc.array(fc.stringMatching(/^h[0-9]$/), { minLength: 1, maxLength: 5 }),
          fc.anything(),
        ),
        format: fc.oneof(fc.constantFrom('json', 'csv', 'markdown', 'exe', 'JSON'), fc.anything()),
        extra: fc.anything(),
      },
      { requiredKeys: ['type'] },
    ),
  );
  const check = (m: unknown) => {
    const r = parseWebviewMessage(m);
    if (r === undefined) return;
    switch (r.type) {
      case 'ready':
      case 'cancel':
        assert.deepEqual(Object.keys(r), ['type']);
        break;
      case 'export':
        assert.ok(['json', 'csv', 'markdown'].includes(r.format));
        assert.deepEqual(Object.keys(r).sort(), ['format', 'type']);
        break;
      case 'run':
        assert.deepEqual(Object.keys(r).sort(), ['hosts', 'network', 'type', 'via']);
        assert.match(r.via, NAME);
        assert.match(r.network, NAME);
        assert.ok(Array.isArray(r.hosts) && r.hosts.length >= 1 && r.hosts.length <= 64);
        assert.equal(new Set(r.hosts).size, r.hosts.length);
        for (const h of r.hosts) assert.ok(typeof h === 'string' && NAME.test(h), String(h));
        break;
      default:
        assert.fail(`unexpected message ${JSON.stringify(r)}`);
    }
    assert.deepEqual(parseWebviewMessage(r), r, 'a parsed message parses to itself');
  };
  fc.assert(fc.property(message, check), { numRuns: 500 });
  // Holes are not strings, though Array.prototype.every skips them.
  // eslint-disable-next-line no-sparse-arrays -- the hole is the point
  check({ type: 'run', via: 'h1', network: 'web', hosts: [, 'h2'] });
  assert.equal(parseWebviewMessage({ type: 'run', via: 'h1', network: 'web', hosts: new Array(3) }), undefined);
});

// ---------------------------------------------------------------- Docker Engine API answers

const odd = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.anything(), { maxKeys: 3 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(odd, arb);
const nodeAnswer = fc.record(
  {
    ID: maybe(fc.stringMatching(/^[a-z0-9]{6,25}$/)),
    Version: maybe(fc.record({ Index: maybe(fc.nat()) }, { requiredKeys: [] })),
    Spec: maybe(
      fc.record(
        {
          Role: maybe(fc.constantFrom('manager', 'worker')),
          Availability: maybe(fc.constantFrom('active', 'pause', 'drain')),
          Labels: maybe(
            fc.oneof(
              fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), odd), { maxKeys: 4 }),
              fc.constant(JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "b"}')),
            ),
          ),
          Name: odd,
        },
        { requiredKeys: [] },
      ),
    ),
    Description: maybe(
      fc.record(
        { Hostname: maybe(fc.stringMatching(/^h[0-9]{1,2}$/)), Engine: maybe(fc.record({ EngineVersion: odd }, { requiredKeys: [] })) },
        { requiredKeys: [] },
      ),
    ),
    Status: maybe(
      fc.record(
        { State: maybe(fc.constantFrom('ready', 'down')), Message: odd, Addr: maybe(fc.constant('10.99.0.9')) },
        { requiredKeys: [] },
      ),
    ),
    ManagerStatus: maybe(
      fc.record(
        { Leader: odd, Reachability: maybe(fc.constantFrom('reachable', 'unreachable')), Addr: maybe(fc.constant('10.99.0.1:2377')) },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** A DockerHost whose every API call answers `answer`, as a hostile or broken daemon might. */
function answering(answer: unknown): DockerHost {
  return { name: 'fake', call: async () => answer } as unknown as DockerHost;
}

function assertWellFormedNodes(nodes: SwarmNode[]): void {
  assert.ok(Array.isArray(nodes));
  for (const n of nodes) {
    for (const k of ['id', 'hostname', 'status', 'engineVersion', 'address'] as const)
      assert.equal(typeof n[k], 'string', `${k}: ${JSON.stringify(n)}`);
    assert.ok(['manager', 'worker'].includes(n.role));
    assert.ok(['active', 'pause', 'drain'].includes(n.availability));
    assert.ok(n.statusMessage === undefined || typeof n.statusMessage === 'string');
    assert.ok(
      n.role === 'manager'
        ? ['leader', 'reachable', 'unreachable', 'unknown'].includes(n.managerStatus ?? '')
        : n.managerStatus === undefined,
    );
    assert.ok(Number.isFinite(n.version), `version ${n.version}`);
    assert.equal(Object.getPrototypeOf(n.labels), Object.prototype);
    for (const v of Object.values(n.labels)) assert.equal(typeof v, 'string');
  }
}

test('property: node lists from odd Engine API answers come out well-formed; findNode answers a node or Refused', async () => {
  const answer = fc.oneof(
    fc.anything(),
    fc.array(fc.oneof(nodeAnswer, fc.anything()), { maxLength: 6 }),
    fc.array(nodeAnswer, { maxLength: 6 }),
  );
  await fc.assert(
    fc.asyncProperty(answer, fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('h1', 'h12', 'abc', '')), async (a, ref) => {
      const nodes = await listNodes(answering(a));
      assertWellFormedNodes(nodes);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
      for (const r of [ref, ...nodes.map((n) => n.id), ...nodes.map((n) => n.hostname)]) {
        const err = thrown(() => assert.ok(nodes.includes(findNode(nodes, r))));
        if (err !== undefined) assert.ok(err instanceof Refused, String(err));
      }
    }),
    { numRuns: 400 },
  );
});

test('a swarm of 5000 nodes is listed, sorted and searched quickly', async () => {
  const raw = Array.from({ length: 5000 }, (_, i) => ({
    ID: `node${i.toString(36).padStart(8, '0')}`,
    Spec: { Role: i % 50 === 0 ? 'manager' : 'worker', Availability: 'active', Labels: { zone: `z${i % 7}` } },
    Description: { Hostname: `h${i % 4000}`, Engine: { EngineVersion: '27.0.0' } },
    Status: { State: i % 3 ? 'ready' : 'down', Addr: '10.99.0.9' },
    ManagerStatus: i === 0 ? { Leader: true, Addr: '10.99.0.1:2377' } : undefined,
  }));
  const t = performance.now();
  const nodes = await listNodes(answering(raw));
  sortNodes(nodes);
  const last = `node${(4999).toString(36).padStart(8, '0')}`;
  assert.equal(findNode(nodes, last).id, last);
  assert.throws(() => findNode(nodes, 'h1'), /2 nodes are named "h1"/);
  assert.throws(() => findNode(nodes, 'nope'), Refused);
  assert.equal(nodes.length, 5000);
  assert.equal(nodes[0]!.managerStatus, 'leader');
  const ms = performance.now() - t;
  assert.ok(ms < 2000, `took ${Math.round(ms)} ms`);
});

test('property: ip addr and ip route output of any shape parse without throwing, quickly', () => {
  const ipLine = fc.oneof(
    fc
      .tuple(
        fc.nat(99),
        fc.constantFrom(': ', ':\t'),
        fc.oneof(fc.constantFrom('eth0', 'lo', 'veth1@if6', 'a@b@c'), hostile),
        fc.constantFrom('    inet ', ' inet ', ' inet6 '),
        fc.oneof(fc.constantFrom('10.99.0.1/24', '999.1.1.1/99', '1.2.3.4/', '1.2.3/8'), hostile),
        fc.constantFrom(' brd x', '', '\\'),
      )
      .map((p) => p.join('')),
    anyText,
  );
  fc.assert(
    fc.property(fc.array(ipLine, { maxLength: 8 }), anyText, (lines, route) => {
      for (const a of parseIpAddr(lines.join('\n'))) {
        assert.ok(a.interface.length > 0 && !/\s/.test(a.interface) && a.interface !== 'lo', a.interface);
        assert.match(a.address, /^\d{1,3}(\.\d{1,3}){3}$/);
        assert.ok(Number.isInteger(a.prefix) && a.prefix >= 0 && a.prefix <= 99);
      }
      const src = parseRouteSource(`${route} src ${route}`);
      assert.ok(src === undefined || /^\d{1,3}(\.\d{1,3}){3}$/.test(src));
    }),
    { numRuns: 300 },
  );
  for (const [label, f] of [
    ['ip addr, one long line of @', () => parseIpAddr('1: ' + 'a@'.repeat(100_000))],
    ['ip addr, 20000 lines', () => parseIpAddr('2: eth0    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth0\n'.repeat(20_000))],
    ['ip route, long garbage', () => parseRouteSource('src '.repeat(50_000) + '1'.repeat(100_000))],
  ] as const) {
    const ms = elapsedMs(f);
    assert.ok(ms < 1000, `${label} took ${Math.round(ms)} ms`);
  }
});

test('property: masked join tokens never show their secret part', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9a-z]{4,50}$/), fc.stringMatching(/^[0-9a-z]{6,25}$/), (digest, secretPart) => {
      const masked = maskToken(`SWMTKN-1-${digest}-${secretPart}`);
      assert.ok(masked.endsWith('…(hidden)'), masked);
      assert.ok(!masked.slice(0, -'…(hidden)'.length).includes(secretPart), masked);
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------- ping script and its output

const plan = { count: 3, timeoutS: 1, intervalS: 0.2 };
const target: fc.Arbitrary<PingTarget> = fc.record(
  {
    key: fc.string({ maxLength: 6 }),
    address: fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
      fc.constantFrom('10.0.1.3', 'so-probe-h1', '-f', '-s65000', 'a b', 'a\nb', 'a;reboot', '$(id)', '', 'a'.repeat(255)),
      hostile,
      fc.string({ maxLength: 20 }),
    ),
    size: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 65507 }), fc.integer(), fc.double()),
  },
  { requiredKeys: ['key', 'address'] },
);

test('property: every target the ping script accepts is a plain word: no shell metacharacter, no leading dash', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(target, { maxLength: 5 }), (targets) => {
      const safe = (t: PingTarget) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(t.address) && t.address.length <= 254;
      const sizeOk = (t: PingTarget) => t.size === undefined || (Number.isInteger(t.size) && t.size >= 0 && t.size <= 65507);
      let script = '';
      const err = thrown(() => (script = pingScript(targets, plan)));
      if (err !== undefined) {
        assert.ok(err instanceof Error && /unsafe ping target|bad ping size/.test(err.message), String(err));
        assert.ok(!targets.every((t) => safe(t) && sizeOk(t)), 'a safe target list was refused');
        return;
      }
      accepted++;
      for (const t of targets) {
        assert.ok(safe(t) && sizeOk(t), JSON.stringify(t));
        assert.ok(!SHELL_META.some((c) => t.address.includes(c)));
      }
      assert.equal(script.split('\n').filter((l) => l.includes(' ping -c ')).length, targets.length);
    }),
    { numRuns: 500 },
  );
  assert.ok(accepted > 0);
});

test('property: a script built from accepted targets is valid sh (checked with sh -n, nothing run)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/).map((address) => ({ key: 'k', address })),
        { minLength: 1, maxLength: 4 },
      ),
      (targets) => {
        execFileSync('/bin/sh', ['-n', '-c', pingScript(targets, plan)], { stdio: 'pipe' });
      },
    ),
    { numRuns: 15 },
  );
});

test('property: ping output of any shape splits and parses without throwing, never more received than sent', () => {
  const digits = fc.oneof(fc.nat(10), fc.nat(), fc.stringMatching(/^[0-9]{15,400}$/));
  const fragment = fc.oneof(
    fc.tuple(digits, digits).map(([s, r]) => `${s} packets transmitted, ${r} packets received, 0% packet loss\n`),
    fc.tuple(digits, digits).map(([s, r]) => `${s} packets transmitted, ${r} received\n`),
    fc.constantFrom(
      'round-trip min/avg/max = 0.1/0.2/0.3 ms\n',
      'rtt min/avg/max/mdev = 1.2.3/./9/0 ms\n',
      'ping: bad address\n',
      '__rc=0\n',
      '__rc=99999999999999999999\n',
    ),
    fc.nat(6).map((i) => `__begin ${i}\n`),
    fc.nat(6).map((i) => `__end ${i}\n`),
    anyText,
  );
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 12 }), fc.nat(6), fc.option(fc.integer({ min: 0, max: 255 })), (parts, count, code) => {
      const out = parts.join('');
      const split = splitPingOutput(out, count);
      assert.equal(split.length, count);
      for (const s of split) {
        assert.equal(typeof s.raw, 'string');
        assert.ok(s.exitCode === undefined || (Number.isInteger(s.exitCode) && s.exitCode >= 0));
      }
      for (const raw of [out, ...split.map((s) => s.raw)]) {
        const r = parsePing(raw, code ?? undefined);
        assert.ok(Number.isSafeInteger(r.sent) && Number.isSafeInteger(r.received), `${r.sent}/${r.received}`);
        assert.ok(r.received <= r.sent && r.received >= 0);
        assert.ok(r.lossPercent >= 0 && r.lossPercent <= 100, `loss ${r.lossPercent}`);
        assert.equal(r.ok, r.sent > 0 && r.received === r.sent);
        if (!r.ok) assert.ok(r.error);
        assert.ok(r.raw.length <= 4001);
      }
    }),
    { numRuns: 400 },
  );
});

test('property: well-framed ping output splits back into each target’s text and exit code', () => {
  const body = fc.string({ maxLength: 40 }).filter((s) => !/__(begin|end|rc)/.test(s));
  fc.assert(
    fc.property(fc.array(fc.tuple(body, fc.option(fc.nat(255))), { minLength: 1, maxLength: 12 }), (results) => {
      const out = results
        .map(
          ([b, rc], i) => `__begin ${i}\n${b}${b.endsWith('\n') || b === '' ? '' : '\n'}${rc === null ? '' : `__rc=${rc}\n`}__end ${i}\n`,
        )
        .join('');
      const split = splitPingOutput(out, results.length);
      results.forEach(([b, rc], i) => {
        assert.equal(split[i]!.exitCode, rc ?? undefined);
        assert.equal(split[i]!.raw, b.trimEnd(), JSON.stringify(out));
      });
    }),
    { numRuns: 300 },
  );
});

test('ping output built to make backtracking parsers stall is handled quickly', () => {
  for (const [label, f] of [
    ['100k digits', () => parsePing('1'.repeat(100_000))],
    ['digits after rtt', () => parsePing('rtt min/avg/max = ' + '1'.repeat(100_000))],
    ['10000 begins without end', () => splitPingOutput('__begin 1\n'.repeat(10_000), 3)],
    ['20000 begins with a late end', () => splitPingOutput('__begin 1\n'.repeat(20_000) + '__end 1', 3)],
    ['many rc lines', () => splitPingOutput('__begin 0\n' + '__rc=1 x\n'.repeat(20_000) + '__end 0', 1)],
  ] as const) {
    const ms = elapsedMs(f);
    assert.ok(ms < 1000, `${label} took ${Math.round(ms)} ms`);
  }
});

// ---------------------------------------------------------------- shell quoting

test('property: a quoted argument is either a plain safe word or one single-quoted word', () => {
  fc.assert(
    fc.property(fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 30 })), (arg) => {
      const q = shellQuote(arg);
      if (q === arg) {
        assert.match(arg, /^[A-Za-z0-9_\-.,:/@%+=]+$/);
      } else {
        assert.ok(q.startsWith("'") && q.endsWith("'"));
        // Outside the quoted runs only escaped quotes remain: '\''
        assert.equal(q.slice(1, -1).split(`'\\''`).join(''), arg.split("'").join(''));
      }
    }),
    { numRuns: 500 },
  );
});

test('property: arguments dense in shell metacharacters reach a real /bin/sh unchanged', () => {
  fc.assert(
    fc.property(
      fc.array(
        hostile.map((s) => s.replace(/\0/g, '')),
        { minLength: 1, maxLength: 6 },
      ),
      (args) => {
        const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${args.map(shellQuote).join(' ')}`]);
        assert.deepEqual(out.toString('utf8').split('\0').slice(0, -1), args);
      },
    ),
    { numRuns: 40 },
  );
});
