// Two matrix runs at once on the same overlay and hosts (in-process and CLI): each measures its own
// probes and sweeps only what belongs to runs that are over; a SIGKILLed CLI run's probes end with
// their lease; foreign containers and networks are never touched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { LEASE_LABEL } from '../../src/core/matrix/lease';
import { PROBE_LABEL } from '../../src/core/matrix/probes';
import { type MatrixResult, runMatrix } from '../../src/core/matrix/runMatrix';
import { TEMPORARY_LABEL } from '../../src/core/matrix/temporaryCopy';
import { createOverlay } from '../../src/core/networks/overlayNetworks';
import { freshSwarm, gossipLog, labMatrixArgs, labCore, leaveSwarms, probesLeft, spawnCliProcess } from '../support/lab';

const IMAGE = 'swarm-overlay/probe:busybox';
const names = ['h1', 'h2', 'h3'];
const NET = 'so-concurrent';
const SEALED = 'so-concurrent-sealed';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function failures(r: MatrixResult): string {
  return JSON.stringify({
    problems: r.problems,
    diagnoses: r.diagnoses,
    cells: r.cells.filter((c) => !c.ok).map((c) => [c.from, c.to, c.byName.raw, c.byIp.raw]),
  });
}

function assertGreen(r: MatrixResult, what: string): void {
  const { settleMs, convergeMs, measureMs } = r.timings;
  console.log(
    `concurrentRuns: ${what}: ${r.ok ? 'green' : 'NOT green'}, settle ${settleMs} ms, converge ${convergeMs} ms, measure ${measureMs} ms`,
  );
  // Not green: what each daemon last said about gossip goes with the failure.
  assert.equal(r.ok, true, r.ok ? what : `${what}: ${failures(r)}\n${gossipLog(r.hosts)}`);
  assert.equal(r.cells.length, r.hosts.length ** 2, what);
}

