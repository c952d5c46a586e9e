// All commands of the extension, wired in one place.
import * as vscode from 'vscode';
import type { CoreService } from '../platform/CoreService';
import type { HostNode, HostsTreeProvider } from '../tree/HostsTreeProvider';
import { addHost } from './addHost';
import { registerCommand } from './registerCommand';
import { removeHost } from './removeHost';

export function registerCommands(
  log: vscode.LogOutputChannel,
  core: CoreService,
  tree: HostsTreeProvider,
): vscode.Disposable[] {
  const refresh = () => tree.reloadConfig();
  return [
    registerCommand(log, 'swarmOverlay.hosts.add', () => addHost(core, refresh)),
    registerCommand(log, 'swarmOverlay.hosts.remove', (node?: HostNode) => removeHost(core, refresh, node)),
    registerCommand(log, 'swarmOverlay.hosts.refresh', () =>
      vscode.window.withProgress({ location: { viewId: 'swarmOverlay.hosts' } }, () => tree.refresh()),
    ),
    registerCommand(log, 'swarmOverlay.log.show', () => log.show()),
  ];
}
