// SecretStorage cannot list its keys, so the ids of what this extension stored are kept beside it in
// globalState (ids only, never a value): that is what "Forget Saved Passphrases and Passwords" clears.
import type * as vscode from 'vscode';

const PREFIX = 'swarmOverlay.ssh.';
const INDEX_KEY = 'swarmOverlay.secretIds';

export class SecretIndex {
  /** Index updates one after another: two hosts connecting at once must not drop each other's id. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'>,
    private readonly state: Pick<vscode.Memento, 'get' | 'update'>,
  ) {}

  /** The ids kept now, as the index has them. */
  ids(): string[] {
    return this.state.get<string[]>(INDEX_KEY, []);
  }

  get(id: string): Thenable<string | undefined> {
    return this.storage.get(PREFIX + id);
  }

  store(id: string, value: string): Promise<void> {
    return this.serially(async () => {
      await this.storage.store(PREFIX + id, value);
      if (!this.ids().includes(id)) await this.state.update(INDEX_KEY, [...this.ids(), id]);
    });
  }

  /**
   * Deletes the secrets with these ids (all the index holds when omitted) and returns how many were
   * kept. An id missing from the index still counts when a secret is stored under it (kept before the
   * index existed).
   */
  forget(ids?: readonly string[]): Promise<number> {
    return this.serially(async () => {
      let forgotten = 0;
      for (const id of new Set(ids ?? this.ids())) {
        const held = this.ids().includes(id) || (await this.storage.get(PREFIX + id)) !== undefined;
        await this.storage.delete(PREFIX + id);
        await this.state.update(
          INDEX_KEY,
          this.ids().filter((i) => i !== id),
        );
        if (held) forgotten++;
      }
      return forgotten;
    });
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
