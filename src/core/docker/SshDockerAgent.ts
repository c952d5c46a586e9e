// An http.Agent whose sockets are SSH channels to the host's Docker socket, so dockerode speaks
// HTTP over one persistent SSH connection instead of a new connection per request.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import { inspect } from 'node:util';
import type { Duplex } from 'node:stream';
import type { SshConnection } from '../ssh/SshConnection';

type SocketLike = Duplex & Record<string, unknown>;

// http.ClientRequest calls these on its socket; an SSH channel has none of them.
function asSocket(channel: Duplex): SocketLike {
  const s = channel as SocketLike;
  for (const name of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  return s;
}

/** The caller of the requests made inside `withRequestScope`: how long it waits, and whether it gave up. */
export interface RequestScope {
  /** Aborted when the caller gives up (cancel, or no answer in time): its requests are destroyed with the reason. */
  signal: AbortSignal;
  /** Called on every chunk the daemon sends for one of the scope's requests. */
  answered(): void;
}

// dockerode has no per-call hook for the socket under a request: the scope rides the async context
// from DockerHost.call down to this agent, which every request passes through.
const scopes = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` so that every Docker request it makes belongs to `scope`. */
export function withRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

// Ties a request to its scope: a give-up destroys it (and so its channel, freeing the slot), and bytes
// from the daemon count as an answer. A hijacked stream (exec) stays tied until its channel closes.
function bindRequest(req: http.ClientRequest, scope: RequestScope): void {
  const { signal } = scope;
  let socket: Duplex | undefined;
  let upgraded = false;
  const onData = () => scope.answered();
  const onAbort = () => {
    req.destroy(signal.reason as Error);
    if (upgraded) socket?.destroy();
  };
  const unbind = () => {
    signal.removeEventListener('abort', onAbort);
    socket?.off('data', onData);
  };
  if (signal.aborted) queueMicrotask(onAbort);
  else signal.addEventListener('abort', onAbort, { once: true });
  req.once('socket', (s: Duplex) => {
    socket = s;
    s.on('data', onData);
  });
  req.once('upgrade', () => {
    upgraded = true;
    socket?.once('close', unbind);
  });
  req.once('close', () => {
    if (!upgraded) unbind();
  });
}

export class SshDockerAgent extends http.Agent {
  constructor(
    private readonly connection: SshConnection,
    private readonly socketPath: string,
    maxFreeChannels = 8,
    /** Told of every request (method and path), e.g. for a trace log line. */
    private readonly onRequest?: (method: string, path: string) => void,
    /** Told of every response's headers (the daemon's API version is in one). */
    private readonly onResponse?: (headers: http.IncomingHttpHeaders) => void,
  ) {
    super({ keepAlive: true, maxFreeSockets: maxFreeChannels });
    // Requests queued for a channel while every slot is an idle kept-alive channel would wait forever:
    // close idle channels while someone is waiting, so the slot passes to the waiter.
    this.on('free', (socket: Duplex) => {
      if (this.connection.channelsWaiting > 0) socket.destroy();
    });
  }

  // docker-modem formats every request's options with util.inspect(…, { showHidden: true, depth: null })
  // whether or not its debug output is on; options hold this agent, and through it every open channel
  // and the whole SSH client. Left to the default, that walk grows with the open channels and took
  // seconds per request under load (100 concurrent calls: 11 s). Keep it to one line.
  [inspect.custom](): string {
    return `SshDockerAgent(${this.socketPath})`;
  }

  // Not in Node's typings, but the one method every request of an agent goes through, new socket or kept-alive one.
  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs): void {
    const scope = scopes.getStore();
    if (scope) bindRequest(req, scope);
    this.onRequest?.(req.method, req.path);
    if (this.onResponse) req.once('response', (res: http.IncomingMessage) => this.onResponse?.(res.headers));
    // servername is for TLS only: set, Node does not work it out from the host (its first IPv6 check
    // compiles a pattern that costs ≈ 8 ms of a CLI start).
    (http.Agent.prototype as unknown as { addRequest(r: http.ClientRequest, o: http.ClientRequestArgs): void }).addRequest.call(this, req, {
      ...options,
      servername: '',
    });
  }

  /** Closes the idle kept-alive channels: after the daemon closed one under a request, the others are as stale. */
  dropIdleChannels(): void {
    for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    // A request given up while it waits for a channel slot leaves the queue.
    this.connection.openDockerStream(this.socketPath, scopes.getStore()?.signal).then(
      (channel) => {
        callback?.(null, asSocket(channel));
      },
      (err: Error) => {
        callback?.(err, undefined as unknown as Duplex);
      },
    );
    return undefined;
  }
}
