// The status bar item shown while a matrix watch runs: "demo-overlay: 9/9" or "demo-overlay: 2 pairs
// failing" after each round (words from src/shared/matrixHistory.ts); a click shows the panel. The
// matrix panel owns the one item and hides it when the watch ends.
import * as vscode from 'vscode';
import type { MatrixRound } from '../../shared/matrix';
import { passingPairs, watchStatusText } from '../../shared/matrixHistory';

export class WatchStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('swarmOverlay.matrixWatch', vscode.StatusBarAlignment.Left, 50);
  private disposed = false;

  constructor() {
    this.item.name = vscode.l10n.t('Swarm Overlay: Matrix Watch');
    this.item.command = 'swarmOverlay.matrix.run';
  }

  /** The last round, or undefined once the watch is over. */
  show(round: MatrixRound | undefined): void {
    // The panel was closed: its watch ends after the item is gone.
    if (this.disposed) return;
    if (!round) {
      this.item.hide();
      return;
    }
    const { passing, total } = passingPairs(round);
    const ok = passing === total;
    this.item.text = `$(${ok ? 'pulse' : 'warning'}) ${watchStatusText(round)}`;
    this.item.tooltip = vscode.l10n.t(
      'Matrix watch of {0}: round {1} at {2}, {3} of {4} pairs pass. Click to show the panel.',
      round.network,
      round.round,
      new Date(round.endedAt).toLocaleTimeString(),
      passing,
      total,
    );
    this.item.backgroundColor = ok ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }

  dispose(): void {
    this.disposed = true;
    this.item.dispose();
  }
}
