// An http.Agent whose sockets are SSH channels to the host's Docker socket, so dockerode speaks
// HTTP over one persistent SSH connection instead of a new connection per request.
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

export class SshDockerAgent extends http.Agent {
  constructor(
    private readonly connection: SshConnection,
    private readonly socketPath: string,
    maxFreeChannels = 8,
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

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    this.connection.openDockerStream(this.socketPath).then(
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
