// What the three views share: they redraw whenever what the cluster state shows changes (ClusterState
// decides that, once for all three).
import * as vscode from 'vscode';
import type { ClusterState } from '../ClusterState';

export abstract class StateTreeProvider<T extends vscode.TreeItem> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(protected readonly state: ClusterState) {
    this.track(state.onDidChange(() => this.redraw()));
  }

  /** Redraws the whole view, or only `item` and what is under it. */
  protected redraw(item?: T): void {
    this.changed.fire(item);
  }

  protected track(...subscriptions: vscode.Disposable[]): void {
    this.subscriptions.push(...subscriptions);
  }

  abstract getChildren(item?: T): T[] | Promise<T[]>;

  getTreeItem(item: T): vscode.TreeItem {
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
