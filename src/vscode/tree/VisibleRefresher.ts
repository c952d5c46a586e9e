// Refreshes on an interval only while at least one of the views is visible: nothing is polled for
// hidden views. Becoming visible refreshes at once.
import type * as vscode from 'vscode';

export class VisibleRefresher {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly subscriptions: vscode.Disposable[];
  private wasVisible = false;

  constructor(
    private readonly views: vscode.TreeView<unknown>[],
    private readonly refresh: () => Promise<void>,
    private readonly intervalMs: () => number,
  ) {
    this.subscriptions = views.map((v) => v.onDidChangeVisibility(() => this.update()));
    this.update();
  }

  private update(): void {
    const visible = this.views.some((v) => v.visible);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = this.intervalMs();
    if (visible && ms > 0) this.timer = setInterval(() => void this.refresh(), ms);
    if (visible && !this.wasVisible) void this.refresh();
    this.wasVisible = visible;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
