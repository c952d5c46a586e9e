// What every CLI command shares: the streams it writes to, usage errors and the JSON-or-text output.
import { ConfigError } from '../core/errors';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl+C or SIGTERM: long commands stop at their next step and clean up. */
  signal?: AbortSignal;
}

/** A command line that cannot run: exit 2, with the usage of the command it names (or the whole usage). */
export class UsageError extends ConfigError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new UsageError(`${what} is required.`);
  return value;
}

/** One JSON document with --json, else the text (ending with a newline). */
export function out(io: CliIo, json: boolean, doc: unknown, text: string): void {
  io.stdout(json ? JSON.stringify(doc, null, 2) + '\n' : text.endsWith('\n') ? text : text + '\n');
}
