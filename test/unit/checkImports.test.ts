// The import checker (scripts/checkImports.mjs) on small fake trees: cycles, type-only ones included,
// and imports across layers are reported; comments, strings and allowed imports are not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fakeTree } from './fakeTree';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'checkImports.mjs');

interface Problem {
  kind: 'cycle' | 'layer';
  files: string[];
  text: string;
}
interface Checker {
  checkImports(root: string, dirs?: string[]): { files: number; problems: Problem[] };
}
// A plain .mjs script has no declarations: the test states the shape it relies on.
const load = async () => (await import(pathToFileURL(script).href)) as Checker;

const tree = (files: Record<string, string>): string => fakeTree('check-imports-', files);

const clean = {
  'src/core/cell.ts': "// import './nowhere';\nexport interface Cell { ok: boolean }\nexport const note = \"import '../vscode/panel'\";\n",
  'src/core/index.ts': "export * from './cell';\n",
  'src/shared/protocol.ts': "export type Message = { type: 'ready' };\n",
  'src/vscode/panel.ts':
    "import * as vscode from 'vscode';\nimport type { Cell } from '../core/cell';\nimport type { Message } from '../shared/protocol';\nexport type T = [Cell, Message, typeof vscode];\n",
  'src/cli/main.ts': "import { note } from '../core';\nexport const run = () => note;\n",
  'src/cli.ts': "import { run } from './cli/main';\nrun();\n",
  'webview-ui/matrix.ts': "import type { Message } from '../src/shared/protocol';\nexport const m: Message = { type: 'ready' };\n",
};

const broken = {
  ...clean,
  // A cycle through a type-only import: erased at run time, still a design cycle.
  'src/cli/main.ts':
    "import { hostsCommand } from './hostsCommand';\nexport interface CliIo { out: string[] }\nexport const run = () => hostsCommand;\n",
  'src/cli/hostsCommand.ts': "import type { CliIo } from './main';\nexport const hostsCommand = (io: CliIo) => io.out;\n",
  // Layer violations: shared → core (type only), core → vscode layer (require), core → 'vscode'.
  'src/shared/protocol.ts': "import type { Cell } from '../core/cell';\nexport type Message = { type: 'ready'; cell: Cell };\n",
  'src/core/cell.ts':
    "import * as vscode from 'vscode';\nconst log = require('../vscode/log');\nexport interface Cell { ok: boolean }\nexport const x = [vscode, log];\n",
  'src/vscode/log.ts': 'export const log = 1;\n',
};

test('a clean tree has no problem; comments and strings that look like imports are ignored', async () => {
  const { checkImports } = await load();
  const result = checkImports(tree(clean));
  assert.equal(result.files, 7);
  assert.deepEqual(result.problems, []);
});

test('a cycle (type-only edge included) and layer violations are each reported, naming the files', async () => {
  const { checkImports } = await load();
  const { problems } = checkImports(tree(broken));
  const cycles = problems.filter((p) => p.kind === 'cycle');
  assert.deepEqual(
    cycles.map((p) => p.text),
    ['cycle: src/cli/main.ts -> src/cli/hostsCommand.ts -(type)-> src/cli/main.ts'],
  );
  assert.deepEqual(cycles[0]?.files, ['src/cli/main.ts', 'src/cli/hostsCommand.ts']);
  const layers = problems.filter((p) => p.kind === 'layer');
  assert.deepEqual(
    layers.map((p) => p.text),
    [
      "layer: src/core/cell.ts:1 imports 'vscode': src/core must not import 'vscode'",
      'layer: src/core/cell.ts:2 imports src/vscode/log.ts: src/core must not import src/vscode',
      'layer: src/shared/protocol.ts:1 imports src/core/cell.ts (type only): src/shared must not import src/core',
    ],
  );
  assert.equal(problems.length, 4);
});

test('the script exits 1 with one line per problem, and 0 on a clean tree', () => {
  const bad = spawnSync(process.execPath, [script, tree(broken)], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  const lines = bad.stderr.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('cycle: ') || l.startsWith('layer: ')).length, 4);
  assert.match(bad.stderr, /^cycle: src\/cli\/main\.ts -> src\/cli\/hostsCommand\.ts -\(type\)-> src\/cli\/main\.ts$/m);

  const good = spawnSync(process.execPath, [script, tree(clean)], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
});
