// The Docker Engine API of one host, through dockerode over the host's pooled SSH connection.
// This is the only place dockerode is built.
import Docker from 'dockerode';
import { Cancelled, DockerApiError, SwarmOverlayError, TimedOut, seconds } from '../errors';
import type { Logger } from '../log';
import { DEFAULT_DOCKER_SOCKET, type HostConfig } from '../model';
import type { SshConnection } from '../ssh/SshConnection';
import { SshDockerAgent, withRequestScope } from './SshDockerAgent';

export interface CallOptions {
  /** Cancels the call: its requests are closed and it rejects with `Cancelled`. */
  signal?: AbortSignal;
  /** How long the daemon may stay silent, in ms (default: the connection's request timeout). */
  timeoutMs?: number;
  /**
   * For a call that can take long while the daemon stays responsive (a container joining a new overlay
   * on a worker waits for the manager to attach it): past the bound it goes on, up to three bounds in
   * all, as long as the daemon answered a ping sent halfway through the last bound. A frozen daemon
   * answers no ping, so it still fails at the bound.
   */
  whileAlive?: boolean;
}

/** How many bounds a `whileAlive` call may last while the daemon answers pings. */
const ALIVE_BOUNDS = 3;

export class DockerHost {
  private readonly agent: SshDockerAgent;
  private readonly docker: Docker;
  /** The daemon's API version, e.g. "1.41", from the Api-Version header of its first answer. */
  apiVersion: string | undefined;

  constructor(
    readonly config: HostConfig,
    readonly ssh: SshConnection,
    private readonly logger: Logger,
  ) {
    this.agent = new SshDockerAgent(
      ssh,
      config.dockerSocket ?? DEFAULT_DOCKER_SOCKET,
      undefined,
      (method, path) => logger.trace(`docker: ${config.name}: ${method} ${path}`),
      (headers) => {
        const version = headers['api-version'];
        if (this.apiVersion === undefined && typeof version === 'string') {
          this.apiVersion = version;
          logger.debug(`docker: ${config.name} speaks API v${version}`);
        }
      },
    );
    // Paths without a version prefix: the daemon answers in its own (newest) API version, which is what
    // pinning to the version read from /version gave, without that round trip before the first call
    // (dockerode's per-call negotiation is off too: it costs a round trip and failed under load between
    // new clients and old daemons). The agent decides where bytes go. A socketPath (not a host) matters:
    // VS Code's extension host patches http.request for proxy support and drops a custom agent for
    // requests to a host name, but leaves socket requests alone.
    this.docker = new Docker({ socketPath: config.dockerSocket ?? DEFAULT_DOCKER_SOCKET, agent: this.agent } as Docker.DockerOptions);
  }

  get name(): string {
    return this.config.name;
  }

  /** The host's dockerode client (for streams that outlive one call, e.g. its modem's demuxer). */
  client(): Docker {
    return this.docker;
  }

  /**
   * Runs one API call, turning failures into one sentence that names the host. The daemon must answer
   * within the bound (any bytes restart it, so a pull that reports progress goes on); otherwise the
   * call's requests are closed, their channels freed, and it fails saying so.
   */
  async call<T>(what: string, fn: (docker: Docker) => Promise<T>, o: CallOptions = {}): Promise<T> {
    try {
      return await this.bounded(o, () => fn(this.docker));
    } catch (err) {
      throw this.translate(what, err);
    }
  }

  private async bounded<T>(o: CallOptions, run: () => Promise<T>): Promise<T> {
    if (o.signal?.aborted) throw new Cancelled();
    const ms = o.timeoutMs ?? this.ssh.requestTimeoutMs;
    const giveUp = new AbortController();
    const started = Date.now();
    // whileAlive: a ping halfway through each bound; an answer lets the call go on for one more bound.
    let alive = false;
    let pinger: NodeJS.Timeout | undefined;
    const schedulePing = () => {
      if (!o.whileAlive) return;
      pinger = setTimeout(() => {
        void this.bounded({ timeoutMs: ms / 2 }, () => this.docker.ping()).then(
          () => (alive = true),
          () => undefined,
        );
      }, ms / 2);
    };
    let extensions = 0;
    const timer = setTimeout(() => {
      if (alive && (extensions + 2) * ms <= ALIVE_BOUNDS * ms) {
        alive = false;
        extensions++;
        timer.refresh();
        schedulePing();
        return;
      }
      giveUp.abort(
        new TimedOut(
          extensions > 0
            ? `Docker on ${this.name} answers but did not finish within ${seconds(Date.now() - started)}.`
            : `Docker on ${this.name} did not answer within ${seconds(ms)}.`,
        ),
      );
    }, ms);
    schedulePing();
    const onCancel = () => giveUp.abort(new Cancelled());
    o.signal?.addEventListener('abort', onCancel, { once: true });
    const gaveUp = new Promise<never>((_, reject) =>
      giveUp.signal.addEventListener('abort', () => reject(giveUp.signal.reason as Error), { once: true }),
    );
    try {
      return await Promise.race([withRequestScope({ signal: giveUp.signal, answered: () => timer.refresh() }, run), gaveUp]);
    } finally {
      clearTimeout(timer);
      clearTimeout(pinger);
      o.signal?.removeEventListener('abort', onCancel);
    }
  }

  translate(what: string, err: unknown): SwarmOverlayError {
    if (err instanceof SwarmOverlayError) return err;
    const e = err as { statusCode?: number; json?: { message?: string }; reason?: string; message?: string };
    const raw = (e.json?.message ?? e.reason ?? e.message ?? String(err)).trim().replace(/\.$/, '');
    this.logger.debug(`docker: ${this.name}: ${what} failed: ${raw}`);
    // The channel to the socket closed under the request: dockerd stopped or restarted. The transport's words
    // say nothing to a user; and the other idle channels are as dead, so the next request opens a fresh one.
    const closed = /^(socket hang up|premature close|aborted)$|\b(ECONNRESET|EPIPE)\b/i.test(raw);
    if (closed) this.agent.dropIdleChannels();
    const detail = !closed
      ? raw
      : this.ssh.lost
        ? `the SSH connection to ${this.ssh.label} was lost; check that sshd runs there and the network to it`
        : `the daemon closed the connection without answering; check that dockerd is running on ${this.name}`;
    return new DockerApiError(`Docker on ${this.name} could not ${what}: ${detail}.`, e.statusCode, { cause: err });
  }

  dispose(): void {
    this.agent.destroy();
  }
}
