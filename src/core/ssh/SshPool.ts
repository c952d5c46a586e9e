// One SshConnection per configured host, reused by everything that talks to that host.
import { ChannelError } from '../errors';
import type { HostConfig } from '../model';
import { secretId } from './auth';
import { SshConnection, type SshConnectionOptions } from './SshConnection';
import type { SshConfigResolver } from './sshConfig';

export class SshPool {
  private readonly connections = new Map<string, { key: string; connection: SshConnection }>();
  private disposed = false;

  constructor(
    private readonly resolver: SshConfigResolver,
    private readonly options: SshConnectionOptions,
  ) {}

  /** The connection for a host; a changed host entry gets a fresh connection. */
  get(host: HostConfig): SshConnection {
    // A connection made now would belong to nobody and never be closed.
    if (this.disposed) throw new ChannelError(`The connections to ${host.name} were closed (the settings changed); run it again.`);
    const key = JSON.stringify([host.host, host.port, host.user, host.identityFile]);
    const existing = this.connections.get(host.name);
    if (existing && existing.key === key) return existing.connection;
    existing?.connection.dispose();
    const endpoint = this.resolver.resolve(host.host, {
      port: host.port,
      user: host.user,
      identityFile: host.identityFile,
    });
    const connection = new SshConnection(endpoint, this.options);
    this.connections.set(host.name, { key, connection });
    return connection;
  }

  /**
   * Forgets the host keys the user refused for this host (and its jump hosts), so the next connect asks
   * again. Returns how many were forgotten.
   */
  forgetRefusedHostKeys(host: HostConfig): number {
    const endpoint = this.get(host).endpoint;
    const prompts = this.options.prompts;
    if (!prompts) return 0;
    return [endpoint, ...endpoint.jumps].reduce((n, e) => n + prompts.forgetRefusals(e.hostName, e.port), 0);
  }

  /** The ids of the secrets connecting to this host may ask for: its passwords and key passphrases, jump hosts included. */
  secretIds(host: HostConfig): string[] {
    const endpoint = this.get(host).endpoint;
    return [endpoint, ...endpoint.jumps].flatMap((e) => [
      secretId('password', e),
      ...e.identityFiles.map((file) => secretId('passphrase', e, file)),
    ]);
  }

  /** Drops connections of hosts no longer configured. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const [name, entry] of this.connections) {
      if (!keep.has(name)) {
        entry.connection.dispose();
        this.connections.delete(name);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.connections.values()) entry.connection.dispose();
    this.connections.clear();
  }
}
