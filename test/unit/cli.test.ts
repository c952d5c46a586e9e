// The CLI's command line, run in-process: every usage error (exit 2, one sentence, the usage), --help, and the
// deprecated --hosts. Nothing here may reach a host: a socket connect fails the test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { COMMANDS, USAGE, runCli } from '../../src/cli/main';

let dir: string;
let hostsFile: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'so-cli-'));
  hostsFile = path.join(dir, 'hosts.json');
  // Loopback port 1: never listened on; and any connect attempt throws below anyway.
  writeFileSync(hostsFile, JSON.stringify(['h1', 'h2', 'h3'].map((name) => ({ name, host: '127.0.0.1', port: 1 }))));
  mock.method(net.Socket.prototype, 'connect', () => {
    throw new Error('a unit test tried to connect');
  });
});
after(() => {
  mock.restoreAll();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

/** Runs with the temp hosts file; expects exit 2, `sentence` as the first stderr line and `usageLine` in the usage after it. */
async function usageError(argv: string[], sentence: string, usageLine: string, env: NodeJS.ProcessEnv = {}) {
  const r = await cli(['--hosts-file', hostsFile, ...argv], env);
  assert.equal(r.code, 2, r.stderr);
  const [first, blank, usage] = r.stderr.split('\n', 3);
  assert.equal(first, `swarm-overlay: ${sentence}`);
  assert.equal(blank, '');
  assert.equal(usage, 'Usage: swarm-overlay [options] <command>');
  assert.ok(r.stderr.includes(`\n${usageLine}`), `usage shows ${usageLine}:\n${r.stderr}`);
  assert.ok(r.stderr.includes('Options (every command):'), r.stderr);
  assert.equal(r.stdout, '');
  return r;
}

const HOSTS = '  hosts                                   Reachability';
const SWARM_INIT = '  swarm init <host>';
const SWARM_JOIN = '  swarm join <host> --manager <host> [--as worker|manager]';
const SWARM_LEAVE = '  swarm leave <host> [--force]';
const ROTATE = '  swarm rotate-token worker|manager --via <host>';
const NODES = '  nodes --via <host>';
const NODE_VERBS = '  node promote|demote|drain|pause|activate <node> --via <host>';
const NODE_LABEL = '  node label <node> --via <host> --add k=v | --rm k';
const NETWORK_LS = '  network ls --via <host>';
const NETWORK_CREATE = '  network create <name> --via <host>';
const NETWORK_BY_NAME = '  network rm|inspect|members <name> --via <host>';
const MATRIX = '  matrix <network> --via <host> [--nodes h1,h2,...]';

describe('unknown commands and verbs', () => {
  test('no command', async () => {
    await usageError([], 'No command given.', HOSTS);
  });
  test('unknown command', async () => {
    await usageError(['frob'], 'Unknown command "frob".', MATRIX);
  });
  test('unknown or missing swarm verb', async () => {
    const r = await usageError(['swarm', 'foo'], 'Unknown swarm command "foo": use init, join, leave, tokens or rotate-token.', SWARM_JOIN);
    assert.ok(!r.stderr.includes(NODES), 'only the swarm commands');
    await usageError(['swarm'], '"swarm" needs a command: use init, join, leave, tokens or rotate-token.', ROTATE);
  });
  test('unknown node verb is a usage error (it used to be exit 1)', async () => {
    await usageError(
      ['node', 'foo', 'h1', '--via', 'h1'],
      'Unknown node command "foo": use promote, demote, drain, pause, activate, label or rm.',
      NODE_LABEL,
    );
  });
  test('unknown network verb', async () => {
    await usageError(
      ['network', 'foo', '--via', 'h1'],
      'Unknown network command "foo": use ls, create, rm, inspect or members.',
      NETWORK_CREATE,
    );
  });
  test('unknown command even with --help', async () => {
    await usageError(['frob', '--help'], 'Unknown command "frob".', HOSTS);
  });
});

describe('options', () => {
  test('unknown flag', async () => {
    await usageError(['swarm', 'join', 'h2', '--manager', 'h1', '--bogus'], 'Unknown option "--bogus".', SWARM_JOIN);
  });
  test('unknown short flag', async () => {
    await usageError(['hosts', '-x'], 'Unknown option "-x".', HOSTS);
  });
  test("another command's flag names the option and the command", async () => {
    const r = await usageError(
      ['swarm', 'join', 'h2', '--manager', 'h1', '--mtu', '5'],
      '--mtu is not an option of "swarm join" (it belongs to network create).',
      SWARM_JOIN,
    );
    assert.ok(!r.stderr.includes(NETWORK_CREATE), "the usage is the command's own");
    await usageError(
      ['nodes', '--via', 'h1', '--force'],
      '--force is not an option of "nodes" (it belongs to swarm leave and node rm).',
      NODES,
    );
    await usageError(['swarm', 'join', 'h2', '--manager', 'h1', '--via', 'h1'], '--via is not an option of "swarm join".', SWARM_JOIN);
    await usageError(
      ['network', 'ls', '--via', 'h1', '--nodes', 'h1'],
      '--nodes is not an option of "network ls" (it belongs to matrix).',
      NETWORK_LS,
    );
    await usageError(['hosts', '--image', 'x'], '--image is not an option of "hosts" (it belongs to matrix and check-service).', HOSTS);
  });
  test('an option without its value, a flag with one', async () => {
    await usageError(['nodes', '--via'], "Option '--via <value>' argument missing", NODES);
    await usageError(['swarm', 'leave', 'h1', '--force=yes'], "Option '--force' does not take an argument", SWARM_LEAVE);
  });
});

describe('arguments', () => {
  test('missing required arguments', async () => {
    await usageError(['swarm', 'init'], 'The host to initialize is required.', SWARM_INIT);
    await usageError(['swarm', 'join', '--manager', 'h1'], 'The host to join is required.', SWARM_JOIN);
    await usageError(['swarm', 'join', 'h2'], '--manager HOST is required.', SWARM_JOIN);
    await usageError(['swarm', 'leave'], 'The host to leave is required.', SWARM_LEAVE);
    await usageError(['swarm', 'tokens'], '--via HOST is required.', '  swarm tokens --via <host> [--reveal]');
    await usageError(['swarm', 'rotate-token', '--via', 'h1'], 'worker or manager is required.', ROTATE);
    await usageError(['nodes'], '--via HOST is required.', NODES);
    await usageError(['node', 'drain', '--via', 'h1'], 'The node (hostname or id) is required.', NODE_VERBS);
    await usageError(['node', 'promote', 'h2'], '--via HOST is required.', NODE_VERBS);
    await usageError(['node', 'rm', '--via', 'h1'], 'The node (hostname or id) is required.', '  node rm <node> --via <host> [--force]');
    await usageError(['network', 'ls'], '--via HOST is required.', NETWORK_LS);
    await usageError(['network', 'create', '--via', 'h1'], 'The network name is required.', NETWORK_CREATE);
    await usageError(['network', 'inspect', '--via', 'h1'], 'The network name is required.', NETWORK_BY_NAME);
    await usageError(['ports'], '--via HOST is required.', '  ports --via <host>');
    await usageError(['matrix', '--via', 'h1'], 'The network is required.', MATRIX);
    await usageError(['matrix', 'net'], '--via HOST is required.', MATRIX);
  });
  test('extra positionals', async () => {
    await usageError(['hosts', 'extra'], '"hosts" takes no arguments (got "extra").', HOSTS);
    await usageError(['swarm', 'tokens', 'h1', '--via', 'h1'], '"swarm tokens" takes no arguments (got "h1").', '  swarm tokens');
    await usageError(['nodes', 'h1', '--via', 'h1'], '"nodes" takes no arguments (got "h1").', NODES);
    await usageError(['network', 'ls', 'x', '--via', 'h1'], '"network ls" takes no arguments (got "x").', NETWORK_LS);
    await usageError(['swarm', 'leave', 'h1', 'h2'], 'Unexpected arguments: h2.', SWARM_LEAVE);
    await usageError(['node', 'drain', 'h2', 'h3', '--via', 'h1'], 'Unexpected arguments: h3.', NODE_VERBS);
    await usageError(['matrix', 'net', 'more', 'args', '--via', 'h1'], 'Unexpected arguments: more args.', MATRIX);
  });
  test('a bad --as or token kind', async () => {
    await usageError(['swarm', 'join', 'h2', '--manager', 'h1', '--as', 'boss'], '--as must be worker or manager.', SWARM_JOIN);
    await usageError(['swarm', 'rotate-token', 'admin', '--via', 'h1'], 'Rotate the worker or the manager token.', ROTATE);
  });
  test('node label needs --add or --rm, and labels follow the core rule', async () => {
    await usageError(['node', 'label', 'h2', '--via', 'h1'], 'Give --add k=v or --rm k.', NODE_LABEL);
    await usageError(
      ['node', 'label', 'h2', '--via', 'h1', '--add', 'bad key=v'],
      "\"bad key\" is not a label key: use letters, digits, '.', '_', '/' or '-'.",
      NODE_LABEL,
    );
  });
  test('matrix: an empty host list', async () => {
    await usageError(['matrix', 'net', '--via', 'h1', '--nodes', ' , '], 'No host to probe.', MATRIX);
  });
  test('matrix: an unknown --mode', async () => {
    await usageError(['matrix', 'net', '--via', 'h1', '--mode', 'swarm'], '--mode must be auto, service, containers.', MATRIX);
  });
});

describe('values, by the core rules, before any host is contacted', () => {
  test('numbers', async () => {
    const mtu = 'The MTU must be a whole number from 576 to 9216.';
    await usageError(['network', 'create', 'n1', '--via', 'h1', '--mtu', 'abc'], mtu, NETWORK_CREATE);
    await usageError(['network', 'create', 'n1', '--via', 'h1', '--mtu', '100'], mtu, NETWORK_CREATE);
    await usageError(['network', 'create', 'n1', '--via', 'h1', '--mtu', '1500.5'], mtu, NETWORK_CREATE);
    const port = 'The data-path port must be a whole number from 1024 to 49151 (the default is 4789).';
    await usageError(['swarm', 'init', 'h1', '--data-path-port', '80'], port, SWARM_INIT);
    await usageError(['swarm', 'init', 'h1', '--data-path-port', 'x'], port, SWARM_INIT);
    await usageError(['swarm', 'init', 'h1', '--data-path-port', '-4789'], port, SWARM_INIT);
    const timeout = '--connect-timeout must be a number of seconds from 0 to 600.';
    for (const v of ['-1', '--connect-timeout=-1', 'abc', '0', '601']) {
      const argv = v.startsWith('--') ? [v, 'hosts'] : ['--connect-timeout', v, 'hosts'];
      await usageError(argv, timeout, HOSTS);
    }
    for (const v of ['-1', 'abc', '0', '601']) {
      await usageError(['--request-timeout', v, 'hosts'], '--request-timeout must be a number of seconds from 0 to 600.', HOSTS);
    }
  });
  test('addresses and pools', async () => {
    await usageError(
      ['swarm', 'init', 'h1', '--default-addr-pool', '10.20.0.0'],
      'The default address pool "10.20.0.0" is not a CIDR such as 10.20.0.0/16.',
      SWARM_INIT,
    );
    await usageError(['swarm', 'init', 'h1', '--advertise-addr', 'eth0'], '--advertise-addr "eth0" is not an IPv4 address.', SWARM_INIT);
  });
  test('network options', async () => {
    const create = (...more: string[]) => ['network', 'create', 'n1', '--via', 'h1', ...more];
    await usageError(
      ['network', 'create', 'my net', '--via', 'h1'],
      'A network name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      NETWORK_CREATE,
    );
    await usageError(create('--subnet', '10.20.0.5/24'), '"10.20.0.5/24" has host bits set: write it as 10.20.0.0/24.', NETWORK_CREATE);
    await usageError(create('--gateway', '10.20.0.1'), 'A gateway needs a subnet.', NETWORK_CREATE);
    await usageError(
      create('--subnet', '10.20.0.0/24', '--ip-range', '10.21.0.0/25'),
      'The IP range 10.21.0.0/25 is not inside the subnet 10.20.0.0/24.',
      NETWORK_CREATE,
    );
    await usageError(
      create('--label', 'x=SWMTKN-1-abc'),
      'A label would carry a swarm join token or unlock key: labels are readable by anyone with API access.',
      NETWORK_CREATE,
    );
  });
});

describe('hosts file', () => {
  test('none given', async () => {
    const r = await cli(['hosts']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^swarm-overlay: No hosts: pass --hosts-file FILE or set SWARM_OVERLAY_HOSTS\.\n\nUsage: /);
    assert.ok(r.stderr.includes(HOSTS));
  });
  test('$SWARM_OVERLAY_HOSTS, unreadable', async () => {
    const missing = path.join(dir, 'absent.json');
    const r = await cli(['hosts'], { SWARM_OVERLAY_HOSTS: missing });
    assert.deepEqual([r.code, r.stderr], [2, `swarm-overlay: Cannot read the hosts file ${missing}.\n`]);
  });
  test('usage errors come before the hosts file is read', async () => {
    const r = await cli(['--hosts-file', path.join(dir, 'absent.json'), 'swarm', 'join', 'h2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^swarm-overlay: --manager HOST is required\.\n/);
  });
});

describe('deprecated --hosts', () => {
  const FILE_NOTICE = 'swarm-overlay: --hosts is deprecated: use --hosts-file FILE (it will be removed in the next release).';
  const NODES_NOTICE = 'swarm-overlay: --hosts is deprecated for matrix: use --nodes h1,h2,... (it will be removed in the next release).';
  test('is still the hosts file, with one line naming --hosts-file', async () => {
    const missing = path.join(dir, 'absent.json');
    const r = await cli(['--hosts', missing, 'hosts']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `${FILE_NOTICE}\nswarm-overlay: Cannot read the hosts file ${missing}.\n`);
  });
  test('reads the file it names (a usage error follows, once the file would be read)', async () => {
    const r = await cli(['--hosts', hostsFile, 'swarm', 'join', 'h2']);
    assert.equal(r.code, 2);
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], FILE_NOTICE);
    assert.equal(lines[1], 'swarm-overlay: --manager HOST is required.');
    assert.equal(lines.filter((l) => l.includes('deprecated')).length, 1);
  });
  test('with --hosts-file as well: a usage error', async () => {
    const r = await cli(['--hosts', hostsFile, '--hosts-file', hostsFile, 'hosts']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.split('\n').slice(0, 2).join('\n'),
      `${FILE_NOTICE}\nswarm-overlay: Give --hosts-file FILE only (--hosts is its deprecated name).`,
    );
  });
  test('with matrix, is still the hosts to probe, with one line naming --nodes', async () => {
    const missing = path.join(dir, 'absent.json');
    const r = await cli(['--hosts-file', missing, 'matrix', 'net', '--via', 'h1', '--hosts', 'h1,h2']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `${NODES_NOTICE}\nswarm-overlay: Cannot read the hosts file ${missing}.\n`);
    const empty = await cli(['--hosts-file', hostsFile, 'matrix', 'net', '--via', 'h1', '--hosts', ',']);
    assert.equal(empty.code, 2);
    assert.deepEqual(empty.stderr.split('\n').slice(0, 2), [NODES_NOTICE, 'swarm-overlay: No host to probe.']);
    const both = await cli(['--hosts-file', hostsFile, 'matrix', 'net', '--via', 'h1', '--hosts', 'h1', '--nodes', 'h2']);
    assert.equal(both.code, 2);
    assert.deepEqual(both.stderr.split('\n').slice(0, 2), [
      NODES_NOTICE,
      'swarm-overlay: Give --nodes h1,h2,... only (--hosts is its deprecated name).',
    ]);
  });
});

describe('--help', () => {
  test('globally: the whole usage on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['--hosts-file', hostsFile, '-h']]) {
      const r = await cli(argv);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(r.stdout, USAGE);
      for (const line of [HOSTS, SWARM_JOIN, NODE_LABEL, NETWORK_CREATE, MATRIX, '  --hosts-file FILE', '  --json']) {
        assert.ok(r.stdout.includes(line), line);
      }
    }
  });
  test('per command: only that command, plus the global options', async () => {
    const r = await cli(['network', 'create', '--help']);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.ok(r.stdout.includes(`${NETWORK_CREATE} [--attachable]`));
    assert.ok(r.stdout.includes('[--gateway IP] [--ip-range CIDR] [--mtu N] [--label k=v]...'));
    assert.ok(r.stdout.includes('  --connect-timeout SEC'));
    assert.ok(!r.stdout.includes(SWARM_JOIN) && !r.stdout.includes(NETWORK_LS));
    for (const c of COMMANDS) {
      for (const verb of c.verbs ?? [undefined]) {
        const help = await cli([c.name, ...(verb ? [verb] : []), '--help', '--mtu', 'not even checked']);
        assert.deepEqual([help.code, help.stderr], [0, ''], `${c.name} ${verb ?? ''}`);
        assert.ok(help.stdout.includes(c.usage), `${c.name} ${verb ?? ''}`);
      }
    }
  });
  test('for a family: its commands', async () => {
    const r = await cli(['node', '-h']);
    assert.equal(r.code, 0);
    for (const line of [NODE_VERBS, NODE_LABEL, '  node rm']) assert.ok(r.stdout.includes(line), line);
    assert.ok(!r.stdout.includes(NODES));
  });
});

test('--json: a usage error is also one JSON document on stdout', async () => {
  const r = await cli(['--json', '--hosts-file', hostsFile, 'network', 'create', 'n1', '--via', 'h1', '--mtu', 'abc']);
  assert.equal(r.code, 2);
  assert.deepEqual(JSON.parse(r.stdout), { error: 'The MTU must be a whole number from 576 to 9216.' });
});

test('an option means the same in every command that has it', () => {
  const seen = new Map<string, string>();
  for (const c of COMMANDS) {
    for (const [name, o] of Object.entries(c.options ?? {})) {
      const shape = JSON.stringify(o);
      assert.equal(seen.get(name) ?? shape, shape, `--${name}`);
      seen.set(name, shape);
    }
  }
});
