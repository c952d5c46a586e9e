// Resolves a host entry through an OpenSSH client config (HostName, User, Port, IdentityFile,
// ProxyJump), the way `ssh` would. Parsing is left to the `ssh-config` package.
import { readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import SSHConfig from 'ssh-config';
import { ConfigError } from '../errors';

export interface SshEndpoint {
  /** What the user wrote (alias, name or address). */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  /** Candidate private keys in order; only existing files are tried. */
  identityFiles: string[];
  /** Whether the identity files came from the user (settings/ssh config) rather than ssh's defaults. */
  explicitIdentity: boolean;
  /** Hops to go through first, outermost first. */
  jumps: SshEndpoint[];
}

export interface ResolveOptions {
  port?: number;
  user?: string;
  identityFile?: string;
  homeDir?: string;
  localUser?: string;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const MAX_JUMPS = 8;
const MAX_INCLUDE_DEPTH = 5;

export class SshConfigResolver {
  private readonly config: SSHConfig;

  constructor(
    configText: string,
    private readonly homeDir: string = os.homedir(),
    private readonly localUser: string = safeUserName(),
  ) {
    try {
      this.config = SSHConfig.parse(inlineIncludes(configText, homeDir, 0));
    } catch (err) {
      throw new ConfigError(`The SSH config cannot be read: ${(err as Error).message}.`, { cause: err });
    }
  }

  /** Reads a config file (default ~/.ssh/config); a missing file is an empty config. */
  static fromFile(file?: string, homeDir: string = os.homedir()): SshConfigResolver {
    const target = file ?? path.join(homeDir, '.ssh', 'config');
    let text = '';
    try {
      text = readFileSync(target, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || file) {
        throw new ConfigError(`Cannot read the SSH config file ${target}.`, { cause: err });
      }
    }
    return new SshConfigResolver(text, homeDir);
  }

  /** Host aliases written as `Host` patterns without wildcards: what "Add host" offers. */
  aliases(): string[] {
    const out: string[] = [];
    for (const line of this.config) {
      if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
      const values = Array.isArray(line.value) ? line.value.map((v) => (typeof v === 'string' ? v : v.val)) : [line.value];
      for (const v of values) if (typeof v === 'string' && !/[*?!]/.test(v)) out.push(v);
    }
    return [...new Set(out)];
  }

  resolve(target: string, options: ResolveOptions = {}, depth = 0): SshEndpoint {
    if (depth > MAX_JUMPS) throw new ConfigError(`ProxyJump for ${target} nests more than ${MAX_JUMPS} hops.`);
    const computed = this.config.compute(target, { ignoreCase: true });
    const get = (key: string): string | undefined => {
      const v = computed[key.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    const hostName = expandTokens(get('HostName') ?? target, { h: target }, this.homeDir, this.localUser);
    const portText = options.port ?? get('Port') ?? 22;
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigError(`The SSH port of ${target} must be a whole number from 1 to 65535, not "${portText}".`);
    }
    const user = options.user ?? get('User') ?? this.localUser;
    const tokens = { h: hostName, p: String(port), r: user };
    const configured = computed['identityfile'];
    const fromConfig = configured === undefined ? [] : Array.isArray(configured) ? configured : [configured];
    const explicit = options.identityFile ? [options.identityFile] : fromConfig;
    const identityFiles = (explicit.length > 0 ? explicit : DEFAULT_IDENTITIES.map((n) => `~/.ssh/${n}`)).map((f) =>
      expandTokens(f, tokens, this.homeDir, this.localUser),
    );
    const jumpSpec = get('ProxyJump');
    const jumps: SshEndpoint[] = [];
    if (jumpSpec && jumpSpec.toLowerCase() !== 'none') {
      for (const hop of jumpSpec.split(',')) {
        const { user: hopUser, host, port: hopPort } = parseUserHostPort(hop.trim());
        const resolved = this.resolve(host, { user: hopUser, port: hopPort }, depth + 1);
        jumps.push(...resolved.jumps, { ...resolved, jumps: [] });
      }
    }
    return { alias: target, hostName, port, user, identityFiles, explicitIdentity: explicit.length > 0, jumps };
  }
}

/** Parses `[user@]host[:port]`, with `[v6]:port` for IPv6 literals. */
export function parseUserHostPort(spec: string): { user?: string; host: string; port?: number } {
  let rest = spec.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, portText] = rest.split(':') as [string, string];
  }
  if (!host) throw new ConfigError(`"${spec}" names no host.`);
  if (user !== undefined && user === '') throw new ConfigError(`"${spec}" has an empty user name.`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new ConfigError(`The port in "${spec}" must be a whole number from 1 to 65535.`);
    }
  }
  return { user, host, port };
}

function expandTokens(value: string, tokens: Record<string, string>, home: string, localUser: string): string {
  let out = value.replace(/%([%hprdu])/g, (m, t: string) => {
    if (t === '%') return '%';
    if (t === 'd') return home;
    if (t === 'u') return localUser;
    return tokens[t] ?? m;
  });
  if (out === '~') out = home;
  else if (out.startsWith('~/')) out = path.join(home, out.slice(2));
  return out;
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

// `ssh-config` keeps Include lines as they are; inline the files they name (globs in the last part).
function inlineIncludes(text: string, home: string, depth: number): string {
  if (depth > MAX_INCLUDE_DEPTH) return '';
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include\s+(.+)$/i.exec(line);
      if (!m) return line;
      const parts: string[] = [];
      for (const spec of m[1]!.trim().split(/\s+/)) {
        let p = spec.replace(/^"|"$/g, '');
        if (p.startsWith('~/')) p = path.join(home, p.slice(2));
        else if (!path.isAbsolute(p)) p = path.join(home, '.ssh', p);
        for (const file of expandGlob(p)) {
          try {
            parts.push(inlineIncludes(readFileSync(file, 'utf8'), home, depth + 1));
          } catch {
            // Like ssh, a missing include is not an error.
          }
        }
      }
      return parts.join('\n');
    })
    .join('\n');
}

function expandGlob(p: string): string[] {
  const base = path.basename(p);
  if (!/[*?]/.test(base)) return [p];
  const re = new RegExp(
    '^' +
      base
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  try {
    return readdirSync(path.dirname(p))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => path.join(path.dirname(p), f));
  } catch {
    return [];
  }
}
