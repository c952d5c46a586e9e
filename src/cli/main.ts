// The command-line entry over the same core as the extension. Exit codes: 0 all good,
// 1 a check failed, 2 usage or setup error.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCore, type Core } from '../core/core';
import { ConfigError, userMessage } from '../core/errors';
import { parseHosts } from '../core/hosts/hostsConfig';
import { lineLogger } from '../core/log';
import { type SecretPrompter, acceptUnknownKeys, refuseUnknownKeys } from '../core/ssh/auth';
import { hostsCommand } from './hostsCommand';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export const USAGE = `Usage: swarm-overlay [options] <command>

Commands:
  hosts                     Reachability, engine version and swarm state of every host

Options:
  --hosts FILE              JSON array of hosts, as the setting swarmOverlay.hosts
                            (default: $SWARM_OVERLAY_HOSTS)
  --ssh-config FILE         OpenSSH client config (default: ~/.ssh/config)
  --known-hosts FILE        known_hosts file (default: ~/.ssh/known_hosts)
  --accept-new-host-keys    Trust and record host keys not yet in known_hosts (refused otherwise)
  --connect-timeout SEC     SSH connect timeout in seconds (default: 10)
  --json                    One JSON document on stdout
  -v, --verbose             Log to stderr
  -h, --help                This help

Secrets come from ssh-agent (SSH_AUTH_SOCK) or from the environment:
SWARM_OVERLAY_SSH_PASSPHRASE (key passphrase), SWARM_OVERLAY_SSH_PASSWORD (password).
`;

class UsageError extends ConfigError {}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        hosts: { type: 'string' },
        'ssh-config': { type: 'string' },
        'known-hosts': { type: 'string' },
        'accept-new-host-keys': { type: 'boolean' },
        'connect-timeout': { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`swarm-overlay: ${userMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  let core: Core | undefined;
  try {
    if (!command) throw new UsageError('No command given.');
    const hostsFile = values.hosts ?? io.env.SWARM_OVERLAY_HOSTS;
    if (!hostsFile) throw new UsageError('No hosts: pass --hosts FILE or set SWARM_OVERLAY_HOSTS.');
    const hosts = parseHosts(readJson(hostsFile), hostsFile);
    let connectTimeoutMs: number | undefined;
    if (values['connect-timeout'] !== undefined) {
      const s = Number(values['connect-timeout']);
      if (!Number.isFinite(s) || s <= 0 || s > 600) throw new UsageError('--connect-timeout must be a number of seconds from 0 to 600.');
      connectTimeoutMs = Math.round(s * 1000);
    }
    core = createCore({
      hosts,
      logger: lineLogger((line) => io.stderr(line + '\n'), values.verbose ? 'debug' : 'off'),
      sshConfigFile: values['ssh-config'],
      knownHostsFile: values['known-hosts'],
      hostKeys: values['accept-new-host-keys'] ? acceptUnknownKeys : refuseUnknownKeys,
      secrets: envSecrets(io.env),
      connectTimeoutMs,
    });
    switch (command) {
      case 'hosts':
        if (rest.length) throw new UsageError(`"hosts" takes no arguments (got "${rest.join(' ')}").`);
        return await hostsCommand(core, io, values.json === true);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    io.stderr(`swarm-overlay: ${userMessage(err)}\n`);
    if (err instanceof UsageError) io.stderr(`\n${USAGE}`);
    if (values.json) io.stdout(JSON.stringify({ error: userMessage(err) }) + '\n');
    // Anything that stops a command before it can check is a setup error.
    return 2;
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
