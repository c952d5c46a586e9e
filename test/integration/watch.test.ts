// Watch mode against the real lab: probes placed once and measured round after round (the same
// containers every round, each round much faster than placing), a VXLAN fault between rounds seen in
// the next round and healed in the one after, and every probe removed on stop, on abort and on Ctrl+C;
// in service mode, through a hosts file that holds only the manager, the same with one probe service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { PROBE_LABEL } from '../../src/core/matrix/lease';
import { execInProbe } from '../../src/core/matrix/probes';
import { openWatch, watchMatrix } from '../../src/core/matrix/watchMatrix';
import { createOverlay } from '../../src/core/networks/overlayNetworks';
import type { MatrixRound } from '../../src/shared/matrix';
import { freshSwarm, lab, labMatrixArgs, labCore, labExec, leaveSwarms, probesLeft, spawnCliProcess } from '../support/lab';

const IMAGE = 'swarm-overlay/probe:busybox';
const NET = 'so-watch';
const names = ['h1', 'h2', 'h3'];
const failing = (r: MatrixRound) =>
  r.cells
    .filter((c) => !c.ok)
    .map((c) => `${c.from}>${c.to}`)
    .sort();

describe('matrix watch', () => {
  let core: Core;
  const lines: string[] = [];
  const options = () => ({ network: NET, via: 'h1', hosts: names, image: IMAGE, logger: core.logger });
  /** This run's probe containers as the hosts list them: host → container id. */
  const probeIds = async (runId: string) => {
    const ids: string[] = [];
    for (const n of names) {
      const listed = (await core.hosts
        .get(n)
        .call('list probes', (d) => d.listContainers({ filters: { label: [`${PROBE_LABEL}=${runId}`] } }))) as Array<{ Id: string }>;
      ids.push(...listed.map((c) => `${n}:${c.Id}`));
    }
    return ids.sort();
  };

  before(async () => {
    core = labCore({}, lines);
    await freshSwarm(core, names);
    await createOverlay(core.hosts, core.hosts.get('h1'), names, {
      name: NET,
      attachable: true,
      encrypted: false,
      internal: false,
      labels: {},
    });
  });
  after(async () => {
    await leaveSwarms(core, names);
    core.dispose();
  });

  test('3 green rounds on the same probes, each faster than placing; 4789/udp dropped at h3 fails exactly its pairs, healed the round after; stop removes every probe', async (t) => {
    let ms = Date.now();
    const watch = await openWatch(core.hosts, options());
    const placingMs = Date.now() - ms;
    try {
      const ids = await probeIds(watch.placed.runId);
      assert.equal(ids.length, 3, ids.join(' '));
      const rounds: MatrixRound[] = [];
      // Each probe's rounds run in one shell kept open (ProbeShell): the same process in every round.
      const shellPids = () =>
        Promise.all(
          watch.placed.probes.map(async (p) =>
            // The shell's command line starts with its loop (ps cuts a long one short, so not its end).
            (await execInProbe(p, "ps -o pid,args | grep 'sh -c [w]hile read -r n; do' | awk '{print $1}'")).output.trim(),
          ),
        );
      let pids: string[] | undefined;
      for (let i = 1; i <= 3; i++) {
        ms = Date.now();
        const r = await watch.round();
        const roundMs = Date.now() - ms;
        rounds.push(r);
        assert.equal(r.round, i);
        assert.equal(r.cells.length, 9);
        assert.equal(r.ok, true, JSON.stringify(r.cells.filter((c) => !c.ok).map((c) => [c.from, c.to, c.diagnosis])));
        assert.ok(Date.parse(r.endedAt) >= Date.parse(r.startedAt));
        assert.ok(roundMs < placingMs, `round ${i} took ${roundMs} ms, placing ${placingMs} ms`);
        assert.deepEqual(await probeIds(watch.placed.runId), ids, 'the same probe containers in every round');
        const now = await shellPids();
        assert.ok(
          now.every((pid) => /^\d+$/.test(pid)),
          `one round shell per probe: ${JSON.stringify(now)}`,
        );
        if (pids) assert.deepEqual(now, pids, 'rounds reuse the shell opened in the first one');
        pids = now;
        t.diagnostic(
          `round ${i}: ${roundMs} ms (measure ${r.measureMs} ms) vs placing ${placingMs} ms (${JSON.stringify(watch.placed.timings)})`,
        );
      }
      labExec('h3', ['iptables', '-I', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
      labExec('h3', ['iptables', '-I', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
      let faulty: MatrixRound;
      try {
        faulty = await watch.round();
      } finally {
        labExec('h3', ['iptables', '-D', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
        labExec('h3', ['iptables', '-D', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
      }
      assert.equal(faulty.round, 4);
      assert.equal(faulty.ok, false);
      assert.deepEqual(failing(faulty), ['h1>h3', 'h2>h3', 'h3>h1', 'h3>h2']);
      assert.ok(
        faulty.diagnoses.some((d) => /Every overlay pair to and from h3 fails .*4789\/udp/.test(d)),
        faulty.diagnoses.join('\n'),
      );
      const healed = await watch.round();
      assert.equal(healed.round, 5);
      assert.deepEqual(failing(healed), []);
      assert.equal(healed.ok, true);
      assert.deepEqual(await probeIds(watch.placed.runId), ids);
    } finally {
      await watch.stop();
    }
    assert.equal(await probesLeft(core, names), 0);
  });

  test('service mode through the manager alone: rounds from one probe service, a 4789/udp drop at h3 seen and healed, the service removed on stop', async (t) => {
    const only = labCore({ hosts: lab().hosts.filter((x) => x.name === 'h1') });
    const probeServices = async () =>
      ((await only.hosts.get('h1').call('list probe services', (d) => d.listServices({ filters: { label: [PROBE_LABEL] } }))) as unknown[])
        .length;
    try {
      const watch = await openWatch(only.hosts, {
        network: NET,
        via: 'h1',
        hosts: [],
        mode: 'service',
        image: IMAGE,
        logger: only.logger,
        intervalS: 1,
        durationS: 300,
      });
      try {
        assert.equal(await probeServices(), 1);
        for (let i = 1; i <= 2; i++) {
          const r = await watch.round();
          assert.equal(r.mode, 'service');
          assert.equal(r.round, i);
          assert.deepEqual([...r.hosts].sort(), names);
          assert.equal(r.cells.length, 9);
          assert.equal(r.ok, true, JSON.stringify([r.problems, r.diagnoses, failing(r)]));
          t.diagnostic(`service round ${i}: measured in ${r.measureMs} ms`);
        }
        // The tasks measure on their own schedule, so a round is each task's newest measurement: the first
        // round after the fault may show it from some tasks only (one begun before it, seen in CI: h1>h3 and
        // h2>h3 but not yet h3's own pairs). Rounds are read until every task has measured since.
        const until = async (want: (r: MatrixRound) => boolean) => {
          let r = await watch.round();
          for (let i = 0; i < 3 && !want(r); i++) r = await watch.round();
          return r;
        };
        labExec('h3', ['iptables', '-I', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
        labExec('h3', ['iptables', '-I', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
        let faulty: MatrixRound;
        try {
          faulty = await until((r) => failing(r).length >= 4);
        } finally {
          labExec('h3', ['iptables', '-D', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
          labExec('h3', ['iptables', '-D', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
        }
        assert.deepEqual(failing(faulty), ['h1>h3', 'h2>h3', 'h3>h1', 'h3>h2'], JSON.stringify(faulty.diagnoses));
        assert.ok(
          faulty.diagnoses.some((d) => /Every overlay pair to and from h3 fails .*4789\/udp/.test(d)),
          faulty.diagnoses.join('\n'),
        );
        const healed = await until((r) => r.ok);
        assert.deepEqual(failing(healed), [], JSON.stringify(healed.diagnoses));
        assert.equal(healed.ok, true);
        t.diagnostic(`fault seen in round ${faulty.round}, healed in round ${healed.round}`);
      } finally {
        await watch.stop();
      }
      assert.equal(await probeServices(), 0, 'the probe service is removed');
    } finally {
      only.dispose();
    }
  });

  test('an abort between rounds ends watchMatrix with the last round, and no probe is left', async () => {
    const ctrl = new AbortController();
    const seen: number[] = [];
    const end = await watchMatrix(core.hosts, {
      ...options(),
      intervalS: 1,
      signal: ctrl.signal,
      onRound: (r) => {
        seen.push(r.round);
        if (r.round === 2) ctrl.abort();
      },
    });
    assert.deepEqual(seen, [1, 2]);
    assert.equal(end.why, 'stopped');
    assert.equal(end.last?.round, 2);
    assert.equal(end.last?.ok, true);
    assert.equal(await probesLeft(core, names), 0);
  });

  for (const mode of ['containers', 'service'] as const)
    test(`CLI --watch --json --mode ${mode}: one JSON line per round, Ctrl+C after 2 stops it with the last round exit code, no probe left`, async () => {
      const child = spawnCliProcess(labMatrixArgs(NET, '--mode', mode, '--watch', '--interval', '1', '--json'));
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (!sent && stdout.split('\n').filter(Boolean).length >= 2) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.ok(sent, stderr);
      const docs = stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { round: number; ok: boolean; cells: unknown[]; mode: string; timings: { measureMs: number } });
      assert.deepEqual(
        docs.map((d) => [d.round, d.ok, d.cells.length, d.mode]),
        [
          [1, true, 9, mode],
          [2, true, 9, mode],
        ],
        stderr,
      );
      assert.equal(code, 0, stderr);
      assert.equal(await probesLeft(core, names), 0, stderr);
      const services = (await core.hosts
        .get('h1')
        .call('list probe services', (d) => d.listServices({ filters: { label: [PROBE_LABEL] } }))) as unknown[];
      assert.equal(services.length, 0, 'no probe service left');
    });
});
