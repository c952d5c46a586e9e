// Resolves a host through an OpenSSH client config the way ssh(1) does (readconf.c, ssh.c):
// Host and Match blocks, first value wins, Include, `Match final` re-parse, tokens and `~`.
// The unit tests compare it with `ssh -G`. Keywords not listed in KEYWORDS are skipped.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { parseSshConfig, type ConfigLine, type MatchCriterion, type ParsedConfig } from './sshConfigParser';

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
  /** ProxyJump as configured (`none` leaves it out); `jumps` holds the resolved hops. */
  proxyJump?: string;
  /** IdentityAgent with tokens and `~` expanded (`none` and `SSH_AUTH_SOCK` kept as words); unset: ssh's default. */
  identityAgent?: string;
  /** IdentitiesOnly; unset: ssh's default (no). */
  identitiesOnly?: boolean;
  /** UserKnownHostsFile, expanded; `[]` for `none`; unset: ssh's default (~/.ssh/known_hosts, ~/.ssh/known_hosts2). */
  userKnownHostsFile?: string[];
  /** GlobalKnownHostsFile as written (ssh expands nothing there); unset: /etc/ssh/ssh_known_hosts{,2}. */
  globalKnownHostsFile?: string[];
}

export interface ResolveOptions {
  /** Like `ssh -p`: set before the config is read, so Port lines do not apply. */
  port?: number;
  /** Like `ssh -l`: set before the config is read (Match user sees it). */
  user?: string;
  /** Replaces the config's identity files. */
  identityFile?: string;
  homeDir?: string;
  localUser?: string;
}

/** ssh's default identities, in ssh's order, limited to the key types ssh2 can use. */
const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ed25519'];
const MAX_JUMPS = 8;

/** The keywords read and how many arguments they take; each keeps its first value, except IdentityFile, which gathers. */
const KEYWORDS: Record<string, 'one' | 'many' | 'rest'> = {
  hostname: 'one',
  user: 'one',
  port: 'one',
  identityagent: 'one',
  identitiesonly: 'one',
  hostkeyalias: 'one',
  identityfile: 'one',
  userknownhostsfile: 'many',
  globalknownhostsfile: 'many',
  proxycommand: 'rest',
  proxyjump: 'rest',
};

interface Options {
  hostname?: string;
  user?: string;
  port?: number;
  /** The ProxyJump spec, or 'none'; a ProxyCommand set first takes its place (proxyCommand). */
  proxyjump?: string;
  proxycommand?: string;
  identityagent?: string;
  identitiesonly?: boolean;
  hostkeyalias?: string;
  identityfile: string[];
  userknownhostsfile?: string[];
  globalknownhostsfile?: string[];
}

interface Pass {
  /** What Host patterns see: the alias, then the final host name in the `Match final` pass. */
  host: string;
  alias: string;
  final: boolean;
  wantFinal: boolean;
  localUser: string;
  home: string;
}

export class SshConfigResolver {
  private readonly config: ParsedConfig;

  constructor(
    configText: string,
    private readonly homeDir: string = os.homedir(),
    private readonly localUser: string = safeUserName(),
  ) {
    this.config = parseSshConfig(configText, homeDir);
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
    const walk = (lines: ConfigLine[]): void => {
      for (const line of lines) {
        if (line.kind === 'host') out.push(...line.patterns.filter((p) => p !== '' && !/[*?!]/.test(p)));
        else if (line.kind === 'include') line.files.forEach(walk);
      }
    };
    walk(this.config.lines);
    return [...new Set(out)];
  }

  /** The endpoint with its ProxyJump hops resolved, outermost first. */
  resolve(target: string, options: ResolveOptions = {}, depth = 0): SshEndpoint {
    if (depth > MAX_JUMPS) throw new ConfigError(`ProxyJump for ${target} nests more than ${MAX_JUMPS} hops.`);
    const endpoint = this.resolveHost(target, options);
    if (endpoint.proxyJump !== undefined) endpoint.jumps = this.resolveJumps(endpoint, depth);
    return endpoint;
  }

