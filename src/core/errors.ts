// Typed errors: `message` is one sentence fit for users; `cause` keeps the detail for the log.

export type ErrorKind =
  | 'config'
  | 'unreachable'
  | 'hostKeyMismatch'
  | 'hostKeyUnknown'
  | 'hostKeyRevoked'
  | 'auth'
  | 'channel'
  | 'docker'
  | 'refused'
  | 'cancelled'
  | 'cancelledLate'
  | 'timeout';

export class SwarmOverlayError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigError extends SwarmOverlayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
  }
}

export class HostUnreachable extends SwarmOverlayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unreachable', message, options);
  }
}

export class HostKeyMismatch extends SwarmOverlayError {
  constructor(
    message: string,
    readonly fingerprint: string,
  ) {
    super('hostKeyMismatch', message);
  }
}

export class HostKeyUnknown extends SwarmOverlayError {
  constructor(
    message: string,
    readonly fingerprint: string,
  ) {
    super('hostKeyUnknown', message);
  }
}

export class HostKeyRevoked extends SwarmOverlayError {
  constructor(message: string) {
    super('hostKeyRevoked', message);
  }
}

export class AuthFailed extends SwarmOverlayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, options);
  }
}

export class ChannelError extends SwarmOverlayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('channel', message, options);
  }
}

export class DockerApiError extends SwarmOverlayError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super('docker', message, options);
  }
}

/** A host that did not answer within its bound; the message names the host and the bound. */
export class TimedOut extends SwarmOverlayError {
  constructor(
    message: string,
    /** Whether the time ran out waiting for a free channel slot, before anything was asked of the host. */
    readonly queued = false,
  ) {
    super('timeout', message);
  }
}

/** "20 s", "2.5 s": a bound in ms as the messages say it. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export class Cancelled extends SwarmOverlayError {
  constructor(message = 'Cancelled.') {
    super('cancelled', message);
  }
}

/** A cancel that came after a change was made which could not be undone: the message says what remains. */
export class CancelledLate extends SwarmOverlayError {
  constructor(message: string) {
    super('cancelledLate', message);
  }
}

/** The sentence to show a user for any thrown value. */
export function userMessage(err: unknown): string {
  if (err instanceof SwarmOverlayError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Cancelled();
}

/** Kind test that also works across bundles (the extension loads the core separately). */
function hasKind(err: unknown, kind: ErrorKind): boolean {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === kind;
}

export function isCancelled(err: unknown): boolean {
  return hasKind(err, 'cancelled');
}

export function isCancelledLate(err: unknown): boolean {
  return hasKind(err, 'cancelledLate');
}

/** A request refused before anything was changed: bad input or a state that does not allow it. */
export class Refused extends SwarmOverlayError {
  constructor(message: string) {
    super('refused', message);
  }
}
