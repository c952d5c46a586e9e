// What went wrong while connecting, as the typed error a user sees: one sentence naming the host.
import { AuthFailed, HostUnreachable, SwarmOverlayError } from '../errors';
import type { SshEndpoint } from './sshConfig';

/** A label for messages: user@host:port (via jump hosts if any). */
export function describeEndpoint(e: SshEndpoint): string {
  const base = `${e.user}@${e.hostName}${e.port === 22 ? '' : `:${e.port}`}`;
  return e.jumps.length ? `${base} (via ${e.jumps.map((j) => j.hostName).join(', ')})` : base;
}

/** A failed login; `tried` (the methods offered, in order) is named when known. */
export function authFailed(endpoint: SshEndpoint, detail: { tried?: string[]; cause?: unknown } = {}): AuthFailed {
  const { tried } = detail;
  const what = tried === undefined ? '' : ` (tried: ${tried.length ? tried.join(', ') : 'no key or password was available'})`;
  const message = `SSH authentication as ${endpoint.user} on ${endpoint.hostName} failed${what}.`;
  return new AuthFailed(message, 'cause' in detail ? { cause: detail.cause } : undefined);
}

/** An ssh2 or socket error met while connecting to `endpoint`; errors already typed pass through. */
export function translateConnectError(
  err: Error & { code?: string; level?: string },
  endpoint: SshEndpoint,
  timeoutMs: number,
): SwarmOverlayError {
  const where = describeEndpoint(endpoint);
  if (err instanceof SwarmOverlayError) return err;
  if (err.level === 'client-authentication') return authFailed(endpoint, { cause: err });
  if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
    return new HostUnreachable(`${where} did not answer within ${Math.round(timeoutMs / 1000)} s.`, { cause: err });
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new HostUnreachable(`${where} refused the connection: is sshd running on port ${endpoint.port}?`, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new HostUnreachable(`${where} cannot be reached: no route to the host.`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HostUnreachable(`The name ${endpoint.hostName} cannot be resolved.`, { cause: err });
    case 'ECONNRESET':
      return new HostUnreachable(`${where} reset the connection during the SSH handshake.`, { cause: err });
    default:
      break;
  }
  return new HostUnreachable(`Cannot connect to ${where}: ${err.message}.`, { cause: err });
}
