// The connectivity matrix webview: pickers, run/cancel, a heatmap (hosts on both axes, colour by
// status and latency, value in every cell, legend), a detail pane, the verdict and exports. Watch:
// the cells take each round's values and show their recent RTTs; the detail pane shows the last rounds.
// The page is built once; each message updates only what it changes (each cell of `matrix/cells` alone), so
// a 64 × 64 run stays fast and keyboard focus stays where it is. The one live region says the verdict.
import { DEFAULT_LATENCY_THRESHOLDS, cellClass, cellText, legendItems } from '../src/shared/heatmap';
import { type MatrixCell, modeText } from '../src/shared/matrix';
import { lossCount, pairKey, sparkline } from '../src/shared/matrixHistory';
import type { HostToWebview, MatrixViewState, WebviewToHost } from '../src/shared/protocol';
import { translator } from '../src/shared/webviewStrings';
import { registerToolkit, tags } from './toolkit';

declare function acquireVsCodeApi(): { postMessage(m: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };

registerToolkit();
const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
/** The words, localised by the panel and put in the page (MatrixPanel); English when absent. */
const t = translator(JSON.parse(app.dataset.strings ?? '{}') as Record<string, string>);
let state: MatrixViewState = (vscode.getState() as MatrixViewState | undefined) ?? { choices: [], running: false, cells: [] };
/** The cells by pair; state.cells is brought in line before the state is saved. */
let cells = new Map<string, MatrixCell>();
let selectedKey: string | undefined;
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

function thresholds() {
  return state.latencyThresholdsMs ?? DEFAULT_LATENCY_THRESHOLDS;
}

function hostsOfRun(): string[] {
  return state.report?.hosts ?? state.selected?.hosts ?? [];
}

// ---- the page, built once -------------------------------------------------------------------------

const toolbar = el('section', { class: 'toolbar', 'aria-label': t('Run options') });
const networkBox = el('span', { class: 'network' });
const hostsSlot = el('span', { class: 'hosts-slot' });
const buttons = {
  run: el(tags.button, { id: 'run', appearance: 'primary' }, t('Run')),
  watch: el(tags.button, { id: 'watch', appearance: 'secondary' }, t('Watch')),
  cancel: el(tags.button, { id: 'cancel', appearance: 'secondary' }, t('Cancel')),
  stop: el(tags.button, { id: 'stop', appearance: 'secondary' }, t('Stop')),
};
type ButtonName = keyof typeof buttons;
const exportButtons = (['json', 'csv', 'markdown'] as const).map((f) => {
  const b = el(
    tags.button,
    { appearance: 'secondary', 'data-export': f },
    t(f === 'json' ? 'Export JSON' : f === 'csv' ? 'Export CSV' : 'Export Markdown'),
  );
  b.addEventListener('click', () => post({ type: 'export', format: f }));
  return b;
});
toolbar.append(networkBox, hostsSlot, buttons.run, buttons.watch, buttons.cancel, buttons.stop, ...exportButtons);

// Not a live region: the verdict's announcer below is the only one.
const statusBox = el('section', { class: 'status', 'aria-label': t('Progress') });
const gridBox = el('div', { class: 'grid-scroll' });
const legendBox = el('section', { class: 'legend', 'aria-label': t('Legend') });
const detailsBox = el('section', { class: 'details', 'aria-label': t('Selected pair') });
const verdictBox = el('section', { class: 'verdict', 'aria-label': t('Verdict') });
/** What a screen reader hears: the verdict (or why the run ended), once per change, not every cell or round. */
const announcer = el('p', { id: 'announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
app.replaceChildren(toolbar, statusBox, gridBox, legendBox, detailsBox, verdictBox, announcer);

function start(watch: boolean): void {
  if (requested || state.running || !state.selected || state.selected.hosts.length === 0) return;
  requested = true;
  updateButtons();
  post({ type: 'run', via: state.selected.via, network: state.selected.network, hosts: state.selected.hosts, ...(watch ? { watch } : {}) });
}
buttons.run.addEventListener('click', () => start(false));
buttons.watch.addEventListener('click', () => start(true));
buttons.cancel.addEventListener('click', () => post({ type: 'cancel' }));
buttons.stop.addEventListener('click', () => post({ type: 'stop' }));

// ---- toolbar ---------------------------------------------------------------------------------------

let networkKey = '';
let hostsKey = '';
const pickedKey = () => JSON.stringify([state.choices, state.selected?.via, state.selected?.network]);

/**
 * The network dropdown and the host boxes, rebuilt only when the networks offered or the one picked
 * change; a pick made in the dropdown itself keeps the dropdown (and its focus) and redoes the boxes.
 */
function updatePickers(): void {
  const key = pickedKey();
  if (key !== networkKey) {
    networkKey = key;
    const net = el(tags.dropdown, { id: 'network', 'aria-label': t('Network') });
    state.choices.forEach((c, i) => {
      const o = el(
        tags.option,
        { value: String(i) },
        c.attachable ? t('{0} (via {1})', c.name, c.via) : t('{0} (via {1}) · not attachable: a temporary copy is checked', c.name, c.via),
      );
      if (state.selected?.via === c.via && state.selected.network === c.name) o.setAttribute('selected', '');
      net.append(o);
    });
    net.addEventListener('change', () => {
      const c = state.choices[Number((net as HTMLSelectElement).value)];
      if (c) state.selected = { via: c.via, network: c.name, hosts: [...c.hosts] };
      networkKey = pickedKey();
      saveSoon();
      updateAll();
    });
    networkBox.replaceChildren(el('label', { for: 'network' }, t('Network')), net);
  }
  if (key === hostsKey) return;
  hostsKey = key;
  const choice = state.choices.find((c) => c.via === state.selected?.via && c.name === state.selected?.network);
  const hostsBox = el('fieldset', { class: 'hosts' }, el('legend', {}, t('Hosts')));
  for (const h of choice?.hosts ?? []) {
    const cb = el(tags.checkbox, { 'data-host': h }, h);
    if (state.selected?.hosts.includes(h)) cb.setAttribute('checked', '');
    cb.addEventListener('change', () => {
      const on = (cb as HTMLInputElement).checked;
      const set = new Set(state.selected?.hosts ?? []);
      if (on) set.add(h);
      else set.delete(h);
      if (state.selected) state.selected.hosts = choice!.hosts.filter((x) => set.has(x));
      saveSoon();
    });
    hostsBox.append(cb);
  }
  hostsSlot.replaceChildren(hostsBox);
}

/** Where focus goes when the focused button is disabled: Run → Cancel during the run → Run again after. */
const FOCUS_NEXT: Record<ButtonName, ButtonName[]> = {
  run: ['cancel', 'stop'],
  watch: ['stop', 'cancel'],
  cancel: ['run', 'watch'],
  stop: ['watch', 'run'],
};
/** A button that had focus when it was disabled and whose successor was not enabled yet. */
let focusOwed: ButtonName | undefined;

function setDisabled(b: HTMLElement, disabled: boolean): void {
  if (disabled !== b.hasAttribute('disabled')) b.toggleAttribute('disabled', disabled);
}

function updateButtons(): void {
  const active = document.activeElement;
  const had = (Object.keys(buttons) as ButtonName[]).find((n) => buttons[n] === active);
  const noSelection = !state.selected;
  setDisabled(buttons.run, state.running || requested || noSelection);
  setDisabled(buttons.watch, state.running || requested || noSelection);
  setDisabled(buttons.cancel, !state.running || state.watching === true);
  setDisabled(buttons.stop, !state.running || state.watching !== true);
  const runText = state.report ? t('Run again') : t('Run');
  if (buttons.run.textContent !== runText) buttons.run.textContent = runText;
  for (const b of exportButtons) setDisabled(b, !state.report);
  // Keep keyboard focus on the toolbar when the button it was on goes grey (Run while the run goes,
  // Cancel or Stop once it ended), unless the user has put it somewhere else meanwhile.
  const lost = had && buttons[had].hasAttribute('disabled') ? had : !had && (!active || active === document.body) ? focusOwed : undefined;
  if (!lost) {
    if (had) focusOwed = undefined;
    return;
  }
  const next = FOCUS_NEXT[lost].find((n) => !buttons[n].hasAttribute('disabled'));
  focusOwed = next ? undefined : lost;
  // After the toolkit's own update (queued for the next frame), which enables the button inside.
  if (next) requestAnimationFrame(() => buttons[next].focus());
}

function updateStatus(): void {
  statusBox.replaceChildren();
  if (state.running)
    statusBox.append(
      el(tags.progress, { 'aria-label': state.watching ? t('Watching') : t('Running') }),
      ' ',
      el('span', { class: 'progress' }, state.progress ?? t('Running…')),
    );
  if (state.error) statusBox.append(el('p', { class: 'error' }, state.error));
}

/** The progress line alone, for the messages that change nothing else. */
function updateProgress(): void {
  const line = statusBox.querySelector('.progress');
  if (line && state.running) line.textContent = state.progress ?? t('Running…');
  else updateStatus();
}

// ---- the heatmap -----------------------------------------------------------------------------------

interface CellView {
  button: HTMLButtonElement;
  /** What it shows now, so an update that changes nothing touches nothing. */
  drawn: string;
}
let gridKey = '';
let views = new Map<string, CellView>();

/** The grid, rebuilt only when the hosts change: one button per pair, headers that stay on scroll. */
function updateGrid(): void {
  const hosts = hostsOfRun();
  const key = JSON.stringify(hosts);
  if (key !== gridKey) {
    gridKey = key;
    const focused = (document.activeElement as HTMLElement | null)?.dataset;
    const refocus = focused?.from !== undefined && focused.to !== undefined ? pairKey(focused.from, focused.to) : undefined;
    views = new Map();
    const table = el('table', { class: 'heatmap', role: 'grid', 'aria-label': t('Connectivity matrix: rows ping columns') });
    const head = el('tr', {}, el('th', { scope: 'col', class: 'corner' }, t('from \\ to')));
    for (const h of hosts) head.append(el('th', { scope: 'col' }, h));
    const body = document.createDocumentFragment();
    hosts.forEach((from, r) => {
      const row = el('tr', {}, el('th', { scope: 'row' }, from));
      hosts.forEach((to, c) => {
        const button = document.createElement('button');
        button.className = 'cell';
        Object.assign(button.dataset, { from, to, row: String(r), col: String(c) });
        views.set(pairKey(from, to), { button, drawn: '' });
        const td = document.createElement('td');
        td.append(button);
        row.append(td);
      });
      body.append(row);
    });
    table.append(el('thead', {}, head), el('tbody', {}, body));
    gridBox.replaceChildren(table);
    if (refocus) views.get(refocus)?.button.focus();
  }
  for (const k of views.keys()) drawCell(k);
}

function drawCell(key: string): void {
  const v = views.get(key);
  if (!v) return;
  const cell = cells.get(key);
  const { from, to } = v.button.dataset as { from: string; to: string };
  const text = cellText(cell, state.running, t);
  const samples = state.history?.[key];
  const spark = samples && samples.length > 1 ? sparkline(samples) : '';
  const cls = `cell ${cellClass(cell, thresholds())}${key === selectedKey ? ' selected' : ''}`;
  const drawn = `${cls}\n${text}\n${spark}`;
  if (drawn === v.drawn) return;
  v.drawn = drawn;
  v.button.className = cls;
  v.button.setAttribute(
    'aria-label',
    cell ? t(cell.ok ? '{0} to {1}: ok {2}' : '{0} to {1}: failed {2}', from, to, text) : t('{0} to {1}: pending {2}', from, to, text),
  );
  if (spark) v.button.replaceChildren(text, el('span', { class: 'spark', 'aria-hidden': 'true' }, spark));
  else v.button.textContent = text;
}

function select(key: string): void {
  const before = selectedKey;
  selectedKey = key;
  if (before) drawCell(before);
  drawCell(key);
  updateDetails();
}

gridBox.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.cell');
  if (!b) return;
  select(pairKey(b.dataset.from!, b.dataset.to!));
  b.focus();
});
gridBox.addEventListener('keydown', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button.cell');
  const step = ({ ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] } as Record<string, [number, number]>)[e.key];
  if (!b || !step) return;
  e.preventDefault();
  const n = hostsOfRun().length;
  const r = Math.min(n - 1, Math.max(0, Number(b.dataset.row) + step[0]));
  const c = Math.min(n - 1, Math.max(0, Number(b.dataset.col) + step[1]));
  gridBox.querySelector<HTMLElement>(`button.cell[data-row="${r}"][data-col="${c}"]`)?.focus();
});

