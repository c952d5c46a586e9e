// The one way commands talk to the user: every prompt throws `Cancelled` when dismissed (handled once,
// silently, in registerCommands), so a command body never checks for `undefined`; one progress style.
import * as vscode from 'vscode';
import { Cancelled } from '../../core/errors';
import type { StepOptions } from '../../core/steps';

function answered<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

/** One item of a quick pick; throws `Cancelled` on Escape. */
export async function pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T> {
  return answered(await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options, canPickMany: false }));
}

/** Several items; throws `Cancelled` on Escape or when nothing is picked. */
export async function pickMany<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: vscode.QuickPickOptions & { allowNone?: boolean },
): Promise<T[]> {
  const { allowNone, ...rest } = options;
  const picked = answered(await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...rest, canPickMany: true }));
  if (picked.length === 0 && !allowNone) throw new Cancelled();
  return picked;
}

/** Typed text, trimmed, validated as typed (`validate` sees the trimmed text); throws `Cancelled` on Escape. */
export async function input(options: vscode.InputBoxOptions & { validate?: (value: string) => string | undefined }): Promise<string> {
  const { validate, ...rest } = options;
  const text = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    ...rest,
    validateInput: validate ? (v) => validate(v.trim()) : undefined,
  });
  return answered(text).trim();
}

/** A modal question before something destructive; anything but `action` cancels. */
export async function confirm(message: string, detail: string, action: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  if (choice !== action) throw new Cancelled();
}

/** Nothing to pick from: said as information, not as an error, and the command stops. */
export function nothingToDo(message: string): never {
  void vscode.window.showInformationMessage(message);
  throw new Cancelled();
}

/**
 * A notification while `task` runs. With `cancellable`, its Cancel button aborts the signal the core
 * honours at every step (src/core/steps.ts); otherwise the signal never fires.
 */
export function withProgress<T>(
  title: string,
  task: (steps: StepOptions) => Promise<T>,
  options: { cancellable?: boolean } = {},
): Promise<T> {
  const cancellable = options.cancellable ?? false;
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable }, (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => {
        progress.report({ message: 'cancelling…' });
        abort.abort();
      });
      return task({ signal: abort.signal }).finally(() => sub.dispose());
    }),
  );
}
