// What the SSH layer asks of its host (VS Code or the CLI): secrets and host-key decisions.
import type { SshEndpoint } from './sshConfig';

export interface SecretPrompter {
  /** Passphrase of an encrypted key; undefined skips the key. `retry` is true after a wrong one. */
  passphrase(keyFile: string, endpoint: SshEndpoint, retry: boolean): Promise<string | undefined>;
  /** Password for user@host; undefined means no password authentication. */
  password(endpoint: SshEndpoint, retry: boolean): Promise<string | undefined>;
  /** Called after a secret got the user in, so the host can keep it (e.g. SecretStorage). */
  accepted?(kind: 'passphrase' | 'password', id: string, value: string): Promise<void>;
}

export interface HostKeyPrompter {
  /** Asked for a host key not in known_hosts; true accepts it and appends it. */
  confirmUnknownKey(endpoint: SshEndpoint, keyType: string, fingerprint: string): Promise<boolean>;
}

export const noSecrets: SecretPrompter = {
  passphrase: async () => undefined,
  password: async () => undefined,
};

export const refuseUnknownKeys: HostKeyPrompter = {
  confirmUnknownKey: async () => false,
};

export const acceptUnknownKeys: HostKeyPrompter = {
  confirmUnknownKey: async () => true,
};

/** The id a secret is stored under: user@host:port for passwords, the key's path for passphrases. */
export function secretId(kind: 'passphrase' | 'password', endpoint: SshEndpoint, keyFile?: string): string {
  return kind === 'password' ? `password:${endpoint.user}@${endpoint.hostName}:${endpoint.port}` : `passphrase:${keyFile}`;
}
