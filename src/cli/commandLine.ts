// The CLI's grammar: the global options, one option table per command, the usage texts, and every check
// that needs no host, so a wrong command line fails (exit 2) before the core is built or a host is contacted.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Core } from '../core/core';
import { Refused, userMessage } from '../core/errors';
import { parseLabels } from '../core/labels';
import { type CliIo, UsageError, need } from './io';

export type OptionTable = NonNullable<ParseArgsConfig['options']>;
type OptionValue = string | boolean | Array<string | boolean> | undefined;

/** Accepted by every command. */
const GLOBAL_OPTIONS = {
  'hosts-file': { type: 'string' },
  // Deprecated for one release: the hosts file, or with matrix the hosts to probe (now --nodes).
  hosts: { type: 'string' },
  'ssh-config': { type: 'string' },
  'known-hosts': { type: 'string' },
  'accept-new-host-keys': { type: 'boolean' },
  'connect-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} satisfies OptionTable;

const OPTIONS_HELP = `Options (every command):
  --hosts-file FILE         JSON array of hosts, as the setting swarmOverlay.hosts (default: $SWARM_OVERLAY_HOSTS)
  --ssh-config FILE         OpenSSH client config (default: ~/.ssh/config)
  --known-hosts FILE        known_hosts file; wins over the ssh config's UserKnownHostsFile (default: that, else ~/.ssh/known_hosts)
  --accept-new-host-keys    Trust and record host keys not yet in known_hosts (refused otherwise)
  --connect-timeout SEC     SSH connect timeout in seconds (default: 10)
  --request-timeout SEC     How long a host may leave one request unanswered, in seconds (default: 20)
  --json                    One JSON document on stdout
  -v, --verbose             Log to stderr
  -h, --help                This help; after a command, that command's usage
  --hosts FILE              Deprecated: use --hosts-file FILE (with matrix: --nodes h1,h2,...)

Secrets come from ssh-agent (IdentityAgent in the ssh config, else SSH_AUTH_SOCK) or from the environment:
SWARM_OVERLAY_SSH_PASSPHRASE (key passphrase), SWARM_OVERLAY_SSH_PASSWORD (password).
`;

export interface RunContext {
  core: Core;
  io: CliIo;
  json: boolean;
}

/** A command whose arguments have passed every check that needs no host. */
export type Run = (ctx: RunContext) => Promise<number>;

export interface Command {
  /** The first word, e.g. `network`. */
  name: string;
  /** For a family of commands (`swarm`, `node`, `network`): the second words this entry serves. */
  verbs?: string[];
  /** Its lines of the usage text, each indented by two spaces. */
  usage: string;
  /** Its own options (none when absent); the global ones come on top. */
  options?: OptionTable;
  /** Its positional arguments (none when absent), all required, each named as the subject of "… is required.". */
  args?: string[];
  /** Until the next release: the deprecated --hosts is this command's --nodes, not the hosts file. */
  hostsMeansNodes?: true;
  /** Checks what can be checked without a host (throws UsageError) and returns the run. */
  prepare(a: CommandArgs): Run;
}

/** The parsed arguments of one command, read by name. */
export class CommandArgs {
  constructor(
    readonly verb: string | undefined,
    readonly args: string[],
    private readonly values: Record<string, OptionValue>,
  ) {}

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** `what` names the option in the message, e.g. `--via HOST`. */
  required(name: string, what: string): string {
    return need(this.string(name), what);
  }

  /** A whole number as written (NaN when it is not digits), for the core's range rules; undefined when absent. */
  wholeNumber(name: string): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : NaN;
  }

  /** `k=v` labels by the core's rule; a bad one is a usage error. */
  labels(name: string): Record<string, string> {
    try {
      return parseLabels(this.list(name));
    } catch (err) {
      if (err instanceof Refused) throw new UsageError(userMessage(err));
      throw err;
    }
  }
}

/** What the global options say, checked. */
export interface GlobalSettings {
  hostsFile: string;
  sshConfig?: string;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  json: boolean;
  verbose: boolean;
}

export type CommandLine = { help: string } | { command: Command; settings: GlobalSettings; run: Run };

/** A first look at argv that never fails: enough to know the command and whether --json was asked for. */
export interface Scan {
  argv: string[];
  positionals: string[];
  tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>;
  json: boolean;
  help: boolean;
}

export function scanCommandLine(argv: string[], commands: Command[]): Scan {
  const every: OptionTable = { ...GLOBAL_OPTIONS };
  for (const c of commands) Object.assign(every, c.options);
  const { values, positionals, tokens } = parseArgs({ args: argv, options: every, strict: false, allowPositionals: true, tokens: true });
  return { argv, positionals, tokens, json: values.json === true, help: values.help === true };
}

/** The whole usage, or with `heading` '' the usage of some commands (one, or a family). */
export function usageText(commands: Command[], heading = 'Commands:\n'): string {
  return `Usage: swarm-overlay [options] <command>\n\n${heading}${commands.map((c) => c.usage).join('\n')}\n\n${OPTIONS_HELP}`;
}

function displayName(c: Command): string {
  return c.verbs ? `${c.name} ${c.verbs.join('|')}` : c.name;
}

