// Refreshes a view on an interval, only while it is visible: nothing is polled for a hidden view.
import type * as vscode from 'vscode';

export class VisibleRefresher {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: () => number,
  ) {
    this.subscription = view.onDidChangeVisibility(() => this.update());
    this.update();
  }

  private update(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = this.intervalMs();
    if (this.view.visible && ms > 0) this.timer = setInterval(() => void this.refresh(), ms);
    if (this.view.visible) void this.refresh();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscription.dispose();
  }
}
