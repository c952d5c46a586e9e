// The connectivity matrix panel: pickers, run/cancel, streamed cells, export. The webview is a
// separate browser bundle (dist/webview/matrix.js); messages are typed in src/shared/protocol.ts and
// every incoming one is validated before use.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { readSettings } from '../platform/settings';
import {
  type HostToWebview,
  type MatrixViewState,
  type NetworkChoice,
  type WebviewToHost,
  parseWebviewMessage,
} from '../../shared/protocol';
import type { ClusterState } from '../ClusterState';
import type { CommandContext } from '../commands/CommandContext';
import type { CoreService } from '../platform/CoreService';
import { confirm } from '../platform/ui';

export const MATRIX_VIEW_TYPE = 'swarmOverlay.matrix';

export class MatrixPanel {
  private static current: MatrixPanel | undefined;
  private state: MatrixViewState = { choices: [], running: false, cells: [] };
  private run: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private readonly extensionUri: vscode.Uri;
  private readonly core: CoreService;
  private readonly cluster: ClusterState;
  private readonly log: vscode.LogOutputChannel;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    ctx: Pick<CommandContext, 'extensionUri' | 'core' | 'state' | 'log'>,
    restored?: MatrixViewState,
  ) {
    this.extensionUri = ctx.extensionUri;
    this.core = ctx.core;
    this.cluster = ctx.state;
    this.log = ctx.log;
    const extensionUri = ctx.extensionUri;
    if (restored) this.state = { ...restored, running: false, progress: undefined };
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

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
    if (preset) p.state.selected = { ...preset, hosts: [] };
    void p.loadChoices();
    return p;
  }

  static revive(panel: vscode.WebviewPanel, ctx: Pick<CommandContext, 'extensionUri' | 'core' | 'state' | 'log'>, state: unknown): void {
    const restored = isViewState(state) ? state : undefined;
    MatrixPanel.current = new MatrixPanel(panel, ctx, restored);
    void MatrixPanel.current.loadChoices();
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private pushState(): void {
    this.post({ type: 'matrix/state', state: this.state });
  }

  private async loadChoices(): Promise<void> {
    try {
      await this.cluster.ready();
      const { api } = this.core;
      const choices: NetworkChoice[] = [];
      for (const s of this.cluster.swarms.swarms.filter((x) => x.via)) {
        const members = Object.values(s.hostOfNode);
        const nets = await api.listNetworks(this.core.host(s.via!));
        // Attachable overlays first; the others are offered too, checked on a temporary attachable copy.
        const overlays = nets
          .filter((x) => x.driver === 'overlay' && !x.builtIn)
          .sort((a, b) => Number(b.attachable) - Number(a.attachable));
        for (const n of overlays) choices.push({ via: s.via!, name: n.name, hosts: members, attachable: n.attachable });
      }
      this.state.choices = choices;
      const sel = this.state.selected;
      const match = sel && choices.find((c) => c.via === sel.via && c.name === sel.network);
      if (match && sel.hosts.length === 0) sel.hosts = match.hosts;
      if (!match && choices[0]) this.state.selected = { via: choices[0].via, network: choices[0].name, hosts: choices[0].hosts };
      this.state.error = choices.length ? undefined : 'No overlay network found: create one with "Create Overlay Network…".';
    } catch (err) {
      this.state.error = this.core.api.userMessage(err);
    }
    this.pushState();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m: WebviewToHost | undefined = parseWebviewMessage(raw);
    if (!m) {
      this.log.warn('matrix: ignored an invalid message from the webview');
      return;
    }
    switch (m.type) {
      case 'ready':
        this.pushState();
        return;
      case 'cancel':
        this.run?.abort();
        return;
      case 'export':
        await this.export(m.format);
        return;
      case 'run':
        await this.start(m.via, m.network, m.hosts);
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  async start(via: string, network: string, hosts: string[]): Promise<void> {
    if (this.state.running) return;
    const choice = this.state.choices.find((c) => c.via === via && c.name === network);
    if (!choice || !hosts.every((h) => choice.hosts.includes(h))) {
      this.post({ type: 'matrix/error', message: 'That network or host is not one offered here any more: pick again.' });
      return;
    }
    if (!choice.attachable) {
      const asked = await confirm(
        `"${network}" is not attachable, so test containers cannot join it.`,
        'Check a temporary attachable overlay with the same options across the same hosts instead? It is created for the run and removed afterwards; nothing else changes.',
        'Check a Temporary Copy',
      ).then(
        () => true,
        () => false,
      );
      if (!asked) return;
    }
    const { api } = this.core;
    const image = readSettings().probeImage ?? api.DEFAULT_PROBE_IMAGE;
    this.run = new AbortController();
    this.state = {
      ...this.state,
      selected: { via, network, hosts },
      running: true,
      cells: [],
      report: undefined,
      error: undefined,
      progress: 'Starting…',
    };
    this.pushState();
    const release = this.core.hold(); // a settings change meanwhile must not take the probes' connections away
    try {
      const result = await api.runMatrix(this.core.docker(), {
        network,
        via,
        hosts,
        image,
        temporaryCopy: !choice.attachable,
        logger: this.core.logger,
        signal: this.run.signal,
        onProgress: (message) => {
          this.state.progress = message;
          this.post({ type: 'matrix/progress', message });
        },
        onCell: (cell) => {
          this.state.cells.push(cell);
          this.post({ type: 'matrix/cell', cell });
        },
      });
      const { timings: _timings, ...report } = result;
      this.state = { ...this.state, running: false, progress: undefined, cells: result.cells, report };
      this.post({ type: 'matrix/done', report });
    } catch (err) {
      const cancelled = api.isCancelled(err);
      this.state = {
        ...this.state,
        running: false,
        progress: undefined,
        error: cancelled ? 'Cancelled; every probe was removed.' : api.userMessage(err),
      };
      this.post({ type: 'matrix/error', message: this.state.error! });
    } finally {
      release();
      this.run = undefined;
    }
  }

  private async export(format: 'json' | 'csv' | 'markdown'): Promise<void> {
    const report = this.state.report;
    if (!report) return;
    const { api } = this.core;
    const ext = format === 'markdown' ? 'md' : format;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(`matrix-${report.network}.${ext}`),
      filters: { [format.toUpperCase()]: [ext] },
    });
    if (!uri) return;
    const text = format === 'json' ? api.matrixToJson(report) : format === 'csv' ? api.matrixToCsv(report) : api.matrixToMarkdown(report);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Saved ${uri.fsPath}.`);
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
<main id="app" aria-live="polite"></main>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.run?.abort();
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
