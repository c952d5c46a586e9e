// The logging contract of the core. A VS Code LogOutputChannel fits `Logger` as it is.

export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

// Swarm join tokens look like SWMTKN-1-<50 base36>-<25 base36>; the unlock key like SWMKEY-1-<base64ish>.
const SECRET_PATTERNS: RegExp[] = [/SWMTKN-1-[0-9a-z]+-[0-9a-z]+/gi, /SWMKEY-1-[A-Za-z0-9+/=_-]+/g];

/** Masks join tokens, unlock keys and any registered secret (passwords, passphrases) in a text. */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a value that must never be written out (only values of 4+ characters). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, (m) => `${m.slice(0, 9)}…(redacted)`);
    for (const s of this.secrets) out = out.split(s).join('…(redacted)');
    return out;
  }
}

function render(message: string | Error, args: unknown[]): string {
  const head = message instanceof Error ? (message.stack ?? message.message) : message;
  if (args.length === 0) return head;
  return `${head} ${args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === 'string' ? a : safeJson(a))).join(' ')}`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Wraps a logger so that every line passes through the redactor first. */
export function redactingLogger(inner: Logger, redactor: Redactor): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string | Error, ...args: unknown[]) =>
      inner[level](redactor.redact(render(message, args)));
  return {
    trace: wrap('trace'),
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
  };
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'off'];

/** A logger writing `[level] message` lines to a sink (stderr for the CLI, an array in tests). */
export function lineLogger(write: (line: string) => void, minimum: LogLevel = 'info'): Logger {
  const min = LEVELS.indexOf(minimum);
  const at =
    (level: Exclude<LogLevel, 'off'>) =>
    (message: string | Error, ...args: unknown[]) => {
      if (LEVELS.indexOf(level) >= min) write(`[${level}] ${render(message, args)}`);
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