function alternatives(words: string[], conjunction = 'or'): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}` : words.join('');
}

/**
 * Picks the command, checks its options against its own table plus the global one, its arguments and values.
 * `notice` gets the deprecation lines.
 */
export function parseCommandLine(scan: Scan, commands: Command[], env: NodeJS.ProcessEnv, notice: (line: string) => void): CommandLine {
  const allUsage = usageText(commands);
  const [name, second] = scan.positionals;
  if (name === undefined) {
    if (scan.help) return { help: allUsage };
    throw new UsageError('No command given.', allUsage);
  }
  const family = commands.filter((c) => c.name === name);
  if (!family.length) throw new UsageError(`Unknown command "${name}".`, allUsage);
  const verbs = family.flatMap((c) => c.verbs ?? []);
  const command = verbs.length ? family.find((c) => second !== undefined && c.verbs?.includes(second)) : family[0];
  if (!command) {
    if (second === undefined && scan.help) return { help: usageText(family, '') };
    const what = second === undefined ? `"${name}" needs a command:` : `Unknown ${name} command "${second}":`;
    throw new UsageError(`${what} use ${alternatives(verbs)}.`, usageText(family, ''));
  }
  const usage = usageText([command], '');
  if (scan.help) return { help: usage };
  try {
    return checkedCommandLine(scan, commands, command, env, notice);
  } catch (err) {
    if (err instanceof UsageError && err.usage === undefined) throw new UsageError(err.message, usage);
    throw err;
  }
}

function checkedCommandLine(
  scan: Scan,
  commands: Command[],
  command: Command,
  env: NodeJS.ProcessEnv,
  notice: (line: string) => void,
): CommandLine {
  const options: OptionTable = { ...GLOBAL_OPTIONS, ...command.options };
  for (const t of scan.tokens) {
    if (t.kind !== 'option' || t.name in options) continue;
    const owners = commands.filter((c) => c !== command && t.name in (c.options ?? {})).map(displayName);
    if (!owners.length) throw new UsageError(`Unknown option "${t.rawName}".`);
    const whose = owners.length <= 3 ? ` (it belongs to ${alternatives(owners, 'and')})` : '';
    throw new UsageError(`${t.rawName} is not an option of "${displayName(command)}"${whose}.`);
  }
  let values: Record<string, OptionValue>;
  let positionals: string[];
  // A negative number after an option is its value (parseArgs calls it ambiguous): the range check then says what is wrong.
  const args: Array<string | undefined> = [...scan.argv];
  for (const t of scan.tokens) {
    if (t.kind !== 'option' || t.inlineValue !== false || !/^-\d/.test(t.value ?? '')) continue;
    args[t.index] = `${t.rawName}=${t.value}`;
    args[t.index + 1] = undefined;
  }
  try {
    const given = args.filter((x) => x !== undefined);
    ({ values, positionals } = parseArgs({ args: given, options, strict: true, allowPositionals: true }));
  } catch (err) {
    throw new UsageError(userMessage(err));
  }
  const rest = positionals.slice(command.verbs ? 2 : 1);
  const wanted = command.args ?? [];
  if (rest.length > wanted.length) {
    const extra = rest.slice(wanted.length).join(' ');
    if (wanted.length) throw new UsageError(`Unexpected arguments: ${extra}.`);
    throw new UsageError(`"${displayName(command)}" takes no arguments (got "${extra}").`);
  }
  wanted.forEach((what, i) => need(rest[i], what));

  if (typeof values.hosts === 'string') values = legacyHosts(command, values, notice);
  const a = new CommandArgs(command.verbs ? positionals[1] : undefined, rest, values);
  const connectTimeout = secondsOption('connect-timeout', a.string('connect-timeout'));
  const requestTimeout = secondsOption('request-timeout', a.string('request-timeout'));
  const run = command.prepare(a);
  const hostsFile = a.string('hosts-file') ?? env.SWARM_OVERLAY_HOSTS;
  if (!hostsFile) throw new UsageError('No hosts: pass --hosts-file FILE or set SWARM_OVERLAY_HOSTS.');
  const settings: GlobalSettings = {
    hostsFile,
    sshConfig: a.string('ssh-config'),
    knownHosts: a.string('known-hosts'),
    acceptNewHostKeys: a.flag('accept-new-host-keys'),
    connectTimeoutMs: connectTimeout,
    requestTimeoutMs: requestTimeout,
    json: a.flag('json'),
    verbose: a.flag('verbose'),
  };
  return { command, settings, run };
}

/** The deprecated --hosts, read as what it meant for this command, with one line saying what replaces it. */
function legacyHosts(command: Command, values: Record<string, OptionValue>, notice: (line: string) => void): Record<string, OptionValue> {
  const [meaning, flag] = command.hostsMeansNodes ? ['nodes', '--nodes h1,h2,...'] : ['hosts-file', '--hosts-file FILE'];
  const where = command.hostsMeansNodes ? ` for ${command.name}` : '';
  notice(`--hosts is deprecated${where}: use ${flag} (it will be removed in the next release).`);
  if (values[meaning] !== undefined) throw new UsageError(`Give ${flag} only (--hosts is its deprecated name).`);
  return { ...values, [meaning]: values.hosts };
}

/** A number of seconds given to `--option`, in ms. */
function secondsOption(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0 || s > 600) throw new UsageError(`--${option} must be a number of seconds from 0 to 600.`);
  return Math.round(s * 1000);
}

/** A command that works through one manager: it takes `--via <host>`, required, and gets its name. */
export function throughManager(spec: Omit<Command, 'prepare'> & { prepare(a: CommandArgs, via: string): Run }): Command {
  return {
    ...spec,
    options: { via: { type: 'string' }, ...spec.options },
    prepare: (a) => spec.prepare(a, a.required('via', '--via HOST')),
  };
}
