// Loads a CommonJS bundle with V8's code cache: the bytecode V8 compiled on an earlier run is handed back
// to it, so a start skips most of parsing and compiling (Node 20 has no module.enableCompileCache). The
// cache is only a cache: missing, stale, torn or rejected, the bundle is compiled from source as usual and
// the cache written again; a directory that cannot be written just means no cache.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';

/** Where the CLI keeps its code cache: $XDG_CACHE_HOME/swarm-overlay, else ~/.cache/swarm-overlay. */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'swarm-overlay');
}

/** The cache file for `file` as it is now: a new Node, V8 or bundle gets a new name. */
export function codeCacheFile(file: string, cacheDir: string): string {
  const st = statSync(file);
  const key = createHash('sha256')
    .update([process.version, process.versions.v8, process.arch, file, st.size, st.mtimeMs].join('\0'))
    .digest('hex')
    .slice(0, 16);
  return path.join(cacheDir, `${path.basename(file, '.js')}-${key}.v8`);
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Written next to its final name, then renamed: a run reading at the same moment sees all or nothing.
 * The same bundle's caches for other builds or Node versions go.
 */
function writeCache(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  const prefix = path.basename(file).replace(/-[0-9a-f]+\.v8$/, '-');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    for (const f of readdirSync(dir))
      if (f.startsWith(prefix) && f.endsWith('.v8') && f !== path.basename(file)) unlinkSync(path.join(dir, f));
  } catch {
    // Only a cache: the next start compiles from source again.
  }
}

/**
 * Runs `file` (a CommonJS bundle) as `require` would and returns its exports, compiled from the code
 * cache in `cacheDir` when one fits. Without a fitting cache, one is written `when` the caller says: at
 * process exit (a CLI run: every function it used is compiled by then) or after a delay (a long-lived
 * host), so it holds more than the top level.
 */
export function loadWithCodeCache(
  file: string,
  cacheDir: string,
  when: { exit: true } | { afterMs: number },
): { exports: unknown; cache: 'used' | 'none' | 'rejected' } {
  const source = readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(file, cacheDir);
  const cached = readCache(cacheFile);
  const script = new Script(Module.wrap(source), { filename: file, cachedData: cached });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const cache = !cached ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  if (cache !== 'used') {
    const save = () => writeCache(cacheFile, script.createCachedData());
    if ('exit' in when) process.once('exit', save);
    else setTimeout(save, when.afterMs).unref();
  }
  return { exports: mod.exports, cache };
}
