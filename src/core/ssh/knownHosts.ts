// known_hosts in OpenSSH's format: plain and hashed (|1|salt|hash) host patterns, [host]:port,
// wildcards and negation, @revoked. @cert-authority lines are ignored (certificates are not supported).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface KnownHostLine {
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated patterns, or one hashed entry. */
  hosts: string;
  keyType: string;
  /** Base64 of the SSH wire-format public key blob. */
  key: string;
}

export type HostKeyVerdict =
  { status: 'match' } | { status: 'mismatch'; knownFingerprints: string[] } | { status: 'unknown' } | { status: 'revoked' };

/** SHA256 fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type written at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const len = keyBlob.readUInt32BE(0);
  if (len > keyBlob.length - 4 || len > 64) return '';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
    }
    if (fields.length < 3) continue;
    const [hosts, keyType, key] = fields as [string, string, string];
    if (!/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    lines.push({ marker, hosts, keyType, key });
  }
  return lines;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostEntryName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * OpenSSH's glob ('*' any run, '?' one character), case-insensitive for ASCII as ssh is. Matched by
 * hand with one backtrack point, in O(pattern × name): a regex built from a pattern such as
 * `*a*a*a*a*b` backtracks exponentially and would stall every connection.
 */
function globMatches(pattern: string, name: string): boolean {
  const p = asciiLower(pattern);
  const n = asciiLower(name);
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (j < n.length) {
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === n[j]))) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      resume = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++resume;
    } else {
      return false;
    }
  }
  while (p[i] === '*') i++;
  return i === p.length;
}

function hashedMatches(entry: string, name: string): boolean {
  const parts = entry.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = parts[3]!;
  const got = createHmac('sha1', salt).update(name).digest('base64');
  return got === want;
}

/** Whether a line's host field names `name` (an entry name as built by hostEntryName). */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (!pattern) continue;
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (globMatches(p, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export class KnownHosts {
  constructor(readonly lines: KnownHostLine[]) {}

  static parse(text: string): KnownHosts {
    return new KnownHosts(parseKnownHosts(text));
  }

  static async load(file: string): Promise<KnownHosts> {
    try {
      return KnownHosts.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new KnownHosts([]);
      throw err;
    }
  }

  private linesFor(host: string, port: number): KnownHostLine[] {
    const name = hostEntryName(host, port);
    return this.lines.filter((l) => l.marker !== 'cert-authority' && hostsFieldMatches(l.hosts, name));
  }

  /** Key types known for a host, so the client can ask the server for one of those first. */
  keyTypesFor(host: string, port: number): string[] {
    return [
      ...new Set(
        this.linesFor(host, port)
          .filter((l) => !l.marker)
          .map((l) => l.keyType),
      ),
    ];
  }

  verify(host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
    const key = keyBlob.toString('base64');
    const lines = this.linesFor(host, port);
    if (lines.some((l) => l.marker === 'revoked' && l.key === key)) return { status: 'revoked' };
    const known = lines.filter((l) => !l.marker);
    if (known.some((l) => l.key === key)) return { status: 'match' };
    if (known.length === 0) return { status: 'unknown' };
    return { status: 'mismatch', knownFingerprints: known.map((l) => fingerprint(Buffer.from(l.key, 'base64'))) };
  }
}

/** The line to append for an accepted key (plain host name, as `ssh -o HashKnownHosts=no` writes). */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${hostEntryName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** A hashed line, as `ssh -o HashKnownHosts=yes` writes it. */
export function hashedKnownHostsLine(host: string, port: number, keyBlob: Buffer, salt = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(hostEntryName(host, port)).digest('base64');
  return `|1|${salt.toString('base64')}|${hash} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

export async function appendKnownHost(file: string, line: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const current = await fs.readFile(file, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
}
