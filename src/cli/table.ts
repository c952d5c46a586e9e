// Plain-text tables for the CLI: columns padded to their widest cell.

/** Control characters (a node name or label from Docker could carry terminal escapes) shown as `?`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are what is replaced
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function formatTable(header: string[], table: string[][]): string {
  const rows = table.map((r) => r.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
