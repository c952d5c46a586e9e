// Localisation: the checker (scripts/checkL10n.mjs) finds nothing unlocalised in src/vscode and
// src/extension.ts, and does find what it must on small fake sources; the manifest's %keys% and
// package.nls.json, the l10n.t messages and l10n/bundle.l10n.json, and the webview's words and the
// panel's l10n.t messages agree; the .vsix takes the translations along.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WEBVIEW_STRINGS } from '../../src/shared/webviewStrings';
import { fakeTree } from './fakeTree';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'checkL10n.mjs');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Finding {
  file: string;
  line: number;
  text: string;
}
interface Checker {
  BUNDLE: string;
  checkL10n(root: string): { files: number; findings: Finding[]; messages: Map<string, string[]> };
  bundleOf(messages: Map<string, string[]>): string;
}
// A plain .mjs script has no declarations: the test states the shape it relies on.
const load = async () => (await import(pathToFileURL(script).href)) as Checker;

const tree = (files: Record<string, string>): string => fakeTree('check-l10n-', files);

test('nothing user-facing in src/vscode and src/extension.ts is left unlocalised', async () => {
  const { checkL10n } = await load();
  const { files, findings } = checkL10n(root);
  assert.ok(files > 30, `${files} files read`);
  assert.deepEqual(
    findings.map((f) => `${f.file}:${f.line}: ${f.text}`),
    [],
  );
});

const fakeBad = `import * as vscode from 'vscode';
export function down(h: string, log: vscode.LogOutputChannel): void {
  void vscode.window.showErrorMessage('Host is down.');
  const item = { label: 'Swarm' };
  const why = \`\${h} is down\`;
  log.info(\`\${h} is down, said once to the log\`);
  void vscode.window.showWarningMessage(why + String(item));
}
`;

const fakeGood = `import * as vscode from 'vscode';
import { l10n } from 'vscode';
import type { Thing } from './thing.js';
export function down(h: string, log: vscode.LogOutputChannel): Thing | undefined {
  void vscode.window.showErrorMessage(vscode.l10n.t('Host is down.'));
  void vscode.window.showWarningMessage(l10n.t('{0} is down', h));
  void vscode.commands.executeCommand('swarmOverlay.refresh');
  const icon = { label: '$(refresh)', description: \`\${h} · \${h}\` };
  log.warn(\`refresh of \${h} failed: the host is down\`);
  // l10n-exempt: ping's own output.
  const raw = 'PING h1 (10.0.9.9): 56 data bytes';
  return String(icon) + raw === '' ? undefined : undefined;
}
`;

test('on fake sources: an unlocalised message, label and template are reported; l10n.t, ids, imports, logs are not', async () => {
  const { checkL10n } = await load();
  const bad = checkL10n(tree({ 'src/vscode/down.ts': fakeBad, 'src/core/core.ts': "export const s = 'Core sentences stay English.';\n" }));
  assert.equal(bad.files, 1, 'src/core is not read');
  assert.deepEqual(
    bad.findings.map((f) => `${f.file}:${f.line}: ${f.text}`),
    ["src/vscode/down.ts:3: 'Host is down.'", "src/vscode/down.ts:4: 'Swarm'", 'src/vscode/down.ts:5: `${h} is down`'],
  );

  const good = checkL10n(tree({ 'src/extension.ts': fakeGood }));
  assert.equal(good.files, 1);
  assert.deepEqual(good.findings, []);
  assert.deepEqual([...good.messages.keys()], ['Host is down.', '{0} is down']);
});

test('the script exits 1 with file:line per finding, 0 on a clean tree', () => {
  const bad = spawnSync(process.execPath, [script, tree({ 'src/vscode/down.ts': fakeBad })], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^src\/vscode\/down\.ts:3: 'Host is down\.'$/m);
  const good = spawnSync(process.execPath, [script, tree({ 'src/extension.ts': fakeGood })], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
});

test('l10n/bundle.l10n.json holds exactly the l10n.t messages (node scripts/checkL10n.mjs --bundle writes it)', async () => {
  const { checkL10n, bundleOf, BUNDLE } = await load();
  const { messages } = checkL10n(root);
  assert.ok(messages.size > 100, `${messages.size} messages`);
  assert.equal(read(BUNDLE), bundleOf(messages), 'run: node scripts/checkL10n.mjs --bundle');
  // The webview's words are localised by the panel, one l10n.t each (src/vscode/webview/MatrixPanel.ts).
  for (const s of WEBVIEW_STRINGS)
    assert.ok(
      messages.get(s)?.some((at) => at.includes('MatrixPanel.ts')),
      s,
    );
});

const TEXT_FIELDS = new Set([
  'title',
  'category',
  'name',
  'contextualTitle',
  'contents',
  'description',
  'markdownDescription',
  'altText',
  'enumDescriptions',
  'markdownEnumDescriptions',
]);

test("the manifest's text is all %keys%, each in package.nls.json, and package.nls.json has no other key", () => {
  const pkg = JSON.parse(read('package.json'));
  const nls: Record<string, string> = JSON.parse(read('package.nls.json'));
  const used = new Set<string>();
  const unkeyed: string[] = [];
  const walk = (value: unknown, at: string, field: string) => {
    if (typeof value === 'string') {
      const key = /^%([^%]+)%$/.exec(value)?.[1];
      if (key) used.add(key);
      else if (TEXT_FIELDS.has(field)) unkeyed.push(`${at}: ${value}`);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`, field));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, k);
  };
  walk(pkg.contributes, 'contributes', '');
  for (const field of ['displayName', 'description']) walk(pkg[field], field, 'description');
  walk(pkg.capabilities, 'capabilities', '');
  assert.deepEqual(unkeyed, [], 'text in package.json that is not a %key%');
  assert.deepEqual([...used].filter((k) => !(k in nls)).sort(), [], '%keys% missing from package.nls.json');
  assert.deepEqual(
    Object.keys(nls).filter((k) => !used.has(k)),
    [],
    'package.nls.json keys no %key% uses',
  );
  assert.ok(Object.values(nls).every((v) => typeof v === 'string' && v.trim() !== ''));
  assert.equal(pkg.l10n, './l10n');
});

test('the .vsix takes package.nls.json and the l10n folder along', () => {
  const lines = read('.vscodeignore').split('\n');
  assert.ok(lines.includes('!package.nls.json'), '.vscodeignore: !package.nls.json');
  assert.ok(lines.includes('!l10n/**'), '.vscodeignore: !l10n/**');
});