  /** What `ssh -G` prints for a host: its settings, with ProxyJump as written and its hops not followed. */
  resolveHost(target: string, options: ResolveOptions = {}): SshEndpoint {
    if (this.config.problem) throw new ConfigError(`The SSH config cannot be used: ${this.config.problem}`);
    const home = options.homeDir ?? this.homeDir;
    const localUser = options.localUser ?? this.localUser;
    const o: Options = { identityfile: [], user: options.user, port: options.port };
    const pass: Pass = { host: target, alias: target, final: false, wantFinal: false, localUser, home };
    this.walk(this.config.lines, o, pass, { active: true }, false);
    // ssh.c: HostName takes %h, then the name is lowercased (addresses are put in canonical form).
    const hostName = canonicalHost(o.hostname === undefined ? target : percentExpand(o.hostname, { h: target }, false));
    if (pass.wantFinal) {
      o.hostname = hostName;
      this.walk(this.config.lines, o, { ...pass, host: hostName, final: true }, { active: true }, false);
    }
    const port = o.port ?? 22;
    const user = o.user ?? localUser;
    const tokens = connectionTokens({ hostName, alias: target, port, user, localUser, home, keyAlias: o.hostkeyalias });
    const expandPath = (p: string): string => expandConfigPath(p, tokens, home);
    const configured = options.identityFile ? [options.identityFile] : o.identityfile;
    const identityFiles = unique((configured.length > 0 ? configured : DEFAULT_IDENTITIES).map(expandPath));
    const endpoint: SshEndpoint = {
      alias: target,
      hostName,
      port,
      user,
      identityFiles,
      explicitIdentity: configured.length > 0,
      jumps: [],
    };
    // ssh puts the ProxyJump text into a ProxyCommand, which takes %h %n %p %r and %%.
    if (o.proxyjump !== undefined && o.proxyjump.toLowerCase() !== 'none') {
      endpoint.proxyJump = percentExpand(o.proxyjump, pick(tokens, 'hnpr'), false);
      const last = jumpHops(o.proxyjump).pop()!;
      // Like ssh.c, refuse a host whose last hop (as written) is itself.
      if (last.host === hostName && (last.port ?? 22) === port && (last.user ?? user) === user) {
        throw new ConfigError(`${target} jumps through itself (ProxyJump loop via ${last.host}).`);
      }
    }
    if (o.identityagent !== undefined) endpoint.identityAgent = expandPath(o.identityagent);
    if (o.identitiesonly !== undefined) endpoint.identitiesOnly = o.identitiesonly;
    if (o.userknownhostsfile) endpoint.userKnownHostsFile = o.userknownhostsfile.filter((f) => f !== 'none').map(expandPath);
    if (o.globalknownhostsfile) endpoint.globalKnownHostsFile = o.globalknownhostsfile.filter((f) => f !== 'none');
    return endpoint;
  }

  // `ProxyJump a,b,c` is `ssh -J a,b -W … c`: the last hop is reached through the others given on its
  // command line, so only the first hop's own ProxyJump applies.
  private resolveJumps(target: SshEndpoint, depth: number): SshEndpoint[] {
    let chain: SshEndpoint[] = [];
    jumpHops(target.proxyJump!).forEach(({ user, host, port }, i) => {
      const hop = i === 0 ? this.resolve(host, { user, port }, depth + 1) : { ...this.resolveHost(host, { user, port }), jumps: chain };
      chain = [...hop.jumps, { ...hop, jumps: [] }];
    });
    return chain;
  }

  private walk(lines: ConfigLine[], o: Options, pass: Pass, state: { active: boolean }, neverMatch: boolean): void {
    for (const line of lines) {
      if (line.kind === 'host') state.active = !neverMatch && matchHostLine(pass.host, line.patterns);
      // Match criteria are evaluated even where they cannot apply (ssh runs `exec` there too).
      else if (line.kind === 'match') state.active = matchCriteria(line.criteria, o, pass) && !neverMatch;
      else if (line.kind === 'include') {
        const outer = state.active;
        // An Include under a Host/Match that does not apply reads the file but applies none of it.
        for (const file of line.files) {
          this.walk(file, o, pass, state, neverMatch || !outer);
          state.active = outer;
        }
      } else setOption(o, line, state.active);
    }
  }
}

