import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  RAFT_RTT_WARN_MS,
  anyRaftSlowPair,
  finishCell,
  ipsecDiagnoses,
  overallDiagnoses,
  parseIpsecCheck,
  raftLatencyDiagnoses,
  unseenDiagnoses,
  withUnseen,
} from '../../src/core/matrix/diagnosis';
import { parsePing } from '../../src/core/matrix/pingOutput';
import type { MatrixCell, MatrixReport, PingResult } from '../../src/shared/matrix';
import { managerAttachTimedOut } from '../../src/core/matrix/probes';
import { comparePairs } from '../../src/core/matrix/compareUnencrypted';
import { pingLimitS, pingScript, splitPingOutput } from '../../src/core/matrix/pingScript';

const BUSYBOX_OK = `PING 10.0.1.3 (10.0.1.3): 56 data bytes
64 bytes from 10.0.1.3: seq=0 ttl=64 time=0.412 ms
64 bytes from 10.0.1.3: seq=1 ttl=64 time=0.201 ms
64 bytes from 10.0.1.3: seq=2 ttl=64 time=0.188 ms

--- 10.0.1.3 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.188/0.267/0.412 ms`;

test('busybox and iputils output parse', () => {
  const ok = parsePing(BUSYBOX_OK, 0);
  assert.deepEqual([ok.ok, ok.sent, ok.received, ok.lossPercent, ok.minMs, ok.avgMs, ok.maxMs], [true, 3, 3, 0, 0.188, 0.267, 0.412]);
  const iputils = parsePing(
    '3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms\nrtt min/avg/max/mdev = 0.050/0.060/0.070/0.010 ms',
    1,
  );
  assert.deepEqual(
    [iputils.ok, iputils.received, iputils.lossPercent, iputils.avgMs, iputils.error],
    [false, 2, 33.3, 0.06, '1 of 3 replies lost'],
  );
  assert.equal(parsePing("ping: bad address 'so-probe-h9'", 1).error, 'name not resolved');
  assert.equal(parsePing('3 packets transmitted, 0 packets received, 100% packet loss', 1).error, 'no reply');
  assert.equal(parsePing('', undefined).error, 'no result');
  assert.equal(parsePing('ping: sendto: Network unreachable', 1).error, 'no route');
});

test('property: any output parses without throwing, and never claims more replies than sent', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.option(fc.integer({ min: 0, max: 255 })), (raw, code) => {
      const r = parsePing(raw, code ?? undefined);
      assert.ok(r.received <= r.sent);
      assert.ok(r.lossPercent >= 0 && r.lossPercent <= 100);
      assert.equal(r.ok, r.sent > 0 && r.received === r.sent);
      if (!r.ok) assert.ok(r.error);
    }),
  );
  const huge = parsePing('3 packets transmitted, 9 packets received\n' + 'x'.repeat(10_000));
  assert.equal(huge.received, 3);
  assert.ok(huge.raw.length < 4100);
});

test('the ping script refuses unsafe targets', () => {
  assert.throws(() => pingScript([{ key: 'a', address: 'x; reboot' }], { count: 1, timeoutS: 1, intervalS: 0.2 }), /unsafe ping target/);
  assert.throws(() => pingScript([{ key: 'a', address: '$(id)' }], { count: 1, timeoutS: 1, intervalS: 0.2 }), /unsafe/);
  assert.throws(() => pingScript([{ key: 'a', address: '-f' }], { count: 1, timeoutS: 1, intervalS: 0.2 }), /unsafe/);
});

test('the ping script really runs under sh with busybox ping on loopback, and its output splits back', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'bb-'));
  symlinkSync('/bin/busybox', path.join(bin, 'ping'));
  const script = pingScript(
    [
      { key: 'lo', address: '127.0.0.1' },
      { key: 'big', address: '127.0.0.1', size: 1400 },
      // Loopback broadcast: fails without sending anything off this machine (no DNS lookup either).
      { key: 'bad', address: '127.255.255.255' },
    ],
    { count: 2, timeoutS: 1, intervalS: 0.2 },
  );
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
  const parts = splitPingOutput(out, 3);
  const [lo, big, bad] = parts.map((p) => parsePing(p.raw, p.exitCode));
  assert.equal(lo!.ok, true, parts[0]!.raw);
  assert.equal(big!.ok, true);
  assert.equal(bad!.ok, false);
  assert.equal(parts[0]!.exitCode, 0);
  assert.notEqual(parts[2]!.exitCode, 0);
});

