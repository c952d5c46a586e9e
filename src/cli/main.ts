// The command-line entry over the same core as the extension. Exit codes: 0 all good,
// 1 a check failed, 2 usage or setup error, 130 cancelled (Ctrl+C) with nothing changed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCore, type Core } from '../core/core';
import { ConfigError, isCancelled, userMessage } from '../core/errors';
import { parseHosts } from '../core/hosts/hostsConfig';
import { lineLogger } from '../core/log';
import { type SecretPrompter, acceptUnknownKeys, refuseUnknownKeys } from '../core/ssh/auth';
import { hostsCommand } from './hostsCommand';
import { matrixCommand } from './matrixCommand';
import { type NetworkArgs, networkCommand, portsCommand } from './networkCommands';
import { UsageError, nodeCommand, nodesCommand, swarmCommand } from './swarmCommands';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl+C or SIGTERM: long commands stop at their next step and clean up. */
  signal?: AbortSignal;
}

export const USAGE = `Usage: swarm-overlay [options] <command>

Commands:
  hosts                                   Reachability, engine version and swarm state of every host
  swarm init <host> [--advertise-addr IP] [--data-path-port N] [--default-addr-pool CIDR]...
  swarm join <host> --manager <host> [--as worker|manager]
  swarm leave <host> [--force]
  swarm tokens --via <host> [--reveal]    Join commands (tokens hidden unless --reveal)
  swarm rotate-token worker|manager --via <host>
  nodes --via <host>                      Nodes and quorum, read through a manager
  node promote|demote|drain|pause|activate <node> --via <host>
  node label <node> --via <host> --add k=v | --rm k
  node rm <node> --via <host> [--force]   Remove a down node from the swarm
  network ls --via <host>
  network create <name> --via <host> [--attachable] [--encrypted] [--internal] [--subnet CIDR]
                 [--gateway IP] [--ip-range CIDR] [--mtu N] [--label k=v]...
  network rm|inspect|members <name> --via <host>
  ports --via <host>                      2377/tcp and 7946/tcp between the swarm's hosts
  matrix <network> --via <host> [--hosts h1,h2,...] [--image IMG] [--temporary]
                                          ping every pair of hosts over the network (probe
                                          containers, always removed); exit 1 if any pair fails.
                                          With matrix, give the hosts file as --hosts-file FILE.

Options:
  --hosts FILE              JSON array of hosts, as the setting swarmOverlay.hosts
  --hosts-file FILE         the same (default for both: $SWARM_OVERLAY_HOSTS)
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


export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        hosts: { type: 'string' },
        'hosts-file': { type: 'string' },
        image: { type: 'string' },
        temporary: { type: 'boolean' },
        'ssh-config': { type: 'string' },
        'known-hosts': { type: 'string' },
        'accept-new-host-keys': { type: 'boolean' },
        'connect-timeout': { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        via: { type: 'string' },
        manager: { type: 'string' },
        as: { type: 'string' },
        force: { type: 'boolean' },
        reveal: { type: 'boolean' },
        'advertise-addr': { type: 'string' },
        'data-path-port': { type: 'string' },
        'default-addr-pool': { type: 'string', multiple: true },
        add: { type: 'string', multiple: true },
        rm: { type: 'string', multiple: true },
        attachable: { type: 'boolean' },
        encrypted: { type: 'boolean' },
        internal: { type: 'boolean' },
        subnet: { type: 'string' },
        gateway: { type: 'string' },
        'ip-range': { type: 'string' },
        mtu: { type: 'string' },
        label: { type: 'string', multiple: true },
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
    // For `matrix`, --hosts is the list of hosts to probe; the hosts file then comes from --hosts-file.
    const hostsFile = values['hosts-file'] ?? (command === 'matrix' ? undefined : values.hosts) ?? io.env.SWARM_OVERLAY_HOSTS;
    if (!hostsFile) throw new UsageError(`No hosts: pass ${command === 'matrix' ? '--hosts-file' : '--hosts'} FILE or set SWARM_OVERLAY_HOSTS.`);
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
    const swarmArgs: NetworkArgs = {
      rest,
      json: values.json === true,
      via: values.via,
      manager: values.manager,
      as: values.as,
      force: values.force === true,
      reveal: values.reveal === true,
      advertiseAddr: values['advertise-addr'],
      dataPathPort: values['data-path-port'],
      defaultAddrPool: values['default-addr-pool'] ?? [],
      add: values.add ?? [],
      rm: values.rm ?? [],
      attachable: values.attachable === true,
      encrypted: values.encrypted === true,
      internal: values.internal === true,
      subnet: values.subnet,
      gateway: values.gateway,
      ipRange: values['ip-range'],
      mtu: values.mtu,
      label: values.label ?? [],
    };
    switch (command) {
      case 'hosts':
        if (rest.length) throw new UsageError(`"hosts" takes no arguments (got "${rest.join(' ')}").`);
        return await hostsCommand(core, io, values.json === true);
      case 'swarm':
        return await swarmCommand(core, io, swarmArgs);
      case 'nodes':
        return await nodesCommand(core, io, swarmArgs);
      case 'node':
        return await nodeCommand(core, io, swarmArgs);
      case 'network':
        return await networkCommand(core, io, swarmArgs);
      case 'ports':
        return await portsCommand(core, io, swarmArgs);
      case 'matrix':
        return await matrixCommand(core, io, {
          rest,
          json: values.json === true,
          via: values.via,
          probeHosts: values.hosts,
          image: values.image,
          temporary: values.temporary === true,
        });
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (isCancelled(err)) {
      io.stderr('swarm-overlay: cancelled; nothing this run made was left behind.\n');
      if (values.json) io.stdout(JSON.stringify({ error: 'cancelled' }) + '\n');
      return 130;
    }
    io.stderr(`swarm-overlay: ${userMessage(err)}\n`);
    if (err instanceof UsageError) io.stderr(`\n${USAGE}`);
    if (values.json) io.stdout(JSON.stringify({ error: userMessage(err) }) + '\n');
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