/** Waits until `check` holds, polling every 250 ms, up to `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(250);
  }
}

describe('two matrix runs at once', () => {
  let core: Core;
  const h = (n: string) => core.hosts.get(n);
  const probes = () => probesLeft(core, names);
  const run = (extra: Partial<Parameters<typeof runMatrix>[1]> = {}) =>
    runMatrix(core.hosts, { network: NET, via: 'h1', hosts: names, image: IMAGE, logger: core.logger, ...extra });
  const temporaryNetworks = async () =>
    ((await h('h1').call('list', (d) => d.listNetworks({ filters: { label: [TEMPORARY_LABEL] } }))) as Array<{ Name: string }>).map(
      (n) => n.Name,
    );

  before(async () => {
    core = labCore();
    await freshSwarm(core, names);
    const opts = { encrypted: false, internal: false, labels: {} };
    await createOverlay(core.hosts, h('h1'), names, { name: NET, attachable: true, ...opts });
    await createOverlay(core.hosts, h('h1'), names, { name: SEALED, attachable: false, ...opts });
  });
  after(async () => {
    await leaveSwarms(core, names);
    core.dispose();
  });

  test('two in-process runs started together: both all green, each on its own probes, nothing left', async () => {
    const [a, b] = await Promise.all([run(), run()]);
    assertGreen(a, 'run A');
    assertGreen(b, 'run B');
    assert.equal(await probes(), 0);
  });

  test('a second run starting while the first measures (its sweep, the first one’s cleanup) leaves both green', async () => {
    let second: Promise<MatrixResult> | undefined;
    const first = await run({
      onProgress: (m) => {
        if (!second && /Measuring/.test(m)) second = run();
      },
    });
    assert.ok(second, 'the second run started while the first measured');
    assertGreen(first, 'first run');
    assertGreen(await second, 'second run');
    assert.equal(await probes(), 0);
  });

  test('CLI and in-process runs on temporary copies of a non-attachable overlay at once: both green, both copies removed', async () => {
    const cli = spawnCliProcess(labMatrixArgs(SEALED, '--temporary', '--json', '--verbose'));
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const probeUp = new Promise<void>((resolve) =>
      cli.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/is up at/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
    // Started once the CLI's copy and probes exist, so this run's sweep meets them live, and the
    // CLI's cleanup happens while this run places its own.
    await Promise.race([probeUp, exited]);
    assert.equal((await temporaryNetworks()).length, 1, `the CLI's temporary copy exists: ${stderr}`);
    const mine = await run({ network: SEALED, temporaryCopy: true });
    assertGreen(mine, 'in-process run');
    assert.equal(await exited, 0, stderr + stdout);
    const doc = JSON.parse(stdout) as { ok: boolean; testedOn: string };
    assert.equal(doc.ok, true, stdout);
    assert.notEqual(doc.testedOn, mine.testedOn);
    await until(async () => (await temporaryNetworks()).length === 0, 15_000, 'both temporary copies are removed');
    assert.equal(await probes(), 0);
  });

  test('a sweep never touches a live run’s probe, nor a container or network without the project’s labels', async () => {
    const attach = { NetworkMode: NET };
    const make = (name: string, Labels: Record<string, string>, Cmd: string[]) =>
      h('h2').call('create', (d) => d.createContainer({ Image: IMAGE, name, Cmd, Labels, HostConfig: attach }));
    // Another run's probe, alive and well within its lease; a foreign container on the same overlay
    // and a foreign network; a probe of a run that is over (its command ended); and the temporary
    // copy a live run made a moment ago, before placing its probes.
    const live = await make('so-probe-h2-otherrun', { [PROBE_LABEL]: 'otherrun', [LEASE_LABEL]: '600' }, ['sleep', '600']);
    const foreign = await make('someone-elses', {}, ['sleep', '600']);
    const over = await make('so-probe-h2-overrun', { [PROBE_LABEL]: 'overrun', [LEASE_LABEL]: '600' }, ['true']);
    await h('h1').call('create', (d) => d.createNetwork({ Name: 'someone-elses-net', Driver: 'overlay', Attachable: true }));
    const fresh = {
      Name: 'so-check-freshrun',
      Driver: 'overlay',
      Attachable: true,
      Labels: { [TEMPORARY_LABEL]: 'freshrun', [LEASE_LABEL]: '600' },
    };
    await h('h1').call('create', (d) => d.createNetwork(fresh));
    try {
      await Promise.all([live.start(), foreign.start(), over.start()]);
      await over.wait();
      assertGreen(await run(), 'run next to a live foreign probe');
      // A run on a temporary copy also sweeps temporary networks.
      assertGreen(await run({ network: SEALED, temporaryCopy: true }), 'run on a temporary copy next to a fresh one of a live run');
      const left = (await h('h2').call('list', (d) => d.listContainers({ all: true }))) as Array<{ Names: string[]; State: string }>;
      const byName = new Map(left.map((c) => [c.Names[0]!.slice(1), c.State]));
      assert.equal(byName.get('so-probe-h2-otherrun'), 'running', 'the live run’s probe is untouched');
      assert.equal(byName.get('someone-elses'), 'running', 'the foreign container is untouched');
      assert.equal(byName.has('so-probe-h2-overrun'), false, 'the ended probe is swept');
      const nets = (await h('h1').call('list', (d) => d.listNetworks())) as Array<{ Name: string }>;
      assert.ok(
        nets.some((n) => n.Name === 'someone-elses-net'),
        'the foreign network is untouched',
      );
      assert.ok(
        nets.some((n) => n.Name === 'so-check-freshrun'),
        'the live run’s temporary copy is untouched',
      );
    } finally {
      for (const c of [live, foreign, over])
        await h('h2')
          .call('remove', () => c.remove({ force: true }))
          .catch(() => undefined);
      for (const n of ['someone-elses-net', 'so-check-freshrun'])
        await h('h1')
          .call('remove', (d) => d.getNetwork(n).remove())
          .catch(() => undefined);
    }
  });

  test('a SIGKILLed CLI run leaves probes that end with their lease; the next run is green and leaves nothing', async () => {
    // Long enough for one run next to the killed run's probes while they are alive; still short for CI.
    const LEASE_S = 20;
    const cli = spawnCliProcess(labMatrixArgs(NET, '--lease', String(LEASE_S), '--verbose'));
    let stderr = '';
    const measuring = new Promise<void>((resolve) =>
      cli.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/Measuring/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<void>((resolve) => cli.on('close', () => resolve()));
    await Promise.race([measuring, exited]);
    assert.match(stderr, /Measuring/, 'the CLI run reached the measurement');
    cli.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    assert.equal(await probes(), 3, 'the killed run left its probes');
    // A run in the meantime leaves them alone: they are alive within their lease.
    assertGreen(await run({ hosts: ['h1', 'h2'] }), 'run next to the killed run’s live probes');
    assert.ok(Date.now() - killedAt < LEASE_S * 1000, 'that run ended within the lease');
    assert.equal(await probes(), 3, 'the killed run’s probes are kept while their lease runs');
    await until(async () => (await probes()) === 0, (LEASE_S + 15) * 1000, 'the probes end once their lease lapses');
    const endedAfterS = (Date.now() - killedAt) / 1000;
    assert.ok(endedAfterS >= LEASE_S - 3, `ended ${endedAfterS} s after the kill, not before the lease`);
    console.log(`concurrentRuns: the SIGKILLed run's probes (lease ${LEASE_S} s) ended ${endedAfterS.toFixed(1)} s after the kill`);
    // Its pings alone (40 at 0.2 s) outlast its 5 s lease: green only if the run renews it.
    const next = await run({ leaseS: 5, plan: { count: 40, timeoutS: 2, intervalS: 0.2 } });
    assertGreen(next, 'the next run, its probes outliving their 5 s lease (renewed while it runs)');
    assert.ok(next.timings.measureMs > 6000, `measured for ${next.timings.measureMs} ms`);
    assert.equal(await probes(), 0);
  });
});
