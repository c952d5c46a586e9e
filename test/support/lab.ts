// Access to the lab built by test/lab/up.sh: its hosts, keys, known_hosts and a way into each host.
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, execFileSync, spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/core/core';
import { lineLogger } from '../../src/core/log';
import { PROBE_LABEL } from '../../src/core/matrix/probes';
import type { HostConfig } from '../../src/core/model';
import { initSwarm, joinSwarm } from '../../src/core/swarm/swarmActions';

export const ROOT = path.resolve(__dirname, '..', '..');
export const LAB_DIR = path.join(ROOT, 'test', 'lab');
export const STATE = process.env.LAB_STATE ?? path.join(LAB_DIR, '.state');

export interface Lab {
  hosts: HostConfig[];
  knownHosts: string;
  sshConfig: string;
  identity: string;
  wrongIdentity: string;
  hostsFile: string;
}

export function lab(): Lab {
  const hostsFile = path.join(STATE, 'hosts.json');
  assert.ok(existsSync(hostsFile), `The lab is not up (no ${hostsFile}): run npm run lab:up first.`);
  return {
    hosts: JSON.parse(readFileSync(hostsFile, 'utf8')) as HostConfig[],
    knownHosts: path.join(STATE, 'known_hosts'),
    sshConfig: path.join(STATE, 'ssh_config'),
    identity: path.join(STATE, 'id_ed25519'),
    wrongIdentity: path.join(STATE, 'wrong_id_ed25519'),
    hostsFile,
  };
}

/** Runs a command inside a lab host's namespaces. */
/**
 * Whether this machine's kernel (which every lab host shares) can hold the IPsec state Docker installs
 * for an encrypted overlay: ESP with AES-GCM, asked of the kernel itself in a throwaway network
 * namespace. The reason when it cannot.
 */
export function kernelEsp(): { ok: boolean; why: string } {
  const esp = 'src 127.0.0.1 dst 127.0.0.2 proto esp spi 0x100 reqid 1 mode transport';
  const aead = ['aead', 'rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', '128'];
  const r = spawnSync('unshare', ['-n', 'ip', 'xfrm', 'state', 'add', ...esp.split(' '), ...aead], { encoding: 'utf8' });
  return { ok: r.status === 0, why: (r.stderr ?? '').trim() };
}

export function labExec(host: string, args: string[], input?: string): string {
  return execFileSync(path.join(LAB_DIR, 'exec.sh'), [host, ...args], { encoding: 'utf8', input, timeout: 60_000 });
}

/** Loads the lab's probe image on a host again (test/lab/up.sh loads it from this tar on every host). */
export function restoreProbeImage(host: string): void {
  const log = readFileSync(path.join(STATE, 'image.log'), 'utf8').trim().split('\n');
  labExec(host, ['docker', 'load', '-q', '-i', log[log.length - 1]!]);
}

export function labExecStatus(host: string, args: string[]): number {
  return spawnSync(path.join(LAB_DIR, 'exec.sh'), [host, ...args], { stdio: 'ignore', timeout: 60_000 }).status ?? -1;
}

/** A core over the lab, logging every line (trace level) into `lines`. */
export function labCore(overrides: Partial<CoreOptions> = {}, lines: string[] = []): Core {
  const l = lab();
  return createCore({
    hosts: l.hosts,
    logger: lineLogger((line) => lines.push(line), 'trace'),
    knownHostsFile: l.knownHosts,
    sshConfigFile: l.sshConfig,
    connectTimeoutMs: 4000,
    agentSocket: '',
    ...overrides,
  });
}

/** Runs the built CLI (dist/cli.js). */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's options that point it at the lab: hosts file, known_hosts, ssh config. */
export function labCliArgs(l: Lab = lab()): string[] {
  return ['--hosts-file', l.hostsFile, '--known-hosts', l.knownHosts, '--ssh-config', l.sshConfig];
}

/** The CLI's `matrix` on the lab: `network` read through h1, the lab's probe image, then `extra`. */
export function labMatrixArgs(network: string, ...extra: string[]): string[] {
  return [...labCliArgs(), 'matrix', network, '--via', 'h1', '--image', 'swarm-overlay/probe:busybox', ...extra];
}

/** Starts the built CLI (dist/cli.js) without waiting for it, with the same environment as runCliProcess. */
export function spawnCliProcess(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Probe containers (by label) on the given hosts. */
export async function probesLeft(core: Core, names: string[]): Promise<number> {
  const lists = await Promise.all(
    names.map(
      (n) =>
        core.hosts.get(n).call('list probes', (d) => d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } })) as Promise<
          unknown[]
        >,
    ),
  );
  return lists.flat().length;
}

/** Every given host leaves its swarm (forced, last host first); errors (not in a swarm) are ignored. */
export async function leaveSwarms(core: Core, names: string[]): Promise<void> {
  for (const n of [...names].reverse())
    await core.hosts
      .get(n)
      .call('leave', (d) => d.swarmLeave({ force: true }))
      .catch(() => undefined);
}

/**
 * A fresh swarm over the given hosts: the first inits it (advertising 10.99.0.1), the others join as
 * workers; it returns once every host gossips with every other (see gossipConverged).
 */
export async function freshSwarm(core: Core, names: string[]): Promise<void> {
  await leaveSwarms(core, names);
  const [first, ...rest] = names.map((n) => core.hosts.get(n));
  await initSwarm(first!, { advertiseAddr: '10.99.0.1' });
  for (const w of rest) await joinSwarm(w, first!, 'worker', core.redactor);
  await gossipConverged(core, names);
}

