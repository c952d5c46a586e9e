// What the matrix panel does with the webview's messages, without `vscode` (so plain Node tests it):
// one run at a time (a second Run, even while the temporary-copy question is open, is ignored), Cancel
// and closing the panel stop the run that is going, nothing is posted once the panel is closed, and a
// failed export says so. Watch: the same, round after round on probes kept in place, each round
// updating the cells and their history; Stop (or closing) ends it and the probes go.
import type { MatrixCell, MatrixReport, MatrixRound } from '../../shared/matrix';
import { addRound } from '../../shared/matrixHistory';
import {
  type ExportFormat,
  type HostToWebview,
  type MatrixViewState,
  type WebviewToHost,
  parseWebviewMessage,
} from '../../shared/protocol';

export interface RunRequest {
  via: string;
  network: string;
  hosts: string[];
  temporaryCopy: boolean;
  signal: AbortSignal;
  onProgress: (message: string) => void;
  onCell: (cell: MatrixCell) => void;
  /** Set for a watch: called with each round; the run then resolves with the last round once stopped. */
  onRound?: (round: MatrixRound) => void;
}

/** The session's sentences: localised by the panel (vscode.l10n), in English in the tests. */
export interface SessionText {
  /** A run asked for a network or host no longer offered. */
  notOffered: string;
  /** The progress line before the first step. */
  starting: string;
  /** A run or watch ended by Cancel or Stop before it had a result. */
  cancelled: string;
  watching(round: number, measureMs: number): string;
  /** An export failed; `why` is the error's sentence without its full stop. */
  saveFailed(target: string | undefined, why: string): string;
  saved(target: string): string;
}

export interface MatrixSessionDeps {
  text: SessionText;
  /** Posts to the webview; may reject (or throw) once the webview is gone. */
  post(message: HostToWebview): PromiseLike<unknown> | void;
  /** The modal question before checking a temporary copy (none when the run needs no copy); false when declined. */
  confirmTemporaryCopy(network: string, via: string, hosts: string[]): Promise<boolean>;
  run(request: RunRequest): Promise<MatrixReport>;
  /** A watch's last round (the status bar item), or undefined once the watch is over. */
  watchStatus(round: MatrixRound | undefined): void;
  /** Where to save an export: a file path, or undefined when the user dismissed the dialog. */
  saveTarget(format: ExportFormat, report: MatrixReport): Promise<string | undefined>;
  render(format: ExportFormat, report: MatrixReport): string;
  write(path: string, text: string): Promise<void>;
  info(message: string): void;
  error(message: string): void;
  /** The extension's log (a message from the webview that is not valid). */
  log: { warn(message: string): void };
  userMessage(err: unknown): string;
  isCancelled(err: unknown): boolean;
}

/**
 * Cells streamed within this many ms go to the webview together, up to CELL_BATCH_MAX per message: each
 * message costs a trip from the extension host through the workbench into the webview (one per cell,
 * 4,096 at 64 hosts, kept the workbench busy for twice as long), and a message of a few dozen cells is
 * drawn well within a frame (the webview draws each cell alone, never the page).
 */
export const CELL_BATCH_MS = 30;
export const CELL_BATCH_MAX = 64;