let legendKey = '';

function updateLegend(): void {
  const key = JSON.stringify(thresholds());
  if (key === legendKey) return;
  legendKey = key;
  legendBox.replaceChildren(
    ...legendItems(thresholds(), t).map(([cls, text]) => el('span', {}, el('span', { class: `swatch ${cls}` }), text)),
  );
}

// ---- detail pane and verdict ---------------------------------------------------------------------------

function updateDetails(): void {
  const box = detailsBox;
  const c = selectedKey === undefined ? undefined : cells.get(selectedKey);
  if (!c) {
    box.replaceChildren(el('p', { class: 'hint' }, t('Select a cell (click, or arrows and Enter) to see its pings.')));
    return;
  }
  const row = (label: string, p: MatrixCell['byIp'] | undefined) =>
    p
      ? el(
          'tr',
          {},
          el('th', {}, label),
          el('td', {}, p.ok ? t('ok') : t('failed: {0}', p.error ?? '')),
          el('td', {}, `${p.received}/${p.sent}`),
          el('td', {}, `${p.lossPercent}%`),
          el('td', {}, p.minMs === undefined ? '–' : t('{0} ms', `${p.minMs}/${p.avgMs}/${p.maxMs}`)),
        )
      : '';
  // An open "Raw ping output" stays open when the pair's values change.
  const open = box.querySelector('details')?.open === true && box.querySelector('h2')?.textContent === `${c.from} → ${c.to}`;
  box.replaceChildren(
    el('h2', {}, `${c.from} → ${c.to}`),
    el(
      'table',
      { class: 'pings' },
      el(
        'tr',
        {},
        el('th', {}, ''),
        el('th', {}, t('result')),
        el('th', {}, t('replies')),
        el('th', {}, t('loss')),
        el('th', {}, t('min/avg/max')),
      ),
      row(t('by name'), c.byName),
      row(t('by IP'), c.byIp),
      row(t('large ({0} B)', state.report?.largeSize ?? '?'), c.large),
    ),
  );
  if (c.diagnosis) box.append(el('p', { class: 'diagnosis' }, c.diagnosis));
  const samples = state.history?.[pairKey(c.from, c.to)];
  if (samples?.length) {
    const { failed, lossy } = lossCount(samples);
    box.append(
      el(
        'section',
        { class: 'history', 'aria-label': t('Recent rounds') },
        el('h3', {}, t('Last {0} round(s)', samples.length)),
        el('p', { class: 'spark' }, sparkline(samples)),
        el('p', {}, t('Failed in {0} of {1}; packets lost in {2}.', failed, samples.length, lossy)),
        el(
          'p',
          { class: 'rtts' },
          samples
            .map(
              (x) =>
                `#${x.round} ${x.rttMs === undefined ? '✕' : t('{0} ms', x.rttMs)}${x.lossPercent ? ` ${t('({0}% lost)', x.lossPercent)}` : ''}`,
            )
            .join(' · '),
        ),
      ),
    );
  }
  const raw = el(
    'details',
    {},
    el('summary', {}, t('Raw ping output')),
    el('pre', {}, [c.byName.raw, c.byIp.raw, c.large?.raw ?? ''].join('\n\n')),
  );
  if (open) raw.setAttribute('open', '');
  box.append(raw);
}

