// The connectivity matrix panel: pickers, run/cancel, streamed cells, export. The webview is a
// separate browser bundle (dist/webview/matrix.js); messages are typed in src/shared/protocol.ts and
// every incoming one is validated before use. What the messages do is MatrixSession's (no `vscode`).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { readSettings } from '../platform/settings';
import { LATENCY_THRESHOLDS_KEY } from '../../shared/heatmap';
import type { MatrixReport } from '../../shared/matrix';
import type { MatrixViewState, NetworkChoice } from '../../shared/protocol';
import type { WebviewStrings } from '../../shared/webviewStrings';
import type { ClusterState } from '../ClusterState';
import type { CommandContext } from '../commands/CommandContext';
import type { CoreService } from '../platform/CoreService';
import { confirm } from '../platform/ui';
import { MatrixSession, type RunRequest, type SessionText } from './MatrixSession';
import { runSynthetic, syntheticChoice } from './syntheticFeed';
import { WatchStatusItem } from './WatchStatusItem';

type Plan = Awaited<ReturnType<CoreService['api']['planMatrix']>>;
const planKey = (via: string, hosts: string[]) => JSON.stringify([via, hosts]);

export const MATRIX_VIEW_TYPE = 'swarmOverlay.matrix';

/** Networks and runs that are not the lab's: the end-to-end test's generated feed. */
interface MatrixFeed {
  choices: NetworkChoice[];
  run(request: RunRequest): Promise<MatrixReport>;
}

export class MatrixPanel {
  private static current: MatrixPanel | undefined;
  private readonly session: MatrixSession;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly watchStatus = new WatchStatusItem();

