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
  /** How long one request to a host may go unanswered (Docker API, channel open, exec); default 20 s. */
  requestTimeoutMs?: number;
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
  /** Keeps the core (its connections) alive for one operation; call the result when it ends. */
  hold(): () => void;
  /** Disposes the core once no operation holds it (at once if none does): for a core replaced by a new one. */
  retire(): void;
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
    requestTimeoutMs: options.requestTimeoutMs,
    agentSocket: options.agentSocket,
    prompts,
  });
  const hosts = new DockerHosts(pool, logger);
  hosts.setHosts(options.hosts);
  let holds = 0;
  let retired = false;
  const dispose = () => hosts.dispose();
  return {
    hosts,
    logger,
    redactor,
    knownHostsFile,
    prompts,
    resolver,
    hold: () => {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        if (retired && holds === 0) dispose();
      };
    },
    retire: () => {
      retired = true;
      if (holds === 0) dispose();
    },
    dispose,
  };
}
