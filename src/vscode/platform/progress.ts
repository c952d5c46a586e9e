// Long commands run under a notification with a Cancel button: its token becomes the AbortSignal the
// core honours at every step (see src/core/steps.ts).
import * as vscode from 'vscode';
import type { StepOptions } from '../../core/steps';

export function withCancellableProgress<T>(title: string, task: (steps: StepOptions) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => {
        progress.report({ message: 'cancelling…' });
        abort.abort();
      });
      return task({ signal: abort.signal }).finally(() => sub.dispose());
    }),
  );
}