test('the script collects every output with the shell alone (no cat), keeps odd lines as printed, and leaves no file', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'bb-'));
  // The only commands on PATH: a ping that prints lines echo would mangle, and rm. No cat: collecting must not need one.
  writeFileSync(
    path.join(bin, 'ping'),
    `#!/bin/sh\nfor a; do :; done\nprintf '%s\\n' "-n from $a" 'a \\t backslash' '3 packets transmitted, 3 packets received, 0% packet loss'\nprintf 'no newline at the end'\n`,
    { mode: 0o755 },
  );
  symlinkSync('/bin/busybox', path.join(bin, 'rm'));
  // Loopback addresses only: busybox's sh below runs its own ping applet, for real.
  const targets = Array.from({ length: 11 }, (_, i) => ({
    key: String(i),
    address: `127.0.0.${i + 1}`,
    size: i % 3 === 2 ? 1400 : undefined,
  }));
  const plan = { count: 2, timeoutS: 1, intervalS: 0.2 };
  const kept = () => readdirSync('/tmp').filter((f) => f.startsWith('so-ping-'));
  const before = kept();
  const dash = splitPingOutput(
    execFileSync('/bin/sh', ['-c', pingScript(targets, plan)], { encoding: 'utf8', env: { PATH: bin } }),
    targets.length,
  );
  dash.forEach((p, i) => {
    assert.equal(p.exitCode, 0, `target ${i}`);
    assert.equal(
      p.raw,
      `-n from ${targets[i]!.address}\na \\t backslash\n3 packets transmitted, 3 packets received, 0% packet loss\nno newline at the end`,
      `target ${i}`,
    );
  });
  // The probes' shell: busybox's ash, with its real ping on loopback.
  const ash = splitPingOutput(
    execFileSync('/bin/busybox', ['sh', '-c', pingScript(targets, plan)], { encoding: 'utf8', env: { PATH: bin } }),
    targets.length,
  );
  ash.forEach((p, i) => {
    assert.equal(p.exitCode, 0, `busybox sh, target ${i}: ${p.raw}`);
    assert.equal(parsePing(p.raw, p.exitCode).received, 2, `busybox sh, target ${i}: ${p.raw}`);
  });
  assert.deepEqual(kept(), before, 'no /tmp/so-ping-* file left');
});

