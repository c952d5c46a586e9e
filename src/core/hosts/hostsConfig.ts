// Validation of host entries (the setting `swarmOverlay.hosts` and the CLI's --hosts file).
import { NAME_PATTERN } from '../../shared/names';
import { ConfigError } from '../errors';
import type { HostConfig } from '../model';

// A host name, an IPv4/IPv6 literal or an ssh config alias; never an option (leading '-').
const HOST = /^[A-Za-z0-9_.:%[\]-]{1,253}$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/;

/** One sentence per problem; an empty list means the entry is valid. */
export function hostProblems(entry: unknown, index: number): string[] {
  const where = `Host entry ${index + 1}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return [`${where} must be an object.`];
  const e = entry as Record<string, unknown>;
  const problems: string[] = [];
  // Echoed text is JSON-quoted so a control character cannot break the sentence.
  const label = typeof e.name === 'string' && e.name ? `Host ${JSON.stringify(e.name)}` : where;
  if (typeof e.name !== 'string' || !NAME_PATTERN.test(e.name)) {
    problems.push(`${where} needs a "name" of 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
  if (typeof e.host !== 'string' || !HOST.test(e.host) || e.host.startsWith('-')) {
    problems.push(`${label} needs a "host": a host name, an IP address or an ~/.ssh/config alias.`);
  }
  if (e.port !== undefined && (!Number.isInteger(e.port) || (e.port as number) < 1 || (e.port as number) > 65535)) {
    problems.push(`${label}: "port" must be a whole number from 1 to 65535.`);
  }
  if (e.user !== undefined && (typeof e.user !== 'string' || !USER.test(e.user))) {
    problems.push(`${label}: "user" is not a valid user name.`);
  }
  if (e.identityFile !== undefined && (typeof e.identityFile !== 'string' || e.identityFile.trim() === '')) {
    problems.push(`${label}: "identityFile" must be a path.`);
  }
  if (e.dockerSocket !== undefined && (typeof e.dockerSocket !== 'string' || !e.dockerSocket.startsWith('/'))) {
    problems.push(`${label}: "dockerSocket" must be an absolute path on the host, such as /var/run/docker.sock.`);
  }
  const known = new Set(['name', 'host', 'port', 'user', 'identityFile', 'dockerSocket']);
  for (const key of Object.keys(e)) {
    if (!known.has(key)) {
      problems.push(
        /pass(word|phrase)|secret|token/i.test(key)
          ? `${label}: secrets do not belong in host settings (${JSON.stringify(key)}); you will be asked and it is kept in the OS keychain.`
          : `${label}: unknown field ${JSON.stringify(key)}.`,
      );
    }
  }
  return problems;
}

/** Parses and checks a list of host entries; throws one ConfigError listing every problem. */
export function parseHosts(value: unknown, source = 'the host list'): HostConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(`${source} must be a JSON array of hosts.`);
  const problems = value.flatMap((entry, i) => hostProblems(entry, i));
  const seen = new Set<string>();
  for (const entry of value as Array<{ name?: unknown }>) {
    if (typeof entry?.name === 'string') {
      if (seen.has(entry.name)) problems.push(`Two hosts are named ${JSON.stringify(entry.name)}; names must be unique.`);
      seen.add(entry.name);
    }
  }
  if (problems.length > 0) throw new ConfigError(`${source} has problems: ${problems.join(' ')}`);
  return (value as HostConfig[]).map((h) => ({ ...h }));
}
