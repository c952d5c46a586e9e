// Activation registers the views and the commands only; the SSH/Docker transport loads on first use.
import * as vscode from 'vscode';
import { ClusterState } from './vscode/ClusterState';
import { MATRIX_VIEW_TYPE, MatrixPanel } from './vscode/webview/MatrixPanel';
import { registerCommands } from './vscode/commands/registerCommands';
import { CoreService } from './vscode/platform/CoreService';
import { SECTION, readSettings } from './vscode/platform/settings';
import { HostsTreeProvider } from './vscode/tree/HostsTreeProvider';
import { NetworksTreeProvider } from './vscode/tree/NetworksTreeProvider';
import { SwarmTreeProvider } from './vscode/tree/SwarmTreeProvider';
import { VisibleRefresher } from './vscode/tree/VisibleRefresher';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Swarm Overlay', { log: true });
  const core = new CoreService(context, log);
  const state = new ClusterState(core, log);
  const hostsTree = new HostsTreeProvider(core, state);
  const swarmTree = new SwarmTreeProvider(core, state);
  const hostsView = vscode.window.createTreeView('swarmOverlay.hosts', { treeDataProvider: hostsTree });
  const swarmView = vscode.window.createTreeView('swarmOverlay.swarm', { treeDataProvider: swarmTree, showCollapseAll: true });
  const networksTree = new NetworksTreeProvider(core, state);
  const networksView = vscode.window.createTreeView('swarmOverlay.networks', { treeDataProvider: networksTree, showCollapseAll: true });
  const interval = () => readSettings().refreshIntervalMs;
  context.subscriptions.push(
    log,
    core,
    state,
    hostsTree,
    swarmTree,
    hostsView,
    swarmView,
    networksTree,
    networksView,
    new VisibleRefresher([hostsView, swarmView, networksView], () => state.refresh(), interval),
    ...registerCommands(log, core, state, { tree: networksTree, view: networksView as vscode.TreeView<unknown>, extensionUri: context.extensionUri }),
    vscode.window.registerWebviewPanelSerializer(MATRIX_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved) => MatrixPanel.revive(panel, context.extensionUri, core, state, log, saved),
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) void state.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void state.refresh()),
  );
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