/** The verdict's sentence without the round, so a watch is announced when its outcome changes, not every round. */
function verdictSentence(): string {
  const r = state.report;
  if (state.error) return state.error;
  // While a plain run goes there is no verdict yet (a watch has one per round).
  if (!r || (state.running && !state.watching)) return '';
  return r.ok ? t('All {0} pairs pass on {1}.', r.cells.length, r.network) : t('Problems on {0}', r.network);
}

function updateVerdict(): void {
  verdictBox.replaceChildren();
  const r = state.report;
  const sentence = verdictSentence();
  if (announcer.textContent !== sentence) announcer.textContent = sentence;
  if (!r) return;
  const round = state.round ? t('Round {0} ({1}): ', state.round.round, new Date(state.round.endedAt).toLocaleTimeString()) : '';
  verdictBox.append(
    el(
      'h2',
      { class: r.ok ? 'good' : 'bad' },
      `${round}${r.ok ? t('All {0} pairs pass on {1}.', r.cells.length, r.network) : t('Problems on {0}', r.network)}`,
    ),
  );
  if (r.diagnoses.length) verdictBox.append(el('ul', {}, ...r.diagnoses.map((d) => el('li', {}, d))));
  verdictBox.append(el('p', { class: 'mode' }, modeText(r.mode, state.selected?.via, t)));
}

