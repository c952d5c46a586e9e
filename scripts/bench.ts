// npm run bench: measures side by side in one run and prints ratios. Transport part: median
// latency of light and heavy Engine API calls to lab host h2 over our pooled SSH transport, over
// dockerode's own `protocol: 'ssh'`, and through the docker CLI over ssh:// (what other tools do).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { createCore } from '../src/core/core';
import { nullLogger } from '../src/core/log';
import type { HostConfig } from '../src/core/model';

const STATE = process.env.LAB_STATE ?? path.join(__dirname, '..', 'test', 'lab', '.state');
const hosts = JSON.parse(readFileSync(path.join(STATE, 'hosts.json'), 'utf8')) as HostConfig[];
const target = hosts.find((h) => h.name === 'h2') ?? hosts[0]!;
const N_FAST = Number(process.env.BENCH_N ?? 200);
const N_SLOW = Number(process.env.BENCH_N_SLOW ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timeIt(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up: connection, version pinning
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

type Call = '/_ping' | '/version' | '/info';
const CALLS: Call[] = ['/_ping', '/version', '/info'];
const LABEL: Record<Call, string> = { '/_ping': 'lightest call', '/version': '/version', '/info': '/info' };

async function main(): Promise<void> {
  const results: Record<string, Record<Call, number>> = {};

  // 1. Ours: one persistent ssh2 connection, streamlocal channels, keep-alive agent, the daemon's own API version.
  const core = createCore({
    hosts: [target],
    logger: nullLogger,
    knownHostsFile: path.join(STATE, 'known_hosts'),
    sshConfigFile: path.join(STATE, 'ssh_config'),
    agentSocket: '',
  });
  const ours = core.hosts.get(target.name).client();
  results['Swarm Overlay (pooled SSH)'] = {
    '/_ping': await timeIt(N_FAST, () => ours.ping()),
    '/version': await timeIt(N_FAST, () => ours.version()),
    '/info': await timeIt(N_FAST, () => ours.info()),
  };
  core.dispose();

  // 2. dockerode's own ssh protocol: a new SSH connection per request (docker-modem).
  const modem = new Docker({
    protocol: 'ssh',
    host: target.host,
    port: target.port ?? 22,
    username: target.user ?? 'root',
    version: 'v1.41',
    sshOptions: { privateKey: readFileSync(target.identityFile!) },
  });
  results["dockerode protocol: 'ssh'"] = {
    '/_ping': await timeIt(N_SLOW * 2, () => modem.ping()),
    '/version': await timeIt(N_SLOW * 2, () => modem.version()),
    '/info': await timeIt(N_SLOW * 2, () => modem.info()),
  };

  // 3. docker CLI over ssh:// (ssh + `docker system dial-stdio` per command). The wrapper gives ssh the
  // lab's config so nothing in ~/.ssh is touched.
  const bin = mkdtempSync(path.join(tmpdir(), 'bench-bin-'));
  writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${path.join(STATE, 'ssh_config')} "$@"\n`);
  chmodSync(path.join(bin, 'ssh'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_API_VERSION: '1.41', DOCKER_CONFIG: bin };
  const cli = (args: string[]) => () =>
    execFileSync('docker', ['-H', `ssh://${target.user ?? 'root'}@${target.name}`, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  results['docker CLI -H ssh://'] = {
    // The CLI has no ping command: `docker version` (/_ping + /version) is the lightest thing it can do.
    '/_ping': await timeIt(N_SLOW, cli(['version', '--format', '{{.Server.APIVersion}}'])),
    '/version': await timeIt(N_SLOW, cli(['version', '--format', '{{.Server.APIVersion}}'])),
    '/info': await timeIt(N_SLOW, cli(['info', '--format', '{{.ID}}'])),
  };

  const base = results['Swarm Overlay (pooled SSH)'];
  const fmt = (v: number) => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
  const lines = [
    `Transport to ${target.name} (${target.host}), median ms (n=${N_FAST} ours, ${N_SLOW * 2} dockerode ssh, ${N_SLOW} docker CLI)`,
    'Lightest call: /_ping, or for the docker CLI `docker version`, the lightest command it has.',
    '',
    `| transport | ${CALLS.map((c) => LABEL[c]).join(' | ')} | ${CALLS.map((c) => `× ours, ${LABEL[c]}`).join(' | ')} |`,
    `|---|${CALLS.map(() => '---:').join('|')}|${CALLS.map(() => '---:').join('|')}|`,
  ];
  for (const [name, r] of Object.entries(results)) {
    lines.push(
      `| ${name} | ${CALLS.map((c) => fmt(r[c])).join(' | ')} | ${CALLS.map((c) => (Number.isNaN(r[c]) ? '–' : `${(r[c] / base[c]).toFixed(1)}×`)).join(' | ')} |`,
    );
  }
  const cliR = results['docker CLI -H ssh://'];
  const speedInfo = cliR['/info'] / base['/info'];
  const speedLight = cliR['/_ping'] / base['/_ping'];
  lines.push('');
  lines.push(
    `Targets vs docker CLI over SSH: /info ≥ 10× → ${speedInfo.toFixed(1)}× ${speedInfo >= 10 ? 'PASS' : 'MISS'}; lightest call ≥ 100× → ${speedLight.toFixed(1)}× ${speedLight >= 100 ? 'PASS' : 'MISS'}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
}

/** One command to time: its arguments, and its environment in run i. */
interface Timed {
  cmd: string;
  args: string[];
  env?: (i: number) => NodeJS.ProcessEnv;
}

/**
 * Wall time of each command, median of n runs, in ms. The commands take turns (run i of every command,
 * then run i + 1), so a machine that slows down or speeds up meanwhile weighs on all of them alike.
 */
function wallMedians<K extends string>(n: number, commands: Record<K, Timed>): Record<K, number> {
  const keys = Object.keys(commands) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < n; i++) {
    for (const k of keys) {
      const c = commands[k];
      const t = performance.now();
      execFileSync(c.cmd, c.args, { env: c.env?.(i) ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      samples[k].push(performance.now() - t);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(samples[k])])) as Record<K, number>;
}

/**
 * Cold start, as a user meets it: a one-shot CLI `hosts` on one host (Node start, loading the CLI, SSH
 * connect and login, /info) next to OpenSSH's `ssh host true` (connect, login, one exec), and the parts
 * that are ours to cut: Node's own start and loading the core bundle.
 */
function coldStart(): void {
  const n = Number(process.env.BENCH_N_COLD ?? 15);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-cold-'));
  const oneHost = path.join(dir, 'hosts.json');
  writeFileSync(oneHost, JSON.stringify([target]));
  const root = path.join(__dirname, '..');
  const cliArgs = [
    path.join(root, 'dist', 'cli.js'),
    '--hosts-file',
    oneHost,
    '--known-hosts',
    path.join(STATE, 'known_hosts'),
    '--ssh-config',
    path.join(STATE, 'ssh_config'),
    'hosts',
  ];
  // The CLI's code cache (src/core/codeCache.ts) in folders of the bench's own: a new, empty one for every
  // first start; one kept for the starts after the first (its cache-writing first run is not counted).
  const cliEnv = (cacheHome: string) => ({ PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cacheHome });
  execFileSync(process.execPath, cliArgs, { env: cliEnv(path.join(dir, 'kept')), stdio: 'ignore' });
  const m = wallMedians(n, {
    ssh: { cmd: '/usr/bin/ssh', args: ['-F', path.join(STATE, 'ssh_config'), target.name, 'true'] },
    node: { cmd: process.execPath, args: ['-e', '0'] },
    core: { cmd: process.execPath, args: ['-e', `require(${JSON.stringify(path.join(root, 'dist', 'core.js'))})`] },
    first: { cmd: process.execPath, args: cliArgs, env: (i) => cliEnv(path.join(dir, `first-${i}`)) },
    warm: { cmd: process.execPath, args: cliArgs, env: () => cliEnv(path.join(dir, 'kept')) },
  });
  const x = (ms: number) => `${(ms / m.ssh).toFixed(2)}×`;
  const ratio = m.warm / m.ssh;
  process.stdout.write(
    [
      '',
      `Cold start on ${target.name}, median wall ms of ${n} runs taking turns (target: CLI \`hosts\` ≤ 1.5× \`ssh host true\`)`,
      '',
      '| what | ms | × ssh host true |',
      '|---|---:|---:|',
      `| OpenSSH \`ssh ${target.name} true\` | ${m.ssh.toFixed(0)} | 1.0× |`,
      `| \`node -e 0\` (Node's own start) | ${m.node.toFixed(0)} | ${x(m.node)} |`,
      `| Node start + require dist/core.js (no code cache) | ${m.core.toFixed(0)} | ${x(m.core)} |`,
      `| \`swarm-overlay hosts\` on one host, first start (no code cache yet) | ${m.first.toFixed(0)} | ${x(m.first)} |`,
      `| \`swarm-overlay hosts\` on one host | ${m.warm.toFixed(0)} | ${x(m.warm)} ${ratio <= 1.5 ? 'PASS' : 'MISS'} |`,
      '',
    ].join('\n'),
  );
}

main()
  .then(() => coldStart())
  .catch((err: unknown) => {
    process.stderr.write(`bench: ${String(err)}\n`);
    process.exitCode = 1;
  });
