// The matrix panel's message handling (MatrixSession, no vscode): one run at a time, also while the
// temporary-copy question is open; Cancel and closing stop the run; nothing posted once closed; a
// failed export says so.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MatrixCell, MatrixReport, MatrixRound } from '../../src/shared/matrix';
import type { HostToWebview, NetworkChoice } from '../../src/shared/protocol';
import {
  CELL_BATCH_MAX,
  CELL_BATCH_MS,
  type MatrixSessionDeps,
  MatrixSession,
  type RunRequest,
  type SessionText,
} from '../../src/vscode/webview/MatrixSession';

const REPORT: MatrixReport = { network: 'net', mode: 'containers', hosts: ['h1'], ok: true, cells: [], diagnoses: [], problems: [] };
const CHOICES: NetworkChoice[] = [
  { via: 'h1', name: 'net', hosts: ['h1', 'h2'], attachable: true },
  { via: 'h1', name: 'sealed', hosts: ['h1', 'h2'], attachable: false },
];

class Cancelled extends Error {}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

// The panel's English (MatrixPanel localises the same sentences with vscode.l10n.t).
const TEXT: SessionText = {
  notOffered: 'That network or host is not one offered here any more: pick again.',
  starting: 'Starting…',
  cancelled: 'Cancelled; every probe was removed.',
  watching: (round, ms) => `Watching: round ${round} measured in ${ms} ms; Stop ends the watch and removes the probes.`,
  saveFailed: (target, why) =>
    target
      ? `Could not save the matrix to ${target} (${why}): pick another file or folder.`
      : `Could not save the matrix (${why}): pick another file or folder.`,
  saved: (target) => `Saved ${target}.`,
};

function fake(over: Partial<MatrixSessionDeps> = {}) {
  const posts: HostToWebview[] = [];
  const runs: RunRequest[] = [];
  const shown: Array<['info' | 'error', string]> = [];
  const statuses: Array<number | undefined> = [];
  let confirms = 0;
  const answer = deferred<boolean>();
  const runDone = deferred<MatrixReport>();
  const deps: MatrixSessionDeps = {
    text: TEXT,
    post: (m) => {
      posts.push(m);
      return Promise.resolve(true);
    },
    confirmTemporaryCopy: () => {
      confirms++;
      return answer.promise;
    },
    run: (r) => {
      runs.push(r);
      r.signal.addEventListener('abort', () => runDone.resolve(Promise.reject(new Cancelled()) as never));
      return runDone.promise;
    },
    watchStatus: (r) => statuses.push(r === undefined ? undefined : r.round),
    saveTarget: () => Promise.resolve('/out/matrix-net.json'),
    render: () => '{}',
    write: () => Promise.resolve(),
    info: (m) => shown.push(['info', m]),
    error: (m) => shown.push(['error', m]),
    log: { warn: () => undefined },
    userMessage: (e) => (e instanceof Error ? e.message : String(e)),
    isCancelled: (e) => e instanceof Cancelled,
    ...over,
  };
  const session = new MatrixSession(deps);
  session.state.choices = CHOICES;
  return { session, posts, runs, shown, answer, runDone, statuses, confirms: () => confirms };
}

const tick = () => new Promise((r) => setImmediate(r));
const run = (network = 'net') => ({ type: 'run', via: 'h1', network, hosts: ['h1', 'h2'] });