export class MatrixSession {
  state: MatrixViewState = { choices: [], running: false, cells: [] };
  /** From the first Run until that run ends, including while the modal question is open. */
  private busy = false;
  private run: AbortController | undefined;
  private disposed = false;
  private queuedCells: MatrixCell[] = [];
  private cellTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: MatrixSessionDeps,
    restored?: MatrixViewState,
  ) {
    if (restored) this.state = { ...restored, running: false, watching: false, progress: undefined };
  }

  post(message: HostToWebview): void {
    if (this.disposed) return;
    // Whatever comes next (progress, the verdict) comes after the cells streamed before it.
    if (message.type !== 'matrix/cells') this.flushCells();
    try {
      // A panel closed between the check and the post rejects: nothing left to tell.
      void Promise.resolve(this.deps.post(message)).then(undefined, () => undefined);
    } catch {
      // Same, thrown synchronously.
    }
  }

  private queueCell(cell: MatrixCell): void {
    this.queuedCells.push(cell);
    if (this.queuedCells.length >= CELL_BATCH_MAX) this.flushCells();
    else this.cellTimer ??= setTimeout(() => this.flushCells(), CELL_BATCH_MS);
  }

  private flushCells(): void {
    clearTimeout(this.cellTimer);
    this.cellTimer = undefined;
    if (this.queuedCells.length === 0) return;
    const cells = this.queuedCells;
    this.queuedCells = [];
    this.post({ type: 'matrix/cells', cells });
  }

  pushState(): void {
    this.post({ type: 'matrix/state', state: this.state });
  }

  async onMessage(raw: unknown): Promise<void> {
    const m: WebviewToHost | undefined = parseWebviewMessage(raw);
    if (!m) {
      this.deps.log.warn('matrix: ignored an invalid message from the webview');
      return;
    }
    switch (m.type) {
      case 'ready':
        this.pushState();
        return;
      case 'cancel':
      case 'stop':
        // Stop ends a watch with its last round; before the first round it is a cancel.
        this.run?.abort();
        return;
      case 'export':
        await this.export(m.format);
        return;
      case 'run':
        await this.start(m.via, m.network, m.hosts, m.watch === true);
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  async start(via: string, network: string, hosts: string[], watch = false): Promise<void> {
    if (this.busy || this.disposed) return;
    this.busy = true;
    try {
      await this.startOnce(via, network, hosts, watch);
    } finally {
      this.busy = false;
      this.run = undefined;
    }
  }

  private async startOnce(via: string, network: string, hosts: string[], watch: boolean): Promise<void> {
    const choice = this.state.choices.find((c) => c.via === via && c.name === network);
    if (!choice || !hosts.every((h) => choice.hosts.includes(h))) {
      this.post({ type: 'matrix/error', message: this.deps.text.notOffered });
      return;
    }
    if (!choice.attachable) {
      const yes = await this.deps.confirmTemporaryCopy(network, via, hosts).catch(() => false);
      // Declined, or the panel was closed while the question was open: no run.
      if (!yes || this.disposed) {
        this.pushState();
        return;
      }
    }
    const run = new AbortController();
    this.run = run;
    this.state = {
      ...this.state,
      selected: { via, network, hosts },
      running: true,
      cells: [],
      report: undefined,
      error: undefined,
      progress: this.deps.text.starting,
      watching: watch,
      round: undefined,
      history: watch ? {} : undefined,
    };
    this.pushState();
    try {
      const report = await this.deps.run({
        via,
        network,
        hosts,
        temporaryCopy: !choice.attachable,
        signal: run.signal,
        onProgress: (message) => {
          this.state.progress = message;
          this.post({ type: 'matrix/progress', message });
        },
        onCell: (cell) => {
          // A watch's cells change per round, not per cell.
          if (watch) return;
          this.state.cells.push(cell);
          this.queueCell(cell);
        },
        onRound: watch ? (round) => this.onRound(round) : undefined,
      });
      this.state = { ...this.state, running: false, watching: false, progress: undefined, cells: report.cells, report };
      this.post({ type: 'matrix/done', report });
    } catch (err) {
      const error = this.deps.isCancelled(err) ? this.deps.text.cancelled : this.deps.userMessage(err);
      this.state = { ...this.state, running: false, watching: false, progress: undefined, error };
      this.post({ type: 'matrix/error', message: error });
    } finally {
      if (watch) this.deps.watchStatus(undefined);
    }
  }

  private onRound(round: MatrixRound): void {
    if (this.disposed) return;
    const history = addRound(this.state.history ?? {}, round.round, round.cells);
    this.state = {
      ...this.state,
      cells: round.cells,
      report: round,
      history,
      round: { round: round.round, endedAt: round.endedAt, measureMs: round.measureMs },
      progress: this.deps.text.watching(round.round, round.measureMs),
    };
    this.post({ type: 'matrix/round', round, history });
    this.deps.watchStatus(round);
  }

  async export(format: ExportFormat): Promise<void> {
    const report = this.state.report;
    if (!report) return;
    let target: string | undefined;
    try {
      target = await this.deps.saveTarget(format, report);
      if (!target) return;
      await this.deps.write(target, this.deps.render(format, report));
    } catch (err) {
      this.deps.error(this.deps.text.saveFailed(target, this.deps.userMessage(err).replace(/\.$/, '')));
      return;
    }
    this.deps.info(this.deps.text.saved(target));
  }

  /** The panel is closed: the run or watch going stops (its probes are removed), and nothing more is posted. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.cellTimer);
    this.run?.abort();
  }
}
