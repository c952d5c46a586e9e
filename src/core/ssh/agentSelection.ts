// Which ssh-agent a connection asks, as ssh does: IdentityAgent from the config (`none`, `SSH_AUTH_SOCK`,
// `$VAR` or a socket path), else SSH_AUTH_SOCK; on Windows then the OpenSSH agent's named pipe and Pageant.
// IdentitiesOnly yes: only the agent's keys that match the configured identity files are offered.
import { promises as fs } from 'node:fs';
import { BaseAgent, type ParsedKey, type PublicKeyEntry, type SignCallback, type SigningRequestOptions, createAgent, utils } from 'ssh2';
import type { SshEndpoint } from './sshConfig';

export const WINDOWS_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';

export interface AgentEnvironment {
  /** An agent set by the caller (tests, an embedding host); '' means no agent. Wins over everything. */
  explicit?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

/** The agents to try, in order (ssh2's `agent` strings: a socket path, a named pipe or `pageant`). */
export function selectAgents(endpoint: SshEndpoint, where: AgentEnvironment): string[] {
  if (where.explicit !== undefined) return where.explicit ? [where.explicit] : [];
  const configured = endpoint.identityAgent;
  if (configured !== undefined) {
    if (configured === 'none') return [];
    if (configured === 'SSH_AUTH_SOCK') return where.env.SSH_AUTH_SOCK ? [where.env.SSH_AUTH_SOCK] : [];
    // ssh.c: a value starting with '$' names an environment variable holding the socket.
    if (configured.startsWith('$')) {
      const value = where.env[configured.slice(1)];
      return value ? [value] : [];
    }
    return [configured];
  }
  if (where.env.SSH_AUTH_SOCK) return [where.env.SSH_AUTH_SOCK];
  // Windows' OpenSSH agent service listens on a named pipe; PuTTY users run Pageant.
  if (where.platform === 'win32') return [WINDOWS_AGENT_PIPE, 'pageant'];
  return [];
}

type AgentKey = ParsedKey | Buffer | string | PublicKeyEntry;
type IdentityCallback = (err: Error | null | undefined, keys?: AgentKey[]) => void;

/**
 * An agent that tells which keys it offered (so an identity file whose key the agent holds is not
 * unlocked again) and, given `only`, hides every key not among those public key blobs.
 */
export class SelectedAgent extends BaseAgent {
  private readonly inner: BaseAgent;

  constructor(
    readonly spec: string,
    private readonly only: Set<string> | undefined,
    private readonly offered: (blob: Buffer) => void,
  ) {
    super();
    this.inner = createAgent(spec);
  }

  getIdentities(cb: IdentityCallback): void {
    this.inner.getIdentities((err, keys) => {
      if (err || !keys) return cb(err ?? new Error('The agent listed no keys'));
      const kept = keys.filter((k) => {
        const blob = publicBlob(k);
        if (!blob || (this.only && !this.only.has(blob.toString('base64')))) return false;
        this.offered(blob);
        return true;
      });
      cb(undefined, kept);
    });
  }

  sign(pubKey: ParsedKey | Buffer | string, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

function publicBlob(key: AgentKey | PublicKeyEntry['pubKey']): Buffer | undefined {
  if (typeof key === 'object' && 'pubKey' in key) return publicBlob(key.pubKey);
  const parsed = typeof key === 'object' && !Buffer.isBuffer(key) ? key : utils.parseKey(key);
  if (parsed instanceof Error) return undefined;
  return (Array.isArray(parsed) ? parsed[0] : parsed)?.getPublicSSH();
}

/**
 * The public key of an identity file without its passphrase: from `file.pub` as ssh does, else from the
 * private key file (an OpenSSH-format key keeps its public key in clear).
 */
export async function identityPublicKey(file: string): Promise<Buffer | undefined> {
  try {
    const fields = (await fs.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
    if (fields[1] && /^[A-Za-z0-9+/]+=*$/.test(fields[1])) return Buffer.from(fields[1], 'base64');
  } catch {
    // no .pub file: read the private key
  }
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch {
    return undefined;
  }
  const parsed = utils.parseKey(data);
  if (!(parsed instanceof Error)) return publicBlob(parsed);
  return openSshPublicKey(data.toString('latin1'));
}

/** The public key in an OpenSSH private key file's clear header (openssh-key-v1: magic, cipher, kdf, options, n, key). */
export function openSshPublicKey(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) return undefined;
  const bin = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (bin.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let at = magic.length;
  const field = (): Buffer | undefined => {
    if (at + 4 > bin.length) return undefined;
    const len = bin.readUInt32BE(at);
    if (at + 4 + len > bin.length) return undefined;
    const out = bin.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return out;
  };
  for (let i = 0; i < 3; i++) if (!field()) return undefined;
  if (at + 4 > bin.length || bin.readUInt32BE(at) < 1) return undefined;
  at += 4;
  const key = field();
  return key && key.length > 0 ? Buffer.from(key) : undefined;
}
