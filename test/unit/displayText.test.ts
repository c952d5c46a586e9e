// Text from Docker on its way to a person: tooltips never read it as Markdown, CLI tables never pass
// a terminal escape, and a CLI error never shows a join token.
/* eslint-disable no-control-regex -- control characters are what these tests look for */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/main';
import { formatTable, printable } from '../../src/cli/table';
import { escapeMarkdown } from '../../src/vscode/tree/markdown';

test('a node name or label is Markdown-escaped, on one line, with no command link or icon left', () => {
  const hostile = 'evil [click](command:workbench.action.terminal.new) `x` $(alert) *b* | c\n# heading\u0007';
  const out = escapeMarkdown(hostile);
  assert.doesNotMatch(out, /(^|[^\\])\[/, 'every [ is escaped');
  assert.doesNotMatch(out, /(^|[^\\])`/, 'every backtick is escaped');
  assert.doesNotMatch(out, /(^|[^\\])\$\(/, 'no theme icon syntax left');
  assert.doesNotMatch(out, /(^|[^\\])\|/, 'no table cell break');
  assert.doesNotMatch(out, /[\n\u0007]/, 'one line, no control character');
  assert.equal(out.replace(/\\(.)/g, '$1'), hostile.replace(/[\n\u0007]/g, ' '), 'unescaped, it reads as written');
});

test('CLI tables show control characters as ?', () => {
  assert.equal(printable('h1\u001b[31mred\u0007'), 'h1?[31mred?');
  const table = formatTable(['HOST', 'LABEL'], [['h\u001b2', 'a\u009bb']]);
  assert.doesNotMatch(table, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  assert.match(table, /h\?2 +a\?b/);
});

test('a CLI error that quotes a join token masks it, on stderr and in --json', async () => {
  const token = 'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx';
  const dir = mkdtempSync(path.join(tmpdir(), 'so-redact-'));
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--json', '--hosts-file', path.join(dir, token), 'hosts'], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
  });
  assert.equal(code, 2);
  assert.match(stderr, /Cannot read the hosts file/);
  assert.ok(!stderr.includes(token) && !stdout.includes(token), `token masked: ${stderr} ${stdout}`);
  assert.match(stderr, /SWMTKN-1-…\(redacted\)/);
  assert.match(JSON.parse(stdout).error, /SWMTKN-1-…\(redacted\)/);
});
