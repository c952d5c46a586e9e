// Nothing waits forever: a dockerd that stops answering while its sshd still does (SIGSTOP in the lab
// host), a channel slot queue, and dial-stdio Docker channels beside execs. Every freeze is thawed in
// a finally and again in `after`, and on exit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { lineLogger } from '../../src/core/log';
import { runMatrix } from '../../src/core/matrix/runMatrix';
import type { HostStatus } from '../../src/core/model';
import { createOverlay } from '../../src/core/networks/overlayNetworks';
import { noSecrets, refuseUnknownKeys } from '../../src/core/ssh/auth';
import { SshConnection } from '../../src/core/ssh/SshConnection';
import { Redactor } from '../../src/core/log';
import { tcpReachable } from '../../src/core/swarm/hostNetwork';
import { listNodes } from '../../src/core/swarm/nodes';
import { initSwarm, joinSwarm } from '../../src/core/swarm/swarmActions';
import { ROOT, lab, labCliArgs, labCore, labExec, leaveSwarms, probesLeft, startNoStreamLocalSshd } from '../support/lab';

const L = lab();
const IMAGE = 'swarm-overlay/probe:busybox';
const names = ['h1', 'h2', 'h3'];
const frozen = new Set<string>();

function freeze(host: string): void {
  frozen.add(host);
  labExec(host, ['sh', '-c', 'kill -STOP $(pidof dockerd)']);
}

function thaw(host: string): void {
  labExec(host, ['sh', '-c', 'kill -CONT $(pidof dockerd)']);
  frozen.delete(host);
}

function thawAll(): void {
  for (const h of [...frozen]) thaw(h);
}

// A test run that dies between freeze and thaw must still leave the lab as it found it.
process.on('exit', thawAll);

/** The built CLI, stopped after 30 s (so a hang fails the test instead of holding the lab). */
function runCli(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t = Date.now();
  return p.then((value) => ({ value, ms: Date.now() - t }));
}

