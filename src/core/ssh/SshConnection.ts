// One persistent ssh2 connection per host, shared by every caller: opened on first use, kept alive,
// reopened on the next use after a drop. Channels are bounded so sshd's MaxSessions is never hit.
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { AuthFailed, Cancelled, ChannelError, SwarmOverlayError, TimedOut, seconds } from '../errors';
import type { HostKeyPrompter } from './auth';
import { ChannelLimiter } from './ChannelLimiter';
import { describeEndpoint, translateConnectError } from './connectErrors';
import { checkHostKey, knownHostsFiles, loadKnownHosts } from './hostKeyCheck';
import { PausableDeadline, PromptGate } from './promptGate';
import type { SshEndpoint } from './sshConfig';
import { shellQuote } from './shellQuote';
import { type AuthOptions, makeAuthHandler } from './sshAuth';

export interface SshConnectionOptions extends AuthOptions {
  /** Wins over the ssh config's UserKnownHostsFile; unset: the config's, else ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  hostKeys: HostKeyPrompter;
  /** TCP connect plus SSH handshake and authentication, in ms; time spent on prompts is not counted. */
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Concurrent session channels (exec); sshd's default MaxSessions is 10. */
  maxSessions?: number;
  /** Concurrent forwarded channels (Docker socket, TCP). */
  maxForwards?: number;
  /** How long one request may wait for an answer (a channel slot, a channel open, an exec, the Docker API), in ms. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

/** Session slots kept free of Docker's dial-stdio channels, so an exec always finds one. */
const SESSIONS_KEPT_FOR_EXEC = 2;

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

type Phase = 'idle' | 'connecting' | 'ready';

const SERVER_HOST_KEY_ALGOS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export class SshConnection {
  private client: Client | undefined;
  private phase: Phase = 'idle';
  private pending: Promise<Client> | undefined;
  private jumpConnection: SshConnection | undefined;
  private readonly sessions: ChannelLimiter;
  private readonly forwards: ChannelLimiter;
  /** Docker's channels where they are dial-stdio sessions: fewer than the session slots (see SESSIONS_KEPT_FOR_EXEC). */
  private readonly dockerSessions: ChannelLimiter;
  private streamLocalRefused = false;
  private lostConnection = false;
  private disposed = false;
  /** The client whose handshake is under way, so dispose can stop it. */
  private opening: Client | undefined;
  private readonly channels = new Set<ClientChannel>();
  /** Counts connects, so tests and logs can tell a reconnect. */
  connectCount = 0;
  private readonly prompts: PromptGate;

  constructor(
    readonly endpoint: SshEndpoint,
    private readonly options: SshConnectionOptions,
  ) {
    this.prompts = options.prompts ?? new PromptGate();
    this.sessions = new ChannelLimiter(options.maxSessions ?? 8);
    this.forwards = new ChannelLimiter(options.maxForwards ?? 32);
    this.dockerSessions = new ChannelLimiter(Math.max(1, this.sessions.max - SESSIONS_KEPT_FOR_EXEC));
  }

  /** The bound of one request to this host, in ms. */
  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  get label(): string {
    return describeEndpoint(this.endpoint);
  }

  /** A debug line in the connection's log. */
  log(message: string): void {
    this.options.logger.debug(`ssh: ${message}`);
  }

  /** Callers queued for a channel slot. */
  get channelsWaiting(): number {
    return this.sessions.waiting + this.forwards.waiting + this.dockerSessions.waiting;
  }

  get channelsOpen(): number {
    return this.channels.size;
  }

  /** Whether the last connection closed on its own (server gone, network down) and none has been made since. */
  get lost(): boolean {
    return this.lostConnection;
  }

  /** Whether the server refused Unix-socket forwarding, so Docker goes through `docker system dial-stdio`. */
  get usesDialStdio(): boolean {
    return this.streamLocalRefused;
  }

  /** The connected client: the current one, or a new connection when there is none. */
  connect(signal?: AbortSignal): Promise<Client> {
    if (this.disposed) return Promise.reject(new ChannelError(`The connection to ${this.label} was closed.`));
    if (this.phase === 'ready' && this.client) return Promise.resolve(this.client);
    if (!this.pending) {
      this.phase = 'connecting';
      this.pending = this.open().then(
        (client) => {
          this.pending = undefined;
          return client;
        },
        (err: unknown) => {
          this.pending = undefined;
          this.phase = 'idle';
          throw err;
        },
      );
    }
    return signal ? raceAbort(this.pending, signal) : this.pending;
  }

  private async open(): Promise<Client> {
    const { endpoint, options } = this;
    const log = options.logger;
    const timeout = options.connectTimeoutMs ?? 10_000;
    let sock: Duplex | undefined;
    if (endpoint.jumps.length > 0) {
      const hops = endpoint.jumps;
      const last = hops[hops.length - 1]!;
      this.jumpConnection ??= new SshConnection({ ...last, jumps: hops.slice(0, -1) }, options);
      sock = await this.jumpConnection.forwardTcp(endpoint.hostName, endpoint.port);
    }
    const files = knownHostsFiles(endpoint, options.knownHostsFile);
    const knownHosts = await loadKnownHosts(files);
    const keyTypes = knownHosts.keyTypesFor(endpoint.hostName, endpoint.port);
    const preferredAlgos = keyTypes.flatMap((t) => SERVER_HOST_KEY_ALGOS[t] ?? [t]);

    let hostKeyError: SwarmOverlayError | undefined;
    let authError: AuthFailed | undefined;
    const client = new Client();
    this.opening = client;
    // ssh2's readyTimeout would also count the time the user spends on a prompt: our own clock stops then.
    let expired = () => {};
    const deadline = new PausableDeadline(timeout, () => expired());
    const hostKeyCheck = { endpoint, files, knownHosts, prompter: options.hostKeys, gate: this.prompts, logger: log, wait: deadline };
    const auth = makeAuthHandler(endpoint, { ...options, prompts: this.prompts }, (err) => (authError = err), deadline);
    const config: ConnectConfig = {
      host: endpoint.hostName,
      port: endpoint.port,
      username: endpoint.user,
      sock: sock,
      readyTimeout: 0,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      authHandler: auth.handler as ConnectConfig['authHandler'],
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        checkHostKey(hostKeyCheck, key).then(
          () => verify(true),
          (err: SwarmOverlayError) => {
            hostKeyError = err;
            verify(false);
          },
        );
      },
    };
    if (preferredAlgos.length > 0) {
      config.algorithms = { serverHostKey: preferredAlgos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    }

    log.debug(`ssh: connecting to ${this.label}`);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      expired = () => fail(new Error('Timed out while waiting for handshake'));
      const fail = (err: Error & { level?: string }) => {
        // An agent that cannot be reached is skipped: ssh2 goes on with the next method.
        if (err.level === 'agent') return log.debug(`ssh: ${this.label}: agent: ${err.message}`);
        if (settled) return;
        settled = true;
        deadline.clear();
        client.removeAllListeners('ready');
        client.end();
        client.destroy();
        reject(hostKeyError ?? authError ?? translateConnectError(err, endpoint, timeout));
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        deadline.clear();
        resolve();
      });
      client.on('error', fail);
      client.once('close', () =>
        fail(new Error(this.disposed ? 'Connection closed by dispose' : 'Connection closed during the handshake')),
      );
      client.connect(config);
    }).finally(() => {
      deadline.clear();
      if (this.opening === client) this.opening = undefined;
    });
    if (this.disposed) {
      // Disposed while the handshake ran: this connection must not keep the process alive.
      client.end();
      throw new ChannelError(`The connection to ${this.label} was closed.`);
    }
    client.setNoDelay(true);
    this.connectCount++;
    const worked = auth.lastOffer();
    if (worked && options.secrets.accepted) {
      await options.secrets
        .accepted(worked.kind, worked.id, worked.value)
        .catch((err: unknown) => log.warn(`ssh: could not keep the ${worked.kind}: ${String(err)}`));
    }
    const waited = deadline.pausedMs ? ` (${deadline.pausedMs} ms of it waiting for answers)` : '';
    log.info(`ssh: connected to ${this.label} in ${Date.now() - started} ms${waited}`);
    client.removeAllListeners('error');
    client.removeAllListeners('close');
    client.on('error', (err) => log.warn(`ssh: ${this.label}: ${err.message}`));
    client.once('close', () => {
      if (this.client === client) {
        this.client = undefined;
        this.lostConnection = !this.disposed;
        this.phase = 'idle';
        this.closeChannels();
        log.info(`ssh: connection to ${this.label} closed; the next use reconnects`);
      }
    });
    this.client = client;
    this.lostConnection = false;
    this.phase = 'ready';
    return client;
  }

  private track<T extends ClientChannel>(channel: T, release: () => void): T {
    this.channels.add(channel);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.channels.delete(channel);
      release();
    };
    channel.once('close', finish);
    channel.once('error', finish);
    // ssh2 emits 'close' only after 'end', and 'end' only once the readable side is read to its end.
    // Whoever destroys a channel (the HTTP agent dropping a socket, a finished exec) has stopped
    // reading it: drain it, or the channel, and its slot, stay taken for good.
    const destroy = channel.destroy.bind(channel);
    channel.destroy = (...args: Parameters<typeof channel.destroy>) => {
      destroy(...args);
      channel.resume();
      return channel;
    };
    return channel;
  }

  // Connect, take a slot of the right limiter, open the channel; the slot is freed when it closes. The wait
  // for a slot and the open each have their own bound (`openTimeoutMs`, default the request timeout): time
  // spent queued is not held against the open, and a waiter that gives up leaves the queue.
  private async openChannel(
    limiter: ChannelLimiter,
    action: string,
    open: (client: Client, done: (err: Error | undefined, channel: ClientChannel) => void) => void,
    signal?: AbortSignal,
    openTimeoutMs = this.requestTimeoutMs,
  ): Promise<ClientChannel> {
    const client = await this.connect(signal);
    const release = await this.acquireSlot(limiter, action, signal);
    let settled = false;
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        const finish = (err: Error | undefined, ch?: ClientChannel) => {
          if (settled) {
            // Opened after the caller gave up: close it at once, it was never counted.
            ch?.destroy();
            return;
          }
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (err || !ch) reject(err ?? new Error('no channel'));
          else resolve(ch);
        };
        const timer = setTimeout(
          () => finish(new TimedOut(`${this.endpoint.hostName} did not ${action} within ${seconds(openTimeoutMs)}.`)),
          openTimeoutMs,
        );
        const onAbort = () => finish(new Cancelled());
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
        open(client, (err, ch) => finish(err, ch));
      });
      return this.track(channel, release);
    } catch (err) {
      release();
      throw this.channelError(action, err);
    }
  }

  private async acquireSlot(limiter: ChannelLimiter, action: string, signal?: AbortSignal): Promise<() => void> {
    const bound = this.requestTimeoutMs;
    const waited = AbortSignal.timeout(bound);
    try {
      return await limiter.acquire(signal ? AbortSignal.any([signal, waited]) : waited);
    } catch (err) {
      if (signal?.aborted || !waited.aborted) throw err;
      throw new TimedOut(`No channel to ${this.endpoint.hostName} came free within ${seconds(bound)} to ${action}.`, true);
    }
  }

  /** Opens a channel to a Unix socket on the host (e.g. the Docker socket). */
  openStreamLocal(socketPath: string, signal?: AbortSignal): Promise<ClientChannel> {
    return this.openChannel(this.forwards, `open ${socketPath}`, (c, done) => c.openssh_forwardOutStreamLocal(socketPath, done), signal);
  }

  /**
   * Opens a TCP connection made by the host itself (what `ssh -W host:port` does). `openTimeoutMs` bounds
   * the open alone, not the wait for a channel slot.
   */
  forwardTcp(host: string, port: number, signal?: AbortSignal, openTimeoutMs?: number): Promise<ClientChannel> {
    return this.openChannel(
      this.forwards,
      `reach ${host}:${port}`,
      (c, done) => c.forwardOut('127.0.0.1', 0, host, port, done),
      signal,
      openTimeoutMs,
    );
  }

  /** Starts a command and hands back its channel (stdout on the channel, stderr on `.stderr`). */
  execStream(argv: readonly string[], signal?: AbortSignal): Promise<ClientChannel> {
    const command = argv.map(shellQuote).join(' ');
    return this.openChannel(
      this.sessions,
      `run ${argv[0]}`,
      (c, done) =>
        c.exec(command, (err, ch) => {
          // A busy process reads the confirmation, the output and the exit status of a short command
          // in one go, and ssh2 emits 'exit' right then, before whoever awaits the channel can listen:
          // the status is kept from here.
          ch?.once('exit', (code: number | null, sig?: string) => exitStatus.set(ch, { code: code ?? null, signal: sig }));
          done(err, ch);
        }),
      signal,
    );
  }

  /**
   * Runs a command given as a fixed argument list (each argument quoted) and collects its output. A
   * command still running after the request timeout is closed and fails saying so.
   */
  async exec(argv: readonly string[], signal?: AbortSignal, maxOutput = 4 * 1024 * 1024): Promise<ExecResult> {
    const channel = await this.execStream(argv, signal);
    const bound = this.requestTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxOutput) into.push(chunk);
      };
      const giveUp = (why: SwarmOverlayError) => {
        channel.destroy();
        reject(why);
      };
      const onAbort = () => giveUp(new Cancelled());
      const timer = setTimeout(
        () => giveUp(new TimedOut(`${argv[0]} on ${this.endpoint.hostName} did not finish within ${seconds(bound)}.`)),
        bound,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      channel.on('data', collect(out));
      channel.stderr.on('data', collect(err));
      channel.once('close', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const { code, signal: sig } = exitStatus.get(channel) ?? { code: null };
        resolve({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  }

  /**
   * exec for a command that only reads (safe to run twice): a channel that closed without an exit
   * status (the connection dropped under it) is tried once more, on a fresh connection if need be.
   */
  async execRead(argv: readonly string[], signal?: AbortSignal): Promise<ExecResult> {
    const first = await this.exec(argv, signal);
    if (first.code !== null || first.signal !== undefined) return first;
    this.log(`${argv[0]} on ${this.endpoint.hostName} ended without an exit status; running it again`);
    return this.exec(argv, signal);
  }

  /** Docker's API stream: the socket via streamlocal, or `docker system dial-stdio` where sshd refuses that. */
  async openDockerStream(socketPath: string, signal?: AbortSignal): Promise<ClientChannel> {
    if (!this.streamLocalRefused) {
      try {
        return await this.openStreamLocal(socketPath, signal);
      } catch (err) {
        if (!(err instanceof ChannelError)) throw err;
        // sshd says "open failed" both when its config forbids Unix-socket forwarding and when nothing
        // listens on the socket; a socket that exists means forwarding is what was refused.
        const probe = await this.execRead(['test', '-S', socketPath], signal);
        if (probe.code !== 0) {
          throw new ChannelError(`Docker is not answering on ${this.endpoint.hostName} (no socket at ${socketPath}).`, {
            cause: err.cause,
          });
        }
        this.streamLocalRefused = true;
        this.options.logger.warn(`ssh: ${this.label} refuses Unix-socket forwarding; using docker system dial-stdio`);
      }
    }
    const release = await this.acquireSlot(this.dockerSessions, 'open a Docker channel', signal);
    try {
      const channel = await this.execStream(['docker', '-H', `unix://${socketPath}`, 'system', 'dial-stdio'], signal);
      channel.once('close', release);
      return channel;
    } catch (err) {
      release();
      throw err;
    }
  }

  private channelError(action: string, err: unknown): SwarmOverlayError {
    if (err instanceof SwarmOverlayError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new ChannelError(`Cannot ${action} on ${this.endpoint.hostName}: ${reason}.`, { cause: err });
  }

  /** Drops the connection now (e.g. after a config change); the next use reconnects. */
  reset(): void {
    const client = this.client;
    this.client = undefined;
    this.phase = 'idle';
    this.closeChannels();
    client?.end();
  }

  // Channels of a dead connection must not linger as kept-alive HTTP sockets: close them all.
  private closeChannels(): void {
    for (const channel of [...this.channels]) {
      channel.destroy();
      // ssh2's destroy only asks the server to close; data already on its way still arrives. HTTP
      // frees its parser on 'close', so a late chunk reaching its 'data' handler would trip Node's
      // internal assertion: it must go nowhere.
      channel.removeAllListeners('data');
      channel.removeAllListeners('end');
      channel.emit('close');
    }
  }

  dispose(): void {
    this.disposed = true;
    this.opening?.end();
    this.reset();
    this.jumpConnection?.dispose();
  }
}

/** Exit status of exec channels, recorded as soon as the channel exists (see execStream). */
const exitStatus = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
