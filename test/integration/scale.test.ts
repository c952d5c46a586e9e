// Load at six hosts: the lab is rebuilt with six hosts for this file (about 3 s) and put back as it
// was afterwards. A swarm of six, 20 refreshes beside a 6-host matrix, then 100 rapid API calls per
// host at once: every call succeeds, channels stay within the bound, memory does not grow, nothing
// is left unhandled.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { hostStatus } from '../../src/core/hosts/hostStatus';
import { runMatrix } from '../../src/core/matrix/runMatrix';
import { createOverlay } from '../../src/core/networks/overlayNetworks';
import { initSwarm, joinSwarm } from '../../src/core/swarm/swarmActions';
import { swarmOverview } from '../../src/core/swarm/swarmOverview';
import { LAB_DIR, lab, labCore, probesLeft } from '../support/lab';

const IMAGE = 'swarm-overlay/probe:busybox';
const SIX = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
const labUp = (n: number) => execFileSync('bash', [path.join(LAB_DIR, 'up.sh'), String(n)], { stdio: 'ignore', timeout: 180_000 });

describe('load at six hosts', () => {
  let core: Core;
  let hostsBefore = 3;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const h = (n: string) => core.hosts.get(n);

  before(async () => {
    hostsBefore = (JSON.parse(readFileSync(lab().hostsFile, 'utf8')) as unknown[]).length;
    labUp(6);
    process.on('unhandledRejection', onUnhandled);
    core = labCore();
    await initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' });
    for (const n of SIX.slice(1)) await joinSwarm(h(n), h('h1'), n === 'h2' || n === 'h3' ? 'manager' : 'worker', core.redactor);
    await createOverlay(core.hosts, h('h1'), SIX, { name: 'so-scale', attachable: true, encrypted: false, internal: false, labels: {} });
    // A first run puts every node into the network's gossip group; only what follows is under test.
    const warm = await runMatrix(core.hosts, { network: 'so-scale', via: 'h1', hosts: SIX, image: IMAGE, logger: core.logger });
    console.log(`scale: warm-up run ${warm.ok ? 'all green' : `not green: ${warm.diagnoses[0]}`} (${JSON.stringify(warm.timings)})`);
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    core?.dispose();
    // The rest of the suite runs on the lab as it was.
    labUp(hostsBefore);
  });

  test('20 refreshes beside a 6-host matrix, then 100 rapid calls per host on six hosts at once', async () => {
    const statuses = () => Promise.all(SIX.map((n) => hostStatus(h(n))));
    const storm = () => {
      const refreshes = Array.from({ length: 20 }, async () => swarmOverview(core.hosts, await statuses()));
      return Promise.all([
        runMatrix(core.hosts, { network: 'so-scale', via: 'h1', hosts: SIX, image: IMAGE, logger: core.logger }),
        ...refreshes,
      ]);
    };
    const t0 = Date.now();
    let [matrix, ...views] = await storm();
    if (!matrix.ok && matrix.diagnoses.some((d) => /still did not know/.test(d))) {
      // Docker 20.10's gossip stall between freshly joined nodes (src/core/matrix/settle.ts): not
      // this test's subject, so said and tried once more; any other failure fails the test.
      console.log(`scale: Docker's gossip stall (${matrix.diagnoses[0]}); the storm is run again`);
      [matrix, ...views] = await storm();
    }
    assert.equal(matrix.cells.length, 36);
    assert.equal(matrix.ok, true, matrix.diagnoses.join(' | '));
    for (const v of views) {
      assert.equal(v.swarms.length, 1);
      assert.equal(v.swarms[0]!.nodes.length, 6);
      assert.deepEqual([v.swarms[0]!.quorum!.managers, v.swarms[0]!.quorum!.faultTolerance], [3, 1]);
    }
    console.log(`scale: 6-host matrix beside 20 refreshes in ${Date.now() - t0} ms (${JSON.stringify(matrix.timings)})`);

    const burst = async () => {
      const peak = new Map<string, number>();
      let ok = 0;
      await Promise.all(
        SIX.flatMap((n) =>
          Array.from({ length: 100 }, async (_, i) => {
            await h(n).call('burst', (d) => (i % 2 ? d.ping() : d.version()));
            ok++;
            peak.set(n, Math.max(peak.get(n) ?? 0, h(n).ssh.channelsOpen));
          }),
        ),
      );
      return { ok, peak: Math.max(...peak.values()) };
    };
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc, 'run with --expose-gc (npm run test:integration does)');
    await burst(); // warm
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const t1 = Date.now();
    for (let i = 0; i < 3; i++) {
      const b = await burst();
      assert.equal(b.ok, 600);
      peak = Math.max(peak, b.peak);
    }
    const ms = Date.now() - t1;
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    console.log(
      `scale: 3 bursts of 600 calls (100 per host, 6 hosts) in ${ms} ms, peak ${peak} channels on one host, heap ${grownMb >= 0 ? '+' : ''}${grownMb.toFixed(1)} MB`,
    );
    assert.ok(peak <= 32 + 8, `peak ${peak} channels`);
    assert.ok(grownMb < 20, `heap grew ${grownMb.toFixed(1)} MB over 1800 calls`);
    assert.ok(ms < 60_000, `1800 calls took ${ms} ms`);
    assert.equal(await probesLeft(core, SIX), 0);
    assert.deepEqual(unhandled, []);
  });
});
