// The connectivity matrix against the real lab: all green on 3 hosts, failure modes injected in the
// host namespaces each producing its diagnosis, and no probe left behind after cancel or a lost host.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Core } from '../../src/core/core';
import { TEMPORARY_LABEL } from '../../src/core/matrix/lease';
import { runMatrix } from '../../src/core/matrix/runMatrix';
import { createOverlay, removeOverlay } from '../../src/core/networks/overlayNetworks';
import type { MatrixReport } from '../../src/shared/matrix';
import { LAB_DIR, freshSwarm, kernelEsp, lab, labCliArgs, labCore, labExec, leaveSwarms, probesLeft, runCliProcess } from '../support/lab';

const L = lab();
const IMAGE = 'swarm-overlay/probe:busybox';
const names = ['h1', 'h2', 'h3'];
/**
 * In the mixed-engine phase (test/engines.sh) the tests of how faults are diagnosed and cleaned up run
 * once only, in the main phase: what they check is the project's own logic, the same on every engine.
 */
const faultOnly = process.env.SO_ENGINE_PHASE ? { skip: 'a fault diagnosis, engine-independent: run in the main integration phase' } : {};

describe('connectivity matrix', () => {
  let core: Core;
  const lines: string[] = [];
  const h = (n: string) => core.hosts.get(n);
  const probes = () => probesLeft(core, names);
  const run = (extra: Partial<Parameters<typeof runMatrix>[1]> = {}) =>
    runMatrix(core.hosts, { network: 'so-matrix', via: 'h1', hosts: names, image: IMAGE, logger: core.logger, ...extra });

  /**
   * The manager's networks once no temporary copy (so-check-…) is among them, or after 10 s: a swarm
   * network's removal is accepted at once and finished by the manager a moment later.
   */
  const networksOnceCopiesGone = async (): Promise<Array<{ Name: string }>> => {
    let left: Array<{ Name: string }> = [];
    for (let i = 0; i < 20; i++) {
      left = await h('h1').call('list', (d) => d.listNetworks());
      if (!left.some((n) => n.Name.startsWith('so-check-'))) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    return left;
  };

  before(async () => {
    core = labCore({}, lines);
    await freshSwarm(core, names);
    await createOverlay(core.hosts, h('h1'), names, { name: 'so-matrix', attachable: true, encrypted: false, internal: false, labels: {} });
  });
  after(async () => {
    await leaveSwarms(core, names);
    core.dispose();
  });

  test('3 hosts all green by name, by IP and with large packets; cells stream; nothing left behind', async () => {
    const streamed: string[] = [];
    const r = await run({ onCell: (c) => streamed.push(`${c.from}>${c.to}`) });
    assert.equal(
      r.ok,
      true,
      JSON.stringify(r.cells.filter((c) => !c.ok).map((c) => [c.from, c.to, c.diagnosis, c.byName.raw, c.byIp.raw])),
    );
    assert.equal(r.cells.length, 9);
    assert.equal(streamed.length, 9);
    for (const c of r.cells) {
      assert.equal(c.byName.received, 3);
      assert.ok(c.byIp.avgMs! > 0 && c.byIp.avgMs! < 50, `${c.from}>${c.to} ${c.byIp.avgMs}`);
      assert.equal(c.large!.ok, true);
    }
    assert.deepEqual(r.diagnoses, []);
    assert.equal(await probes(), 0);
    // Each exec is a hijacked SSH channel the daemon only half-closes: a second run must not leave
    // more channels open than the first did.
    const openAfter = () => names.map((n) => h(n).ssh.channelsOpen);
    const first = openAfter();
    // Right after the first run its probes left the network on every host: the second run waits that
    // out (Docker 20.10 loses track of a node that rejoins an overlay within seconds) and is green.
    const again = await run();
    assert.equal(again.ok, true, JSON.stringify(again.diagnoses));
    assert.ok(again.timings.settleMs > 0 && again.timings.settleMs <= 5000, `settled ${again.timings.settleMs} ms`);
    const second = openAfter();
    names.forEach((n, i) => assert.ok(second[i]! <= first[i]!, `${n}: ${first[i]} channels open after one run, ${second[i]} after two`));
  });

  test('CLI: table and JSON, exit 0 when all pass', () => {
    const args = [...labCliArgs(L), 'matrix', 'so-matrix', '--via', 'h1', '--image', IMAGE];
    const json = runCliProcess([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as {
      network: string;
      hosts: string[];
      ok: boolean;
      cells: Array<{ from: string; to: string; ok: boolean }>;
    };
    assert.deepEqual([doc.network, doc.hosts, doc.ok, doc.cells.length], ['so-matrix', names, true, 9]);
    const table = runCliProcess([...args, '--nodes', 'h1,h2']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /FROM \\ TO\s+h1\s+h2\n/);
    assert.match(table.stdout, /All pairs pass\./);
  });

  test('VXLAN blocked at h3: its cross-host pairs fail and the diagnosis names 4789/udp', faultOnly, async () => {
    labExec('h3', ['iptables', '-I', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
    labExec('h3', ['iptables', '-I', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
    try {
      const r = await run();
      assert.equal(r.ok, false);
      for (const c of r.cells)
        assert.equal(c.byIp.ok, c.from === c.to || (c.from !== 'h3' && c.to !== 'h3'), `${c.from}>${c.to}: ${c.byIp.raw}`);
      assert.ok(
        r.diagnoses.some((d) => /Every overlay pair to and from h3 fails .*4789\/udp/.test(d)),
        r.diagnoses.join('\n'),
      );
      const cli = runCliProcess([...labCliArgs(L), 'matrix', 'so-matrix', '--via', 'h1', '--image', IMAGE]);
      assert.equal(cli.code, 1);
      assert.match(cli.stdout, /Diagnosis:\n- Every overlay pair to and from h3/);
    } finally {
      labExec('h3', ['iptables', '-D', 'INPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
      labExec('h3', ['iptables', '-D', 'OUTPUT', '-p', 'udp', '--dport', '4789', '-j', 'DROP']);
    }
    assert.equal(await probes(), 0);
  });

  test('an encrypted overlay: green where the kernel has ESP with AES-GCM; where it has not, each host is named with the fix, and an unencrypted copy (CLI --compare-unencrypted) tells IPsec from the overlay', async () => {
    // The oracle: can this kernel (every lab host shares it) hold the ESP state Docker installs?
    const esp = kernelEsp();
    const kernelHasEsp = esp.ok;
    await createOverlay(core.hosts, h('h1'), names, {
      name: 'so-matrix-enc',
      attachable: true,
      encrypted: true,
      internal: false,
      labels: {},
    });
    try {
      const cli = runCliProcess([
        ...labCliArgs(),
        'matrix',
        'so-matrix-enc',
        '--via',
        'h1',
        '--image',
        IMAGE,
        '--compare-unencrypted',
        '--json',
      ]);
      const r = JSON.parse(cli.stdout) as MatrixReport;
      console.log(`matrix: encrypted overlay, kernel ESP+AES-GCM ${kernelHasEsp ? 'yes' : `no (${esp.why})`}: ok=${r.ok}`);
      if (kernelHasEsp) {
        assert.equal(r.ok, true, r.diagnoses.join('\n'));
        assert.equal(r.unencrypted, undefined, 'nothing to compare when every pair passes');
      } else {
        assert.equal(cli.code, 1, cli.stderr);
        for (const c of r.cells) assert.equal(c.byIp.ok, c.from === c.to, `${c.from}>${c.to}`);
        for (const n of names)
          assert.ok(
            r.diagnoses.some((d) => d.startsWith(`${n} cannot use IPsec: its kernel has no AES-GCM for ESP`)),
            r.diagnoses.join('\n'),
          );
        assert.ok(!r.diagnoses.some((d) => /ESP \(IP protocol 50\) is dropped/.test(d)));
        // The same hosts without IPsec: every pair passes, so every failure above is IPsec's.
        const crossPairs = names.flatMap((a) => names.filter((b) => b !== a).map((b) => `${a}>${b}`));
        assert.ok(r.unencrypted, cli.stderr);
        assert.equal(r.unencrypted.ok, true, r.unencrypted.diagnosis);
        assert.deepEqual([...r.unencrypted.onlyEncrypted].sort(), crossPairs.sort());
        assert.deepEqual(r.unencrypted.both, []);
        assert.match(
          r.diagnoses.at(-1)!,
          /passes on an unencrypted copy across the same hosts: the overlay itself works and IPsec \(ESP\)/,
        );
        // The copy is gone, as the docker CLI on the manager sees it.
        await networksOnceCopiesGone();
        assert.equal(labExec('h1', ['docker', 'network', 'ls', '-q', '--filter', `label=${TEMPORARY_LABEL}`]).trim(), '');
        assert.equal(labExec('h1', ['docker', 'network', 'ls', '-q', '--filter', `name=${r.unencrypted.network}`]).trim(), '');
      }
    } finally {
      await removeOverlay(core.hosts, h('h1'), async () => names, 'so-matrix-enc').catch(() => undefined);
    }
    assert.equal(await probes(), 0);
  });

  test('large packets dropped on the path from h2: small pass, large fail, MTU diagnosed', faultOnly, async () => {
    // Drop only big VXLAN datagrams leaving h2, as a path with a smaller MTU would.
    const rule = ['OUTPUT', '-p', 'udp', '--dport', '4789', '-m', 'length', '--length', '1200:65535', '-j', 'DROP'];
    labExec('h2', ['iptables', '-I', ...rule]);
    try {
      const r = await run();
      const c = r.cells.find((x) => x.from === 'h2' && x.to === 'h1')!;
      assert.equal(c.byIp.ok, true);
      assert.equal(c.large!.ok, false);
      assert.match(c.diagnosis!, /Small packets pass from h2 to h1 but \d+-byte ones do not/);
      assert.ok(r.diagnoses.some((d) => /MTU problem/.test(d)));
    } finally {
      labExec('h2', ['iptables', '-D', ...rule]);
    }
  });

  test('a missing probe image is one clear sentence, and the run still cleans up', faultOnly, async () => {
    const r = await run({ image: 'swarm-overlay/absent:1', hosts: ['h2'] });
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!.reason,
      /^The probe image swarm-overlay\/absent:1 is not on h2 and cannot be pulled \(.*\); set swarmOverlay\.probeImage/,
    );
    assert.equal(await probes(), 0);
    const cli = runCliProcess([
      ...labCliArgs(L),
      'matrix',
      'so-matrix',
      '--via',
      'h1',
      '--nodes',
      'h2',
      '--image',
      'swarm-overlay/absent:1',
    ]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /No probe could start: h2: The probe image/);
  });

  test('a non-attachable overlay is refused with the offer, then checked on a temporary attachable copy that is removed afterwards', async () => {
    await createOverlay(core.hosts, h('h1'), names, {
      name: 'so-sealed',
      attachable: false,
      encrypted: false,
      internal: false,
      mtu: 1400,
      labels: {},
    });
    await assert.rejects(
      run({ network: 'so-sealed' }),
      /^Refused: The overlay "so-sealed" is not attachable, so test containers cannot join it: check a temporary attachable copy/,
    );
    const r = await run({ network: 'so-sealed', temporaryCopy: true });
    assert.equal(r.ok, true, r.diagnoses.join(' | '));
    assert.equal(r.network, 'so-sealed');
    assert.match(r.testedOn ?? '', /^so-check-[a-z0-9]+$/);
    assert.equal(r.largeSize, 1372, 'the copy keeps the MTU');
    assert.match(r.diagnoses[0]!, /^"so-sealed" is not attachable: this check ran on so-check-/);
    const left = await networksOnceCopiesGone();
    assert.deepEqual(
      left.filter((n) => n.Name.startsWith('so-check-')).map((n) => n.Name),
      [],
      'the temporary copy is gone',
    );
    assert.ok(
      left.some((n) => n.Name === 'so-sealed'),
      'the network itself is untouched',
    );
    const cli = runCliProcess([...labCliArgs(L), 'matrix', 'so-sealed', '--via', 'h1', '--image', IMAGE, '--temporary', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match((JSON.parse(cli.stdout) as { testedOn: string }).testedOn, /^so-check-/);
    assert.equal(await probes(), 0);
  });

  test('cancel mid-run leaves no probe on any host', async () => {
    const ctrl = new AbortController();
    const running = run({ signal: ctrl.signal, onProgress: (m) => (/is up at/.test(m) ? ctrl.abort() : undefined) });
    await assert.rejects(running, /Cancelled/);
    assert.equal(await probes(), 0);
  });

  test('a host killed mid-run costs only its own row and column; no probe remains once it is back', faultOnly, async () => {
    const ctl = path.join(LAB_DIR, 'ctl.sh');
    let stopped = false;
    let stopping: Promise<void> | undefined;
    const r = await run({
      // Pings long enough (about 6 s each) that h3's dockerd is surely gone before they end: with the default
      // plan the measuring could finish before ctl.sh had stopped it on a busy machine (seen in CI: no h3 cell failed).
      plan: { count: 15, timeoutS: 2, intervalS: 0.4 },
      onProgress: (m) => {
        if (!stopped && /Measuring/.test(m)) {
          stopped = true;
          // Killed while the pings run, not before: the run must not wait for it.
          stopping = new Promise((resolve) => execFile(ctl, ['h3', 'stop-dockerd'], { timeout: 60_000 }, () => resolve()));
        }
      },
    });
    await stopping;
    try {
      assert.equal(stopped, true);
      // The other pairs are still measured and reported, not lost with h3. (Whether they pass while
      // h3's dockerd shuts down varies here: a brief loss between h1 and h2 has been seen.)
      const h1h2 = r.cells.filter((c) => c.from !== 'h3' && c.to !== 'h3');
      assert.equal(h1h2.length, 4);
      assert.ok(
        h1h2.every((c) => c.byIp.sent > 0),
        `pairs without h3 were measured: ${JSON.stringify(h1h2.map((c) => c.byIp.raw))}`,
      );
      assert.deepEqual(
        r.problems.filter((p) => p.host !== 'h3'),
        [],
      );
      assert.ok(
        r.cells.filter((c) => c.from === 'h3' || c.to === 'h3').some((c) => !c.ok),
        'h3 fails',
      );
    } finally {
      execFileSync(ctl, ['h3', 'start-dockerd'], { stdio: 'ignore', timeout: 60_000 });
    }
    // The next run's sweep removes what the dead host kept; prove it with a run on h3 alone.
    await runMatrix(core.hosts, { network: 'so-matrix', via: 'h1', hosts: ['h1'], image: IMAGE, logger: core.logger });
    assert.equal(await probes(), 0);
  });

  test('probes are never left by a run, and the log carries no secret', () => {
    assert.ok(lines.some((l) => /matrix/.test(l) || /ssh: connected/.test(l)));
    assert.ok(!lines.join('\n').match(/SWMTKN-1-\w{10,}-\w{10,}/));
  });
});
