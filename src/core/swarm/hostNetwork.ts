// What a host's own network looks like, read over SSH with fixed argument lists: its IPv4
// interfaces, the source address it uses towards a peer, and whether it can open a TCP port there.
import { Cancelled, Refused, SwarmOverlayError, TimedOut } from '../errors';
import type { SshConnection } from '../ssh/SshConnection';

export interface HostAddress {
  interface: string;
  address: string;
  prefix: number;
}

/** Parses `ip -o -4 addr show`: "2: eth0    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth0". */
export function parseIpAddr(output: string): HostAddress[] {
  const out: HostAddress[] = [];
  for (const line of output.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b/.exec(line.trim());
    if (!m) continue;
    // "veth1@if6" is veth1. Split apart: in the one regex, a token full of '@' backtracked quadratically.
    const name = m[1]!.replace(/^(.+?)@.+$/, '$1');
    if (name !== 'lo') out.push({ interface: name, address: m[2]!, prefix: Number(m[3]) });
  }
  return out;
}

/** Parses `ip -o route get IP`: "... src 10.99.0.2 uid 0". */
export function parseRouteSource(output: string): string | undefined {
  return /\bsrc\s+(\d{1,3}(?:\.\d{1,3}){3})\b/.exec(output)?.[1];
}

export async function hostAddresses(ssh: SshConnection, signal?: AbortSignal): Promise<HostAddress[]> {
  const r = await ssh.execRead(['ip', '-o', '-4', 'addr', 'show'], signal);
  if (r.code !== 0) {
    const why = r.stderr.trim() || (r.code === null ? 'the command was cut off before it finished' : `exit ${r.code}`);
    throw new Refused(`Cannot list the network interfaces of ${ssh.endpoint.hostName}: ${why}.`);
  }
  return parseIpAddr(r.stdout);
}

export async function routeSource(ssh: SshConnection, peer: string, signal?: AbortSignal): Promise<string | undefined> {
  const r = await ssh.execRead(['ip', '-o', 'route', 'get', peer], signal);
  const src = r.code === 0 ? parseRouteSource(r.stdout) : undefined;
  if (!src)
    ssh.log(`ip route get ${peer} on ${ssh.endpoint.hostName} gave no source (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return src;
}

/**
 * Whether `from` can open a TCP connection to host:port, asked of its own sshd (a direct-tcpip
 * channel is a connect() made by the host itself). Resolves with a reason when it cannot. `timeoutMs`
 * bounds the connect alone: time queued for a channel slot does not count against it.
 */
export async function tcpReachable(
  from: SshConnection,
  host: string,
  port: number,
  timeoutMs = 5000,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  await from.connect(signal);
  try {
    const channel = await from.forwardTcp(host, port, signal, timeoutMs);
    channel.destroy();
    return { ok: true };
  } catch (err) {
    if (signal?.aborted) throw new Cancelled();
    if (err instanceof TimedOut && !err.queued) return { ok: false, reason: `no answer within ${Math.round(timeoutMs / 1000)} s` };
    const cause = err instanceof SwarmOverlayError ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    const reason = cause.replace(/^\(SSH\) Channel open failure:\s*/, '');
    return { ok: false, reason: /^open failed$|connect failed/i.test(reason) ? 'connection refused or blocked' : reason.toLowerCase() };
  }
}