describe('matrix panel session', () => {
  test('Run pressed twice quickly starts one run', async () => {
    const f = fake();
    const a = f.session.onMessage(run());
    const b = f.session.onMessage(run());
    await tick();
    assert.equal(f.runs.length, 1);
    f.runDone.resolve(REPORT);
    await Promise.all([a, b]);
    assert.equal(f.posts.at(-1)?.type, 'matrix/done');
    // Once it is over, Run starts a new one.
    const c = fake();
    c.runDone.resolve(REPORT);
    await c.session.onMessage(run());
    await c.session.onMessage(run());
    assert.equal(c.runs.length, 2);
  });

  test('Run again while the temporary-copy question is open: one question, one run', async () => {
    const f = fake();
    const a = f.session.onMessage(run('sealed'));
    await tick();
    await f.session.onMessage(run('sealed'));
    assert.equal(f.confirms(), 1);
    f.answer.resolve(true);
    await tick();
    assert.equal(f.runs.length, 1);
    assert.equal(f.runs[0]!.temporaryCopy, true);
    f.runDone.resolve(REPORT);
    await a;
  });

  test('declining the question starts nothing and tells the webview (so its Run button comes back)', async () => {
    const f = fake();
    const a = f.session.onMessage(run('sealed'));
    f.answer.resolve(false);
    await a;
    assert.equal(f.runs.length, 0);
    assert.deepEqual(
      f.posts.map((p) => p.type),
      ['matrix/state'],
    );
  });

  test('closing the panel while the question is open: no run starts after it', async () => {
    const f = fake();
    const a = f.session.onMessage(run('sealed'));
    await tick();
    f.session.dispose();
    f.answer.resolve(true);
    await a;
    assert.equal(f.runs.length, 0);
    assert.deepEqual(f.posts, []);
  });

  test('Cancel stops the run going', async () => {
    const f = fake();
    const a = f.session.onMessage(run());
    await tick();
    await f.session.onMessage({ type: 'cancel' });
    await a;
    assert.equal(f.runs[0]!.signal.aborted, true);
    assert.deepEqual(f.posts.at(-1), { type: 'matrix/error', message: 'Cancelled; every probe was removed.' });
  });

  test('closing the panel stops the run, and nothing is posted after (a rejected post is no unhandled rejection)', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      let closed = false;
      const late: HostToWebview[] = [];
      const f = fake({
        post: (m) => {
          if (closed) late.push(m);
          return closed ? Promise.reject(new Error('Webview is disposed')) : Promise.resolve(true);
        },
      });
      const a = f.session.onMessage(run());
      await tick();
      f.runs[0]!.onProgress('Measuring 4 pair(s)…');
      closed = true;
      f.session.dispose();
      assert.equal(f.runs[0]!.signal.aborted, true);
      f.runs[0]!.onProgress('late progress');
      await a;
      await tick();
      assert.deepEqual(late, []);
      // A webview closed by VS Code a moment before dispose() runs: the post rejects, and is swallowed.
      const g = fake({ post: () => Promise.reject(new Error('Webview is disposed')) });
      await g.session.onMessage({ type: 'ready' });
      const h = fake({
        post: () => {
          throw new Error('Webview is disposed');
        },
      });
      await h.session.onMessage({ type: 'ready' });
      await tick();
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  test('export: saved says where; a failed write says so in one sentence; a dismissed dialog says nothing', async () => {
    const ok = fake();
    ok.session.state.report = REPORT;
    await ok.session.onMessage({ type: 'export', format: 'json' });
    assert.deepEqual(ok.shown, [['info', 'Saved /out/matrix-net.json.']]);
    const bad = fake({ write: () => Promise.reject(new Error('EACCES: permission denied, open /out/matrix-net.json')) });
    bad.session.state.report = REPORT;
    await bad.session.onMessage({ type: 'export', format: 'json' });
    assert.deepEqual(bad.shown, [
      [
        'error',
        'Could not save the matrix to /out/matrix-net.json (EACCES: permission denied, open /out/matrix-net.json): pick another file or folder.',
      ],
    ]);
    const dismissed = fake({ saveTarget: () => Promise.resolve(undefined) });
    dismissed.session.state.report = REPORT;
    await dismissed.session.onMessage({ type: 'export', format: 'csv' });
    assert.deepEqual(dismissed.shown, []);
  });
  test('Watch: each round replaces the cells, adds to the history and updates the status item; Stop ends it with the last round, the item goes', async () => {
    const f = fake();
    const cell = (from: string, to: string, ok: boolean, avgMs: number) => ({
      from,
      to,
      ok,
      byName: { ok, sent: 3, received: ok ? 3 : 0, lossPercent: ok ? 0 : 100, raw: '' },
      byIp: { ok, sent: 3, received: ok ? 3 : 0, lossPercent: ok ? 0 : 100, avgMs: ok ? avgMs : undefined, raw: '' },
    });
    const round = (n: number, ok: boolean): MatrixRound => ({
      ...REPORT,
      hosts: ['h1', 'h2'],
      ok,
      cells: [cell('h1', 'h1', true, 0.05), cell('h1', 'h2', ok, 0.3 * n), cell('h2', 'h1', ok, 0.3), cell('h2', 'h2', true, 0.05)],
      round: n,
      startedAt: '2026-12-02T20:00:00.000Z',
      endedAt: '2026-12-02T20:00:01.000Z',
      measureMs: 900,
    });
    const going = f.session.onMessage({ ...run(), watch: true });
    await tick();
    assert.equal(f.runs.length, 1);
    assert.ok(f.runs[0]!.onRound, 'a watch asks for rounds');
    assert.equal(f.session.state.watching, true);
    f.runs[0]!.onRound(round(1, true));
    f.runs[0]!.onRound(round(2, false));
    assert.deepEqual(f.statuses, [1, 2]);
    assert.equal(f.session.state.round?.round, 2);
    assert.equal(f.session.state.cells.find((c) => c.from === 'h1' && c.to === 'h2')?.ok, false);
    assert.deepEqual(
      f.session.state.history?.['h1→h2']?.map((x) => [x.round, x.ok]),
      [
        [1, true],
        [2, false],
      ],
    );
    assert.deepEqual(
      f.posts.filter((m) => m.type === 'matrix/round').map((m) => (m.type === 'matrix/round' ? m.round.round : 0)),
      [1, 2],
    );
    await f.session.onMessage({ type: 'stop' });
    assert.equal(f.runs[0]!.signal.aborted, true);
    f.runDone.resolve(round(2, false));
    await going;
    assert.equal(f.statuses.at(-1), undefined, 'the status item goes when the watch ends');
    assert.equal(f.session.state.watching, false);
    assert.equal(f.session.state.running, false);
  });

  test('streamed cells go out a few per message, in order, each before the progress or verdict that follows it', async () => {
    const f = fake();
    const a = f.session.onMessage(run());
    await tick();
    const r = f.runs[0]!;
    const cell = (i: number) => ({ from: 'h1', to: `h${i}` }) as MatrixCell;
    const sent = () => f.posts.flatMap((m) => (m.type === 'matrix/cells' ? [m.cells.map((c) => c.to)] : []));
    r.onCell(cell(1));
    r.onCell(cell(2));
    assert.deepEqual(sent(), [], 'held for a moment');
    await new Promise((done) => setTimeout(done, CELL_BATCH_MS + 20));
    assert.deepEqual(sent(), [['h1', 'h2']], 'two cells in one message once the moment passed');
    for (let i = 3; i < 3 + CELL_BATCH_MAX + 1; i++) r.onCell(cell(i));
    assert.equal(sent().length, 2, 'a full batch goes at once');
    assert.equal(sent()[1]!.length, CELL_BATCH_MAX);
    r.onProgress('Cleaning up');
    assert.deepEqual(
      f.posts.slice(-2).map((m) => m.type),
      ['matrix/cells', 'matrix/progress'],
      'the last cell before the progress line',
    );
    f.runDone.resolve(REPORT);
    await a;
    assert.equal(f.posts.at(-1)!.type, 'matrix/done');
    assert.equal(sent().flat().length, CELL_BATCH_MAX + 3, 'every cell sent once');
  });

  test('a plain Run asks for no rounds and never shows the status item', async () => {
    const f = fake();
    f.runDone.resolve(REPORT);
    await f.session.onMessage(run());
    assert.equal(f.runs[0]!.onRound, undefined);
    assert.deepEqual(f.statuses, []);
  });
});
