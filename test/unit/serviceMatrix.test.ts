// Service mode's pure parts: the task script (run for real by a POSIX sh, with stand-ins for nslookup
// and ping that print what busybox prints; busybox's own sh would run its built-in applets instead,
// and the integration test runs it there), the service logs' framing, the task reports, and which
// probe services a sweep removes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { LEASE_LABEL, PROBE_LABEL, probeServiceIsOver } from '../../src/core/matrix/lease';
import { MATRIX_MODES } from '../../src/core/matrix/matrixMode';
import { nodeProblem } from '../../src/core/matrix/serviceMatrix';
import { PINGS_AT_ONCE, pingScript } from '../../src/core/matrix/pingScript';
import { demuxLogs, linesByNode, linesByRound, parseTaskReport, serviceTaskScript } from '../../src/core/matrix/serviceScript';

const PLAN = { count: 3, timeoutS: 2, intervalS: 0.2 };
const frame = (kind: number, text: string) => {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(8);
  head[0] = kind;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

/** Writes stand-in commands (shell scripts) into `dir`. */
const stubIn = (dir: string) => (name: string, body: string) => {
  writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(path.join(dir, name), 0o755);
};

/** Runs a task script under /bin/sh with the stand-ins in `dir` first on PATH, as node "nodea". */
function runTask(dir: string, script: string): { out: string; tookMs: number } {
  const started = Date.now();
  const out = execFileSync('/bin/sh', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: `${dir}:/usr/bin:/bin`, SO_NODE: 'nodea' },
    timeout: 20_000,
  });
  return { out, tookMs: Date.now() - started };
}

