// Builds the core services from plain options; used alike by the extension, the CLI and the tests.
import { DockerHosts } from './hosts/DockerHosts';
import { type Logger, Redactor, redactingLogger } from './log';
import type { HostConfig } from './model';
import { type HostKeyPrompter, type SecretPrompter, noSecrets, refuseUnknownKeys } from './ssh/auth';
import { PromptGate } from './ssh/promptGate';
import { SshConfigResolver } from './ssh/sshConfig';
import { SshPool } from './ssh/SshPool';

export interface CoreOptions {
  hosts: HostConfig[];
  logger: Logger;
  /** Default ~/.ssh/config. */
  sshConfigFile?: string;
  /** Wins over the ssh config's UserKnownHostsFile; unset: the config's, else ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  secrets?: SecretPrompter;
  hostKeys?: HostKeyPrompter;
  connectTimeoutMs?: number;
  agentSocket?: string;
  redactor?: Redactor;
}

export interface Core {
  hosts: DockerHosts;
  logger: Logger;
  redactor: Redactor;
  knownHostsFile?: string;
  /** The questions asked while connecting, and the host keys the user refused. */
  prompts: PromptGate;
  resolver: SshConfigResolver;
  dispose(): void;
}

export function createCore(options: CoreOptions): Core {
  const redactor = options.redactor ?? new Redactor();
  const logger = redactingLogger(options.logger, redactor);
  const knownHostsFile = options.knownHostsFile;
  const prompts = new PromptGate();
  const resolver = SshConfigResolver.fromFile(options.sshConfigFile);
  const pool = new SshPool(resolver, {
    knownHostsFile,
    secrets: options.secrets ?? noSecrets,
    hostKeys: options.hostKeys ?? refuseUnknownKeys,
    logger,
    redactor,
    connectTimeoutMs: options.connectTimeoutMs,
    agentSocket: options.agentSocket,
    prompts,
  });
  const hosts = new DockerHosts(pool, logger);
  hosts.setHosts(options.hosts);
  return { hosts, logger, redactor, knownHostsFile, prompts, resolver, dispose: () => hosts.dispose() };
}