// Each test and hook has a timeout: a hang fails with the test's name (its output is only printed when the file ends).
describe('requests to a host that does not answer are bounded', () => {
  const lines: string[] = [];
  let core: Core;
  const h = (n: string) => core.hosts.get(n);

  before(() => {
    core = labCore({ requestTimeoutMs: 3000 }, lines);
  });
  after(() => {
    thawAll();
    core.dispose();
  });

  test(
    'CLI hosts with h2 frozen: returns within the bound, h2 unreachable with the reason, the others fine, exit 1',
    { timeout: 60_000 },
    () => {
      freeze('h2');
      let r: ReturnType<typeof runCli>;
      let ms: number;
      try {
        const t = Date.now();
        r = runCli([...labCliArgs(L), '--request-timeout', '3', '--json', 'hosts']);
        ms = Date.now() - t;
      } finally {
        thaw('h2');
      }
      console.log(`hang: CLI hosts with h2 frozen took ${ms} ms (bound 3000 ms)`);
      assert.equal(r.code, 1, r.stderr);
      const hosts = JSON.parse(r.stdout) as Array<{ name: string; reachable: boolean; error?: string }>;
      assert.deepEqual(
        hosts.map((x) => [x.name, x.reachable]),
        [
          ['h1', true],
          ['h2', false],
          ['h3', true],
        ],
      );
      assert.equal(hosts[1]!.error, 'Docker on h2 did not answer within 3 s.');
      assert.ok(ms < 3000 + 2500, `hosts took ${ms} ms with a 3 s bound`);
    },
  );

  test(
    'statusAll with h2 frozen: h1 and h3 land on time, h2 at the bound; h2 answers again once thawed, no channel left',
    { timeout: 60_000 },
    async () => {
      // Connected and pinned first, so only the frozen daemon is measured.
      await core.hosts.statusAll();
      const landed: Array<{ name: string; ms: number; status: HostStatus }> = [];
      freeze('h2');
      let total: number;
      try {
        const t = Date.now();
        await core.hosts.statusAll({ onStatus: (status) => landed.push({ name: status.name, ms: Date.now() - t, status }) });
        total = Date.now() - t;
      } finally {
        thaw('h2');
      }
      console.log(`hang: statusAll with h2 frozen: ${landed.map((l) => `${l.name} ${l.ms} ms`).join(', ')}; all in ${total} ms`);
      const at = (n: string) => landed.find((l) => l.name === n)!;
      assert.deepEqual(landed.map((l) => l.name).sort(), names);
      assert.ok(at('h1').ms < 1500 && at('h3').ms < 1500, 'h1 and h3 did not wait for h2');
      assert.equal(at('h1').status.reachable && at('h3').status.reachable, true);
      assert.equal(at('h2').status.reachable, false);
      assert.equal(at('h2').status.error, 'Docker on h2 did not answer within 3 s.');
      assert.ok(at('h2').ms >= 2900 && at('h2').ms < 3000 + 1000, `h2 landed after ${at('h2').ms} ms`);
      // The timed-out request's channel was closed (sshd confirms within a round trip), not left holding a slot.
      for (let i = 0; i < 20 && h('h2').ssh.channelsOpen > 0; i++) await new Promise((res) => setTimeout(res, 50));
      assert.equal(h('h2').ssh.channelsOpen, 0);
      const back = await core.hosts.statusAll();
      assert.deepEqual(
        back.map((s) => s.reachable),
        [true, true, true],
      );
    },
  );

  test('a cancel reaches a request the daemon does not answer', { timeout: 60_000 }, async () => {
    freeze('h2');
    try {
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 300);
      const t = Date.now();
      await assert.rejects(
        h('h2').call('read its info', (d) => d.info(), { signal: abort.signal }),
        (err: Error) => err.name === 'Cancelled',
      );
      assert.ok(Date.now() - t < 1000);
    } finally {
      thaw('h2');
    }
  });

  test(
    'a disposed core refuses new connections: a host taken before the dispose does not connect, and no new host is made',
    { timeout: 60_000 },
    async () => {
      const c = labCore({ requestTimeoutMs: 3000 }, lines);
      const h1 = c.hosts.get('h1');
      c.dispose();
      await assert.rejects(
        h1.call('ping', (d) => d.ping()),
        /The connection to .* was closed/,
      );
      assert.equal(h1.ssh.connectCount, 0);
      assert.throws(() => c.hosts.get('h2'), /closed \(the settings changed\)/);
    },
  );

  test(
    'port checks: time queued for a channel slot does not count against the check, and a cancelled waiter leaves the queue',
    { timeout: 60_000 },
    async () => {
      const l = L.hosts[0]!;
      const ssh = new SshConnection(core.resolver.resolve(l.host, { port: l.port, user: l.user, identityFile: l.identityFile }), {
        knownHostsFile: L.knownHosts,
        hostKeys: refuseUnknownKeys,
        secrets: noSecrets,
        redactor: new Redactor(),
        logger: lineLogger((line) => lines.push(line), 'debug'),
        agentSocket: '',
        maxForwards: 2,
      });
      after(() => ssh.dispose());
      // Both slots taken for 2.5 s by channels to h1's sshd.
      const held = await Promise.all([ssh.forwardTcp('10.99.0.1', 22), ssh.forwardTcp('10.99.0.1', 22)]);
      setTimeout(() => held.forEach((ch) => ch.destroy()), 2500);
      const t = Date.now();
      const r = await tcpReachable(ssh, '10.99.0.2', 22, 1000);
      const ms = Date.now() - t;
      console.log(`hang: a 1 s port check queued behind 2 busy slots took ${ms} ms in all`);
      assert.deepEqual(r, { ok: true });
      assert.ok(ms >= 2000, `the check waited ${ms} ms for a slot`);

      const busy = await Promise.all([ssh.forwardTcp('10.99.0.1', 22), ssh.forwardTcp('10.99.0.1', 22)]);
      const abort = new AbortController();
      const waiting = tcpReachable(ssh, '10.99.0.2', 22, 1000, abort.signal);
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(ssh.channelsWaiting, 1);
      abort.abort();
      await assert.rejects(waiting, (err: Error) => err.name === 'Cancelled');
      assert.equal(ssh.channelsWaiting, 0, 'the cancelled check left the queue');
      busy.forEach((ch) => ch.destroy());
    },
  );

  test('dial-stdio: after a burst of API calls, idle Docker channels leave session slots for an exec', { timeout: 60_000 }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'so-hang-'));
    after(() => rmSync(tmp, { recursive: true, force: true }));
    const sshd = startNoStreamLocalSshd(tmp);
    after(sshd.stop);
    const hosts = [sshd.host];
    const kh = sshd.knownHostsFile;
    const c = labCore({ hosts, knownHostsFile: kh, requestTimeoutMs: 3000 }, lines);
    after(() => c.dispose());
    const d = c.hosts.get('h2-nostream');
    for (let i = 0; i < 20 && !(await c.hosts.statusAll())[0]!.reachable; i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(d.ssh.usesDialStdio, true);
    // 24 /version calls: before the fix they left 8 idle kept-alive channels holding all 8 session slots.
    const versions = await Promise.all(Array.from({ length: 24 }, () => d.call('read its version', (x) => x.version())));
    assert.equal(versions.length, 24);
    const { value, ms } = await timed(d.ssh.exec(['ip', '-o', '-4', 'addr', 'show']));
    console.log(`hang: exec after a burst of 24 dial-stdio calls took ${ms} ms, ${d.ssh.channelsOpen} Docker channel(s) kept`);
    assert.equal(value.code, 0, value.stderr);
    assert.match(value.stdout, /10\.99\.0\.2/);
  });
});

