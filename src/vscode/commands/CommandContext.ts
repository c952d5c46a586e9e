// What every command handler is given: the core facade, the cluster state, the refresh owner and the
// Networks view (to reveal what a command made).
import type * as vscode from 'vscode';
import type { ClusterState } from '../ClusterState';
import type { CoreService } from '../platform/CoreService';
import type { RefreshManager } from '../RefreshManager';
import type { NetworksTreeProvider } from '../tree/NetworksTreeProvider';

export interface CommandContext {
  core: CoreService;
  state: ClusterState;
  refresher: RefreshManager;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  networks: { tree: NetworksTreeProvider; view: vscode.TreeView<unknown> };
}
