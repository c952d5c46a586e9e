// The configured hosts and their Docker clients, each over the host's pooled SSH connection.
import { DockerHost } from '../docker/DockerHost';
import { ConfigError } from '../errors';
import type { Logger } from '../log';
import type { HostConfig, HostStatus } from '../model';
import type { SshPool } from '../ssh/SshPool';
import { hostStatus } from './hostStatus';

export class DockerHosts {
  private configs: HostConfig[] = [];
  private readonly hosts = new Map<string, DockerHost>();

  constructor(
    private readonly pool: SshPool,
    private readonly logger: Logger,
  ) {}

  setHosts(configs: HostConfig[]): void {
    this.configs = configs;
    for (const [name, host] of this.hosts) {
      const now = configs.find((c) => c.name === name);
      if (!now || JSON.stringify(now) !== JSON.stringify(host.config)) {
        host.dispose();
        this.hosts.delete(name);
      }
    }
    this.pool.retain(configs.map((c) => c.name));
  }

  list(): HostConfig[] {
    return [...this.configs];
  }

  get(name: string): DockerHost {
    const config = this.configs.find((c) => c.name === name);
    if (!config) throw new ConfigError(`No host is named "${name}".`);
    let host = this.hosts.get(name);
    if (!host) {
      host = new DockerHost(config, this.pool.get(config), this.logger);
      this.hosts.set(name, host);
    }
    return host;
  }

  /** After the user refused a host key: the next connect to `name` asks again. */
  retryHostKey(name: string): number {
    const config = this.configs.find((c) => c.name === name);
    if (!config) throw new ConfigError(`No host is named "${name}".`);
    return this.pool.forgetRefusedHostKeys(config);
  }

  /** The ids under which the secrets for `name` (passwords, key passphrases) are kept, if any are. */
  secretIds(name: string): string[] {
    const config = this.configs.find((c) => c.name === name);
    if (!config) throw new ConfigError(`No host is named "${name}".`);
    return this.pool.secretIds(config);
  }

  /**
   * Status of every host, in parallel; one host's failure never holds up the others, and each status
   * goes to `onStatus` as soon as its host answered (or its request timed out).
   */
  async statusAll(o: { signal?: AbortSignal; onStatus?: (status: HostStatus) => void } = {}): Promise<HostStatus[]> {
    return Promise.all(
      this.configs.map(async (c) => {
        const status = await this.status(c.name, o.signal);
        o.onStatus?.(status);
        return status;
      }),
    );
  }

  /** Status of one host: unreachable with the reason when it cannot be read within the request timeout. */
  status(name: string, signal?: AbortSignal): Promise<HostStatus> {
    return hostStatus(this.get(name), signal);
  }

  dispose(): void {
    for (const host of this.hosts.values()) host.dispose();
    this.hosts.clear();
    this.pool.dispose();
  }
}