describe('service task script', () => {
  test('finds the tasks in DNS, pings each by name, IP and large packet, retries a failure once, and frames it all', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'so-task-'));
    try {
      const stub = stubIn(dir);
      stub(
        'nslookup',
        [
          'case "$1" in',
          '  tasks.so-probe-r1) printf "Server:\\t\\t127.0.0.11\\nAddress:\\t127.0.0.11:53\\n\\nName:\\ttasks.so-probe-r1\\nAddress: 10.0.1.5\\nName:\\ttasks.so-probe-r1\\nAddress: 10.0.1.3\\n" ;;',
          '  10.0.1.3) echo "3.1.0.10.in-addr.arpa\tname = so-probe-r1.nodea.taska.net-x" ;;',
          '  10.0.1.5) echo "5.1.0.10.in-addr.arpa\tname = so-probe-r1.nodeb.taskb.net-x" ;;',
          'esac',
        ].join('\n'),
      );
      // This machine's own ICMP counters stand still for the retry's wait (its own test is below).
      stub('awk', 'echo 7');
      // The large ping to 10.0.1.5 fails the first time only (a marker file remembers it); the small one
      // to 10.0.1.3 loses one reply of three the first time, and exits 0 as busybox's does.
      stub(
        'ping',
        [
          'for a; do t=$a; done',
          'echo "ping $*" >> ' + path.join(dir, 'calls'),
          `if [ "$t" = 10.0.1.5 ] && echo "$*" | grep -q -- "-s 1422" && [ ! -e ${dir}/failed-once ]; then touch ${dir}/failed-once; echo "3 packets transmitted, 0 packets received, 100% packet loss"; exit 1; fi`,
          `if [ "$t" = 10.0.1.3 ] && ! echo "$*" | grep -q -- "-s" && [ ! -e ${dir}/lost-once ]; then touch ${dir}/lost-once; echo "3 packets transmitted, 2 packets received, 33% packet loss"; exit 0; fi`,
          'echo "3 packets transmitted, 3 packets received, 0% packet loss"; echo "round-trip min/avg/max = 0.1/0.2/0.3 ms"',
        ].join('\n'),
      );
      const script = serviceTaskScript({
        service: 'so-probe-r1',
        network: 'net-x',
        expected: 2,
        discoverS: 2,
        leaseS: 2,
        largeSize: 1422,
        plan: PLAN,
        ipsecCheck: true,
      });
      const { out, tookMs } = runTask(dir, script);
      // It stays up for the others' pings until its lease (2 s, on a whole-second clock) ends, then ends by itself.
      assert.ok(tookMs >= 1000 && tookMs < 6000, `ran ${tookMs} ms`);
      assert.ok(
        out.split('\n').every((l) => l === '' || l.startsWith('@nodea ')),
        out,
      );
      const report = parseTaskReport(linesByNode(out).get('nodea')!)!;
      assert.equal(report.done, true);
      assert.deepEqual(report.targets, ['10.0.1.3', '10.0.1.5']);
      // This machine's kernel, read as the task reads it.
      assert.equal(report.ipsec, readFileSync('/proc/crypto', 'utf8').includes('rfc4106(gcm(aes))'));
      for (const ip of report.targets)
        for (const kind of ['name', 'ip', 'large']) {
          const r = report.results.get(`${ip}/${kind}`)!;
          assert.equal(r.exitCode, 0, `${ip}/${kind}: ${r.raw}`);
          assert.match(r.raw, /3 packets received/);
        }
      const calls = execFileSync('cat', [path.join(dir, 'calls')], { encoding: 'utf8' });
      assert.match(calls, /-c 3 -W 2 -i 0\.2 so-probe-r1\.nodea\.taska\n/, 'by name: the task name without the network suffix');
      assert.match(calls, /-c 3 -W 2 -i 0\.2 -s 1422 10\.0\.1\.5\n[^]*-s 1422 10\.0\.1\.5\n/, 'the failed large ping is tried again');
      assert.match(
        calls,
        /-c 3 -W 2 -i 0\.2 10\.0\.1\.3\n[^]*-c 3 -W 2 -i 0\.2 10\.0\.1\.3\n/,
        'a ping that lost one reply is tried again',
      );
      assert.equal(calls.trim().split('\n').length, 8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('both scripts (task and container probe) run at most PINGS_AT_ONCE pings at once, and every ping', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'so-batch-'));
    try {
      const stub = stubIn(dir);
      // 12 tasks in DNS, as at twelve nodes: 36 pings each.
      const ips = Array.from({ length: 12 }, (_, i) => `10.0.1.${i + 2}`);
      stub(
        'nslookup',
        `case "$1" in tasks.*) for ip in ${ips.join(' ')}; do printf "Name:\\tx\\nAddress: %s\\n" $ip; done ;; *) echo "x name = so-probe-r1.n.t$1.net-x" ;; esac`,
      );
      // Each ping notes how many pings run as it starts (one file per running ping), then takes 0.2 s.
      stub(
        'ping',
        [
          `touch ${dir}/run.$$; ls ${dir} | grep -c '^run\\.' >> ${dir}/seen; echo x >> ${dir}/count`,
          'sleep 0.2; rm -f ' + dir + '/run.$$',
          'echo "3 packets transmitted, 3 packets received, 0% packet loss"',
        ].join('\n'),
      );
      const env = { PATH: `${dir}:/usr/bin:/bin`, SO_NODE: 'nodea' };
      const seen = () => {
        const counts = readFileSync(path.join(dir, 'seen'), 'utf8').trim().split('\n').map(Number);
        const total = readFileSync(path.join(dir, 'count'), 'utf8').trim().split('\n').length;
        rmSync(path.join(dir, 'seen'));
        rmSync(path.join(dir, 'count'));
        return { most: Math.max(...counts), total };
      };
      const task = serviceTaskScript({
        service: 'so-probe-r1',
        network: 'net-x',
        expected: 12,
        discoverS: 2,
        leaseS: 0,
        largeSize: 1422,
        plan: PLAN,
      });
      execFileSync('/bin/sh', ['-c', task], { env, timeout: 30_000 });
      const inTask = seen();
      const targets = ips.flatMap((ip, i) => [
        { key: `${i}/name`, address: `so-probe-${i}` },
        { key: `${i}/ip`, address: ip },
        { key: `${i}/large`, address: ip, size: 1422 },
      ]);
      execFileSync('/bin/sh', ['-c', pingScript(targets, PLAN)], { env, timeout: 30_000 });
      const inProbe = seen();
      for (const [what, s] of [
        ['task', inTask],
        ['container probe', inProbe],
      ] as const) {
        assert.equal(s.total, 36, `${what}: every ping ran`);
        assert.ok(s.most <= PINGS_AT_ONCE, `${what}: ${s.most} pings at once`);
        assert.ok(s.most > 1, `${what}: pings still run side by side`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a watching task measures a round every few seconds until its lease ends, each report whole and numbered', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'so-rounds-'));
    try {
      const stub = stubIn(dir);
      stub(
        'nslookup',
        'case "$1" in tasks.*) printf "Name:\\tx\\nAddress: 10.0.1.3\\nName:\\tx\\nAddress: 10.0.1.5\\n" ;; *) echo "x name = so-probe-r1.n.t$1.net-x" ;; esac',
      );
      stub('ping', 'echo "3 packets transmitted, 3 packets received, 0% packet loss"');
      const script = serviceTaskScript({
        service: 'so-probe-r1',
        network: 'net-x',
        expected: 2,
        discoverS: 2,
        leaseS: 3,
        largeSize: 1422,
        plan: PLAN,
        roundsEveryS: 1,
      });
      const { out, tookMs } = runTask(dir, script);
      assert.ok(tookMs >= 2000 && tookMs < 8000, `ran ${tookMs} ms`);
      const rounds = linesByRound(linesByNode(out).get('nodea')!);
      // A round a second for a lease of 3 s on a whole-second clock: two to four rounds.
      assert.ok(rounds.size >= 2 && rounds.size <= 4, `${rounds.size} rounds: ${[...rounds.keys()].join(',')}`);
      assert.deepEqual(
        [...rounds.keys()],
        Array.from({ length: rounds.size }, (_, i) => i + 1),
      );
      for (const [n, text] of rounds) {
        const report = parseTaskReport(text)!;
        assert.equal(report.done, true, `round ${n}`);
        assert.deepEqual(report.targets, ['10.0.1.3', '10.0.1.5']);
        assert.equal([...report.results.values()].filter((r) => r.exitCode === 0).length, 6, `round ${n}: ${text}`);
      }
      // Without roundsEveryS there are no round markers: one report, as before.
      assert.doesNotMatch(
        serviceTaskScript({ service: 'so-probe-r1', network: 'net-x', expected: 2, discoverS: 2, leaseS: 3, largeSize: 1422, plan: PLAN }),
        /__round/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('before a retry, a task waits until nobody pings it (its echo requests received stand still)', () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'so-quiet-'));
    try {
      for (const tool of ['awk', 'sleep', 'ping']) symlinkSync('/bin/busybox', path.join(bin, tool));
      const script = serviceTaskScript({ service: 'x', network: 'n', expected: 1, discoverS: 1, leaseS: 1, largeSize: 100, plan: PLAN });
      const fns = script.split('\n').filter((l) => /^(echos|quiet)\(\)/.test(l));
      assert.equal(fns.length, 2);
      // Pinged (loopback, 2 s) while it waits: it returns only after the pings stop, and keeps the caller's variables.
      const out = execFileSync(
        '/bin/busybox',
        [
          'sh',
          '-c',
          [
            ...fns,
            'a=keep; s=keep; before=$(echos)',
            'ping -c 10 -i 0.2 127.0.0.1 >/dev/null & sleep 0.2',
            'quiet; echo "$before $(echos) $a $s"; wait',
          ].join('\n'),
        ],
        { encoding: 'utf8', env: { PATH: bin }, timeout: 30_000 },
      );
      const [before, after, a, s2] = out.trim().split(' ');
      assert.ok(Number(after) >= Number(before) + 9, `echo requests counted: ${before} → ${after}`);
      assert.deepEqual([a, s2], ['keep', 'keep']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('refuses names and numbers it would not put in a script', () => {
    const o = { service: 'so-probe-r1', network: 'net', expected: 2, discoverS: 5, leaseS: 60, largeSize: 1422, plan: PLAN };
    assert.throws(() => serviceTaskScript({ ...o, network: 'a;rm -rf /' }), /unsafe name/);
    assert.throws(() => serviceTaskScript({ ...o, service: '$(x)' }), /unsafe name/);
    assert.throws(() => serviceTaskScript({ ...o, expected: 1.5 }), /bad number/);
    assert.match(serviceTaskScript(o), /tasks\.so-probe-r1/);
  });
});

describe('service logs and task reports', () => {
  test('multiplexed frames are joined; a text answer is kept as is', () => {
    const buf = Buffer.concat([frame(1, '@n1 __targets 10.0.0.2\n'), frame(2, '@n2 oops\n'), frame(1, '@n1 __done\n')]);
    assert.equal(demuxLogs(buf), '@n1 __targets 10.0.0.2\n@n2 oops\n@n1 __done\n');
    assert.equal(demuxLogs(Buffer.from('@n1 plain\n')), '@n1 plain\n');
    // A cut answer keeps the whole frames before it.
    assert.equal(demuxLogs(Buffer.concat([frame(1, 'a\n'), frame(1, 'bcdef\n').subarray(0, 10)])), 'a\n');
  });

  test('interleaved lines go back to their task; lines without the prefix are dropped', () => {
    const by = linesByNode('@n1 a\n@n2 x\nnoise\n@n1 b\r\n@bad! c\n');
    assert.deepEqual(
      [...by],
      [
        ['n1', 'a\nb\n'],
        ['n2', 'x\n'],
      ],
    );
  });

  test('a report maps each target and kind to its framed ping; unfinished until __done', () => {
    const body = [
      '__targets 10.0.1.3 10.0.1.5',
      '__name 10.0.1.3 t1',
      ...[0, 1, 2, 3, 4, 5].flatMap((i) => [`__begin ${i}`, `out ${i}`, `__rc=${i === 4 ? 1 : 0}`, `__end ${i}`]),
    ].join('\n');
    const r = parseTaskReport(body + '\n')!;
    assert.equal(r.done, false);
    assert.equal(r.ipsec, undefined);
    const withIpsec = body.replace('__name 10.0.1.3 t1', '__ipsec=no\n__name 10.0.1.3 t1');
    assert.equal(parseTaskReport(withIpsec)!.ipsec, false);
    assert.deepEqual(parseTaskReport(withIpsec)!.results.get('10.0.1.5/ip'), { raw: 'out 4', exitCode: 1 });
    assert.deepEqual(r.results.get('10.0.1.5/ip'), { raw: 'out 4', exitCode: 1 });
    assert.deepEqual(r.results.get('10.0.1.3/large'), { raw: 'out 2', exitCode: 0 });
    assert.equal(parseTaskReport(body + '\n__done\n')!.done, true);
    assert.equal(parseTaskReport('__name x\n'), undefined);
    assert.deepEqual(parseTaskReport('__targets\n__done\n')!.targets, []);
  });
});

describe('probe service sweep', () => {
  const NOW = Date.parse('2026-12-02T12:00:00Z');
  const svc = (ageS: number, taskStates: string[], run = 'r1', lease = '60') => ({
    Labels: { [PROBE_LABEL]: run, [LEASE_LABEL]: lease },
    CreatedAt: new Date(NOW - ageS * 1000).toISOString(),
    taskStates,
  });
  test('a service with a running task is never removed: its tasks end with their lease', () => {
    assert.equal(probeServiceIsOver(svc(86_400, ['running', 'complete']), NOW), false);
  });
  test('a young service is a live run: kept, even with no task yet or its tasks ended', () => {
    assert.equal(probeServiceIsOver(svc(5, []), NOW), false);
    assert.equal(probeServiceIsOver(svc(65, ['rejected']), NOW), false);
  });
  test('past its lease and grace with no running task it is over; its own run never sweeps it', () => {
    assert.equal(probeServiceIsOver(svc(71, ['complete', 'pending']), NOW), true);
    assert.equal(probeServiceIsOver(svc(71, ['complete'], 'mine'), NOW, 'mine'), false);
    assert.equal(probeServiceIsOver(svc(20, [], 'r2', '5'), NOW), true);
  });
  test('a service without the probe label is not the project’s: never over', () => {
    assert.equal(probeServiceIsOver({ Labels: {}, CreatedAt: '2020-01-01T00:00:00Z', taskStates: [] }, NOW), false);
  });
  test('a down, drained or paused node gets no task and is reported with that state; an active ready one runs a task', () => {
    const node = (status: string, availability: 'active' | 'drain' | 'pause') =>
      nodeProblem({
        id: 'n1',
        hostname: 'h3',
        role: 'worker',
        availability,
        status,
        engineVersion: '',
        address: '',
        labels: {},
        version: 1,
      });
    assert.equal(node('ready', 'active'), undefined);
    assert.deepEqual(
      [node('down', 'active')?.state, node('ready', 'drain')?.state, node('ready', 'pause')?.state],
      ['down', 'drained', 'paused'],
    );
    assert.match(node('down', 'drain')!.reason, /^the node is down/);
  });
  test('the modes the CLI accepts', () => {
    assert.deepEqual([...MATRIX_MODES], ['auto', 'service', 'containers']);
  });
});
