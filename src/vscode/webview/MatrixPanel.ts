// The connectivity matrix panel: pickers, run/cancel, streamed cells, export. The webview is a
// separate browser bundle (dist/webview/matrix.js); messages are typed in src/shared/protocol.ts and
// every incoming one is validated before use. What the messages do is MatrixSession's (no `vscode`).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { readSettings } from '../platform/settings';
import { LATENCY_THRESHOLDS_KEY } from '../../shared/heatmap';
import type { MatrixReport } from '../../shared/matrix';
import type { MatrixViewState, NetworkChoice } from '../../shared/protocol';
import type { ClusterState } from '../ClusterState';
import type { CommandContext } from '../commands/CommandContext';
import type { CoreService } from '../platform/CoreService';
import { confirm } from '../platform/ui';
import { MatrixSession, type RunRequest } from './MatrixSession';
import { runSynthetic, syntheticChoice } from './syntheticFeed';
import { WatchStatusItem } from './WatchStatusItem';
import { CONTEXT_KEYS } from '../viewContext';

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
      const panel = vscode.window.createWebviewPanel(MATRIX_VIEW_TYPE, 'Connectivity Matrix', vscode.ViewColumn.Active, {
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
    const panel = vscode.window.createWebviewPanel(MATRIX_VIEW_TYPE, 'Connectivity Matrix (synthetic)', vscode.ViewColumn.Active, {
      retainContextWhenHidden: false,
    });
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
        post: (message) => this.panel.webview.postMessage(message),
        confirmTemporaryCopy: (network) =>
          confirm(
            `"${network}" is not attachable, so test containers cannot join it.`,
            'Check a temporary attachable overlay with the same options across the same hosts instead? It is created for the run and removed afterwards; nothing else changes.',
            'Check a Temporary Copy',
          ).then(
            () => true,
            () => false,
          ),
        run: async (r) => {
          if (this.feed) return this.feed.run(r);
          // A settings change meanwhile must not take the probes' connections away.
          const release = this.core.hold();
          try {
            // Auto: containers when every chosen node is a configured host, else one service through the manager.
            const plan = await api.planMatrix(this.core.docker(), r.via, 'auto', r.hosts);
            const options = { ...r, ...plan, image: readSettings().probeImage ?? api.DEFAULT_PROBE_IMAGE, logger: this.core.logger };
            const report = r.onRound
              ? (await api.watchMatrix(this.core.docker(), options)).last
              : await api.runMatrix(this.core.docker(), options).then(({ timings: _timings, ...rest }) => rest);
            // The walkthrough's last step: done once a matrix has run to its end.
            void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.matrixRan, true);
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
        warn: (message) => this.log.warn(message),
        userMessage: (err) => this.core.redact(api.userMessage(err)),
        isCancelled: (err) => api.isCancelled(err),
      },
      restored,
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
      state.error = choices.length ? undefined : 'No overlay network found: create one with "Create Overlay Network…".';
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
      for (const n of overlays) choices.push({ via: s.via!, name: n.name, hosts: members, attachable: n.attachable });
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
<title>Connectivity Matrix</title>
</head>
<body>
<main id="app"></main>
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

function isViewState(v: unknown): v is MatrixViewState {
  return (
    typeof v === 'object' && v !== null && Array.isArray((v as MatrixViewState).cells) && Array.isArray((v as MatrixViewState).choices)
  );
}