/** Each host's gossip peers on a swarm-scoped network, as its own daemon lists them (`docker network inspect -v`). */
export async function gossipPeers(core: Core, names: string[], network = 'ingress'): Promise<Record<string, string[]>> {
  const views = await Promise.all(
    names.map(async (n) => {
      const info = (await core.hosts
        .get(n)
        .call('inspect the network', (d) =>
          (d.getNetwork(network) as unknown as { inspect(o: object): Promise<unknown> }).inspect({ verbose: true }),
        )
        .catch(() => ({}))) as { Peers?: Array<{ IP: string }> | null };
      return [n, (info.Peers ?? []).map((p) => p.IP).sort()] as const;
    }),
  );
  return Object.fromEntries(views);
}

/** What each host's dockerd last said about gossip (memberlist, cluster joins), for a failure message. */
export function gossipLog(names: string[], lines = 4): string {
  return names
    .map((n) => {
      const file = path.join(STATE, 'hosts', n, 'dockerd.log');
      const said = existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => /memberlist|gossip|networkdb|agentInit|bulk sync/i.test(l))
            .slice(-lines)
            .map((l) => l.replace(/^time="[^"]*T([\d:.]{8,12})\d*Z"/, '$1').slice(0, 200))
        : [];
      return `${n}: ${said.join(' | ') || '(nothing)'}`;
    })
    .join('\n');
}

/**
 * Waits until every host's daemon lists every other host as a gossip peer on the ingress network (which
 * every swarm node joins): `swarm join` returns before that. Docker 20.10 now and then leaves a node that
 * left and rejoined moments before out of the gossip; then that node leaves and joins once more (said on
 * stderr, with what the daemons logged), and a second miss fails with the peers and the daemons' words.
 */
export async function gossipConverged(core: Core, names: string[], ms = 30_000): Promise<void> {
  const addrs = Object.fromEntries(names.map((n) => [n, core.hosts.get(n).config.host]));
  const missing = async () => {
    const peers = await gossipPeers(core, names);
    return names.map((n) => ({ n, lacks: names.filter((o) => !peers[n]!.includes(addrs[o]!)) })).filter((x) => x.lacks.length > 0);
  };
  const wait = async () => {
    const end = Date.now() + ms;
    for (;;) {
      const m = await missing();
      if (m.length === 0 || Date.now() > end) return m;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const t = Date.now();
  let m = await wait();
  if (m.length === 0) return;
  const say = (x: typeof m) => x.map((y) => `${y.n} lacks ${y.lacks.join(', ')}`).join('; ');
  process.stderr.write(`lab: after ${Date.now() - t} ms the gossip had not converged (${say(m)}); they rejoin\n${gossipLog(names)}\n`);
  const manager = core.hosts.get(names[0]!);
  for (const { n } of m.filter((x) => x.n !== names[0])) {
    await core.hosts
      .get(n)
      .call('leave', (d) => d.swarmLeave({ force: true }))
      .catch(() => undefined);
    await joinSwarm(core.hosts.get(n), manager, 'worker', core.redactor);
  }
  m = await wait();
  assert.equal(m.length, 0, `the swarm's gossip did not converge: ${say(m)}\n${gossipLog(names)}`);
}

/** Each host's engine as test/lab/up.sh recorded it (a lab may mix engines, LAB_ENGINES): dockerd's version and API version. */
export function labEngines(): Record<string, { engine: string; api: string }> {
  const out: Record<string, { engine: string; api: string }> = {};
  for (const m of readFileSync(path.join(STATE, 'env'), 'utf8').matchAll(/^LAB_H(\d+)_(ENGINE|API)=(.*)$/gm)) {
    const host = (out[`h${m[1]}`] ??= { engine: '', api: '' });
    const value = m[3]!.replace(/\\/g, '');
    if (m[2] === 'ENGINE') host.engine = value;
    else host.api = value;
  }
  return out;
}

/**
 * A second sshd on h2:2222 with the lab's host key and Unix-socket forwarding off (first value wins in
 * sshd_config), so Docker must go through `docker system dial-stdio`. Files go into `dir`; `stop` ends
 * that sshd. The host entry and known_hosts file point a core at it.
 */
export function startNoStreamLocalSshd(dir: string, l: Lab = lab()) {
  const pidFile = `/run/sshd-nostream-${process.pid}.pid`;
  const conf = readFileSync(path.join(STATE, 'hosts', 'h2', 'sshd_config'), 'utf8')
    .replace(/^ListenAddress .*$/m, 'ListenAddress 10.99.0.2:2222')
    .replace(/^PidFile .*$/m, `PidFile ${pidFile}`)
    .replace(/^AllowStreamLocalForwarding .*$/m, 'AllowStreamLocalForwarding no');
  const confFile = path.join(dir, 'sshd_nostream');
  writeFileSync(confFile, conf, { mode: 0o600 });
  labExec('h2', ['/usr/sbin/sshd', '-f', confFile, '-E', path.join(dir, 'sshd_nostream.log')]);
  const keyLine = readFileSync(l.knownHosts, 'utf8')
    .split('\n')
    .find((x) => x.startsWith('10.99.0.2 '))!;
  const knownHostsFile = path.join(dir, 'known_hosts_2222');
  writeFileSync(knownHostsFile, `[10.99.0.2]:2222 ${keyLine.split(' ').slice(1).join(' ')}\n`);
  return {
    host: { name: 'h2-nostream', host: '10.99.0.2', port: 2222, user: 'root', identityFile: l.identity } satisfies HostConfig,
    knownHostsFile,
    stop: () => labExec('h2', ['sh', '-c', `kill "$(cat ${pidFile})"`]),
  };
}
