// The manifest and the code agree: every contributed command is registered, has a category and an
// id of the form swarmOverlay.<area>.<verb>; every menu entry names a contributed command; a title
// ends with "…" exactly when the command asks for more before acting; the Marketplace fields are there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
/** The English a manifest value shows: a %key% read from package.nls.json (test/unit/l10n.test.ts checks they agree). */
const english = (value: string): string => {
  const key = /^%([^%]+)%$/.exec(value)?.[1];
  if (key === undefined) return value;
  assert.ok(key in nls, `package.nls.json has ${key}`);
  return nls[key]!;
};

// The command table is read from the code itself; `vscode` does not exist outside VS Code, so its
// import gets an inert stand-in (only module-level class definitions touch it when loading).
function loadWithoutVscode<T>(file: string): T {
  const inert: object = new Proxy(function () {}, {
    get: (_t, prop) => (prop === Symbol.toPrimitive ? () => '' : prop === 'then' ? undefined : inert),
    apply: () => inert,
    construct: () => ({}),
  });
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request, ...rest) => (request === 'vscode' ? inert : original(request, ...rest));
  try {
    // A CommonJS require on purpose: the hook above only sees require's loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as T;
  } finally {
    loader._load = original;
  }
}

const { COMMANDS, ASKS_BEFORE_ACTING } = loadWithoutVscode<{
  COMMANDS: ReadonlyArray<{ id: string }>;
  ASKS_BEFORE_ACTING: readonly string[];
}>(path.join(root, 'src/vscode/commands/registerCommands.ts'));
const registered = COMMANDS.map((c) => c.id);

test('contributed and registered commands match, each with a category', () => {
  const contributed: Array<{ command: string; category?: string; title: string }> = pkg.contributes.commands;
  assert.deepEqual(contributed.map((c) => c.command).sort(), [...registered].sort());
  for (const c of contributed) {
    assert.match(c.command, /^swarmOverlay\.[a-z]+\.[a-zA-Z]+$/);
    assert.equal(english(c.category ?? ''), 'Swarm Overlay', c.command);
  }
});

test('menus only name contributed commands and known views', () => {
  const ids = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const views = new Set(pkg.contributes.views.swarmOverlay.map((v: { id: string }) => v.id));
  for (const [menu, entries] of Object.entries<Array<{ command: string; when?: string }>>(pkg.contributes.menus)) {
    for (const e of entries) {
      assert.ok(ids.has(e.command), `${menu}: ${e.command}`);
      for (const v of e.when?.match(/swarmOverlay\.(hosts|swarm|networks)\b(?!\.)/g) ?? []) assert.ok(views.has(v), `${menu}: view ${v}`);
    }
  }
  // Only the matrix panel's restore after a reload needs an explicit event; VS Code derives the rest.
  assert.deepEqual(pkg.activationEvents, ['onWebviewPanel:swarmOverlay.matrix']);
  assert.equal(pkg.main, './dist/extension.js');
});

test('a title ends with "…" exactly when its command asks for more before acting (ASKS_BEFORE_ACTING)', () => {
  const contributed: Array<{ command: string; title: string }> = pkg.contributes.commands;
  for (const id of ASKS_BEFORE_ACTING) assert.ok(registered.includes(id), `${id} is a registered command`);
  for (const c of contributed) {
    const asks = ASKS_BEFORE_ACTING.includes(c.command);
    const title = english(c.title);
    assert.equal(title.endsWith('…'), asks, `${c.command} "${title}" ${asks ? 'asks first: end it with …' : 'acts at once: no …'}`);
    assert.doesNotMatch(title, /\.\.\.$/, `${c.command}: the ellipsis character, not three dots`);
  }
});

test('Marketplace fields: icon (a 128×128 PNG), banner, repository, bugs, homepage, categories, keywords', () => {
  const png = readFileSync(path.join(root, pkg.icon));
  assert.equal(pkg.icon, 'media/icon.png');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], '128×128');
  assert.match(pkg.galleryBanner.color, /^#[0-9a-f]{6}$/i);
  assert.ok(['dark', 'light'].includes(pkg.galleryBanner.theme));
  const repo = 'https://github.com/swarm-overlay/swarm-overlay';
  assert.deepEqual(pkg.repository, { type: 'git', url: `${repo}.git` });
  assert.equal(pkg.bugs.url, `${repo}/issues`);
  assert.equal(pkg.homepage, `${repo}#readme`);
  // The Marketplace's own category names; more than "Other" so the extension can be found by them.
  const known = ['Other', 'Visualization', 'Testing', 'Debuggers', 'Linters', 'Programming Languages', 'Snippets', 'SCM Providers'];
  assert.ok(
    pkg.categories.every((c: string) => known.includes(c)),
    pkg.categories.join(', '),
  );
  assert.ok(pkg.categories.some((c: string) => c !== 'Other'));
  assert.ok(['docker', 'swarm', 'overlay', 'ssh'].every((k) => pkg.keywords.includes(k)));
  assert.ok(pkg.keywords.length <= 30, 'the Marketplace takes at most 30 keywords');
  // The packaging script no longer needs to excuse a missing repository.
  assert.doesNotMatch(pkg.scripts.package, /--allow-missing-repository/);
});

test('extensionKind: the UI side first, where ~/.ssh, the agent and the ssh config of the user live', () => {
  assert.deepEqual(pkg.extensionKind, ['ui', 'workspace']);
});