describe('a daemon frozen in the middle of a matrix run', () => {
  const lines: string[] = [];
  let core: Core;
  const h = (n: string) => core.hosts.get(n);

  // Runs are bounded at 8 s: the first probe on an overlay takes up to 4.5 s to start in the lab.
  let tight: Core;

  async function nodesReady(): Promise<void> {
    for (let i = 0; ; i++) {
      const nodes = await listNodes(h('h1'));
      if (nodes.length === 3 && nodes.every((n) => n.status === 'ready')) return;
      assert.ok(i < 60, `nodes not ready: ${nodes.map((n) => `${n.hostname} ${n.status}`).join(', ')}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  before(
    async () => {
      core = labCore({}, lines);
      tight = labCore({ requestTimeoutMs: 8000 }, lines);
      await leaveSwarms(core, names);
      await initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' });
      await joinSwarm(h('h2'), h('h1'), 'worker', core.redactor);
      await joinSwarm(h('h3'), h('h1'), 'worker', core.redactor);
      await createOverlay(core.hosts, h('h1'), names, { name: 'so-hang', attachable: true, encrypted: false, internal: false, labels: {} });
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      thawAll();
      await leaveSwarms(core, names);
      tight.dispose();
      core.dispose();
    },
    { timeout: 60_000 },
  );

  test(
    'h2 freezes as its probe starts: the run ends within its bound (8 s), h2 took no part with the reason; after the thaw the next run is green and sweeps',
    { timeout: 60_000 },
    async () => {
      const run = (onStep?: (step: string) => void) =>
        timed(runMatrix(tight.hosts, { network: 'so-hang', via: 'h1', hosts: names, image: IMAGE, logger: tight.logger, onStep }));
      let first: Awaited<ReturnType<typeof run>>;
      try {
        first = await run((step) => {
          if (step === 'start:h2') freeze('h2');
        });
      } finally {
        thaw('h2');
      }
      const r = first.value;
      console.log(`hang: matrix with h2 frozen mid-run took ${first.ms} ms; timings ${JSON.stringify(r.timings)}`);
      assert.equal(r.ok, false);
      assert.deepEqual(
        r.problems.map((p) => p.host),
        ['h2'],
      );
      assert.match(r.problems[0]!.reason, /^Docker on h2 did not answer within 8 s/);
      assert.ok(r.diagnoses.some((d) => d.startsWith('h2 took no part: Docker on h2 did not answer within 8 s')));
      assert.equal(r.cells.filter((c) => c.from === 'h2' || c.to === 'h2').length, 0, 'no cell claims to have measured h2');
      assert.ok(
        r.cells.every((c) => c.ok),
        'h1 and h3 still measured each other',
      );
      // Two bounds at most on h2's critical path (start, then removal), plus a normal run.
      assert.ok(first.ms < 2 * 8000 + 12_000, `the run took ${first.ms} ms`);

      // h2 was silent for two bounds: its manager may have marked it down. The next run is once it is back.
      const readyIn = await timed(nodesReady());
      console.log(`hang: after the thaw every swarm node was ready again in ${readyIn.ms} ms`);
      const second = await run();
      console.log(`hang: the run after the thaw took ${second.ms} ms`);
      assert.equal(second.value.ok, true, second.value.diagnoses.join('; '));
      assert.equal(second.value.cells.length, 9);
      assert.equal(await probesLeft(core, names), 0);
    },
  );

  test(
    'settings change mid-run: the run finishes on the core it started with, which closes once the run ends; the new core works',
    { timeout: 60_000 },
    async () => {
      await nodesReady();
      // The default request bound (20 s): this test is about the settings change, and right after the thaw of
      // the test before, a manager can take more than 8 s to create a container on a busy machine (seen in CI).
      const old = labCore({}, lines);
      const release = old.hold();
      const connections = names.map((n) => old.hosts.get(n).ssh);
      let replaced: Core | undefined;
      let r: Awaited<ReturnType<typeof runMatrix>>;
      try {
        r = await runMatrix(old.hosts, {
          network: 'so-hang',
          via: 'h1',
          hosts: names,
          image: IMAGE,
          logger: old.logger,
          onStep: (step) => {
            // What CoreService does when a setting that shapes the core changes.
            if (step === 'measure') {
              old.retire();
              replaced = labCore({}, lines);
            }
          },
        });
      } finally {
        release();
        old.retire(); // disposes it now, also when the run failed before the change
        after(() => replaced?.dispose());
      }
      assert.ok(replaced, 'the settings changed during the run');
      assert.equal(r.ok, true, r.diagnoses.join('; '));
      assert.equal(await probesLeft(core, names), 0);
      // Released: the old core is gone, and nothing of it reconnects.
      assert.throws(() => old.hosts.get('h1'), /closed \(the settings changed\)/);
      assert.deepEqual(
        connections.map((c) => c.channelsOpen),
        [0, 0, 0],
      );
      await assert.rejects(connections[0]!.connect(), /was closed/);
      assert.deepEqual(
        (await replaced.hosts.statusAll()).map((s) => s.reachable),
        [true, true, true],
      );
    },
  );
});
