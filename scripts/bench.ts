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

/** Wall time of a command, median of n runs, in ms. */
function wallMedian(n: number, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/**
 * Cold start, as a user meets it: a one-shot CLI `hosts` on one host (Node start, core load, SSH connect
 * and login, API version, /info) next to OpenSSH's `ssh host true` (connect, login, one exec), and the
 * parts that are ours to cut: Node's own start and loading the core bundle.
 */
function coldStart(): void {
  const n = Number(process.env.BENCH_N_COLD ?? 9);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-cold-'));
  const oneHost = path.join(dir, 'hosts.json');
  writeFileSync(oneHost, JSON.stringify([target]));
  const root = path.join(__dirname, '..');
  const sshTrue = wallMedian(n, '/usr/bin/ssh', ['-F', path.join(STATE, 'ssh_config'), target.name, 'true']);
  const nodeAlone = wallMedian(n, process.execPath, ['-e', '0']);
  const coreLoad = wallMedian(n, process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'dist', 'core.js'))})`]);
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
  const cliHosts = wallMedian(n, process.execPath, cliArgs, { PATH: process.env.PATH, HOME: process.env.HOME });
  const ratio = cliHosts / sshTrue;
  process.stdout.write(
    [
      '',
      `Cold start on ${target.name}, median wall ms of ${n} runs (target: CLI \`hosts\` ≤ 1.5× \`ssh host true\`)`,
      '',
      '| what | ms | × ssh host true |',
      '|---|---:|---:|',
      `| OpenSSH \`ssh ${target.name} true\` | ${sshTrue.toFixed(0)} | 1.0× |`,
      `| \`node -e 0\` (Node's own start) | ${nodeAlone.toFixed(0)} | ${(nodeAlone / sshTrue).toFixed(2)}× |`,
      `| Node start + load dist/core.js | ${coreLoad.toFixed(0)} | ${(coreLoad / sshTrue).toFixed(2)}× |`,
      `| \`swarm-overlay hosts\` on one host | ${cliHosts.toFixed(0)} | ${ratio.toFixed(2)}× ${ratio <= 1.5 ? 'PASS' : 'MISS'} |`,
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
