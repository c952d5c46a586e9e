// Paths shared by the end-to-end harness: the tools scripts/e2e-setup.sh installed (its
// .cache/e2e/env.json), the lab's state files, and where results go.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Playwright } from './pw';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CACHE = process.env.E2E_CACHE ?? path.join(ROOT, '.cache', 'e2e');
export const RESULTS = process.env.E2E_RESULTS ?? path.join(ROOT, 'test-results', 'e2e');
export const LAB_STATE = process.env.LAB_STATE ?? path.join(ROOT, 'test', 'lab', '.state');
export const VSIX = process.env.E2E_VSIX ?? path.join(ROOT, 'dist', 'swarm-overlay.vsix');

export interface E2eTools {
  node: string;
  nodeVersion: string;
  codeServer: string;
  codeServerVersion: string;
  chromium: string;
  playwrightCore: string;
}

let tools: E2eTools | undefined;

/** The tools installed by scripts/e2e-setup.sh; a one-line error if it has not run. */
export function e2eTools(): E2eTools {
  if (tools) return tools;
  const file = path.join(CACHE, 'env.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/e2e-setup.sh first.`);
  const t = JSON.parse(readFileSync(file, 'utf8')) as E2eTools;
  for (const p of [t.node, t.codeServer, t.chromium, t.playwrightCore]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/e2e-setup.sh again.`);
  }
  tools = t;
  return t;
}

/** playwright-core, from the project's node_modules when it is a devDependency, else from the cache. */
export function playwright(): Playwright {
  return createRequire(path.join(ROOT, 'package.json'))(e2eTools().playwrightCore) as Playwright;
}

export function resultsDir(): string {
  mkdirSync(RESULTS, { recursive: true });
  return RESULTS;
}

export interface LabFiles {
  hostsFile: string;
  knownHosts: string;
  sshConfig: string;
}

export function labFiles(): LabFiles {
  const l = {
    hostsFile: path.join(LAB_STATE, 'hosts.json'),
    knownHosts: path.join(LAB_STATE, 'known_hosts'),
    sshConfig: path.join(LAB_STATE, 'ssh_config'),
  };
  if (!existsSync(l.hostsFile)) throw new Error(`The lab is not up (no ${l.hostsFile}): run bash test/lab/up.sh 3 first.`);
  return l;
}