  private readonly extensionUri: vscode.Uri;
  private readonly core: CoreService;
  private readonly cluster: ClusterState;
  private readonly log: vscode.LogOutputChannel;
  /** The plan the temporary-copy question made, handed to the run right after it (the run does not plan again). */
  private askedPlan?: { key: string; plan: Plan };

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    ctx: Pick<CommandContext, 'extensionUri' | 'core' | 'state' | 'log'>,
    restored?: MatrixViewState,
    private readonly feed?: MatrixFeed,
  ) {
    this.extensionUri = ctx.extensionUri;
    this.core = ctx.core;
    this.cluster = ctx.state;
    this.log = ctx.log;
    const extensionUri = ctx.extensionUri;
    this.session = this.createSession(restored);
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.session.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(LATENCY_THRESHOLDS_KEY)) return;
        this.session.state.latencyThresholdsMs = readSettings().latencyThresholdsMs;
        this.session.pushState();
      }),
      this.watchStatus,
    );
  }

  /** Opens (or reveals) the panel; with a network, runs the matrix on it at once (Run stays for reruns). */
  static show(ctx: CommandContext, preset?: { via: string; network: string }): MatrixPanel {
    if (MatrixPanel.current) {
      MatrixPanel.current.panel.reveal();
    } else {
      const panel = vscode.window.createWebviewPanel(MATRIX_VIEW_TYPE, vscode.l10n.t('Connectivity Matrix'), vscode.ViewColumn.Active, {
        retainContextWhenHidden: false,
      });
      panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'swarm-overlay.svg');
      MatrixPanel.current = new MatrixPanel(panel, ctx);
    }
    const p = MatrixPanel.current;
    if (preset) p.session.state.selected = { ...preset, hosts: [] };
    void p.loadChoices().then(() => preset && p.runPreset(preset));
    return p;
  }

  /** The end-to-end test's panel: a generated network of `size` hosts whose Run streams made-up cells (no lab). */
  static showSynthetic(ctx: CommandContext, size: number): MatrixPanel {
    MatrixPanel.current?.dispose();
    const panel = vscode.window.createWebviewPanel(
      MATRIX_VIEW_TYPE,
      vscode.l10n.t('Connectivity Matrix (synthetic)'),
      vscode.ViewColumn.Active,
      {
        retainContextWhenHidden: false,
      },
    );
    MatrixPanel.current = new MatrixPanel(panel, ctx, undefined, { choices: [syntheticChoice(size)], run: runSynthetic });
    void MatrixPanel.current.loadChoices();
    return MatrixPanel.current;
  }

  static revive(panel: vscode.WebviewPanel, ctx: Pick<CommandContext, 'extensionUri' | 'core' | 'state' | 'log'>, state: unknown): void {
    const restored = isViewState(state) ? state : undefined;
    MatrixPanel.current = new MatrixPanel(panel, ctx, restored);
    void MatrixPanel.current.loadChoices();
  }

  /** Through the session, as the Run button does: one run at a time, the temporary-copy question first, Cancel and close stop it. */
  private async runPreset(preset: { via: string; network: string }): Promise<void> {
    const sel = this.session.state.selected;
    const hosts = sel && sel.via === preset.via && sel.network === preset.network ? sel.hosts : [];
    // A network gone meanwhile: the session says so in the panel.
    await this.session.start(preset.via, preset.network, hosts);
  }

  private createSession(restored: MatrixViewState | undefined): MatrixSession {
    const { api } = this.core;
    return new MatrixSession(
      {
        text: sessionText(),
        post: (message) => this.panel.webview.postMessage(message),
        confirmTemporaryCopy: async (network, via, hosts) => {
          // Through a manager (service mode) the probes are the swarm's own tasks, which join any overlay: no copy, no question.
          const plan = await api.planMatrix(this.core.docker(), via, 'auto', hosts).catch(() => undefined);
          this.askedPlan = plan && { key: planKey(via, hosts), plan };
          if (plan?.mode === 'service') return true;
          return confirm(
            vscode.l10n.t('"{0}" is not attachable, so test containers cannot join it.', network),
            vscode.l10n.t(
              'Check a temporary attachable overlay with the same options across the same hosts instead? It is created for the run and removed afterwards; nothing else changes.',
            ),
            vscode.l10n.t('Check a Temporary Copy'),
          ).then(
            () => true,
            () => {
              // Declined: no run follows, so the plan asked for it must not serve a later one.
              this.askedPlan = undefined;
              return false;
            },
          );
        },
        run: async (r) => {
          if (this.feed) return this.feed.run(r);
          // A settings change meanwhile must not take the probes' connections away.
          const release = this.core.hold();
          try {
            // Auto: containers when every chosen node is a configured host, else one service through the manager.
            const asked = this.askedPlan?.key === planKey(r.via, r.hosts) ? this.askedPlan.plan : undefined;
            this.askedPlan = undefined;
            const plan = asked ?? (await api.planMatrix(this.core.docker(), r.via, 'auto', r.hosts));
            const options = { ...r, ...plan, image: readSettings().probeImage ?? api.DEFAULT_PROBE_IMAGE, logger: this.core.logger };
            let report: MatrixReport = r.onRound
              ? (await api.watchMatrix(this.core.docker(), options)).last
              : await api.runMatrix(this.core.docker(), options).then(({ timings: _timings, ...rest }) => rest);
            // The walkthrough's last step: done once a matrix has run to its end.
            this.cluster.noteMatrixRan();
            const choice = this.session.state.choices.find((c) => c.via === r.via && c.name === r.network);
            const failing = api.crossPairsFailing(report);
            if (!r.onRound && choice?.encrypted && failing > 0 && (await this.confirmCompare(r.network, failing))) {
              report = await api.withUnencryptedComparison(this.core.docker(), options, report);
            }
            return report;
          } finally {
            release();
          }
        },
        watchStatus: (round) => this.watchStatus.show(round),
        saveTarget: async (format, report) => {
          const ext = format === 'markdown' ? 'md' : format;
          const uri = await vscode.window.showSaveDialog({
            defaultUri: vscode.Uri.file(`matrix-${report.network}.${ext}`),
            filters: { [format.toUpperCase()]: [ext] },
          });
          return uri?.fsPath;
        },
        render: (format, report) =>
          format === 'json' ? api.matrixToJson(report) : format === 'csv' ? api.matrixToCsv(report) : api.matrixToMarkdown(report),
        write: async (path, text) => {
          await vscode.workspace.fs.writeFile(vscode.Uri.file(path), Buffer.from(text, 'utf8'));
        },
        info: (message) => void vscode.window.showInformationMessage(message),
        error: (message) => void vscode.window.showErrorMessage(message),
        log: this.log,
        userMessage: (err) => this.core.redact(api.userMessage(err)),
        isCancelled: (err) => api.isCancelled(err),
      },
      restored,
    );
  }

  /** Whether the user agrees to check an encrypted overlay's failing pairs on a temporary unencrypted copy. */
  private confirmCompare(network: string, failing: number): Promise<boolean> {
    return confirm(
      vscode.l10n.t('{0} pair(s) fail on the encrypted overlay "{1}".', failing, network),
      vscode.l10n.t(
        'Check the same hosts on a temporary unencrypted copy, to tell IPsec from the overlay itself? The copy is created for this check and removed afterwards; nothing else changes.',
      ),
      vscode.l10n.t('Compare Unencrypted'),
    ).then(
      () => true,
      () => false,
    );
  }

  private async loadChoices(): Promise<void> {
    const state = this.session.state;
    state.latencyThresholdsMs = readSettings().latencyThresholdsMs;
    try {
      const choices = this.feed?.choices ?? (await this.networkChoices());
      state.choices = choices;
      const sel = state.selected;
      const match = sel && choices.find((c) => c.via === sel.via && c.name === sel.network);
      if (match && sel.hosts.length === 0) sel.hosts = match.hosts;
      if (!match && choices[0]) state.selected = { via: choices[0].via, network: choices[0].name, hosts: choices[0].hosts };
      state.error = choices.length ? undefined : vscode.l10n.t('No overlay network found: create one with "Create Overlay Network…".');
    } catch (err) {
      state.error = this.core.api.userMessage(err);
    }
    this.session.pushState();
  }

  private async networkChoices(): Promise<NetworkChoice[]> {
    await this.cluster.ready();
    const { api } = this.core;
    const choices: NetworkChoice[] = [];
    for (const s of this.cluster.swarms.swarms.filter((x) => x.via)) {
      // Configured hosts first, then the nodes nobody configured SSH for (probed through the manager).
      const configured = Object.values(s.hostOfNode);
      const members = [...configured, ...s.nodes.filter((n) => !s.hostOfNode[n.id]).map((n) => n.hostname || n.id)];
      const nets = await api.listNetworks(this.core.host(s.via!));
      // Attachable overlays first; the others are offered too, checked on a temporary attachable copy.
      const overlays = nets.filter((x) => x.driver === 'overlay' && !x.builtIn).sort((a, b) => Number(b.attachable) - Number(a.attachable));
      for (const n of overlays)
        choices.push({ via: s.via!, name: n.name, hosts: members, attachable: n.attachable, encrypted: n.encrypted });
    }
    return choices;
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'matrix.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'matrix.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}' ${webview.cspSource}`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(vscode.l10n.t('Connectivity Matrix'))}</title>
</head>
<body>
<main id="app" data-strings="${escapeHtml(JSON.stringify(webviewStrings()))}"></main>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.session.dispose();
    MatrixPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** Text inside an HTML attribute or element, as written. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sessionText(): SessionText {
  return {
    notOffered: vscode.l10n.t('That network or host is not one offered here any more: pick again.'),
    starting: vscode.l10n.t('Starting…'),
    cancelled: vscode.l10n.t('Cancelled; every probe was removed.'),
    watching: (round, ms) =>
      vscode.l10n.t('Watching: round {0} measured in {1} ms; Stop ends the watch and removes the probes.', round, ms),
    saveFailed: (target, why) =>
      target
        ? vscode.l10n.t('Could not save the matrix to {0} ({1}): pick another file or folder.', target, why)
        : vscode.l10n.t('Could not save the matrix ({0}): pick another file or folder.', why),
    saved: (target) => vscode.l10n.t('Saved {0}.', target),
  };
}

