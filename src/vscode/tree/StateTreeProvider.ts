// What the three views share: they redraw whenever the cluster state changes.
import * as vscode from 'vscode';
import type { ClusterState } from '../ClusterState';

export abstract class StateTreeProvider<T extends vscode.TreeItem> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(protected readonly state: ClusterState) {
    this.subscription = state.onDidChange(() => this.changed.fire(undefined));
  }

  abstract getChildren(item?: T): T[] | Promise<T[]>;

  getTreeItem(item: T): vscode.TreeItem {
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
