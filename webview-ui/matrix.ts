// The connectivity matrix webview: pickers, run/cancel, a heatmap (hosts on both axes, colour by
// status and latency, value in every cell, legend), a detail pane, the verdict and exports. Watch:
// the cells take each round's values and show their recent RTTs; the detail pane shows the last rounds.
import { type MatrixCell, modeText } from '../src/shared/matrix';
import { lossCount, pairKey, sparkline } from '../src/shared/matrixHistory';
import type { HostToWebview, MatrixViewState, WebviewToHost } from '../src/shared/protocol';
import { registerToolkit, tags } from './toolkit';

declare function acquireVsCodeApi(): { postMessage(m: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };

registerToolkit();
const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
let state: MatrixViewState = (vscode.getState() as MatrixViewState | undefined) ?? { choices: [], running: false, cells: [] };
let selectedCell: { from: string; to: string } | undefined;
/** Run was pressed and the extension has not answered yet: a second press would be ignored there anyway. */
let requested = false;

function post(m: WebviewToHost): void {
  vscode.postMessage(m);
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K | string,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function cellClass(c: MatrixCell | undefined): string {
  if (!c) return 'pending';
  if (!c.byIp.ok) return 'fail';
  if (!c.byName.ok || (c.large && !c.large.ok)) return 'partial';
  const ms = c.byIp.avgMs ?? 0;
  return ms < 1 ? 'ok-fast' : ms < 5 ? 'ok' : 'ok-slow';
}

function cellText(c: MatrixCell | undefined): string {
  if (!c) return state.running ? '…' : '';
  if (!c.byIp.ok) return `✕ ${c.byIp.lossPercent}%`;
  const ms = `${c.byIp.avgMs?.toFixed(2) ?? '?'} ms`;
  if (!c.byName.ok) return `${ms} · no name`;
  if (c.large && !c.large.ok) return `${ms} · no large`;
  return ms;
}

function hostsOfRun(): string[] {
  return state.report?.hosts ?? state.selected?.hosts ?? [];
}

function render(): void {
  vscode.setState(state);
  app.replaceChildren(toolbar(), status(), heatmap(), legend(), details(), verdict());
}

function toolbar(): HTMLElement {
  const bar = el('section', { class: 'toolbar', 'aria-label': 'Run options' });
  const net = el(tags.dropdown, { id: 'network', 'aria-label': 'Network' });
  state.choices.forEach((c, i) => {
    const o = el(
      tags.option,
      { value: String(i) },
      `${c.name} (via ${c.via})${c.attachable ? '' : ' · not attachable: a temporary copy is checked'}`,
    );
    if (state.selected?.via === c.via && state.selected.network === c.name) o.setAttribute('selected', '');
    net.append(o);
  });
  net.addEventListener('change', () => {
    const c = state.choices[Number((net as HTMLSelectElement).value)];
    if (c) state.selected = { via: c.via, network: c.name, hosts: [...c.hosts] };
    render();
  });
  bar.append(el('label', { for: 'network' }, 'Network'), net);
  const choice = state.choices.find((c) => c.via === state.selected?.via && c.name === state.selected?.network);
  const hostsBox = el('fieldset', { class: 'hosts' }, el('legend', {}, 'Hosts'));
  for (const h of choice?.hosts ?? []) {
    const cb = el(tags.checkbox, { 'data-host': h }, h);
    if (state.selected?.hosts.includes(h)) cb.setAttribute('checked', '');
    cb.addEventListener('change', () => {
      const on = (cb as HTMLInputElement).checked;
      const set = new Set(state.selected?.hosts ?? []);
      if (on) set.add(h);
      else set.delete(h);
      if (state.selected) state.selected.hosts = choice!.hosts.filter((x) => set.has(x));
    });
    hostsBox.append(cb);
  }
  bar.append(hostsBox);
  const run = el(tags.button, { id: 'run', appearance: 'primary' }, state.report ? 'Run again' : 'Run');
  if (state.running || requested || !state.selected) run.setAttribute('disabled', '');
  run.addEventListener('click', () => {
    if (requested || state.running || !state.selected || state.selected.hosts.length === 0) return;
    requested = true;
    render();
    post({ type: 'run', via: state.selected.via, network: state.selected.network, hosts: state.selected.hosts });
  });
  const watch = el(tags.button, { id: 'watch', appearance: 'secondary' }, 'Watch');
  if (state.running || requested || !state.selected) watch.setAttribute('disabled', '');
  watch.addEventListener('click', () => {
    if (requested || state.running || !state.selected || state.selected.hosts.length === 0) return;
    requested = true;
    render();
    post({ type: 'run', via: state.selected.via, network: state.selected.network, hosts: state.selected.hosts, watch: true });
  });
  const cancel = el(tags.button, { id: 'cancel', appearance: 'secondary' }, 'Cancel');
  if (!state.running || state.watching) cancel.setAttribute('disabled', '');
  cancel.addEventListener('click', () => post({ type: 'cancel' }));
  const stop = el(tags.button, { id: 'stop', appearance: 'secondary' }, 'Stop');
  if (!state.running || !state.watching) stop.setAttribute('disabled', '');
  stop.addEventListener('click', () => post({ type: 'stop' }));
  bar.append(run, watch, cancel, stop);
  for (const f of ['json', 'csv', 'markdown'] as const) {
    const b = el(tags.button, { appearance: 'secondary', 'data-export': f }, `Export ${f === 'markdown' ? 'Markdown' : f.toUpperCase()}`);
    if (!state.report) b.setAttribute('disabled', '');
    b.addEventListener('click', () => post({ type: 'export', format: f }));
    bar.append(b);
  }
  return bar;
}

function status(): HTMLElement {
  const s = el('section', { class: 'status', role: 'status' });
  if (state.running)
    s.append(el(tags.progress, { 'aria-label': state.watching ? 'Watching' : 'Running' }), ' ', state.progress ?? 'Running…');
  if (state.error) s.append(el('p', { class: 'error' }, state.error));
  return s;
}

function heatmap(): HTMLElement {
  const hosts = hostsOfRun();
  const table = el('table', { class: 'heatmap', role: 'grid', 'aria-label': 'Connectivity matrix: rows ping columns' });
  const head = el('tr', {}, el('th', { scope: 'col' }, 'from \\ to'));
  for (const h of hosts) head.append(el('th', { scope: 'col' }, h));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  hosts.forEach((from, r) => {
    const row = el('tr', {}, el('th', { scope: 'row' }, from));
    hosts.forEach((to, c) => {
      const cell = state.cells.find((x) => x.from === from && x.to === to);
      const btn = el(
        'button',
        {
          class: `cell ${cellClass(cell)}${selectedCell?.from === from && selectedCell.to === to ? ' selected' : ''}`,
          'data-from': from,
          'data-to': to,
          'data-row': String(r),
          'data-col': String(c),
          'aria-label': `${from} to ${to}: ${cell ? (cell.ok ? 'ok' : 'failed') : 'pending'} ${cellText(cell)}`,
        },
        cellText(cell),
      );
      const samples = state.history?.[pairKey(from, to)];
      if (samples && samples.length > 1) btn.append(el('span', { class: 'spark', 'aria-hidden': 'true' }, sparkline(samples)));
      btn.addEventListener('click', () => {
        selectedCell = { from, to };
        render();
        document.querySelector<HTMLElement>(`button.cell[data-from="${CSS.escape(from)}"][data-to="${CSS.escape(to)}"]`)?.focus();
      });
      btn.addEventListener('keydown', (e) => moveFocus(e, r, c, hosts.length));
      row.append(el('td', {}, btn));
    });
    body.append(row);
  });
  table.append(body);
  return table;
}

function moveFocus(e: KeyboardEvent, r: number, c: number, n: number): void {
  const d: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const step = d[e.key];
  if (!step) return;
  e.preventDefault();
  const nr = Math.min(n - 1, Math.max(0, r + step[0]));
  const nc = Math.min(n - 1, Math.max(0, c + step[1]));
  document.querySelector<HTMLElement>(`button.cell[data-row="${nr}"][data-col="${nc}"]`)?.focus();
}

function legend(): HTMLElement {
  const items: Array<[string, string]> = [
    ['ok-fast', 'ok, < 1 ms'],
    ['ok', 'ok, 1–5 ms'],
    ['ok-slow', 'ok, ≥ 5 ms'],
    ['partial', 'IP ok, name or large packet fails'],
    ['fail', 'unreachable'],
  ];
  return el(
    'section',
    { class: 'legend', 'aria-label': 'Legend' },
    ...items.map(([cls, text]) => el('span', {}, el('span', { class: `swatch ${cls}` }), text)),
  );
}

function details(): HTMLElement {
  const box = el('section', { class: 'details', 'aria-label': 'Selected pair' });
  const c = selectedCell && state.cells.find((x) => x.from === selectedCell!.from && x.to === selectedCell!.to);
  if (!c) {
    box.append(el('p', { class: 'hint' }, 'Select a cell (click, or arrows and Enter) to see its pings.'));
    return box;
  }
  const row = (label: string, p: MatrixCell['byIp'] | undefined) =>
    p
      ? el(
          'tr',
          {},
          el('th', {}, label),
          el('td', {}, p.ok ? 'ok' : `failed: ${p.error ?? ''}`),
          el('td', {}, `${p.received}/${p.sent}`),
          el('td', {}, `${p.lossPercent}%`),
          el('td', {}, p.minMs === undefined ? '–' : `${p.minMs}/${p.avgMs}/${p.maxMs} ms`),
        )
      : '';
  box.append(
    el('h2', {}, `${c.from} → ${c.to}`),
    el(
      'table',
      { class: 'pings' },
      el('tr', {}, el('th', {}, ''), el('th', {}, 'result'), el('th', {}, 'replies'), el('th', {}, 'loss'), el('th', {}, 'min/avg/max')),
      row('by name', c.byName),
      row('by IP', c.byIp),
      row(`large (${state.report?.largeSize ?? '?'} B)`, c.large),
    ),
  );
  if (c.diagnosis) box.append(el('p', { class: 'diagnosis' }, c.diagnosis));
  const samples = state.history?.[pairKey(c.from, c.to)];
  if (samples?.length) {
    const { failed, lossy } = lossCount(samples);
    box.append(
      el(
        'section',
        { class: 'history', 'aria-label': 'Recent rounds' },
        el('h3', {}, `Last ${samples.length} round(s)`),
        el('p', { class: 'spark' }, sparkline(samples)),
        el('p', {}, `Failed in ${failed} of ${samples.length}; packets lost in ${lossy}.`),
        el(
          'p',
          { class: 'rtts' },
          samples
            .map((x) => `#${x.round} ${x.rttMs === undefined ? '✕' : `${x.rttMs} ms`}${x.lossPercent ? ` (${x.lossPercent}% lost)` : ''}`)
            .join(' · '),
        ),
      ),
    );
  }
  const raw = el(
    'details',
    {},
    el('summary', {}, 'Raw ping output'),
    el('pre', {}, [c.byName.raw, c.byIp.raw, c.large?.raw ?? ''].join('\n\n')),
  );
  box.append(raw);
  return box;
}

function verdict(): HTMLElement {
  const v = el('section', { class: 'verdict', 'aria-label': 'Verdict' });
  const r = state.report;
  if (!r) return v;
  const round = state.round ? `Round ${state.round.round} (${new Date(state.round.endedAt).toLocaleTimeString()}): ` : '';
  v.append(
    el(
      'h2',
      { class: r.ok ? 'good' : 'bad' },
      `${round}${r.ok ? `All ${r.cells.length} pairs pass on ${r.network}.` : `Problems on ${r.network}`}`,
    ),
  );
  if (r.diagnoses.length) v.append(el('ul', {}, ...r.diagnoses.map((d) => el('li', {}, d))));
  v.append(el('p', { class: 'mode' }, modeText(r.mode, state.selected?.via)));
  return v;
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  if (m.type === 'matrix/state' || m.type === 'matrix/done' || m.type === 'matrix/error') requested = false;
  switch (m.type) {
    case 'matrix/state':
      state = m.state;
      break;
    case 'matrix/progress':
      state.progress = m.message;
      break;
    case 'matrix/cell':
      state.cells = [...state.cells.filter((c) => !(c.from === m.cell.from && c.to === m.cell.to)), m.cell];
      break;
    case 'matrix/round':
      state = {
        ...state,
        cells: m.round.cells,
        report: m.round,
        history: m.history,
        round: { round: m.round.round, endedAt: m.round.endedAt, measureMs: m.round.measureMs },
        progress: `Watching: round ${m.round.round} measured in ${m.round.measureMs} ms; Stop ends the watch and removes the probes.`,
      };
      break;
    case 'matrix/done':
      state = { ...state, running: false, watching: false, progress: undefined, report: m.report, cells: m.report.cells };
      break;
    case 'matrix/error':
      state = { ...state, running: false, watching: false, progress: undefined, error: m.message };
      break;
  }
  render();
});

render();
post({ type: 'ready' });
