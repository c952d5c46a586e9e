// Activation registers the views and the commands only; the SSH/Docker transport loads on first use.
import * as vscode from 'vscode';
import { ClusterState } from './vscode/ClusterState';
import type { CommandContext } from './vscode/commands/CommandContext';
import { registerCommands } from './vscode/commands/registerCommands';
import { CoreService } from './vscode/platform/CoreService';
import { RefreshManager } from './vscode/RefreshManager';
import { ReadOnlyDocuments } from './vscode/platform/ReadOnlyDocuments';
import { HostsTreeProvider } from './vscode/tree/HostsTreeProvider';
import { NetworksTreeProvider } from './vscode/tree/NetworksTreeProvider';
import { SwarmTreeProvider } from './vscode/tree/SwarmTreeProvider';
import { MATRIX_VIEW_TYPE, MatrixPanel } from './vscode/webview/MatrixPanel';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel(vscode.l10n.t('Swarm Overlay'), { log: true });
  const core = new CoreService(context, log);
  const state = new ClusterState(core, log);
  const hostsTree = new HostsTreeProvider(core, state);
  const swarmTree = new SwarmTreeProvider(core, state);
  const networksTree = new NetworksTreeProvider(core, state);
  const hostsView = vscode.window.createTreeView('swarmOverlay.hosts', { treeDataProvider: hostsTree });
  const swarmView = vscode.window.createTreeView('swarmOverlay.swarm', { treeDataProvider: swarmTree, showCollapseAll: true });
  const networksView = vscode.window.createTreeView('swarmOverlay.networks', { treeDataProvider: networksTree, showCollapseAll: true });
  const refresher = new RefreshManager(state, [hostsView, swarmView, networksView]);
  const documents = new ReadOnlyDocuments();
  const ctx: CommandContext = {
    core,
    state,
    refresher,
    log,
    extensionUri: context.extensionUri,
    networks: { tree: networksTree, view: networksView },
    documents,
  };
  context.subscriptions.push(
    log,
    core,
    state,
    hostsTree,
    swarmTree,
    networksTree,
    hostsView,
    swarmView,
    networksView,
    refresher,
    documents,
    ...registerCommands(ctx),
    vscode.window.registerWebviewPanelSerializer(MATRIX_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved) => MatrixPanel.revive(panel, ctx, saved),
    }),
  );
  // The end-to-end test's generated 64-host feed (test/e2e): never there in a user's VS Code.
  if (process.env.SWARM_OVERLAY_E2E === '1') {
    context.subscriptions.push(
      vscode.commands.registerCommand('swarmOverlay.e2e.syntheticMatrix', () => MatrixPanel.showSynthetic(ctx, 64)),
    );
  }
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