function updateAll(): void {
  updatePickers();
  updateButtons();
  updateStatus();
  updateGrid();
  updateLegend();
  updateDetails();
  updateVerdict();
}

// ---- saving the state ---------------------------------------------------------------------------------

let saveScheduled = false;

/**
 * The state for a reload, saved off the message path: at 64 hosts it is megabytes of ping output, and
 * saving it on each streamed cell would cost more than drawing the cell.
 */
function saveSoon(): void {
  if (saveScheduled) return;
  saveScheduled = true;
  setTimeout(() => {
    saveScheduled = false;
    state.cells = [...cells.values()];
    vscode.setState(state);
  }, 500);
}

function setCells(list: MatrixCell[]): void {
  cells = new Map(list.map((c) => [pairKey(c.from, c.to), c]));
}

// ---- messages ---------------------------------------------------------------------------------------

/** Each message is timed (User Timing, `matrix:<type>`, with the number of cells), so the end-to-end test reads what an update costs here. */
const MAX_MEASURES = 10_000;
let measures = 0;

function onMessage(m: HostToWebview): void {
  if (m.type === 'matrix/state' || m.type === 'matrix/done' || m.type === 'matrix/error') requested = false;
  switch (m.type) {
    case 'matrix/state':
      state = m.state;
      setCells(state.cells);
      updateAll();
      saveSoon();
      return;
    case 'matrix/progress':
      state.progress = m.message;
      updateProgress();
      return;
    case 'matrix/cells':
      for (const cell of m.cells) {
        const key = pairKey(cell.from, cell.to);
        cells.set(key, cell);
        drawCell(key);
        if (key === selectedKey) updateDetails();
      }
      return;
    case 'matrix/round':
      state = {
        ...state,
        report: m.round,
        history: m.history,
        round: { round: m.round.round, endedAt: m.round.endedAt, measureMs: m.round.measureMs },
        progress: t(
          'Watching: round {0} measured in {1} ms; Stop ends the watch and removes the probes.',
          m.round.round,
          m.round.measureMs,
        ),
      };
      setCells(m.round.cells);
      break;
    case 'matrix/done':
      state = { ...state, running: false, watching: false, progress: undefined, report: m.report };
      setCells(m.report.cells);
      break;
    case 'matrix/error':
      state = { ...state, running: false, watching: false, progress: undefined, error: m.message };
      break;
  }
  // A run's end or a watch's round: everything but the pickers may change; the grid only where it did.
  updateButtons();
  updateStatus();
  updateGrid();
  updateDetails();
  updateVerdict();
  saveSoon();
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const t0 = performance.now();
  onMessage(event.data);
  if (++measures > MAX_MEASURES) {
    performance.clearMeasures();
    measures = 1;
  }
  const detail = event.data.type === 'matrix/cells' ? { cells: event.data.cells.length } : undefined;
  performance.measure(`matrix:${event.data.type}`, { start: t0, end: performance.now(), detail });
});

setCells(state.cells);
updateAll();
post({ type: 'ready' });
