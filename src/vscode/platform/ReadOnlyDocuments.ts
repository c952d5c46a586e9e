// Read-only documents under the extension's own URI scheme (inspect output, firewall checks, service
// logs): closing one never asks "Save changes?", the tab is titled by what it shows, Refresh reads it
// again, and a followed document (logs) grows while a tab shows it and stops following once closed.
import * as vscode from 'vscode';

export const DOCUMENT_SCHEME = 'swarm-overlay';

/** Lines a followed document keeps: the newest ones. */
const MAX_LINES = 10_000;

interface Entry {
  text: string;
  /** Reads the whole text again (Refresh). */
  load?: () => Promise<string>;
  /** Starts following again (Refresh of a followed document). */
  follow?: Follower;
  /** Stops the running follow. */
  stop?: () => void;
}

/** Starts following: `append` takes new lines; the result stops it. `ended` is called if the source ends on its own. */
export type Follower = (append: (lines: string[]) => void, ended: (why: string) => void) => Promise<() => void>;

export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, this),
      // A closed tab stops its follow at once (the document itself may be disposed much later).
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
          if (uri?.scheme === DOCUMENT_SCHEME && !this.shown(uri)) this.stop(uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme !== DOCUMENT_SCHEME) return;
        this.stop(doc.uri);
        this.entries.delete(doc.uri.toString());
      }),
    ];
  }

  /** The URI of a document titled `title` (the tab shows it), under `folder` (e.g. the host it was read through). */
  static uri(folder: string, title: string, extension: 'json' | 'md' | 'log'): vscode.Uri {
    const safe = (s: string) => s.replace(/[/\\]/g, '∕');
    return vscode.Uri.from({ scheme: DOCUMENT_SCHEME, path: `/${safe(folder)}/${safe(title)}.${extension}` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.entries.get(uri.toString())?.text ?? vscode.l10n.t('This document is no longer kept: run its command again.');
  }

  /** Opens the document with the text `load` gives (read again when shown again or refreshed). */
  async show(uri: vscode.Uri, load: () => Promise<string>): Promise<void> {
    this.stop(uri);
    const text = await load();
    this.entries.set(uri.toString(), { text, load });
    this.changed.fire(uri);
    await this.open(uri);
  }

  /** Opens a document that grows while a tab shows it: `follow` appends lines until it is stopped. */
  async follow(uri: vscode.Uri, follow: Follower): Promise<void> {
    this.stop(uri);
    const entry: Entry = { text: '', follow };
    this.entries.set(uri.toString(), entry);
    let lines: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Redraws at most every 250 ms: a busy service writes faster than an editor wants to re-read.
    const flush = () => {
      timer = undefined;
      if (this.entries.get(uri.toString()) !== entry) return;
      entry.text = lines.join('\n') + (lines.length ? '\n' : '');
      this.changed.fire(uri);
    };
    const append = (more: string[]) => {
      lines.push(...more);
      if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
      timer ??= setTimeout(flush, 250);
    };
    const stop = await follow(append, (why) => {
      append([`— ${why} —`]);
      entry.stop = undefined;
    });
    entry.stop = () => {
      if (timer) clearTimeout(timer);
      stop();
    };
    await this.open(uri);
  }

  /** Reads the document again (a followed one starts following again). */
  async refresh(uri: vscode.Uri): Promise<void> {
    const entry = this.entries.get(uri.toString());
    if (entry?.load) await this.show(uri, entry.load);
    else if (entry?.follow) await this.follow(uri, entry.follow);
  }

  /** Whether the document is followed right now. */
  following(uri: vscode.Uri): boolean {
    return this.entries.get(uri.toString())?.stop !== undefined;
  }

  private async open(uri: vscode.Uri): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private shown(uri: vscode.Uri): boolean {
    return vscode.window.tabGroups.all.some((g) =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()),
    );
  }

  private stop(uri: vscode.Uri): void {
    const entry = this.entries.get(uri.toString());
    const stop = entry?.stop;
    if (entry) entry.stop = undefined;
    stop?.();
  }

  dispose(): void {
    for (const uri of this.entries.keys()) this.stop(vscode.Uri.parse(uri));
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
