import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { finishCell } from '../../src/core/matrix/diagnosis';
import { toCsv, toJson, toMarkdown } from '../../src/core/matrix/exportMatrix';
import { parsePing } from '../../src/core/matrix/pingOutput';
import type { MatrixReport } from '../../src/shared/matrix';
import { parseWebviewMessage } from '../../src/shared/protocol';

const ok = parsePing('3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 0.100/0.200/0.300 ms', 0);
const bad = parsePing("ping: bad address 'x'", 1);
const report: MatrixReport = {
  network: 'web|net',
  mode: 'containers',
  hosts: ['h1', 'h2'],
  ok: false,
  cells: [
    finishCell({ from: 'h1', to: 'h1', byName: ok, byIp: ok, large: ok }),
    finishCell({ from: 'h1', to: 'h2', byName: bad, byIp: ok, large: ok }),
    finishCell({ from: 'h2', to: 'h1', byName: ok, byIp: ok, large: ok }),
    finishCell({ from: 'h2', to: 'h2', byName: ok, byIp: ok, large: ok }),
  ],
  diagnoses: ['=cmd|x'],
  problems: [],
  largeSize: 1422,
};

test('JSON export keeps the CLI document shape without raw output', () => {
  const doc = JSON.parse(toJson(report));
  assert.deepEqual(Object.keys(doc), ['network', 'mode', 'hosts', 'ok', 'cells', 'diagnoses', 'problems']);
  assert.equal(doc.cells[1].byName.error, 'name not resolved');
  assert.equal(doc.cells[1].diagnosis.includes('not by name'), true);
  assert.equal(JSON.stringify(doc).includes('bad address'), false);
});

test('CSV export: one row per pair, quoting, no formula injection', () => {
  const lines = toCsv(report).trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], 'from,to,ok,name_ok,ip_ok,large_ok,loss_percent,min_ms,avg_ms,max_ms,diagnosis');
  assert.match(lines[2]!, /^h1,h2,false,false,true,true,0,0\.1,0\.2,0\.3,h2 answers at its IP but not by name/);
  const evil = toCsv({ ...report, cells: [{ ...report.cells[0]!, from: '=HYPERLINK("x")' }] });
  assert.match(evil.split('\n')[1]!, /^"'=HYPERLINK\(""x""\)"/);
});

test('Markdown export: a grid with marks and latencies, pipes escaped', () => {
  const md = toMarkdown(report);
  assert.match(md, /^# Connectivity of `web\\\|net`: failures found/);
  assert.match(md, /\| \*\*h1\*\* \| ✅ 0\.20 ms \| ⚠️ no name \|/);
  assert.match(md, /- =cmd\\\|x/);
});

test('webview messages are validated before use', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'run', via: 'h1', network: 'web', hosts: ['h1', 'h2', 'h1'] }), {
    type: 'run',
    via: 'h1',
    network: 'web',
    hosts: ['h1', 'h2'],
  });
  for (const bad of [
    null,
    'run',
    { type: 'run', via: 'h1', network: 'w; rm', hosts: ['h1'] },
    { type: 'run', via: 'h1', network: 'w', hosts: [] },
    { type: 'run', via: 'h1', network: 'w', hosts: [1] },
    { type: 'export', format: 'exe' },
    { type: 'nope' },
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
  fc.assert(
    fc.property(fc.anything(), (m) => {
      const r = parseWebviewMessage(m);
      if (r?.type === 'run') assert.ok(r.hosts.length > 0);
    }),
  );
});
