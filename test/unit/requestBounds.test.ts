// Every Docker request has a bound: a daemon that says nothing fails the call within it (naming the
// host and the bound) and its channel is closed; one that keeps sending is not cut off; a cancel
// reaches a request still waiting. Numeric settings out of range fall back to their default.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { DockerHost } from '../../src/core/docker/DockerHost';
import { lineLogger } from '../../src/core/log';
import type { SshConnection } from '../../src/core/ssh/SshConnection';
import { numberSetting } from '../../src/shared/numberSetting';

/**
 * A Docker socket: answers /_ping and /version at once, /info as `info` says ('never', chunks every
 * `everyMs`, or 'close': the channel ends without an answer, as when dockerd stops under the request).
 */
function fakeDaemon(info: 'never' | 'close' | { chunks: number; everyMs: number }, o: { pings: boolean } = { pings: true }) {
  const channels: Duplex[] = [];
  const open = async () => {
    let request = '';
    const channel: Duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, done) {
        request += chunk.toString();
        if (request.includes('\r\n\r\n')) {
          const path = /^GET (\S+)/.exec(request)?.[1] ?? '';
          request = '';
          respond(path);
        }
        done();
      },
    });
    const respond = (path: string) => {
      if (path.endsWith('/_ping') && !o.pings) return;
      if (!path.endsWith('/info')) {
        const body = path.endsWith('/version') ? JSON.stringify({ ApiVersion: '1.41' }) : 'OK';
        const type = path.endsWith('/version') ? 'application/json' : 'text/plain';
        channel.push(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      if (info === 'never') return;
      if (info === 'close') {
        channel.push(null);
        channel.destroy();
        return;
      }
      channel.push('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const parts = ['{"ServerVersion":"20.10",', ...Array.from({ length: info.chunks - 2 }, () => ' '), '"x":1}'];
      parts.forEach((p, i) =>
        setTimeout(
          () => {
            if (channel.destroyed) return;
            channel.push(`${p.length.toString(16)}\r\n${p}\r\n`);
            if (i === parts.length - 1) channel.push('0\r\n\r\n');
          },
          (i + 1) * info.everyMs,
        ),
      );
    };
    channels.push(channel);
    return channel;
  };
  return { channels, open };
}

function hostOver(daemon: ReturnType<typeof fakeDaemon>, requestTimeoutMs: number, lost = false): DockerHost {
  const ssh = {
    channelsWaiting: 0,
    requestTimeoutMs,
    openDockerStream: daemon.open,
    lost,
    label: 'root@h9.example',
  } as unknown as SshConnection;
  return new DockerHost(
    { name: 'h9', host: 'h9.example' },
    ssh,
    lineLogger(() => undefined, 'off'),
  );
}

describe('Docker requests are bounded', () => {
  test('a daemon that never answers: the call fails within the bound, naming the host and the bound, and its channel is closed', async () => {
    const daemon = fakeDaemon('never');
    const host = hostOver(daemon, 300);
    await host.call('ping', (d) => d.ping()); // pins the version; the connection is fine
    const t = Date.now();
    await assert.rejects(
      host.call('read its info', (d) => d.info()),
      (err: Error) => err.name === 'TimedOut' && err.message === 'Docker on h9 did not answer within 0.3 s.',
    );
    const ms = Date.now() - t;
    assert.ok(ms >= 280 && ms < 1000, `gave up after ${ms} ms`);
    await new Promise((r) => setImmediate(r));
    const open = daemon.channels.filter((c) => !c.destroyed);
    assert.ok(open.length <= 1, `${open.length} channels still open`);
    host.dispose();
  });

  test('whileAlive: a daemon busy with the call but answering pings gets up to three bounds; a silent one fails at the bound', async () => {
    const busy = hostOver(fakeDaemon('never'), 300);
    let t = Date.now();
    await assert.rejects(
      busy.call('start a probe', (d) => d.info(), { whileAlive: true }),
      (err: Error) => err.name === 'TimedOut' && /^Docker on h9 answers but did not finish within 0\.\d s\.$/.test(err.message),
    );
    let ms = Date.now() - t;
    assert.ok(ms >= 850 && ms < 1500, `a busy daemon was given ${ms} ms (three bounds: 900)`);
    busy.dispose();
    // Pings unanswered, as from a frozen daemon: the call fails at its bound, as without whileAlive.
    const frozen = hostOver(fakeDaemon('never', { pings: false }), 300);
    t = Date.now();
    await assert.rejects(
      frozen.call('start a probe', (d) => d.info(), { whileAlive: true }),
      (err: Error) => err.message === 'Docker on h9 did not answer within 0.3 s.',
    );
    ms = Date.now() - t;
    assert.ok(ms >= 280 && ms < 700, `a silent daemon was given ${ms} ms (one bound: 300)`);
    frozen.dispose();
  });

  test('a daemon that keeps sending is not cut off, however long the whole answer takes', async () => {
    const host = hostOver(fakeDaemon({ chunks: 8, everyMs: 100 }), 300);
    const info = (await host.call('read its info', (d) => d.info())) as { ServerVersion?: string };
    assert.equal(info.ServerVersion, '20.10');
    host.dispose();
  });

  test('a cancel reaches a request the daemon does not answer, before the bound', async () => {
    const daemon = fakeDaemon('never');
    const host = hostOver(daemon, 5000);
    await host.call('ping', (d) => d.ping());
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const t = Date.now();
    await assert.rejects(
      host.call('read its info', (d) => d.info(), { signal: abort.signal }),
      (err: Error) => err.name === 'Cancelled',
    );
    assert.ok(Date.now() - t < 1000);
    host.dispose();
  });
});

describe('a channel closed under a request', () => {
  for (const [lost, sentence] of [
    [
      false,
      'Docker on h9 could not read its info: the daemon closed the connection without answering; check that dockerd is running on h9.',
    ],
    [
      true,
      'Docker on h9 could not read its info: the SSH connection to root@h9.example was lost; check that sshd runs there and the network to it.',
    ],
  ] as const) {
    test(`says ${lost ? 'the SSH connection was lost' : 'what dockerd did'}, never "socket hang up"`, async () => {
      const host = hostOver(fakeDaemon('close'), 5000, lost);
      await host.call('ping', (d) => d.ping());
      await assert.rejects(
        host.call('read its info', (d) => d.info()),
        (err: Error) => err.message === sentence,
      );
      host.dispose();
    });
  }
});

describe('numeric settings', () => {
  const rule = { key: 'swarmOverlay.requestTimeoutSeconds', default: 20, min: 1, max: 600 };
  test('in range, or given as a numeric string, is used', () => {
    assert.deepEqual(numberSetting(5, rule), { value: 5 });
    assert.deepEqual(numberSetting('7.5', rule), { value: 7.5 });
    assert.deepEqual(numberSetting(undefined, rule), { value: 20 });
  });
  test('out of range or not a number: the default, with one line saying so', () => {
    for (const [v, shown] of [
      [0.001, '0.001'],
      [-3, '-3'],
      [1e9, '1000000000'],
      ['soon', '"soon"'],
      [Number.NaN, 'NaN'],
      [true, 'true'],
      [{}, '{}'],
    ] as Array<[unknown, string]>) {
      const r = numberSetting(v, rule);
      assert.equal(r.value, 20);
      assert.equal(r.warning, `swarmOverlay.requestTimeoutSeconds is ${shown}, not a number from 1 to 600: using 20.`);
    }
  });
  test('0 where it turns a thing off', () => {
    const refresh = { key: 'swarmOverlay.refreshIntervalSeconds', default: 30, min: 1, max: 86_400, orZero: true };
    assert.deepEqual(numberSetting(0, refresh), { value: 0 });
    assert.equal(
      numberSetting(0.5, refresh).warning,
      'swarmOverlay.refreshIntervalSeconds is 0.5, not 0 or a number from 1 to 86400: using 30.',
    );
  });
});
