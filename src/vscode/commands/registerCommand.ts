// Every command handler goes through here once: errors become one sentence with "Show Log";
// cancellation stays silent.
import * as vscode from 'vscode';
import { isCancelled, isCancelledLate } from '../../core/errors';

export function registerCommand(
  log: vscode.LogOutputChannel,
  id: string,
  handler: (...args: never[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await (handler as (...a: unknown[]) => unknown)(...args);
    } catch (err) {
      if (isCancelled(err)) return undefined;
      const message = err instanceof Error ? err.message : String(err);
      if (isCancelledLate(err)) {
        // The user asked for the cancel: what remains is a warning to act on, not a failure.
        log.warn(`${id}: ${message}`);
        void vscode.window.showWarningMessage(message);
        return undefined;
      }
      log.error(`${id} failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
      const choice = await vscode.window.showErrorMessage(message, 'Show Log');
      if (choice === 'Show Log') log.show(true);
      return undefined;
    }
  });
}
