// The matrix as JSON, CSV and Markdown, for export from the webview and for CI logs.
import type { MatrixCell, MatrixReport } from '../../shared/matrix';

const num = (v: number | undefined) => (v === undefined ? '' : String(v));

/** The document both the CLI's --json and the JSON export print: the cells without raw output. */
export function reportDocument(r: MatrixReport) {
  const strip = (c: MatrixCell) => ({
    from: c.from,
    to: c.to,
    ok: c.ok,
    byName: { ok: c.byName.ok, lossPercent: c.byName.lossPercent, avgMs: c.byName.avgMs, error: c.byName.error },
    byIp: {
      ok: c.byIp.ok,
      lossPercent: c.byIp.lossPercent,
      minMs: c.byIp.minMs,
      avgMs: c.byIp.avgMs,
      maxMs: c.byIp.maxMs,
      error: c.byIp.error,
    },
    large: c.large ? { ok: c.large.ok, size: r.largeSize, error: c.large.error } : undefined,
    diagnosis: c.diagnosis,
  });
  return {
    network: r.network,
    mode: r.mode,
    ...(r.testedOn ? { testedOn: r.testedOn } : {}),
    hosts: r.hosts,
    ok: r.ok,
    cells: r.cells.map(strip),
    diagnoses: r.diagnoses,
    problems: r.problems,
    ...(r.unencrypted ? { unencrypted: r.unencrypted } : {}),
  };
}

export function toJson(r: MatrixReport): string {
  return JSON.stringify(reportDocument(r), null, 2) + '\n';
}

function csvField(v: string): string {
  // Quote always when needed; a leading =,+,-,@ would be read as a formula by spreadsheets.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(r: MatrixReport): string {
  const header = ['from', 'to', 'ok', 'name_ok', 'ip_ok', 'large_ok', 'loss_percent', 'min_ms', 'avg_ms', 'max_ms', 'diagnosis'];
  const rows = r.cells.map((c) => [
    c.from,
    c.to,
    String(c.ok),
    String(c.byName.ok),
    String(c.byIp.ok),
    c.large ? String(c.large.ok) : '',
    String(c.byIp.lossPercent),
    num(c.byIp.minMs),
    num(c.byIp.avgMs),
    num(c.byIp.maxMs),
    c.diagnosis ?? '',
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(r: MatrixReport): string {
  const cell = (from: string, to: string) => {
    const c = r.cells.find((x) => x.from === from && x.to === to);
    if (!c) return 'n/a';
    if (c.ok) return `✅ ${c.byIp.avgMs?.toFixed(2) ?? '?'} ms`;
    return !c.byIp.ok ? '❌ no IP' : !c.byName.ok ? '⚠️ no name' : '⚠️ large';
  };
  const lines = [
    `# Connectivity of \`${mdCell(r.network)}\`: ${r.ok ? 'all pairs pass' : 'failures found'}`,
    '',
    `| from \\ to | ${r.hosts.map(mdCell).join(' | ')} |`,
    `|---|${r.hosts.map(() => '---').join('|')}|`,
    ...r.hosts.map((f) => `| **${mdCell(f)}** | ${r.hosts.map((t) => cell(f, t)).join(' | ')} |`),
  ];
  if (r.diagnoses.length) lines.push('', '## Diagnosis', '', ...r.diagnoses.map((d) => `- ${mdCell(d)}`));
  return lines.join('\n') + '\n';
}
