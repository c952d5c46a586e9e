// The one owner of "when do the views read the hosts again": on an interval only while a view is
// visible (becoming visible reads at once), when the settings or the workspace trust change, on the
// refresh buttons, and after every command registered as changing things.
import * as vscode from 'vscode';
import type { ClusterState } from './ClusterState';
import { SECTION, readSettings } from './platform/settings';

export class RefreshManager implements vscode.Disposable {
  private timer: ReturnType<typeof setInterval> | undefined;
  private wasVisible = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly state: ClusterState,
    private readonly views: ReadonlyArray<vscode.TreeView<unknown>>,
  ) {
    this.subscriptions = [
      ...views.map((v) => v.onDidChangeVisibility(() => this.schedule())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        this.schedule();
        void this.refresh();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refresh()),
    ];
    this.schedule();
  }

  /** Reads every host again; the views redraw when it is done. */
  refresh(): Promise<void> {
    return this.state.refresh();
  }

  /** The refresh button of a view: the same refresh, with that view's progress bar. */
  refreshInView(viewId: string): Promise<void> {
    return Promise.resolve(vscode.window.withProgress({ location: { viewId } }, () => this.refresh()));
  }

  private schedule(): void {
    const visible = this.views.some((v) => v.visible);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = readSettings().refreshIntervalMs;
    if (visible && ms > 0) this.timer = setInterval(() => void this.refresh(), ms);
    if (visible && !this.wasVisible) void this.refresh();
    this.wasVisible = visible;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