function setOption(o: Options, line: Extract<ConfigLine, { kind: 'option' }>, active: boolean): void {
  const kind = KEYWORDS[line.keyword];
  if (kind === undefined) return;
  const { keyword, args, where } = line;
  // ProxyCommand and ProxyJump take the rest of the line as it is (quotes included); a ProxyJump comment is cut.
  const rest = line.rest.replace(/^[ \t\r\n=]+/, '');
  if (keyword === 'proxycommand') {
    if (active && o.proxyjump === undefined) o.proxycommand ??= rest;
    return;
  }
  if (keyword === 'proxyjump') {
    const spec = rest.replace(/#.*/s, '').trimEnd();
    validateJump(spec, where);
    if (active && o.proxyjump === undefined && o.proxycommand === undefined) o.proxyjump = spec;
    return;
  }
  if (args.length === 0 || args[0] === '') throw new ConfigError(`${where}: missing argument.`);
  if (kind === 'one' && args.length > 1) throw new ConfigError(`${where}: keyword ${keyword} has extra arguments at the end of the line.`);
  if (kind === 'many' && args.includes('none') && args.length > 1) throw new ConfigError(`${where}: "none" must appear alone.`);
  const value = args[0]!;
  switch (keyword) {
    case 'port': {
      const port = parsePort(value);
      if (port === undefined)
        throw new ConfigError(`${where}: the port must be a whole number from 1 to 65535 (or a service name), not "${value}".`);
      if (active) o.port ??= port;
      return;
    }
    case 'identitiesonly': {
      const flag = ({ yes: true, true: true, no: false, false: false } as Record<string, boolean>)[value.toLowerCase()];
      if (flag === undefined) throw new ConfigError(`${where}: IdentitiesOnly takes yes or no, not "${value}".`);
      if (active) o.identitiesonly ??= flag;
      return;
    }
    case 'identityfile':
      if (active && !o.identityfile.includes(value)) o.identityfile.push(value);
      return;
    case 'userknownhostsfile':
    case 'globalknownhostsfile':
      if (active) o[keyword] ??= args;
      return;
    case 'hostname':
    case 'user':
    case 'identityagent':
    case 'hostkeyalias':
      if (active) o[keyword] ??= value;
  }
}

function jumpHops(spec: string): { user?: string; host: string; port?: number }[] {
  return spec.split(',').map((hop) => parseUserHostPort(parseSshUri(hop.trim())));
}

function validateJump(spec: string, where: string): void {
  if (spec.toLowerCase() === 'none') return;
  try {
    jumpHops(spec);
  } catch {
    throw new ConfigError(`${where}: invalid ProxyJump "${spec}".`);
  }
}

/** `ssh://[user@]host[:port]` as `user@host:port`; anything else unchanged. */
function parseSshUri(hop: string): string {
  const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(hop);
  if (!m) return hop;
  return `${m[1] !== undefined ? `${decodeURIComponent(m[1])}@` : ''}${m[2]}${m[3] ? `:${m[3]}` : ''}`;
}

/** `Host` line: any plain pattern matches and no negated one does (each word is one pattern, case counts). */
function matchHostLine(host: string, patterns: string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    if (globMatch(host, negated ? p.slice(1) : p)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function matchCriteria(criteria: MatchCriterion[], o: Options, pass: Pass): boolean {
  const ruser = o.user ?? pass.localUser;
  // Before the final pass the host is HostName with %h so far, as ssh would connect to it.
  const host = pass.final ? o.hostname! : o.hostname !== undefined ? percentExpand(o.hostname, { h: pass.alias }, false) : pass.alias;
  let result = true;
  for (const { attribute, negate, argument = '' } of criteria) {
    let r: boolean;
    if (attribute === 'all') return result ? !negate : false;
    if (attribute === 'final') pass.wantFinal = true;
    if (attribute === 'final' || attribute === 'canonical') r = pass.final;
    else if (attribute === 'host') r = matchPatternList(host.toLowerCase(), argument, true);
    else if (attribute === 'originalhost') r = matchPatternList(pass.alias.toLowerCase(), argument, true);
    else if (attribute === 'user') r = matchPatternList(ruser, argument, false);
    else if (attribute === 'localuser') r = matchPatternList(pass.localUser, argument, false);
    else {
      // exec runs only while every earlier criterion held, like ssh.
      if (!result) continue;
      const port = String(o.port ?? 22);
      const tokens = connectionTokens({
        hostName: host,
        alias: pass.alias,
        port: Number(port),
        user: ruser,
        localUser: pass.localUser,
        home: pass.home,
        keyAlias: o.hostkeyalias ?? host,
      });
      r = runsTrue(percentExpand(argument, tokens, false));
    }
    if (r === negate) result = false;
  }
  return result;
}

function runsTrue(command: string): boolean {
  const run = spawnSync(command, { shell: process.env.SHELL || true, stdio: 'ignore' });
  if (run.error || run.status === null) throw new ConfigError(`Match exec "${command}" could not run.`, { cause: run.error });
  return run.status === 0;
}

/** match.c match_pattern_list(): comma list, `!` negation wins; `lower` lowercases the patterns. */
function matchPatternList(value: string, list: string, lower: boolean): boolean {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (globMatch(value, lower ? pattern.toLowerCase() : pattern)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** match.c match_pattern(): `*` any run, `?` exactly one character, the rest literal. */
function globMatch(value: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`).test(value);
}

export interface TokenContext {
  hostName: string;
  alias: string;
  port: number;
  user: string;
  localUser: string;
  home: string;
  keyAlias?: string;
}

/** The tokens of IdentityFile, IdentityAgent, UserKnownHostsFile and Match exec (ssh_config(5) TOKENS). */
export function connectionTokens(c: TokenContext): Record<string, string> {
  const l = os.hostname();
  const p = String(c.port);
  return {
    C: createHash('sha1')
      .update(l + c.hostName + p + c.user)
      .digest('hex'),
    L: l.split('.')[0]!,
    d: c.home,
    h: c.hostName,
    i: String(process.getuid?.() ?? 0),
    k: c.keyAlias ?? c.alias,
    l,
    n: c.alias,
    p,
    r: c.user,
    u: c.localUser,
  };
}

function pick(tokens: Record<string, string>, keys: string): Record<string, string> {
  return Object.fromEntries([...keys].map((k) => [k, tokens[k]!]));
}

/** misc.c percent_expand() (with `${VAR}` when `dollar`): an unknown token is an error, as in ssh. */
export function percentExpand(value: string, tokens: Record<string, string>, dollar: boolean): string {
  return value.replace(/\$\{([^}]*)\}|%(.?)|\$\{.*/gs, (m, name: string | undefined, key: string | undefined) => {
    if (name !== undefined && dollar) {
      const env = process.env[name];
      if (name === '' || env === undefined) throw new ConfigError(`"${value}" names an unset environment variable "${name}".`);
      return env;
    }
    if (key === undefined) {
      if (dollar) throw new ConfigError(`"${value}" has an unclosed \${.`);
      return m;
    }
    if (key === '%') return '%';
    if (key === '') throw new ConfigError(`"${value}" ends with a lone %.`);
    const v = tokens[key];
    if (v === undefined) throw new ConfigError(`"${value}" uses the token %${key}, which is not allowed there.`);
    return v;
  });
}

/** A file name as ssh expands it: tilde_expand_filename() for `~` and `~/…` (other users' homes are left), then tokens. */
export function expandConfigPath(p: string, tokens: Record<string, string>, home: string): string {
  const tilde = p === '~' ? home : p.startsWith('~/') ? `${home.replace(/\/+$/, '')}/${p.slice(2)}` : p;
  return percentExpand(tilde, tokens, true);
}

function canonicalHost(host: string): string {
  // No ':' is never IPv6, and skips compiling Node's IPv6 pattern (≈ 10 ms of every CLI start).
  if (host.includes(':') && net.isIPv6(host) && !host.includes('%')) return new URL(`http://[${host}]`).hostname.slice(1, -1);
  return host.toLowerCase();
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

let services: Map<string, number> | undefined;

/** misc.c a2port(): 1-65535, or a tcp service name from /etc/services. */
function parsePort(text: string): number | undefined {
  if (/^\s*[+-]?\d+$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 65535 ? n : undefined;
  }
  if (!services) {
    services = new Map();
    try {
      for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
        const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
        const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
        if (name && m) for (const n of [name, ...aliases]) if (!services.has(n)) services.set(n, Number(m[1]));
      }
    } catch {
      // No services file: names are not ports.
    }
  }
  const port = services.get(text);
  return port && port <= 65535 ? port : undefined;
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

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
