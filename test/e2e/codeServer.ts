// Starts a real VS Code (code-server, on Node 24 from .cache/e2e) on 127.0.0.1 with a fresh user-data
// and extensions dir under a temp dir, the packaged extension installed, and User settings that point
// the extension at the lab. Nothing is written to the real $HOME: HOME and XDG_* point into the temp dir.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eTools, labFiles, resultsDir, VSIX } from './env';

/** publisher.name of the extension under test. */
export const EXTENSION_ID = 'swarm-overlay.swarm-overlay';

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  /** Temp dir holding user-data, extensions, home and config. */
  baseDir: string;
  userDataDir: string;
  /** code-server's own stdout/stderr. */
  logFile: string;
  /** Milliseconds from spawn to /healthz answering. */
  startupMs: number;
  /** The extension's log file ("Swarm Overlay.log" under the user-data dir's logs), if written yet. */
  extensionLog(): string | undefined;
  /** The extension host process (`--type=extensionHost`) and its resident memory in KiB, if running. */
  extensionHost(): { pid: number; rssKb: number } | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  vsix?: string;
  /** Extra User settings, merged over the lab ones. */
  settings?: Record<string, unknown>;
  /** Keep the temp dir after stop() (also when E2E_KEEP=1). */
  keep?: boolean;
  /** Port on 127.0.0.1; a free one when not given or taken. */
  port?: number;
  /** Where code-server's own log goes (default test-results/e2e/code-server.log). */
  logFile?: string;
  /** A folder to open as the workspace. */
  folder?: string;
  /** Workspace trust on (off by default): a folder then opens in Restricted Mode, without a prompt. */
  workspaceTrust?: boolean;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The lab settings: hosts, known_hosts and ssh_config from test/lab/.state. */
export function labSettings(): Record<string, unknown> {
  const l = labFiles();
  return {
    'swarmOverlay.hosts': JSON.parse(readFileSync(l.hostsFile, 'utf8')),
    'swarmOverlay.knownHostsFile': l.knownHosts,
    'swarmOverlay.sshConfigFile': l.sshConfig,
    // Nothing can be pulled here: the lab's hosts have this image loaded.
    'swarmOverlay.probeImage': 'swarm-overlay/probe:busybox',
    'workbench.colorTheme': 'Dark Modern',
  };
}

/** Extra User settings from $E2E_SETTINGS (a JSON object), e.g. to try a workaround. */
function envSettings(): Record<string, unknown> {
  const raw = process.env.E2E_SETTINGS;
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Error(`E2E_SETTINGS is not a JSON object: ${raw}`);
}

/** A key for the extension's test-only command: it is in no menu or palette (not contributed), so a keybinding runs it. */
export const SYNTHETIC_MATRIX_KEY = 'Control+Alt+Shift+F9';
const keybindings = [{ key: 'ctrl+alt+shift+f9', command: 'swarmOverlay.e2e.syntheticMatrix' }];

/** Settings that keep the workbench quiet, offline and deterministic. */
const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  'window.commandCenter': false,
};

function environment(base: string): NodeJS.ProcessEnv {
  const home = path.join(base, 'home');
  const env: NodeJS.ProcessEnv = {};
  // Only what code-server needs from our environment; no SSH agent, no proxies of ours.
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k];
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: path.join(base, 'run'),
    // Any marketplace request goes to a closed loopback port instead of the internet.
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: 'http://127.0.0.1:9/gallery',
      itemUrl: 'http://127.0.0.1:9/items',
      resourceUrlTemplate: 'http://127.0.0.1:9/{publisher}/{name}/{version}/{path}',
    }),
    CS_DISABLE_FILE_DOWNLOADS: '1',
    // Registers the extension's test-only command (the generated 64-host matrix feed).
    SWARM_OVERLAY_E2E: '1',
  });
  for (const d of [home, env.XDG_CONFIG_HOME!, env.XDG_DATA_HOME!, env.XDG_CACHE_HOME!, env.XDG_STATE_HOME!, env.XDG_RUNTIME_DIR!]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  return env;
}

/** Every descendant PID of `pid` (from /proc), deepest last. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone already
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** The descendant of `pid` that runs extensions, with its VmRSS. */
function extensionHostOf(pid: number): { pid: number; rssKb: number } | undefined {
  for (const p of descendants(pid)) {
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('--type=extensionHost')) continue;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (rss) return { pid: p, rssKb: Number(rss[1]) };
    } catch {
      // gone already
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url: string, child: { exitCode: number | null }, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with code ${child.exitCode} before answering; log: ${logFile}\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s; log: ${logFile}\n${tail(logFile)}`);
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    } else if (entry.name === name) {
      return p;
    }
  }
  return undefined;
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const t = e2eTools();
  const vsix = opts.vsix ?? VSIX;
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first.`);
  const base = mkdtempSync(path.join(os.tmpdir(), 'swarm-overlay-e2e-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  const config = path.join(base, 'config.yaml');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(config, 'auth: none\ncert: false\n');
  const env = environment(base);
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  // Install the packaged extension (a separate, short code-server run).
  const install = spawnSync(t.node, [t.codeServer, ...common, '--force', '--install-extension', vsix], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const installOut = `${install.stdout ?? ''}${install.stderr ?? ''}`;
  if (install.status !== 0 || !/successfully installed/i.test(installOut)) {
    throw new Error(
      `code-server --install-extension ${vsix} failed (exit ${install.status}): ${installOut.trim().split('\n').slice(-5).join(' | ')}`,
    );
  }

  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        ...quietSettings,
        ...(opts.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {}),
        ...labSettings(),
        ...envSettings(),
        ...opts.settings,
      },
      null,
      2,
    ),
  );

  writeFileSync(path.join(userDataDir, 'User', 'keybindings.json'), JSON.stringify(keybindings, null, 2));

  const port = opts.port !== undefined && (await portFree(opts.port)) ? opts.port : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = opts.logFile ?? path.join(resultsDir(), 'code-server.log');
  const log = createWriteStream(logFile);
  await new Promise((r) => log.once('open', r));
  const started = Date.now();
  const child = spawn(
    t.node,
    [
      t.codeServer,
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(opts.folder ? [opts.folder] : []),
    ],
    // Its own process group, so stop() can end it and whatever it forked.
    { env, cwd: base, detached: true, stdio: ['ignore', log, log] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${t.node} ${t.codeServer}`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pids = [pid, ...descendants(pid)];
    // The process group first (SIGTERM), then any descendant that moved to a group of its own.
    signal(-pid, 'SIGTERM');
    for (const p of pids) signal(p, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && pids.some(alive)) await sleep(100);
    signal(-pid, 'SIGKILL');
    for (const p of pids) if (alive(p)) signal(p, 'SIGKILL');
    log.end();
    if (!(opts.keep || process.env.E2E_KEEP === '1')) rmSync(base, { recursive: true, force: true });
  };

  try {
    await waitHealthy(url, child, logFile, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    port,
    pid,
    baseDir: base,
    userDataDir,
    logFile,
    startupMs: Date.now() - started,
    extensionLog: () => findFile(path.join(userDataDir, 'logs'), 'Swarm Overlay.log'),
    extensionHost: () => extensionHostOf(pid),
    stop,
  };
}
