// The code cache the CLI starts through: a real bundle-like module, real V8 cached data on disk. Every
// load runs in a process of its own, as CLI starts do (V8 keeps what one process compiled in memory, so a
// second load in the same process would not show whether the disk cache was used).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { cliCacheDir, codeCacheFile } from '../../src/core/codeCache';

const CODE_CACHE = path.join(__dirname, '..', '..', 'src', 'core', 'codeCache.ts');

/** Loads `file` in a new Node process, the cache written at its exit as the CLI does. */
function load(file: string, cacheDir: string): { exports: unknown; cache: string } {
  const script = `const { loadWithCodeCache } = require(${JSON.stringify(CODE_CACHE)});
    const r = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}, { exit: true });
    process.stdout.write(JSON.stringify(r));`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' })) as {
    exports: unknown;
    cache: string;
  };
}

function bundle(dir: string, body = ''): string {
  writeFileSync(path.join(dir, 'dep.js'), 'module.exports = 40;');
  const file = path.join(dir, 'main.js');
  // Enough code for V8 to produce cached data, a require relative to the file, and the CommonJS names.
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  writeFileSync(
    file,
    `${fns}\nexports.answer = require('./dep') + f2(0);\nexports.where = [__filename, __dirname, module.id === __filename];\n${body}`,
  );
  return file;
}

test('first load compiles and writes the cache; the next load uses it and gives the same exports', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-'));
  const cacheDir = path.join(dir, 'cache');
  const file = bundle(dir);
  const first = load(file, cacheDir);
  assert.equal(first.cache, 'none');
  assert.deepEqual(first.exports, { answer: 42, where: [file, dir, true] });
  assert.deepEqual(readdirSync(cacheDir), [path.basename(codeCacheFile(file, cacheDir))]);
  const second = load(file, cacheDir);
  assert.equal(second.cache, 'used');
  assert.deepEqual(second.exports, first.exports);
});

test('a torn cache is rejected, the module still loads, and the cache is written again', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-'));
  const cacheDir = path.join(dir, 'cache');
  const file = bundle(dir);
  load(file, cacheDir);
  writeFileSync(codeCacheFile(file, cacheDir), Buffer.from('not V8 bytecode at all'));
  const torn = load(file, cacheDir);
  assert.equal(torn.cache, 'rejected');
  assert.equal((torn.exports as { answer: number }).answer, 42);
  assert.equal(load(file, cacheDir).cache, 'used');
});

test('a rebuilt bundle gets a cache of its own and the old one goes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-'));
  const cacheDir = path.join(dir, 'cache');
  const file = bundle(dir);
  load(file, cacheDir);
  const old = codeCacheFile(file, cacheDir);
  bundle(dir, 'exports.rebuilt = true;');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(codeCacheFile(file, cacheDir), old);
  const rebuilt = load(file, cacheDir);
  assert.equal(rebuilt.cache, 'none');
  assert.equal((rebuilt.exports as { rebuilt?: boolean }).rebuilt, true);
  assert.deepEqual(readdirSync(cacheDir), [path.basename(codeCacheFile(file, cacheDir))]);
});

test('a cache directory that cannot be written only means no cache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-'));
  const file = bundle(dir);
  // A regular file where the directory should be.
  writeFileSync(path.join(dir, 'blocked'), '');
  const r = load(file, path.join(dir, 'blocked', 'cache'));
  assert.equal((r.exports as { answer: number }).answer, 42);
  assert.equal(load(file, path.join(dir, 'blocked', 'cache')).cache, 'none');
});

test('the CLI cache lives under XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(cliCacheDir({ XDG_CACHE_HOME: '/x/cache' }), path.join('/x/cache', 'swarm-overlay'));
  assert.equal(cliCacheDir({ HOME: '/home/u' }).endsWith(path.join('.cache', 'swarm-overlay')), true);
});
