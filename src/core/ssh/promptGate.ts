// Questions to the user during a connect (host key, passphrase, password), shared by every connection
// of a core: one question per id at a time (the others wait for its answer), one question on screen at
// a time, and host keys the user refused are remembered so refreshes do not ask again.
import { createHash } from 'node:crypto';
import type { ParsedKey } from 'ssh2';

/** An encrypted key opened once: its passphrase and the decrypted key (the KDF costs ≈ 1 s of CPU). */
export interface UnlockedKey {
  passphrase: string;
  key: ParsedKey;
}

/** A connect timer that does not run while the user is being asked something. */
export interface UserWait {
  /** Stops the clock until the returned function is called. */
  pause(): () => void;
}

export class PromptGate {
  private readonly pending = new Map<string, Promise<unknown>>();
  /** The tail of the queue: questions are put on screen one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly refused = new Set<string>();
  private readonly trusted = new Set<string>();
  private readonly unlocked = new Map<string, UnlockedKey>();
  /** How many times a question was put to the user, for logs and tests. */
  asked = 0;

  /**
   * The answer to question `id`: asked now (after the questions already on screen), or, when the same
   * question is already being asked, that question's answer. `wait`'s clock stops meanwhile.
   */
  async ask<T>(id: string, question: () => Promise<T>, wait?: UserWait): Promise<T> {
    const resume = wait?.pause();
    try {
      let answer = this.pending.get(id) as Promise<T> | undefined;
      if (!answer) {
        const asked = this.queue.then(() => {
          this.asked++;
          return question();
        });
        answer = asked;
        this.queue = asked.catch(() => undefined);
        this.pending.set(id, asked);
        void asked.then(
          () => this.pending.delete(id),
          () => this.pending.delete(id),
        );
      }
      return await answer;
    } finally {
      resume?.();
    }
  }

  /** Host keys are remembered per host, port and fingerprint. */
  static hostKeyId(host: string, port: number, fingerprint: string): string {
    return `hostkey:${host}:${port} ${fingerprint}`;
  }

  isRefused(id: string): boolean {
    return this.refused.has(id);
  }

  refuse(id: string): void {
    this.refused.add(id);
  }

  /** A key accepted for this session that could not be written anywhere (UserKnownHostsFile none). */
  trust(id: string): void {
    this.trusted.add(id);
  }

  isTrusted(id: string): boolean {
    return this.trusted.has(id);
  }

  /** Forgets refused keys of host:port, so the next connect asks again. Returns how many were forgotten. */
  forgetRefusals(host: string, port: number): number {
    const prefix = `hostkey:${host}:${port} `;
    let n = 0;
    for (const id of [...this.refused]) {
      if (id.startsWith(prefix)) {
        this.refused.delete(id);
        n++;
      }
    }
    return n;
  }

  /** This key file (with this content) as opened before, kept for the core's life. */
  unlockedKey(keyFile: string, content: Buffer): UnlockedKey | undefined {
    return this.unlocked.get(unlockId(keyFile, content));
  }

  keepUnlockedKey(keyFile: string, content: Buffer, unlocked: UnlockedKey): void {
    this.unlocked.set(unlockId(keyFile, content), unlocked);
  }
}

function unlockId(keyFile: string, content: Buffer): string {
  return `${keyFile}\0${createHash('sha256').update(content).digest('base64')}`;
}

/**
 * A deadline for connecting whose clock stops while a question is on screen: time spent by the user
 * never counts against the connect timeout.
 */
export class PausableDeadline implements UserWait {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private since = Date.now();
  private pauses = 0;
  private done = false;
  /** Milliseconds the clock was stopped for. */
  pausedMs = 0;
  private pausedAt = 0;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.arm();
  }

  private arm(): void {
    this.since = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onExpire();
    }, this.remaining);
  }

  pause(): () => void {
    if (this.pauses++ === 0 && !this.done) {
      clearTimeout(this.timer);
      this.remaining = Math.max(0, this.remaining - (Date.now() - this.since));
      this.pausedAt = Date.now();
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.pauses === 0 && !this.done) {
        this.pausedMs += Date.now() - this.pausedAt;
        this.arm();
      }
    };
  }

  clear(): void {
    this.done = true;
    clearTimeout(this.timer);
  }
}
