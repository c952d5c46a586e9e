// The command-line entry over the same core as the extension. Exit codes: 0 all good,
// 1 a check failed, 2 usage or setup error, 130 cancelled (Ctrl+C) with nothing changed.
import { readFileSync } from 'node:fs';
import { createCore, type Core } from '../core/core';
import { ConfigError, isCancelled, userMessage } from '../core/errors';
import { parseHosts } from '../core/hosts/hostsConfig';
import { Redactor, lineLogger } from '../core/log';
import { type SecretPrompter, acceptUnknownKeys, refuseUnknownKeys } from '../core/ssh/auth';
import { type Command, parseCommandLine, scanCommandLine, usageText } from './commandLine';
import { hostsCommands } from './hostsCommand';
import { type CliIo, UsageError } from './io';
import { matrixCommands } from './matrixCommand';
import { checkServiceCommands } from './checkServiceCommand';
import { networkCommands } from './networkCommands';
import { nodeCommands, swarmCommands } from './swarmCommands';

/** Every command, in the order of the usage text. */
export const COMMANDS: Command[] = [
  ...hostsCommands,
  ...swarmCommands,
  ...nodeCommands,
  ...networkCommands,
  ...matrixCommands,
  ...checkServiceCommands,
];

export const USAGE = usageText(COMMANDS);

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const scan = scanCommandLine(argv, COMMANDS);
  let core: Core | undefined;
  try {
    const line = parseCommandLine(scan, COMMANDS, io.env, (notice) => io.stderr(`swarm-overlay: ${notice}\n`));
    if ('help' in line) {
      io.stdout(line.help);
      return 0;
    }
    const { settings } = line;
    const hosts = parseHosts(readJson(settings.hostsFile), settings.hostsFile);
    core = createCore({
      hosts,
      logger: lineLogger((l) => io.stderr(l + '\n'), settings.verbose ? 'debug' : 'off'),
      sshConfigFile: settings.sshConfig,
      knownHostsFile: settings.knownHosts,
      hostKeys: settings.acceptNewHostKeys ? acceptUnknownKeys : refuseUnknownKeys,
      secrets: envSecrets(io.env),
      connectTimeoutMs: settings.connectTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    return await line.run({ core, io, json: settings.json });
  } catch (err) {
    if (isCancelled(err)) {
      io.stderr('swarm-overlay: cancelled; nothing this run made was left behind.\n');
      if (scan.json) io.stdout(JSON.stringify({ error: 'cancelled' }) + '\n');
      return 130;
    }
    // Docker's and ssh's words can carry a token or a password: masked like every log line.
    const message = (core?.redactor ?? new Redactor()).redact(userMessage(err));
    io.stderr(`swarm-overlay: ${message}\n`);
    if (err instanceof UsageError) io.stderr(`\n${err.usage ?? USAGE}`);
    if (scan.json) io.stdout(JSON.stringify({ error: message }) + '\n');
    // Usage and setup problems are 2; a refused or failed operation is a failed check, 1.
    return err instanceof ConfigError ? 2 : 1;
  } finally {
    core?.dispose();
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the hosts file ${file}.`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`The hosts file ${file} is not valid JSON.`);
  }
}

function envSecrets(env: NodeJS.ProcessEnv): SecretPrompter {
  return {
    passphrase: async (_file, _endpoint, retry) => (retry ? undefined : env.SWARM_OVERLAY_SSH_PASSPHRASE || undefined),
    password: async (_endpoint, retry) => (retry ? undefined : env.SWARM_OVERLAY_SSH_PASSWORD || undefined),
  };
}
