// Activation registers the view and the commands only; the SSH/Docker transport loads on first use.
import * as vscode from 'vscode';
import { CoreService } from './vscode/platform/CoreService';
import { SECTION, readSettings } from './vscode/platform/settings';
import { registerCommands } from './vscode/commands/registerCommands';
import { HostsTreeProvider } from './vscode/tree/HostsTreeProvider';
import { VisibleRefresher } from './vscode/tree/VisibleRefresher';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Swarm Overlay', { log: true });
  const core = new CoreService(context, log);
  const tree = new HostsTreeProvider(core, log);
  const view = vscode.window.createTreeView('swarmOverlay.hosts', { treeDataProvider: tree, showCollapseAll: false });
  const refresher = new VisibleRefresher(view, () => tree.refresh(), () => readSettings().refreshIntervalMs);
  context.subscriptions.push(
    log,
    core,
    tree,
    view,
    refresher,
    ...registerCommands(log, core, tree),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) tree.reloadConfig();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.reloadConfig()),
  );
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {}
