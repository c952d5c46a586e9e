// The matrix webview's words. The webview runs in the browser, where `vscode.l10n` does not exist: the
// panel (src/vscode/webview/MatrixPanel.ts) localises this table with vscode.l10n.t and puts it in the
// page. The keys are the English text; {0}, {1}… are filled in by `format`, as vscode.l10n.t does.

export const WEBVIEW_STRINGS = [
  'Run options',
  'Run',
  'Run again',
  'Watch',
  'Cancel',
  'Stop',
  'Export JSON',
  'Export CSV',
  'Export Markdown',
  'Progress',
  'Legend',
  'Selected pair',
  'Verdict',
  'Network',
  'Hosts',
  '{0} (via {1})',
  '{0} (via {1}) · not attachable: a temporary copy is checked',
  'Watching',
  'Running',
  'Running…',
  'Connectivity matrix: rows ping columns',
  'from \\ to',
  '{0} to {1}: ok {2}',
  '{0} to {1}: failed {2}',
  '{0} to {1}: pending {2}',
  'Select a cell (click, or arrows and Enter) to see its pings.',
  'result',
  'replies',
  'loss',
  'min/avg/max',
  'ok',
  'failed: {0}',
  'by name',
  'by IP',
  'large ({0} B)',
  'Recent rounds',
  'Last {0} round(s)',
  'Failed in {0} of {1}; packets lost in {2}.',
  '({0}% lost)',
  'Raw ping output',
  'All {0} pairs pass on {1}.',
  'Problems on {0}',
  'Round {0} ({1}): ',
  'Watching: round {0} measured in {1} ms; Stop ends the watch and removes the probes.',
  // src/shared/heatmap.ts: the cells and the legend.
  '{0} ms',
  '{0} · no name',
  '{0} · no large',
  'ok, < {0} ms',
  'ok, {0}–{1} ms',
  'ok, ≥ {0} ms',
  'IP ok, name or large packet fails',
  'unreachable',
  // src/shared/matrix.ts: how the probes ran.
  'mode: service, one swarm service through {0}',
  'mode: service, one swarm service through the manager',
  'mode: containers, one per host over SSH',
] as const;

export type WebviewString = (typeof WEBVIEW_STRINGS)[number];

/** Each English text with its localised form. */
export type WebviewStrings = Readonly<Record<WebviewString, string>>;

/** A message with its {0}, {1}… filled in; the English text when nothing localises it. */
export type Translate = (message: WebviewString, ...args: Array<string | number>) => string;

/** `template` with {0}, {1}… replaced by `args` (a placeholder without an argument stays as written). */
export function format(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const value = args[Number(i)];
    return value === undefined ? whole : String(value);
  });
}

/** English, as the CLI and the tests read it. */
export const english: Translate = (message, ...args) => format(message, ...args);

/** A translator over a localised table; a key the table lacks (an older page) reads in English. */
export function translator(strings: Partial<Record<string, string>>): Translate {
  return (message, ...args) => format(strings[message] ?? message, ...args);
}