/** The webview's words (src/shared/webviewStrings.ts), localised here: the webview has no vscode.l10n. */
function webviewStrings(): WebviewStrings {
  return {
    'Run options': vscode.l10n.t('Run options'),
    Run: vscode.l10n.t('Run'),
    'Run again': vscode.l10n.t('Run again'),
    Watch: vscode.l10n.t('Watch'),
    Cancel: vscode.l10n.t('Cancel'),
    Stop: vscode.l10n.t('Stop'),
    'Export JSON': vscode.l10n.t('Export JSON'),
    'Export CSV': vscode.l10n.t('Export CSV'),
    'Export Markdown': vscode.l10n.t('Export Markdown'),
    Progress: vscode.l10n.t('Progress'),
    Legend: vscode.l10n.t('Legend'),
    'Selected pair': vscode.l10n.t('Selected pair'),
    Verdict: vscode.l10n.t('Verdict'),
    Network: vscode.l10n.t('Network'),
    Hosts: vscode.l10n.t('Hosts'),
    '{0} (via {1})': vscode.l10n.t('{0} (via {1})'),
    '{0} (via {1}) · not attachable: a temporary copy is checked': vscode.l10n.t(
      '{0} (via {1}) · not attachable: a temporary copy is checked',
    ),
    Watching: vscode.l10n.t('Watching'),
    Running: vscode.l10n.t('Running'),
    'Running…': vscode.l10n.t('Running…'),
    'Connectivity matrix: rows ping columns': vscode.l10n.t('Connectivity matrix: rows ping columns'),
    'from \\ to': vscode.l10n.t('from \\ to'),
    '{0} to {1}: ok {2}': vscode.l10n.t('{0} to {1}: ok {2}'),
    '{0} to {1}: failed {2}': vscode.l10n.t('{0} to {1}: failed {2}'),
    '{0} to {1}: pending {2}': vscode.l10n.t('{0} to {1}: pending {2}'),
    'Select a cell (click, or arrows and Enter) to see its pings.': vscode.l10n.t(
      'Select a cell (click, or arrows and Enter) to see its pings.',
    ),
    result: vscode.l10n.t('result'),
    replies: vscode.l10n.t('replies'),
    loss: vscode.l10n.t('loss'),
    'min/avg/max': vscode.l10n.t('min/avg/max'),
    ok: vscode.l10n.t('ok'),
    'failed: {0}': vscode.l10n.t('failed: {0}'),
    'by name': vscode.l10n.t('by name'),
    'by IP': vscode.l10n.t('by IP'),
    'large ({0} B)': vscode.l10n.t('large ({0} B)'),
    'Recent rounds': vscode.l10n.t('Recent rounds'),
    'Last {0} round(s)': vscode.l10n.t('Last {0} round(s)'),
    'Failed in {0} of {1}; packets lost in {2}.': vscode.l10n.t('Failed in {0} of {1}; packets lost in {2}.'),
    '({0}% lost)': vscode.l10n.t('({0}% lost)'),
    'Raw ping output': vscode.l10n.t('Raw ping output'),
    'All {0} pairs pass on {1}.': vscode.l10n.t('All {0} pairs pass on {1}.'),
    'Problems on {0}': vscode.l10n.t('Problems on {0}'),
    'Round {0} ({1}): ': vscode.l10n.t('Round {0} ({1}): '),
    'Watching: round {0} measured in {1} ms; Stop ends the watch and removes the probes.': vscode.l10n.t(
      'Watching: round {0} measured in {1} ms; Stop ends the watch and removes the probes.',
    ),
    '{0} ms': vscode.l10n.t('{0} ms'),
    '{0} · no name': vscode.l10n.t('{0} · no name'),
    '{0} · no large': vscode.l10n.t('{0} · no large'),
    'ok, < {0} ms': vscode.l10n.t('ok, < {0} ms'),
    'ok, {0}–{1} ms': vscode.l10n.t('ok, {0}–{1} ms'),
    'ok, ≥ {0} ms': vscode.l10n.t('ok, ≥ {0} ms'),
    'IP ok, name or large packet fails': vscode.l10n.t('IP ok, name or large packet fails'),
    unreachable: vscode.l10n.t('unreachable'),
    'mode: service, one swarm service through {0}': vscode.l10n.t('mode: service, one swarm service through {0}'),
    'mode: service, one swarm service through the manager': vscode.l10n.t('mode: service, one swarm service through the manager'),
    'mode: containers, one per host over SSH': vscode.l10n.t('mode: containers, one per host over SSH'),
  };
}

function isViewState(v: unknown): v is MatrixViewState {
  return (
    typeof v === 'object' && v !== null && Array.isArray((v as MatrixViewState).cells) && Array.isArray((v as MatrixViewState).choices)
  );
}
