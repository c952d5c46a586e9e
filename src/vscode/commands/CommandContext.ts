// What every command handler is given: the core facade, the cluster state, the refresh owner and the
// Networks view (to reveal what a command made), the read-only documents.
import type * as vscode from 'vscode';
import type { ClusterState } from '../ClusterState';
import type { CoreService } from '../platform/CoreService';
import type { ReadOnlyDocuments } from '../platform/ReadOnlyDocuments';
import type { RefreshManager } from '../RefreshManager';
import type { NetworksTreeProvider } from '../tree/NetworksTreeProvider';

export interface CommandContext {
  core: CoreService;
  state: ClusterState;
  refresher: RefreshManager;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  networks: { tree: NetworksTreeProvider; view: vscode.TreeView<unknown> };
  /** Inspect output, checks and logs, as read-only documents. */
  documents: ReadOnlyDocuments;
}
