// The Docker agent as docker-modem sees it: docker-modem runs util.inspect(options, { showHidden: true,
// depth: null }) on every request, and the options hold the agent. It must print as one short line
// however many channels it holds, or every request pays for a walk through the SSH client.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { SshDockerAgent } from '../../src/core/docker/SshDockerAgent';
import type { SshConnection } from '../../src/core/ssh/SshConnection';

test('the agent inspects as one short line, however much it holds', () => {
  const big = { client: { buffers: Array.from({ length: 2000 }, (_, i) => Buffer.alloc(64, i)) } };
  const connection = { channelsWaiting: 0, ...big } as unknown as SshConnection;
  const agent = new SshDockerAgent(connection, '/var/run/docker.sock');
  // Sockets it keeps, as after a burst of requests.
  (agent as unknown as { freeSockets: Record<string, PassThrough[]> }).freeSockets['x'] = Array.from(
    { length: 8 },
    () => new PassThrough(),
  );
  const text = inspect({ path: '/_ping', agent }, { showHidden: true, depth: null });
  assert.match(text, /SshDockerAgent\(\/var\/run\/docker\.sock\)/);
  assert.ok(text.length < 300, `${text.length} characters`);
  agent.destroy();
});