test('a ping that hangs (e.g. a name lookup sent upstream) is stopped at its limit and said so', () => {
  const bin = mkdtempSync(path.join(tmpdir(), 'bb-'));
  // coreutils' timeout, as busybox's would run its own ping applet instead of this stand-in.
  symlinkSync('/usr/bin/timeout', path.join(bin, 'timeout'));
  for (const tool of ['sleep', 'cat', 'rm']) symlinkSync('/bin/busybox', path.join(bin, tool));
  writeFileSync(path.join(bin, 'ping'), '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const plan = { count: 1, timeoutS: 1, intervalS: 0.1, lookupGraceS: 0 };
  assert.equal(pingLimitS(plan), 2);
  const started = Date.now();
  const out = execFileSync('/bin/sh', ['-c', pingScript([{ key: 'hang', address: 'so-probe-h2-x' }], plan)], {
    encoding: 'utf8',
    env: { PATH: bin },
  });
  assert.ok(Date.now() - started < 10_000);
  const [part] = splitPingOutput(out, 1);
  assert.equal(part!.exitCode, 124);
  assert.match(parsePing(part!.raw, part!.exitCode).error!, /^timed out/);
});

const ping = (ok: boolean, error?: string): PingResult => ({
  ok,
  sent: 3,
  received: ok ? 3 : 0,
  lossPercent: ok ? 0 : 100,
  avgMs: ok ? 0.3 : undefined,
  error,
  raw: '',
});

function matrix(hosts: string[], f: (from: string, to: string) => { name: boolean; ip: boolean; large?: boolean }): MatrixCell[] {
  return hosts.flatMap((from) =>
    hosts.map((to) => {
      const r = f(from, to);
      return finishCell(
        {
          from,
          to,
          byName: ping(r.name, r.name ? undefined : 'name not resolved'),
          byIp: ping(r.ip, r.ip ? undefined : 'no reply'),
          large: ping(r.large ?? true, 'no reply'),
        },
        1422,
      );
    }),
  );
}

test('diagnosis: name fails but IP works → service discovery', () => {
  const cells = matrix(['h1', 'h2', 'h3'], (f, t) => ({ name: f === t || f !== 'h2', ip: true }));
  const c = cells.find((x) => x.from === 'h2' && x.to === 'h3')!;
  assert.equal(c.ok, false);
  assert.match(c.diagnosis!, /h3 answers at its IP but not by name .*7946\/tcp\+udp/);
  assert.match(overallDiagnoses(['h1', 'h2', 'h3'], cells, []).join('\n'), /2 pair\(s\) reach each other by IP but not by name/);
});

test('diagnosis: every cross-host pair of one host fails while its local check passes → VXLAN', () => {
  const cells = matrix(['h1', 'h2', 'h3'], (f, t) => {
    const ok = f === t || (f !== 'h3' && t !== 'h3');
    return { name: ok, ip: ok };
  });
  const d = overallDiagnoses(['h1', 'h2', 'h3'], cells, []);
  assert.equal(d.length, 1, d.join('\n'));
  assert.match(d[0]!, /Every overlay pair to and from h3 fails .*VXLAN traffic \(4789\/udp\) to or from h3 is blocked or mangled\./);
});

test('diagnosis: small pass, large fail → MTU; host problems are listed first', () => {
  const cells = matrix(['h1', 'h2'], (f, t) => ({ name: true, ip: true, large: f === t }));
  const c = cells.find((x) => x.from === 'h1' && x.to === 'h2')!;
  assert.match(c.diagnosis!, /Small packets pass from h1 to h2 but 1422-byte ones do not/);
  const d = overallDiagnoses(['h1', 'h2', 'h3'], cells, [{ host: 'h3', reason: 'Docker is not answering on 10.99.0.3.' }]);
  assert.match(d[0]!, /^h3 took no part: Docker is not answering/);
  assert.ok(d.some((x) => /MTU problem/.test(x)));
});

test("diagnosis: a failed pair whose hosts never learned of each other's probe says so; passing pairs keep theirs", () => {
  const cells = matrix(['h1', 'h2', 'h3'], (f, t) => ({
    name: f === t || (f !== 'h2' && t !== 'h2'),
    ip: f === t || (f !== 'h2' && t !== 'h2'),
  }));
  const unseen = new Map([['h1', ['h2']]]);
  const c12 = withUnseen(
    cells.find((x) => x.from === 'h1' && x.to === 'h2')!,
    unseen,
    20,
  );
  assert.match(c12.diagnosis!, /h1 and h2 had not learned of each other's probe through gossip after 20 s/);
  const c21 = withUnseen(
    cells.find((x) => x.from === 'h2' && x.to === 'h1')!,
    unseen,
    20,
  );
  assert.match(c21.diagnosis!, /h2 and h1 had not learned/);
  const c23 = withUnseen(
    cells.find((x) => x.from === 'h2' && x.to === 'h3')!,
    unseen,
    20,
  );
  assert.doesNotMatch(c23.diagnosis!, /had not learned/);
  const c13 = withUnseen(
    cells.find((x) => x.from === 'h1' && x.to === 'h3')!,
    unseen,
    20,
  );
  assert.equal(c13.diagnosis, undefined);
  const overall = unseenDiagnoses(unseen, 20);
  assert.equal(overall.length, 1);
  assert.match(overall[0]!, /^After 20 s h1 still did not know the probe\(s\) on h2: gossip \(7946\/tcp\+udp\)/);
});

test('managers far apart are named, with the slower direction; workers and fast pairs are not', () => {
  const rtt: Record<string, number> = {
    'h1>h2': 2,
    'h2>h1': 3,
    'h1>h3': 62,
    'h3>h1': 81,
    'h2>h3': 70,
    'h3>h2': 49,
    'h1>h4': 300,
    'h4>h1': 300,
  };
  const cells = Object.entries(rtt).map(([k, ms]) => {
    const [from, to] = k.split('>') as [string, string];
    return { from, to, byName: ping(true), byIp: { ...ping(true), avgMs: ms }, ok: true };
  });
  assert.deepEqual(raftLatencyDiagnoses(new Set(['h1', 'h2', 'h3']), cells), [
    'Managers h1 and h3 are 81 ms apart (round trip; over 50 ms hurts Raft): every change to the swarm waits for a majority of managers, so keep managers in one region, spread over its zones.',
    'Managers h2 and h3 are 70 ms apart (round trip; over 50 ms hurts Raft): every change to the swarm waits for a majority of managers, so keep managers in one region, spread over its zones.',
  ]);
  assert.deepEqual(raftLatencyDiagnoses(new Set(['h1', 'h2']), cells), []);
  assert.equal(anyRaftSlowPair(cells), true);
  assert.equal(anyRaftSlowPair(cells.filter((c) => (c.byIp.avgMs ?? 0) < RAFT_RTT_WARN_MS)), false);
});

test('encrypted overlay: a kernel without AES-GCM for ESP is named; with it everywhere, ESP on the path; nothing when green or plain', () => {
  const cells = matrix(['h1', 'h2', 'h3'], (from, to) => ({ name: from === to, ip: from === to }));
  const none = new Map([
    ['h1', true],
    ['h2', false],
    ['h3', true],
  ]);
  assert.deepEqual(
    ipsecDiagnoses(true, cells, none).map((d) => d.slice(0, 60)),
    ['h2 cannot use IPsec: its kernel has no AES-GCM for ESP (rfc4'],
  );
  const all = new Map(['h1', 'h2', 'h3'].map((h) => [h, true]));
  assert.match(ipsecDiagnoses(true, cells, all)[0]!, /ESP \(IP protocol 50\) is dropped on the path between them/);
  assert.deepEqual(ipsecDiagnoses(true, cells, new Map([...all, ['h3', undefined]])), [], 'no guess when a host could not be asked');
  assert.deepEqual(ipsecDiagnoses(false, cells, none), []);
  const green = matrix(['h1', 'h2'], () => ({ name: true, ip: true }));
  assert.deepEqual(ipsecDiagnoses(true, green, none), []);
  assert.equal(parseIpsecCheck('x\n__ipsec=no\n'), false);
  assert.equal(parseIpsecCheck('__ipsec=yes'), true);
  assert.equal(parseIpsecCheck('sh: grep: not found'), undefined);
});

test('an unencrypted copy: failures that pass there are IPsec, those that fail there too are not', () => {
  const hosts = ['h1', 'h2', 'h3'];
  const report = (cells: MatrixCell[]): MatrixReport => ({
    network: 'n',
    mode: 'containers',
    hosts,
    ok: cells.every((c) => c.ok),
    cells,
    diagnoses: [],
    problems: [],
  });
  const encrypted = report(matrix(hosts, (f, t) => ({ name: f === t, ip: f === t })));
  const allGreen = comparePairs(encrypted, report(matrix(hosts, () => ({ name: true, ip: true }))));
  assert.equal(allGreen.ok, true);
  assert.deepEqual(allGreen.onlyEncrypted, ['h1>h2', 'h1>h3', 'h2>h1', 'h2>h3', 'h3>h1', 'h3>h2']);
  assert.deepEqual(allGreen.both, []);
  assert.match(allGreen.diagnosis, /^Every pair that fails encrypted \(6\) passes on an unencrypted copy/);
  // h3 cut off on 4789/udp in both runs: its pairs fail unencrypted too.
  const h3Cut = (f: string, t: string) => f === t || (f !== 'h3' && t !== 'h3');
  const mixed = comparePairs(encrypted, report(matrix(hosts, (f, t) => ({ name: h3Cut(f, t), ip: h3Cut(f, t) }))));
  assert.equal(mixed.ok, false);
  assert.deepEqual(mixed.onlyEncrypted, ['h1>h2', 'h2>h1']);
  assert.deepEqual(mixed.both, ['h1>h3', 'h2>h3', 'h3>h1', 'h3>h2']);
  assert.match(mixed.diagnosis, /^On an unencrypted copy 2 of the 6 failing pair\(s\) pass \(h1 → h2, h2 → h1\)/);
  const same = comparePairs(encrypted, encrypted);
  assert.deepEqual(same.onlyEncrypted, []);
  assert.match(same.diagnosis, /^The same 6 pair\(s\) fail on an unencrypted copy too .*: not IPsec/);
  assert.match(comparePairs(allGreenReport(), allGreenReport()).diagnosis, /nothing to compare/);
  function allGreenReport() {
    return report(matrix(hosts, () => ({ name: true, ip: true })));
  }
});

test("a probe start that ran out of Docker's wait for the manager is told apart from other start failures", () => {
  const docker = (detail: string) => new Error(`Docker on h11 could not start a probe: ${detail}.`);
  assert.equal(
    managerAttachTimedOut(
      docker('attaching to network failed, make sure your network options are correct and check manager logs: context deadline exceeded'),
    ),
    true,
  );
  assert.equal(managerAttachTimedOut(docker('attaching to network failed: network so-x not found')), false);
  assert.equal(managerAttachTimedOut(docker('context deadline exceeded')), false);
  assert.equal(managerAttachTimedOut('attaching to network failed: context deadline exceeded'), true);
});
