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

/** One step of a `wizard`: asks through `flow`, keeps its answer, and returns the next step (none: done). */
export type WizardStep = (flow: Wizard) => Promise<WizardStep | undefined>;

class Back extends Error {}

/**
 * A multi-step input in one quick input: `step/total` in the title, a Back button on every step after
 * the first (the step before is asked again, showing the value it was given), the same live validation
 * as `input`. Escape throws `Cancelled`. `totalSteps` is read as each step shows, so a flow whose
 * later steps depend on an answer can say how many remain.
 */
export async function wizard(title: string, totalSteps: () => number, first: WizardStep): Promise<void> {
  const flow = new Wizard(title, totalSteps);
  try {
    await flow.run(first);
  } finally {
    flow.close();
  }
}

export class Wizard {
  private readonly done: WizardStep[] = [];
  private current: vscode.QuickInput | undefined;

  constructor(
    private readonly title: string,
    private readonly totalSteps: () => number,
  ) {}

  async run(first: WizardStep): Promise<void> {
    let step: WizardStep | undefined = first;
    while (step) {
      this.done.push(step);
      try {
        step = await step(this);
      } catch (err) {
        if (!(err instanceof Back)) throw err;
        this.done.pop();
        step = this.done.pop();
      }
    }
  }

  close(): void {
    this.current?.dispose();
    this.current = undefined;
  }

  /** Typed text, trimmed; `value` is shown to start with (the answer kept when coming back). */
  input(options: {
    prompt: string;
    value?: string;
    placeHolder?: string;
    validate?: (value: string) => string | undefined;
  }): Promise<string> {
    const box = vscode.window.createInputBox();
    box.prompt = options.prompt;
    box.value = options.value ?? '';
    box.placeholder = options.placeHolder;
    const check = (v: string) => options.validate?.(v.trim());
    box.validationMessage = box.value ? check(box.value) : undefined;
    return this.ask(box, (resolve, listen) => {
      listen(box.onDidChangeValue((v) => (box.validationMessage = check(v))));
      listen(
        box.onDidAccept(() => {
          const problem = check(box.value);
          box.validationMessage = problem;
          if (!problem) resolve(box.value.trim());
        }),
      );
    });
  }

  /** One item; `active` (a label, the answer kept when coming back) is highlighted to start with. */
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: { placeHolder?: string; active?: string }): Promise<T> {
    const qp = vscode.window.createQuickPick<T>();
    qp.items = items;
    qp.placeholder = options.placeHolder;
    const active = items.find((i) => i.label === options.active);
    if (active) qp.activeItems = [active];
    return this.ask(qp, (resolve, listen) => {
      listen(qp.onDidAccept(() => qp.selectedItems[0] && resolve(qp.selectedItems[0])));
    });
  }

  /** Any number of items (none too); `selected` (labels: the defaults, or the answer kept) starts ticked. */
  pickMany<T extends vscode.QuickPickItem>(
    items: readonly T[],
    options: { placeHolder?: string; selected: readonly string[] },
  ): Promise<T[]> {
    const qp = vscode.window.createQuickPick<T>();
    qp.canSelectMany = true;
    qp.items = items;
    qp.placeholder = options.placeHolder;
    qp.selectedItems = items.filter((i) => options.selected.includes(i.label));
    return this.ask(qp, (resolve, listen) => {
      listen(qp.onDidAccept(() => resolve([...qp.selectedItems])));
    });
  }

  /** Shows `q` as the next step (replacing the last one, so nothing flickers) until it is answered, Back or dismissed. */
  private ask<R, I extends vscode.QuickPickItem>(
    q: vscode.InputBox | vscode.QuickPick<I>,
    wire: (resolve: (value: R) => void, listen: (d: vscode.Disposable) => void) => void,
  ): Promise<R> {
    q.title = this.title;
    q.step = this.done.length;
    q.totalSteps = Math.max(this.totalSteps(), q.step);
    q.ignoreFocusOut = true;
    q.buttons = this.done.length > 1 ? [vscode.QuickInputButtons.Back] : [];
    return new Promise<R>((resolve, reject) => {
      const listeners: vscode.Disposable[] = [];
      const settle = (f: () => void) => {
        for (const d of listeners) d.dispose();
        f();
      };
      wire(
        (value) => settle(() => resolve(value)),
        (d) => listeners.push(d),
      );
      listeners.push(
        q.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && settle(() => reject(new Back()))),
        q.onDidHide(() => settle(() => reject(new Cancelled()))),
      );
      this.current?.dispose();
      this.current = q;
      q.show();
    });
  }
}

/** A modal question before something destructive; anything but `action` cancels. */
export async function confirm(message: string, detail: string, action: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
  if (choice !== action) throw new Cancelled();
}

/** A command that ends quietly after saying there was nothing to do; its log line says what (registerCommands). */
export class NothingToDo extends Cancelled {
  constructor(readonly said: string) {
    super();
  }
}

/** Nothing to pick from: said as information, not as an error, and the command stops. */
export function nothingToDo(message: string): never {
  void vscode.window.showInformationMessage(message);
  throw new NothingToDo(message);
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
        progress.report({ message: vscode.l10n.t('cancelling…') });
        abort.abort();
      });
      return task({ signal: abort.signal }).finally(() => sub.dispose());
    }),
  );
}
