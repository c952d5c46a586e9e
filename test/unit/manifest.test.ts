// The manifest and the code agree: every contributed command is registered, has a category and an
// id of the form swarmOverlay.<area>.<verb>; every menu entry names a contributed command.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

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

const { COMMANDS } = loadWithoutVscode<{ COMMANDS: ReadonlyArray<{ id: string }> }>(
  path.join(root, 'src/vscode/commands/registerCommands.ts'),
);
const registered = COMMANDS.map((c) => c.id);

test('contributed and registered commands match, each with a category', () => {
  const contributed: Array<{ command: string; category?: string; title: string }> = pkg.contributes.commands;
  assert.deepEqual(contributed.map((c) => c.command).sort(), [...registered].sort());
  for (const c of contributed) {
    assert.match(c.command, /^swarmOverlay\.[a-z]+\.[a-zA-Z]+$/);
    assert.equal(c.category, 'Swarm Overlay', c.command);
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
