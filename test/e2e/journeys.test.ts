// End-to-end journeys: the packaged extension in a real VS Code (code-server) driven through Chromium,
// against the real lab over SSH. Each step asserts what a person sees and leaves a screenshot in
// test-results/e2e/. Needs scripts/e2e-setup.sh, dist/swarm-overlay.vsix and the lab (test/e2e/run.sh
// does all three).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  clickInlineAction,
  clickMenuEntry,
  inlineActions,
  expandView,
  itemDescription,
  launch,
  openContextMenu,
  openSidebar,
  quickInputBack,
  quickInputBox,
  quickInputMessage,
  typeInQuickInput,
  webviewFrame,
  assertNoErrorToast,
  resizeSidebar,
  pickQuickItem,
  quickPickItem,
  runCommand,
  screenshot,
  setLogLevel,
  toasts,
  treeItem,
  treeRows,
  view,
  waitForWorkbench,
  openWalkthrough,
  walkthroughSteps,
  waitUntil,
  waitVisible,
  type Workbench,
} from './browser';
import { startCodeServer, SYNTHETIC_MATRIX_KEY, type CodeServer } from './codeServer';
import { labFiles, resultsDir, ROOT } from './env';
import type { FrameLocator, Page } from './pw';
import { kernelEsp, labExec, labExecStatus } from '../support/lab';

const HOSTS = ['h1', 'h2', 'h3'];
const NET = 'so-e2e';
const BAD = 'so-e2e-never';
const SUBNET = '10.210.0.0/24';
const TOKEN = /SWMTKN-1-[0-9A-Za-z-]{20,}/;
/** The heatmap's colour buckets in these journeys: not the default [1, 5], so the panel is seen to follow the setting. */
const THRESHOLDS_MS = [2, 8];

/** The project's CLI against the lab (plain Node; no VS Code). */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const l = labFiles();
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'dist', 'cli.js'), '--hosts-file', l.hostsFile, '--known-hosts', l.knownHosts, '--ssh-config', l.sshConfig, ...args],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SSH_AUTH_SOCK: '' } },
  );
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every lab host out of any swarm (workers and extra managers first, h1 last), with force. */
function leaveAllSwarms(): string[] {
  const out: string[] = [];
  for (const h of [...HOSTS].reverse()) {
    const r = cli('swarm', 'leave', h, '--force');
    out.push(`${h}: exit ${r.status} ${(r.stdout + r.stderr).trim().split('\n').slice(-1)[0] ?? ''}`);
  }
  return out;
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

function networkNames(): string[] {
  const r = cli('--json', 'network', 'ls', '--via', 'h1');
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ name: string }>).map((n) => n.name).sort();
}

function swarmStates(): Record<string, string> {
  const r = cli('--json', 'hosts');
  const hosts = JSON.parse(r.stdout) as Array<{ name: string; reachable: boolean; swarm?: { state: string } }>;
  return Object.fromEntries(hosts.map((h) => [h.name, h.reachable ? (h.swarm?.state ?? '?') : 'unreachable']));
}

/** The welcome text of a view (empty when the view shows a tree), its lines joined by spaces. */
async function welcomeText(page: Page, viewTitle: string): Promise<string> {
  const texts = await view(page, viewTitle)
    .locator('.welcome-view-content')
    .evaluateAll((els) => els.map((el) => el.textContent ?? ''));
  return texts.join(' ').replace(/\s+/g, ' ').trim();
}

/** Runs a test body; on failure, a screenshot of what was on screen, then the error. */
function onScreen(name: string, body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    try {
      await body(t);
    } catch (err) {
      if (currentPage) await shot(currentPage, `FAILED-${name}`, t).catch(() => undefined);
      // What the extension did meanwhile: its log's last lines (at trace level since J1).
      const file = currentLogFile?.();
      if (file && existsSync(file))
        t.diagnostic(`extension log, last lines:\n${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-40).join('\n')}`);
      throw err;
    }
  };
}

let currentPage: Page | undefined;
/** The extension's log file in the running code-server, once there is one. */
let currentLogFile: (() => string | undefined) | undefined;
const timings: Record<string, number> = {};
const screenshots: string[] = [];

/** What has keyboard focus in the matrix panel: a button's id, or a cell as "row,col". */
function focusedInPanel(frame: FrameLocator): Promise<string> {
  return frame.locator('body').evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { id: string; getAttribute(n: string): string | null } | null } })
      .document;
    const a = doc.activeElement;
    return a ? a.id || `${a.getAttribute('data-row')},${a.getAttribute('data-col')}` : '';
  });
}

/** Waits (briefly) until keyboard focus in the matrix panel is on `id` (see focusedInPanel). */
async function panelFocusOn(frame: FrameLocator, id: string, what: string): Promise<void> {
  await waitUntil(
    currentPage!,
    what,
    () => focusedInPanel(frame),
    (f) => f === id,
    5_000,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function shot(page: Page, name: string, t?: TestContext): Promise<void> {
  const file = await screenshot(page, name);
  screenshots.push(file);
  t?.diagnostic(`screenshot ${path.relative(ROOT, file)}`);
}

const WALKTHROUGH = 'Get Started with Swarm Overlay';
const WALKTHROUGH_STEPS = [
  'Add a Docker host',
  'Initialize a swarm',
  'Join the other hosts',
  'Create an overlay network',
  'Run the connectivity matrix',
];

describe('Swarm Overlay in VS Code (code-server + Chromium, real lab)', { timeout: 8 * 60_000 }, () => {
  let cs: CodeServer;
  let wb: Workbench;
  let page: Page;
  let extensionLog = '';
  /**
   * Opens the walkthrough and waits (up to 15 s: a tick lands once VS Code's walkthrough service has seen
   * the step done) until its steps' ticks are `expected`; shoots it and closes it.
   */
  const walkthroughTicks = async (t: TestContext, name: string, expected: boolean[]): Promise<void> => {
    await openWalkthrough(page, WALKTHROUGH);
    let steps: Awaited<ReturnType<typeof walkthroughSteps>> = [];
    try {
      steps = await waitUntil(
        page,
        `the walkthrough ticks ${JSON.stringify(expected)}`,
        () => walkthroughSteps(page),
        (x) => JSON.stringify(x.map((s) => s.done)) === JSON.stringify(expected),
        15_000,
      );
    } finally {
      await shot(page, name, t);
      t.diagnostic(`walkthrough: ${JSON.stringify(steps.length ? steps : await walkthroughSteps(page))}`);
    }
    assert.deepEqual(
      steps.map((x) => x.title),
      WALKTHROUGH_STEPS,
    );
    await runCommand(page, 'View: Close Editor');
  };

  before(async () => {
    labFiles();
    const states = swarmStates();
    assert.deepEqual(Object.keys(states).sort(), HOSTS, 'the lab has h1..h3');
    for (const [h, s] of Object.entries(states))
      assert.notEqual(s, 'unreachable', `${h} is unreachable from the CLI: the lab is not healthy`);
    if (Object.values(states).some((s) => s !== 'inactive')) leaveAllSwarms(); // whatever an earlier run left
    const t0 = Date.now();
    cs = await startCodeServer({ settings: { 'swarmOverlay.matrix.latencyThresholdsMs': THRESHOLDS_MS } });
    timings.codeServerHealthyMs = cs.startupMs;
    currentLogFile = () => cs.extensionLog();
    wb = await launch(cs.url);
    page = wb.page;
    currentPage = page;
    await waitForWorkbench(page);
    timings.workbenchReadyMs = Date.now() - t0;
  });

  after(async () => {
    const log = cs?.extensionLog();
    if (log && existsSync(log)) copyFileSync(log, path.join(resultsDir(), 'swarm-overlay.log'));
    if (wb) {
      writeFileSync(path.join(resultsDir(), 'browser-console-errors.txt'), wb.consoleErrors.join('\n'));
      await wb.close();
    }
    await cs?.stop();
    // Clean the lab's swarm state through the CLI whatever happened above.
    const left = leaveAllSwarms();
    writeFileSync(path.join(resultsDir(), 'cleanup.txt'), left.join('\n') + '\n');
    writeFileSync(path.join(resultsDir(), 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
    console.log(`e2e timings: ${JSON.stringify(timings)}`);
  });

  test(
    'J1: the Docker Hosts view shows h1, h2, h3 with their engine and swarm state',
    { timeout: 120_000 },
    onScreen('j1', async (t) => {
      const t0 = Date.now();
      await openSidebar(page);
      // Wide enough that a person (and the screenshots) can read the descriptions whole.
      const width = Number(process.env.E2E_SIDEBAR_WIDTH ?? 560);
      if (width > 0) await resizeSidebar(page, width);
      await shot(page, 'j1-sidebar-opened', t);
      await expandView(page, 'Docker Hosts');
      await waitUntil(
        page,
        'h1..h3 listed in Docker Hosts',
        () => treeRows(page, 'Docker Hosts'),
        (r) => HOSTS.every((h) => r.some((row) => row.label === h)),
        30_000,
      );
      // Everything the extension logs from here on, at trace level: the log check at the end reads it all.
      await setLogLevel(page, 'Swarm Overlay', 'Trace');
      let rows: Awaited<ReturnType<typeof treeRows>>;
      try {
        rows = await waitUntil(
          page,
          'h1..h3 connected in Docker Hosts',
          () => treeRows(page, 'Docker Hosts'),
          (r) => HOSTS.every((h) => r.some((row) => row.label === h && /^Docker /.test(row.description))),
          60_000,
        );
      } catch (err) {
        // Say why, as a person would find out: the reason is in the tooltip of an unreachable host.
        const down = (await treeRows(page, 'Docker Hosts')).find((r) => r.description === 'unreachable');
        if (down) {
          await treeItem(page, 'Docker Hosts', down.label).hover();
          const hover = page.locator('.monaco-hover, .workbench-hover').first();
          await hover.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
          const reason = ((await hover.textContent().catch(() => '')) ?? '').replace(/\\/g, '').trim();
          await shot(page, `j1-${down.label}-unreachable-tooltip`, t);
          throw new Error(`${down.label} shows "unreachable"; its tooltip says: ${reason || '(no tooltip)'}`, { cause: err });
        }
        throw err;
      }
      timings.hostsConnectedAfterSidebarClickMs = Date.now() - t0;
      t.diagnostic(`hosts connected ${timings.hostsConnectedAfterSidebarClickMs} ms after clicking the activity bar`);
      await shot(page, 'j1-docker-hosts', t);
      assert.deepEqual(
        rows.map((r) => r.label),
        HOSTS,
        'exactly h1, h2, h3, in order',
      );
      for (const h of HOSTS) {
        const d = await itemDescription(treeItem(page, 'Docker Hosts', h));
        assert.match(d, /Docker 20\.10/, `${h}: engine version in "${d}"`);
        assert.match(d, /swarm inactive/, `${h}: swarm state in "${d}"`);
        assert.match(d, /^Docker 20\.10\.\S+ · swarm inactive$/);
      }
      // The walkthrough: hosts are there, nothing else yet, so only its first step shows the tick.
      await walkthroughTicks(t, 'j1-walkthrough', [true, false, false, false, false]);
      // Forget Saved Passphrases and Passwords… for h1, from the palette: the lab's keys have no
      // passphrase, so nothing was kept and the count says so (the index itself: test/unit/secretIndex).
      await runCommand(page, 'Swarm Overlay: Forget Saved Passphrases and Passwords…');
      await waitVisible(page, quickPickItem(page, 'All hosts').first(), 'the "All hosts" choice', 10_000);
      await pickQuickItem(page, 'h1', 'Forget Saved Passphrases and Passwords');
      await waitUntil(
        page,
        'the count of forgotten secrets',
        () => toasts(page),
        (x) => x.some((n) => n.severity === 'info' && n.message === 'Forgot 0 saved passphrases and passwords for h1.'),
        10_000,
      );
      // The core bundle was loaded through V8's code cache: its cache is written in the extension's
      // global storage 5 s after the load, for the next window's first tree.
      const cacheDir = path.join(cs.userDataDir, 'User', 'globalStorage', 'swarm-overlay.swarm-overlay', 'code-cache');
      const cached = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => /^core-[0-9a-f]{16}\.v8$/.test(f)) : []);
      const until = Date.now() + 15_000;
      while (cached().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      assert.equal(cached().length, 1, `one code cache of dist/core.js in ${cacheDir}`);
      assert.ok(statSync(path.join(cacheDir, cached()[0]!)).size > 10_000);
    }),
  );

  test(
    'J2: initialize a swarm on h1, join h2 as worker and h3 as manager, from the tree',
    { timeout: 240_000 },
    onScreen('j2', async (t) => {
      await expandView(page, 'Swarm');
      // Every host is listed under "Not in a swarm".
      const before = await waitUntil(
        page,
        'h1..h3 under "Not in a swarm"',
        () => treeRows(page, 'Swarm'),
        (r) =>
          r.some((x) => x.label === 'Not in a swarm') &&
          HOSTS.every((h) => r.some((x) => x.label === h && x.description === 'not in a swarm')),
        30_000,
      );
      assert.deepEqual(before, [
        { label: 'Not in a swarm', description: '', level: 1 },
        ...HOSTS.map((h) => ({ label: h, description: 'not in a swarm', level: 2 })),
      ]);
      await shot(page, 'j2-swarm-view-not-in-a-swarm', t);

      // Right-click h1 → Initialize Swarm…
      const entries = await openContextMenu(page, treeItem(page, 'Docker Hosts', 'h1'));
      t.diagnostic(`context menu of h1: ${entries.join(' | ')}`);
      for (const e of ['Initialize Swarm…', 'Join Swarm as Worker…', 'Join Swarm as Manager…'])
        assert.ok(entries.includes(e), `h1's menu has ${e}: ${entries.join(', ')}`);
      assert.ok(!entries.includes('Leave Swarm…'), 'no Leave Swarm on a host in no swarm');
      await shot(page, 'j2-h1-context-menu', t);
      await clickMenuEntry(page, 'Initialize Swarm…');

      // Quick pick 1/2: the advertise address, h1's lab address first.
      await waitVisible(page, quickPickItem(page, '10.99.0.1').first(), 'the advertise addresses of h1', 30_000);
      await shot(page, 'j2-init-advertise-address', t);
      await pickQuickItem(page, '10.99.0.1', 'Initialize swarm on h1 (1/2)');
      // Quick pick 2/2: Initialize with the defaults.
      await pickQuickItem(page, 'Initialize', 'Initialize swarm on h1 (2/2)');
      const t0 = Date.now();
      const afterInit = await waitUntil(
        page,
        'the new swarm in the Swarm view',
        () => treeRows(page, 'Swarm'),
        (r) =>
          r.some((x) => x.label === 'swarm of h1 · 1 node' && x.description === '1 manager · majority 1 · tolerates 0 failures') &&
          r.some((x) => x.label === 'h1' && x.level === 2 && /^manager/.test(x.description)),
        90_000,
      );
      timings.swarmInitMs = Date.now() - t0;
      t.diagnostic(`Swarm view after init (${timings.swarmInitMs} ms): ${JSON.stringify(afterInit)}`);
      const info = await toasts(page);
      t.diagnostic(`notifications: ${JSON.stringify(info)}`);
      assert.ok(
        info.some((x) => x.message === 'h1 is now the manager of a new swarm, advertising 10.99.0.1.'),
        `the init confirmation is shown: ${JSON.stringify(info)}`,
      );
      await waitUntil(
        page,
        'h1 as manager in Docker Hosts',
        () => itemDescription(treeItem(page, 'Docker Hosts', 'h1')),
        (d) => /^Docker 20\.10\.\S+ · swarm active \(manager\)$/.test(d),
        30_000,
      );
      await shot(page, 'j2-swarm-initialized', t);

      // h2's inline icon → Join Swarm as Worker… (h1 is the only manager: no manager picker).
      const t1 = Date.now();
      const h2 = treeItem(page, 'Docker Hosts', 'h2');
      const h2Inline = await inlineActions(h2);
      assert.deepEqual(h2Inline, ['Initialize Swarm…', 'Join Swarm as Worker…'], "h2's inline actions");
      await shot(page, 'j2-h2-inline-actions', t);
      await clickInlineAction(h2, 'Join Swarm as Worker…');
      await waitUntil(
        page,
        'h2 as worker in Docker Hosts',
        () => itemDescription(treeItem(page, 'Docker Hosts', 'h2')),
        (d) => /^Docker 20\.10\.\S+ · swarm active \(worker\)$/.test(d),
        90_000,
      );
      timings.joinWorkerMs = Date.now() - t1;
      await shot(page, 'j2-h2-joined-as-worker', t);

      // Right-click h3 → Join Swarm as Manager…
      const t2 = Date.now();
      await openContextMenu(page, treeItem(page, 'Docker Hosts', 'h3'));
      await shot(page, 'j2-h3-context-menu', t);
      await clickMenuEntry(page, 'Join Swarm as Manager…');
      await waitUntil(
        page,
        'h3 as manager in Docker Hosts',
        () => itemDescription(treeItem(page, 'Docker Hosts', 'h3')),
        (d) => /^Docker 20\.10\.\S+ · swarm active \(manager\)$/.test(d),
        90_000,
      );
      timings.joinManagerMs = Date.now() - t2;

      const final = await waitUntil(
        page,
        'three nodes and the two-manager quorum line in the Swarm view',
        () => treeRows(page, 'Swarm'),
        // One swarm row: while the tree redraws, the DOM can hold the old row beside the new one for a moment.
        (r) =>
          r.filter((x) => x.level === 1).length === 1 &&
          r.some((x) => x.label === 'swarm of h1 · 3 nodes' && x.description === '2 managers · majority 2 · tolerates 0 failures') &&
          HOSTS.every((h) => r.some((x) => x.label === h && x.level === 2 && x.description !== 'not in a swarm')) &&
          !r.some((x) => x.label === 'Not in a swarm'),
        60_000,
      );
      t.diagnostic(`Swarm view: ${JSON.stringify(final)}`);
      await shot(page, 'j2-swarm-three-nodes-quorum', t);
      const swarm = final.filter((x) => x.level === 1);
      assert.equal(swarm.length, 1, 'one swarm');
      assert.equal(swarm[0]!.description, '2 managers · majority 2 · tolerates 0 failures');
      // Level 2 under the swarm: its nodes, then its Services folder.
      const nodes = Object.fromEntries(final.filter((x) => x.level === 2 && x.label !== 'Services').map((x) => [x.label, x.description]));
      assert.deepEqual(Object.keys(nodes).sort(), HOSTS, 'three nodes: h1, h2, h3');
      assert.match(nodes.h1!, /^manager · leader/);
      assert.match(nodes.h2!, /^worker/);
      assert.match(nodes.h3!, /^manager · reachable/);
      // The even manager count is flagged with a warning icon on the swarm.
      const icon = await treeItem(page, 'Swarm', 'swarm of h1 · 3 nodes').locator('.custom-view-tree-node-item-icon').getAttribute('class');
      assert.match(icon ?? '', /codicon-warning/, 'two managers: the swarm item carries a warning icon');
      // The most used action of each node, inline: promote the worker, demote a manager.
      assert.deepEqual(await inlineActions(treeItem(page, 'Swarm', 'h2')), ['Promote to Manager'], "h2's inline actions");
      assert.deepEqual(await inlineActions(treeItem(page, 'Swarm', 'h3')), ['Demote to Worker'], "h3's inline actions");
      // What the CLI sees agrees.
      assert.deepEqual(swarmStates(), { h1: 'active', h2: 'active', h3: 'active' });
    }),
  );

  test(
    'J3: Command palette → Create Overlay Network…: every step filled, the network appears in the tree',
    { timeout: 180_000 },
    onScreen('j3', async (t) => {
      await expandView(page, 'Networks');
      await runCommand(page, 'Swarm Overlay: Create Overlay Network…');
      // One swarm among the hosts: no swarm picker; the networks are read, then the steps (five without a subnet).
      const TYPO = `${NET}-typo`;
      assert.match(
        await typeInQuickInput(page, 'Create Overlay Network (1/5)', TYPO, { submit: false, prompt: /Network name/ }),
        /^Network name \(Press 'Enter' to confirm/,
      );
      await shot(page, 'j3-create-network-name', t);
      await page.keyboard.press('Enter');
      // Step 2: the options, attachable already ticked; the encrypted option explains its cost; Back on the left of the title.
      await waitVisible(page, quickPickItem(page, 'encrypted').first(), 'the network options', 30_000);
      await waitVisible(
        page,
        page.locator('.quick-input-widget .quick-input-title', { hasText: 'Create Overlay Network (2/5)' }),
        'step 2/5',
        5_000,
      );
      const options = await page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row')
        .evaluateAll((rows) => rows.map((r) => ({ text: (r.textContent ?? '').trim(), checked: r.getAttribute('aria-checked') })));
      t.diagnostic(`options: ${JSON.stringify(options)}`);
      assert.equal(options.find((o) => o.text.startsWith('attachable'))?.checked, 'true', 'attachable is on by default');
      assert.match(options.find((o) => o.text.startsWith('encrypted'))?.text ?? '', /not supported on Windows hosts/);
      await waitVisible(page, quickInputBack(page), 'the Back button of step 2', 5_000);
      await shot(page, 'j3-create-network-options', t);
      // Back: step 1 again, with the name typed there; change it, and step 2 keeps its ticks.
      await quickInputBack(page).click();
      await waitVisible(
        page,
        page.locator('.quick-input-widget .quick-input-title', { hasText: 'Create Overlay Network (1/5)' }),
        'step 1/5 again',
        5_000,
      );
      assert.equal(await quickInputBox(page).inputValue(), TYPO, 'the name typed before is kept');
      assert.equal(await quickInputBack(page).count(), 0, 'no Back on the first step');
      await typeInQuickInput(page, 'Create Overlay Network (1/5)', NET, { prompt: /Network name/ });
      await waitVisible(
        page,
        page.locator('.quick-input-widget .quick-input-title', { hasText: 'Create Overlay Network (2/5)' }),
        'step 2/5 again',
        5_000,
      );
      await waitVisible(page, quickPickItem(page, 'encrypted').first(), 'the network options again', 5_000);
      assert.equal(
        await page.locator('.quick-input-widget .quick-input-list .monaco-list-row[aria-checked="true"]').count(),
        1,
        'attachable, and only it, still ticked',
      );
      await page.keyboard.press('Enter');
      // With a subnet, seven steps: its gateway and IP range follow.
      await typeInQuickInput(page, 'Create Overlay Network (3/5)', SUBNET, { prompt: /^Subnet/ });
      await typeInQuickInput(page, 'Create Overlay Network (4/7)', '10.210.0.1', { prompt: /^Gateway inside 10\.210\.0\.0\/24/ });
      await typeInQuickInput(page, 'Create Overlay Network (5/7)', '10.210.0.128/25', { prompt: /^IP range/ });
      await typeInQuickInput(page, 'Create Overlay Network (6/7)', '1400', { prompt: /^MTU/ });
      await typeInQuickInput(page, 'Create Overlay Network (7/7)', 'team=e2e, purpose=matrix', { submit: false, prompt: /^Labels/ });
      await shot(page, 'j3-create-network-labels', t);
      await page.keyboard.press('Enter');
      const t0 = Date.now();
      const rows = await waitUntil(
        page,
        `${NET} in the Networks view`,
        () => treeRows(page, 'Networks'),
        (r) => r.some((x) => x.label === NET),
        60_000,
      );
      timings.createNetworkMs = Date.now() - t0;
      t.diagnostic(`Networks view: ${JSON.stringify(rows)}`);
      const row = rows.find((x) => x.label === NET)!;
      assert.match(row.description, /^overlay · swarm · 10\.210\.0\.0\/24 · attachable/, row.description);
      // Revealed and selected, as a person would expect after creating it.
      await waitUntil(
        page,
        `${NET} selected`,
        () => treeItem(page, 'Networks', NET).getAttribute('aria-selected'),
        (v) => v === 'true',
        10_000,
      );
      const info = await toasts(page);
      assert.ok(
        info.some((x) => x.message === `Created overlay network "${NET}" (${SUBNET}).`),
        JSON.stringify(info),
      );
      await shot(page, 'j3-network-created', t);
      // What Docker has, read back through the CLI: the name as changed after Back, not the first one.
      assert.ok(!networkNames().includes(TYPO), `no network named ${TYPO}`);
      const inspect = cli('--json', 'network', 'inspect', NET, '--via', 'h1');
      assert.equal(inspect.status, 0, inspect.stderr);
      const doc = JSON.parse(inspect.stdout) as {
        Attachable: boolean;
        Options: Record<string, string>;
        Labels: Record<string, string>;
        IPAM: { Config: Array<{ Subnet: string; Gateway: string; IPRange: string }> };
      };
      assert.equal(doc.Attachable, true);
      assert.equal(doc.Options['com.docker.network.driver.mtu'], '1400');
      assert.deepEqual(doc.Labels, { team: 'e2e', purpose: 'matrix' });
      assert.deepEqual(
        doc.IPAM.Config.map((c) => [c.Subnet, c.Gateway, c.IPRange]),
        [[SUBNET, '10.210.0.1', '10.210.0.128/25']],
      );
      // A refresh that finds everything as it was redraws nothing (a row redrawn under an open context
      // menu hands its command no item): the log's line for that refresh says so.
      const refreshLines = () => readFileSync(cs.extensionLog()!, 'utf8').match(/refresh: \d+ host\(s\).*$/gm) ?? [];
      const seen = refreshLines().length;
      await runCommand(page, 'Swarm Overlay: Refresh Hosts');
      const [idle = ''] = await waitUntil(
        page,
        'the log line of the refresh asked for',
        async () => refreshLines().slice(seen),
        (l) => l.length > 0,
        30_000,
      );
      t.diagnostic(`idle refresh: ${idle}`);
      assert.match(idle, /; views unchanged$/);
    }),
  );

  test(
    'J5: an invalid or overlapping subnet shows its error in the step, and nothing is created',
    { timeout: 120_000 },
    onScreen('j5', async (t) => {
      const before = networkNames();
      await runCommand(page, 'Swarm Overlay: Create Overlay Network…');
      // The name of the network made in J3 is taken.
      await typeInQuickInput(page, 'Create Overlay Network (1/5)', NET, { submit: false, prompt: /Network name/ });
      await waitUntil(
        page,
        'the "name taken" message',
        () => quickInputMessage(page),
        (m) => m === `A network named "${NET}" exists already on this swarm.`,
        5_000,
      );
      await typeInQuickInput(page, 'Create Overlay Network (1/5)', BAD);
      await waitVisible(page, quickPickItem(page, 'encrypted').first(), 'the network options', 30_000);
      await page.keyboard.press('Enter');
      const cases: Array<[string, RegExp]> = [
        ['10.210.0.300/24', /^"10\.210\.0\.300\/24" is not an IPv4 CIDR such as 10\.20\.0\.0\/24\.$/],
        ['10.210.0.0/25', new RegExp(`^10\\.210\\.0\\.0/25 overlaps 10\\.210\\.0\\.0/24 \\(.*${NET}.*\\)\\.$`)],
        ['10.99.0.0/16', /^10\.99\.0\.0\/16 overlaps 10\.99\.0\.\d+\/\d+ \(.*h\d.*\)\.$/],
        ['10.211.0.5/24', /has host bits set: write it as 10\.211\.0\.0\/24\.$/],
      ];
      for (const [value, expected] of cases) {
        await typeInQuickInput(page, 'Create Overlay Network (3/5)', value, { submit: false });
        const message = await waitUntil(
          page,
          `the message for ${value}`,
          () => quickInputMessage(page),
          (m) => expected.test(m),
          5_000,
        );
        t.diagnostic(`${value} → ${message}`);
        if (value === '10.210.0.0/25') await shot(page, 'j5-overlapping-subnet-refused', t);
        // Enter does not get past an invalid value: still on the subnet step.
        await page.keyboard.press('Enter');
        await page.waitForTimeout(300);
        assert.match(
          (await page.locator('.quick-input-widget .quick-input-title').first().textContent()) ?? '',
          /Create Overlay Network \(3\/5\)/,
        );
        assert.equal(await quickInputMessage(page), message);
      }
      await page.keyboard.press('Escape');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
      await assertNoErrorToast(page, 'cancelling the create');
      assert.deepEqual(networkNames(), before, 'no network was created or removed');
      assert.ok(!(await treeRows(page, 'Networks')).some((r) => r.label === BAD), `${BAD} is not in the tree`);
    }),
  );

  test(
    'J4: the connectivity matrix on the new network: a full green 3×3 with latencies, nothing left behind',
    { timeout: 240_000 },
    onScreen('j4', async (t) => {
      await page.keyboard.press('Escape'); // whatever an earlier failed step left open
      const entries = await openContextMenu(page, treeItem(page, 'Networks', NET));
      t.diagnostic(`context menu of ${NET}: ${entries.join(' | ')}`);
      // From the overlay the run starts at once: no Run press for the first verdict.
      const t0 = Date.now();
      await clickMenuEntry(page, 'Run Connectivity Matrix');
      const frame = webviewFrame(page);
      const run = frame.locator('#run');
      await run.waitFor({ state: 'visible', timeout: 60_000 });
      // The network picked from the tree is selected; its three hosts are ticked.
      await waitUntil(
        page,
        'the matrix panel offering the network and its hosts',
        async () => ({
          network:
            (await frame
              .locator('#network')
              .getAttribute('current-value')
              .catch(() => null)) ??
            (await frame
              .locator('#network [selected]')
              .first()
              .textContent()
              .catch(() => '')) ??
            '',
          hosts: await frame
            .locator('.hosts [data-host]')
            .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-host')}:${e.checked === true}`)),
        }),
        (v) => v.hosts.length === 3,
        30_000,
      ).then((v) => {
        t.diagnostic(`panel: ${JSON.stringify(v)}`);
        assert.deepEqual(
          v.hosts,
          HOSTS.map((h) => `${h}:true`),
        );
      });
      assert.match((await frame.locator('#network').textContent()) ?? '', new RegExp(`${NET} \\(via h1\\)`));
      await shot(page, 'j4-matrix-panel', t);
      const verdict = frame.locator('.verdict h2');
      await verdict.waitFor({ state: 'visible', timeout: 120_000 });
      timings.matrixRunMs = Date.now() - t0;
      const text = (await verdict.textContent())?.trim() ?? '';
      const cells = await frame.locator('button.cell').evaluateAll((els) =>
        els.map((e) => ({
          from: e.getAttribute('data-from'),
          to: e.getAttribute('data-to'),
          cls: e.className,
          text: (e.textContent ?? '').trim(),
        })),
      );
      t.diagnostic(`verdict: ${text}; cells: ${JSON.stringify(cells)}`);
      await shot(page, 'j4-matrix-green', t);
      assert.equal(text, `All 9 pairs pass on ${NET}.`);
      assert.equal(cells.length, 9);
      for (const c of cells) {
        assert.match(c.cls, /\bok(-fast|-slow)?\b/, `${c.from}→${c.to} is green: ${c.cls}`);
        assert.match(c.text, /^\d+\.\d\d ms$/, `${c.from}→${c.to} shows its latency: ${c.text}`);
      }
      // The detail pane of one pair, reached by keyboard: focus h1→h1, arrow right to h1→h2, Enter.
      await frame.locator('button.cell[data-row="0"][data-col="0"]').focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      const details = frame.locator('.details');
      await details.locator('h2', { hasText: 'h1 → h2' }).waitFor({ timeout: 10_000 });
      const pings = await details.locator('table.pings tr').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').trim()));
      t.diagnostic(`details: ${JSON.stringify(pings)}`);
      assert.match(pings[1] ?? '', /^by nameok3\/30%[\d.]+\/[\d.]+\/[\d.]+ ms$/);
      assert.match(pings[3] ?? '', /^large \(1372 B\)ok3\/3/);
      await shot(page, 'j4-matrix-details', t);
      // The webview's policy: scripts only by nonce (no inline or eval), nothing fetched from elsewhere.
      const csp = (await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
      t.diagnostic(`webview CSP: ${csp}`);
      assert.match(csp, /default-src 'none'/);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      assert.match(scriptSrc, /'nonce-[A-Za-z0-9+/=]{16,}'/);
      assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval/);
      // Run reruns: the verdict goes while it runs, and comes back.
      const t1 = Date.now();
      await run.click();
      await verdict.waitFor({ state: 'hidden', timeout: 10_000 });
      await verdict.waitFor({ state: 'visible', timeout: 120_000 });
      timings.matrixRerunMs = Date.now() - t1;
      assert.equal((await verdict.textContent())?.trim(), `All 9 pairs pass on ${NET}.`, 'the rerun');
      // The same run from the CLI on the same lab, right after: the panel's Run-to-verdict against it.
      const t2 = Date.now();
      const viaCli = cli('matrix', NET, '--via', 'h1', '--image', 'swarm-overlay/probe:busybox', '--json');
      timings.cliMatrixMs = Date.now() - t2;
      assert.equal(viaCli.status, 0, viaCli.stderr);
      timings.panelVsCli = Math.round((timings.matrixRerunMs / timings.cliMatrixMs) * 100) / 100;
      t.diagnostic(`Run → verdict: panel ${timings.matrixRerunMs} ms, CLI ${timings.cliMatrixMs} ms (${timings.panelVsCli}×)`);
      // Every probe is gone from every host.
      for (const h of HOSTS)
        assert.equal(labExec(h, ['docker', 'ps', '-aq', '--filter', 'label=swarm-overlay.probe']).trim(), '', `no probe left on ${h}`);
      // J1–J4 did every step of the walkthrough the way a person does: each shows its tick now.
      await walkthroughTicks(t, 'j4-walkthrough-done', [true, true, true, true, true]);
    }),
  );

  test(
    'J6: Cancel in the matrix panel, while probes start, stops the run and leaves no probe',
    { timeout: 120_000 },
    onScreen('j6', async (t) => {
      const frame = webviewFrame(page);
      await frame.locator('#run').click();
      // Cancelled while probes are being started or stand, not before any exists.
      await frame.locator('.status', { hasText: /Starting \d probe|is up at|Waiting until every host/ }).waitFor({ timeout: 60_000 });
      await frame.locator('#cancel').click({ timeout: 5_000 });
      const said = frame.locator('.status .error');
      await said.waitFor({ timeout: 60_000 });
      await shot(page, 'j6-matrix-cancelled', t);
      assert.equal((await said.textContent())?.trim(), 'Cancelled; every probe was removed.');
      // The greyed Cancel hands keyboard focus to Run, and only the verdict's region speaks.
      await panelFocusOn(frame, 'run', 'focus on Run');
      assert.equal((await frame.locator('#announcer').textContent())?.trim(), 'Cancelled; every probe was removed.');
      for (const h of HOSTS)
        assert.equal(labExec(h, ['docker', 'ps', '-aq', '--filter', 'label=swarm-overlay.probe']).trim(), '', `no probe left on ${h}`);
    }),
  );

  test(
    'J9: Watch in the matrix panel: a green round, the status bar item, the history in the detail pane; Stop removes every probe',
    { timeout: 120_000 },
    onScreen('j8', async (t) => {
      const frame = webviewFrame(page);
      const t0 = Date.now();
      await frame.locator('#watch').click();
      const verdict = frame.locator('.verdict h2', { hasText: /^Round 1 / });
      await verdict.waitFor({ state: 'visible', timeout: 90_000 });
      timings.watchFirstRoundMs = Date.now() - t0;
      assert.match((await verdict.textContent())?.trim() ?? '', new RegExp(`^Round 1 \\(.*\\): All 9 pairs pass on ${NET}\\.$`));
      const item = page.locator('.part.statusbar', { hasText: `${NET}: 9/9` });
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      // A cell picked now keeps keyboard focus while the second round updates it (the page is not rebuilt).
      await frame.locator('button.cell[data-row="0"][data-col="1"]').click();
      await frame.locator('.verdict h2', { hasText: /^Round 2 / }).waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await focusedInPanel(frame), '0,1', 'the cell keeps focus across a round');
      const history = frame.locator('.details .history');
      await history.waitFor({ timeout: 10_000 });
      const text = (await history.textContent()) ?? '';
      t.diagnostic(`history: ${text}`);
      assert.match(text, /Last ([2-9]|\d{2,}) round\(s\)/);
      assert.match(text, /Failed in 0 of \d+; packets lost in 0\./);
      await shot(page, 'j8-matrix-watch', t);
      await frame.locator('#stop').click();
      await frame.locator('#watch:not([disabled])').waitFor({ timeout: 30_000 });
      await panelFocusOn(frame, 'watch', 'focus handed from Stop to Watch');
      await page.locator('.part.statusbar', { hasText: `${NET}: 9/9` }).waitFor({ state: 'hidden', timeout: 10_000 });
      for (const h of HOSTS)
        assert.equal(labExec(h, ['docker', 'ps', '-aq', '--filter', 'label=swarm-overlay.probe']).trim(), '', `no probe left on ${h}`);
    }),
  );

  test(
    'the extension host: memory before and after 2 more matrix runs and 10 refreshes (J4 ran two already)',
    { timeout: 300_000 },
    onScreen('memory', async (t) => {
      const before = cs.extensionHost();
      assert.ok(before, 'the extension host process is found under code-server');
      const frame = webviewFrame(page);
      const verdict = frame.locator('.verdict h2');
      for (let i = 0; i < 2; i++) {
        await frame.locator('#run').click();
        await frame
          .locator('#cancel:not([disabled])')
          .waitFor({ timeout: 30_000 })
          .catch(() => undefined);
        await verdict.waitFor({ state: 'visible', timeout: 120_000 });
        assert.equal((await verdict.textContent())?.trim(), `All 9 pairs pass on ${NET}.`, `run ${i + 1}`);
      }
      for (let i = 0; i < 10; i++) await runCommand(page, 'Swarm Overlay: Refresh Hosts');
      await page.waitForTimeout(2_000);
      const afterRuns = cs.extensionHost();
      assert.ok(afterRuns);
      assert.equal(afterRuns.pid, before.pid, 'the same extension host (it did not restart)');
      const grownMb = (afterRuns.rssKb - before.rssKb) / 1024;
      timings.extensionHostRssBeforeMb = Math.round(before.rssKb / 102.4) / 10;
      timings.extensionHostRssAfterMb = Math.round(afterRuns.rssKb / 102.4) / 10;
      t.diagnostic(`extension host RSS ${timings.extensionHostRssBeforeMb} MB → ${timings.extensionHostRssAfterMb} MB`);
      console.log(
        `extension host RSS: ${timings.extensionHostRssBeforeMb} MB before, ${timings.extensionHostRssAfterMb} MB after 2 more matrix runs and 10 refreshes`,
      );
      assert.ok(grownMb < 64, `the extension host grew ${grownMb.toFixed(1)} MB`);
      for (const h of HOSTS)
        assert.equal(labExec(h, ['docker', 'ps', '-aq', '--filter', 'label=swarm-overlay.probe']).trim(), '', `no probe left on ${h}`);
    }),
  );

  test(
    'the extension log: activation time, and no join token in clear',
    { timeout: 60_000 },
    onScreen('log', async (t) => {
      await runCommand(page, 'Swarm Overlay: Show Log');
      const output = page.locator('.part.panel .output-view, .part.panel [id="workbench.panel.output"]').first();
      await output.waitFor({ state: 'visible', timeout: 20_000 });
      // The channel's lines (the newest in view; the file below is checked in full).
      await page
        .locator('.part.panel .view-lines', { hasText: /\[(info|debug|trace)\]/ })
        .first()
        .waitFor({ timeout: 20_000 });
      await shot(page, 'log-output-channel', t);

      const file = cs.extensionLog();
      assert.ok(file, `the extension's log file exists under ${cs.userDataDir}/logs`);
      extensionLog = readFileSync(file, 'utf8');
      writeFileSync(path.join(resultsDir(), 'swarm-overlay.log'), extensionLog);
      const m = /activated in ([\d.]+) ms/.exec(extensionLog);
      assert.ok(m, 'the log says "activated in … ms"');
      timings.activationMs = Number(m[1]);
      t.diagnostic(`activation time (measured by the extension): ${m[1]} ms`);
      console.log(`activation time: ${m[1]} ms`);
      assert.match(extensionLog, /\[(debug|trace)\]/, 'the log has debug/trace lines (its level is set to Trace in J1)');
      const joins = extensionLog.split('\n').filter((l) => /join/i.test(l));
      t.diagnostic(`log lines about joins: ${joins.length}`);
      const leaked = TOKEN.exec(extensionLog);
      assert.equal(leaked, null, `a join token appears in clear in the log: ${leaked?.[0].slice(0, 16)}…`);
      // Every log of the whole run — VS Code's own (window, extension host, output channels), code-server's
      // and the browser console — is free of join tokens, unlock keys and private keys.
      const files = [...allFiles(path.join(cs.userDataDir, 'logs')), cs.logFile];
      const text = files.map((f) => readFileSync(f, 'utf8')).join('\n') + wb.consoleErrors.join('\n');
      t.diagnostic(`secret scan: ${files.length} log files, ${text.length} characters`);
      assert.ok(files.length >= 3, `log files found: ${files.join(', ')}`);
      for (const [what, re] of [
        ['join token', TOKEN],
        ['unlock key', /SWMKEY-1-[0-9A-Za-z+/=-]{20,}/],
        ['private key', /BEGIN (OPENSSH|RSA|EC) PRIVATE KEY/],
      ] as const) {
        const hit = re.exec(text);
        assert.equal(hit, null, `a ${what} appears in the logs of the run`);
      }
      assert.doesNotMatch(extensionLog, /\[error\]/, 'no error lines in the log');
    }),
  );

  test(
    "J8: a stack's service in the Swarm view under Services; Scale… to 3 from its menu; its tasks; Check Service Connectivity; its logs in a read-only document",
    { timeout: 120_000 },
    onScreen('j8', async (t) => {
      // A service of a stack (the label `docker stack deploy` gives its services) on an overlay of its own.
      const STACK = 'so-e2e';
      const SERVICE = `${STACK}_web`;
      const NET = 'so-e2e-svcnet';
      // A swarm on h1 (J2 made one; alone, this journey makes its own) and a service made with the docker CLI.
      if (labExec('h1', ['docker', 'info', '--format', '{{.Swarm.LocalNodeState}}']).trim() !== 'active')
        labExec('h1', ['docker', 'swarm', 'init', '--advertise-addr', '10.99.0.1']);
      // By image id: a tag makes the node ask the unreachable registry first.
      const image = labExec('h1', ['docker', 'image', 'inspect', '--format', '{{.Id}}', 'swarm-overlay/probe:busybox']).trim();
      labExecStatus('h1', ['docker', 'service', 'rm', SERVICE]); // whatever an earlier run left
      if (!labExec('h1', ['docker', 'network', 'ls', '--format', '{{.Name}}']).split('\n').includes(NET))
        labExec('h1', ['docker', 'network', 'create', '-d', 'overlay', NET]);
      labExec('h1', [
        'docker',
        'service',
        'create',
        '-d',
        '--name',
        SERVICE,
        '--label',
        `com.docker.stack.namespace=${STACK}`,
        '--network',
        NET,
        // The lab's kernel has no IPVS for a VIP (the check says so, see checkService.test.ts): DNS round robin.
        '--endpoint-mode',
        'dnsrr',
        '--constraint',
        'node.hostname==h1',
        '--stop-grace-period',
        '1s',
        image,
        'sh',
        '-c',
        'echo "hello from $(hostname)"; trap "exit 0" TERM; sleep 3600 & wait',
      ]);
      try {
        const t0 = Date.now();
        await openSidebar(page);
        await expandView(page, 'Swarm');
        await runCommand(page, 'Swarm Overlay: Refresh Hosts');
        const row = (r: Awaited<ReturnType<typeof treeRows>>) => r.find((x) => x.label === SERVICE);
        const shown = await waitUntil(
          page,
          `${SERVICE} running under Services`,
          () => treeRows(page, 'Swarm'),
          (r) => r.some((x) => x.label === 'Services') && /^replicated 1\/1 · sha256:/.test(row(r)?.description ?? ''),
          30_000,
        );
        t.diagnostic(`Swarm view: ${JSON.stringify(shown)}`);
        // Services › the stack › its service, one level deeper each.
        const at = (label: string) => shown.find((x) => x.label === label);
        assert.match(at(STACK)?.description ?? '', /^stack · 1 service$/);
        assert.equal(at(STACK)!.level, at('Services')!.level + 1, 'the stack is under Services');
        assert.equal(row(shown)!.level, at(STACK)!.level + 1, 'the service is under its stack');
        await shot(page, 'j8-service-in-tree', t);
        // Its overlay in the Networks view, opened: its members are the service and its one task container.
        await expandView(page, 'Networks');
        await treeItem(page, 'Networks', NET).locator('.monaco-tl-twistie').click();
        const taskMembers = (r: Awaited<ReturnType<typeof treeRows>>) =>
          r.filter(
            (x) =>
              new RegExp(`^${SERVICE}\\.\\d\\.`).test(x.label) && new RegExp(`^h1 · \\S+ · task of ${SERVICE}\\.\\d+$`).test(x.description),
          );
        const members = await waitUntil(
          page,
          `the members of ${NET}: ${SERVICE} and its task`,
          () => treeRows(page, 'Networks'),
          (r) =>
            r.some((x) => x.label === SERVICE && /^service · no VIP \(dnsrr\) · 1\/1 running$/.test(x.description)) &&
            taskMembers(r).length === 1,
          20_000,
        );
        t.diagnostic(`Networks view: ${JSON.stringify(members)}`);
        const entries = await openContextMenu(page, treeItem(page, 'Swarm', SERVICE));
        for (const e of [
          'Scale Service…',
          'Force Update (Restart Tasks)',
          'Check Service Connectivity',
          'Show Service Logs',
          'Inspect Service',
          'Remove Service…',
        ])
          assert.ok(entries.includes(e), `the service's menu has ${e}: ${entries.join(', ')}`);
        await clickMenuEntry(page, 'Scale Service…');
        const refused = await typeInQuickInput(page, `Scale ${SERVICE}`, 'three', { submit: false });
        assert.match(refused, /whole number of replicas/, 'a word is refused as typed');
        await typeInQuickInput(page, `Scale ${SERVICE}`, '3');
        await waitUntil(
          page,
          `${SERVICE} at 3/3`,
          () => treeRows(page, 'Swarm'),
          (r) => /^replicated 3\/3 · /.test(row(r)?.description ?? ''),
          30_000,
        );
        assert.equal(labExec('h1', ['docker', 'service', 'ls', '--filter', `name=${SERVICE}`, '--format', '{{.Replicas}}']).trim(), '3/3');
        // The open members group reads its members again after a refresh, without a redraw of the rows above it.
        await runCommand(page, 'Swarm Overlay: Refresh Hosts');
        await waitUntil(
          page,
          `the 3 task containers of ${SERVICE} among the members of ${NET}`,
          async () => {
            // The list draws only the rows in sight: scroll the members into it.
            await view(page, 'Networks').locator('.monaco-list').hover();
            await page.mouse.wheel(0, 1000);
            return treeRows(page, 'Networks');
          },
          (r) => taskMembers(r).length === 3 && r.some((x) => x.label === SERVICE && /· 3\/3 running$/.test(x.description)),
          20_000,
        );
        await shot(page, 'j8-scaled-to-3', t);

        // Its tasks, one row each under the service: node, state, address on the overlay.
        await treeItem(page, 'Swarm', SERVICE).locator('.monaco-tl-twistie').click();
        const tasks = await waitUntil(
          page,
          `the 3 tasks of ${SERVICE}`,
          async () => (await treeRows(page, 'Swarm')).filter((x) => new RegExp(`^${STACK}_web\\.\\d$`).test(x.label)),
          (r) => r.length === 3 && r.every((x) => /^h1 · running · so-e2e-svcnet 10\.\d+\.\d+\.\d+$/.test(x.description)),
          20_000,
        );
        assert.equal(new Set(tasks.map((x) => x.label)).size, 3);
        await shot(page, 'j8-tasks', t);

        // Check Service Connectivity from the service's menu: a read-only Markdown document with the verdict.
        await openContextMenu(page, treeItem(page, 'Swarm', SERVICE));
        await clickMenuEntry(page, 'Check Service Connectivity');
        const report = page.locator('.tabs-container .tab', { hasText: `Service ${SERVICE} connectivity.md` }).first();
        await report.waitFor({ state: 'visible', timeout: 90_000 });
        await page
          .locator('.editor-instance .view-lines', { hasText: /Every\scheck\spasses\./ })
          .first()
          .waitFor({ timeout: 20_000 });
        const text = ((await page.locator('.editor-instance .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
        assert.match(text, new RegExp(`Connectivity of the service ${SERVICE}`));
        assert.match(text, /Endpoint mode dnsrr, on so-e2e-svcnet\./);
        await shot(page, 'j8-check-service', t);
        await runCommand(page, 'View: Close Editor');
        await report.waitFor({ state: 'hidden', timeout: 10_000 });
        assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing the check asks nothing');

        // Show Service Logs: a read-only document titled by the service, closed without a save prompt.
        await openContextMenu(page, treeItem(page, 'Swarm', SERVICE));
        await clickMenuEntry(page, 'Show Service Logs');
        const tab = page.locator('.tabs-container .tab', { hasText: `Service ${SERVICE} logs.log` }).first();
        await tab.waitFor({ state: 'visible', timeout: 20_000 });
        await page
          .locator('.editor-instance .view-lines', { hasText: new RegExp(`${SERVICE}\\.\\d@h1\\s\\|\\shello\\sfrom`) }) // the editor draws spaces as U+00A0
          .first()
          .waitFor({ timeout: 20_000 });
        await shot(page, 'j8-service-logs', t);
        await runCommand(page, 'View: Close Editor');
        await tab.waitFor({ state: 'hidden', timeout: 10_000 });
        assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing the logs asks nothing');
        timings.serviceJourneyMs = Date.now() - t0;
      } finally {
        labExec('h1', ['docker', 'service', 'rm', SERVICE]);
        // The network goes once the tasks have let go of it (a few seconds).
        for (let i = 0; i < 60 && labExecStatus('h1', ['docker', 'network', 'rm', NET]) !== 0; i++)
          await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );

  test(
    'J12: an encrypted overlay on a kernel without ESP: every cross pair fails, the panel offers a temporary unencrypted copy, and accepted, it says the overlay works and IPsec fails; nothing left',
    { timeout: 240_000 },
    onScreen('j12', async (t) => {
      const ENC = 'so-e2e-enc';
      const esp = kernelEsp();
      t.diagnostic(`kernel ESP with AES-GCM: ${esp.ok ? 'yes' : `no (${esp.why})`}`);
      const made = cli('network', 'create', ENC, '--via', 'h1', '--attachable', '--encrypted');
      assert.equal(made.status, 0, made.stderr);
      try {
        await page.keyboard.press('Escape');
        // Focus in the matrix panel left open by the journeys before (alone, J12 opens none): the palette
        // hands focus back to the webview while the network pick opens, which once closed the pick.
        const panelTab = page.locator('.tabs-container .tab', { hasText: /^\s*Connectivity Matrix\s*$/ }).first();
        const panelOpen = await panelTab.isVisible();
        if (panelOpen) {
          await panelTab.click();
          await webviewFrame(page).locator('#run').focus();
        }
        t.diagnostic(`focus in a matrix panel before the palette: ${panelOpen}`);
        const t0 = Date.now();
        // From the palette with the network picked, the run starts at once (issue 14 §9).
        await runCommand(page, 'Swarm Overlay: Run Connectivity Matrix');
        await pickQuickItem(page, ENC, 'Run the connectivity matrix on which overlay network?');
        const frame = webviewFrame(page);
        if (esp.ok) {
          // A kernel with ESP: the encrypted overlay is green, and there is nothing to compare.
          const verdict = frame.locator('.verdict h2', { hasText: `All 9 pairs pass on ${ENC}.` });
          await verdict.waitFor({ state: 'visible', timeout: 120_000 });
          assert.equal(await page.locator('.monaco-dialog-box').count(), 0);
          return;
        }
        const dialog = page.locator('.monaco-dialog-box');
        await waitVisible(page, dialog, 'the offer to compare with an unencrypted copy', 150_000);
        const offer = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
        t.diagnostic(`offer after ${Date.now() - t0} ms: ${offer}`);
        assert.match(offer, new RegExp(`6 pair\\(s\\) fail on the encrypted overlay "${ENC}"`));
        await shot(page, 'j12-compare-offer', t);
        await dialog.locator('.monaco-button', { hasText: 'Compare Unencrypted' }).click();
        const items = await waitUntil(
          page,
          'the comparison in the diagnosis',
          () => frame.locator('.verdict li').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim())),
          (xs) => xs.some((x) => x.includes('passes on an unencrypted copy across the same hosts')),
          150_000,
        );
        t.diagnostic(`diagnosis after ${Date.now() - t0} ms: ${JSON.stringify(items)}`);
        await shot(page, 'j12-compare-verdict', t);
        assert.ok(
          HOSTS.every((h) => items.some((x) => x.startsWith(`${h} cannot use IPsec`))),
          'each host is named as unable to use IPsec',
        );
        assert.match(items.at(-1) ?? '', /^Every pair that fails encrypted \(6\) passes on an unencrypted copy/);
        for (const h of HOSTS)
          assert.equal(labExec(h, ['docker', 'ps', '-aq', '--filter', 'label=swarm-overlay.probe']).trim(), '', `no probe left on ${h}`);
        // A swarm network's removal is accepted at once and finished by the manager a moment later.
        await waitUntil(
          page,
          'the unencrypted copy gone from the manager',
          async () => labExec('h1', ['docker', 'network', 'ls', '-q', '--filter', 'label=swarm-overlay.temporary']).trim(),
          (ids) => ids === '',
          15_000,
        );
      } finally {
        cli('network', 'rm', ENC, '--via', 'h1');
      }
    }),
  );

  test(
    'J10: the matrix panel at 64 × 64: a generated feed of 4,096 cells, each update drawn in ≤ 16 ms, headers that stay on scroll',
    { timeout: 120_000 },
    onScreen('j10', async (t) => {
      const t0 = Date.now();
      await page.keyboard.press('Escape');
      const frame = webviewFrame(page);
      const cells = frame.locator('button.cell');
      // The test-only command (SWARM_OVERLAY_E2E=1) has a key in the User keybindings and exists once the
      // extension is active, as it is after J1; alone, this journey has Show Log activate it.
      const tab = page.locator('.tabs-container .tab', { hasText: 'Connectivity Matrix (synthetic)' }).first();
      await page.keyboard.press(SYNTHETIC_MATRIX_KEY);
      if (
        !(await tab.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        ))
      ) {
        await runCommand(page, 'Swarm Overlay: Show Log');
        await page.keyboard.press(SYNTHETIC_MATRIX_KEY);
        await tab.waitFor({ timeout: 15_000 });
      }
      await frame.locator('#network', { hasText: 'e2e-synthetic' }).waitFor({ timeout: 30_000 });
      await waitUntil(
        page,
        'the 64 × 64 grid',
        () => cells.count(),
        (n) => n === 64 * 64,
        20_000,
      );
      // Frames as the browser drew them while the cells streamed in (rAF intervals, and long animation frames).
      await frame.locator('body').evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown> & {
          requestAnimationFrame(cb: (t: number) => void): void;
          PerformanceObserver: typeof PerformanceObserver;
        };
        const frames: number[] = [];
        const long: number[] = [];
        g.__frames = frames;
        g.__longFrames = long;
        g.__framesOn = true;
        let last = 0;
        // A property, not a named const: tsx would wrap a named function in a helper the page lacks.
        g.__tick = (now: number) => {
          if (last) frames.push(now - last);
          last = now;
          if (g.__framesOn) g.requestAnimationFrame(g.__tick as (t: number) => void);
        };
        g.requestAnimationFrame(g.__tick as (t: number) => void);
        try {
          const type = 'long-animation-frame' as 'measure'; // not in Node's list of entry types
          new g.PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration))).observe({ type });
        } catch {
          // an older browser: the rAF intervals say it too
        }
        performance.clearMeasures();
        // Cells added to or removed from the grid once cells stream in (the run's first message builds the
        // grid; each update after it changes cells in place and adds none).
        type El = { matches?(s: string): boolean; querySelector?(s: string): unknown };
        type Obs = new (cb: (records: Array<{ addedNodes: ArrayLike<El>; removedNodes: ArrayLike<El> }>) => void) => {
          observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
        };
        g.__cellsReplaced = 0;
        // A property, as above.
        g.__countCells = (nodes: ArrayLike<El>) =>
          Array.from(nodes).filter((n) => n.matches?.('button.cell') || n.querySelector?.('button.cell')).length;
        const count = g.__countCells as (nodes: ArrayLike<El>) => number;
        new (g.MutationObserver as Obs)((records) => {
          if (performance.getEntriesByName('matrix:matrix/cells').length === 0) return;
          for (const r of records) g.__cellsReplaced = (g.__cellsReplaced as number) + count(r.addedNodes) + count(r.removedNodes);
        }).observe((g.document as { body: unknown }).body, { childList: true, subtree: true });
      });
      // Run by keyboard: focus goes to Cancel while the run goes and back to Run at its end.
      await frame.locator('#run').focus();
      const t1 = Date.now();
      await page.keyboard.press('Enter');
      const verdict = frame.locator('.verdict h2', { hasText: 'Problems on e2e-synthetic' });
      await verdict.waitFor({ state: 'visible', timeout: 60_000 });
      timings.syntheticFeedRunToVerdictMs = Date.now() - t1;
      const measured = await frame.locator('body').evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown>;
        g.__framesOn = false;
        const byType: Record<string, number[]> = {};
        let cells = 0;
        const at: number[] = [];
        for (const m of performance.getEntriesByType('measure') as Array<{
          name: string;
          duration: number;
          startTime: number;
          detail?: unknown;
        }>) {
          (byType[m.name] ??= []).push(m.duration);
          cells += (m.detail as { cells?: number } | null)?.cells ?? 0;
          if (m.name === 'matrix:matrix/cells') at.push(m.startTime);
        }
        // From the first streamed cells to the last, as they reached the webview.
        const streamMs = at.length ? Math.round(Math.max(...at) - Math.min(...at)) : 0;
        return {
          byType,
          cells,
          streamMs,
          frames: g.__frames as number[],
          longFrames: g.__longFrames as number[],
          cellsReplaced: g.__cellsReplaced as number,
        };
      });
      const stats = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        const r = (v: number) => Math.round(v * 100) / 100;
        return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), max: r(s[s.length - 1] ?? NaN) };
      };
      const cell = stats(measured.byType['matrix:matrix/cells'] ?? []);
      const others = Object.fromEntries(Object.entries(measured.byType).map(([k, v]) => [k, stats(v)]));
      const frames = stats(measured.frames);
      const report = {
        cells: measured.cells,
        streamedOverMs: measured.streamMs,
        cellUpdatesMs: cell,
        byMessageMs: others,
        framesMs: frames,
        longAnimationFramesMs: measured.longFrames.map(Math.round),
      };
      t.diagnostic(`64 × 64 feed: ${JSON.stringify(report)}`);
      console.log(`matrix panel at 64 × 64: ${JSON.stringify(report)}`);
      Object.assign(timings, {
        syntheticCellUpdateP50Ms: cell.p50,
        syntheticCellUpdateP95Ms: cell.p95,
        syntheticCellUpdateMaxMs: cell.max,
        syntheticFrameP95Ms: frames.p95,
        syntheticFrameMaxMs: frames.max,
      });
      assert.equal(measured.cells, 64 * 64, 'every pair came in a measured matrix/cells update');
      assert.ok(cell.p95 <= 16, `an update of the streamed cells takes ${cell.p95} ms at the 95th percentile (≤ 16 ms)`);
      // One slow update in 64 is the shared CPU or a GC taking the renderer away (CI saw 56.6 ms once, with
      // p95 3.3 ms); two are the panel's own cost. The grid is never rebuilt (counted below).
      const over = (measured.byType['matrix:matrix/cells'] ?? []).filter((d) => d > 50).length;
      assert.ok(over <= 1, `${over} updates of the streamed cells take over 50 ms (at most 1 of 64; slowest ${cell.max} ms)`);
      assert.equal(measured.cellsReplaced, 0, 'no cell of the grid is replaced while cells stream in (updated in place)');
      for (const [type, s] of Object.entries(others)) assert.ok(s.max <= 500, `${type}: the slowest takes ${s.max} ms (≤ 500 ms)`);
      await panelFocusOn(frame, 'run', 'focus back on Run once the run ended');
      // One live region, the verdict's; no cell in it.
      const live = await frame
        .locator('[aria-live], [role="status"], [role="alert"], [role="log"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('id')));
      assert.deepEqual(live, ['announcer']);
      assert.equal((await frame.locator('#announcer').textContent())?.trim(), 'Problems on e2e-synthetic');
      // Colours follow the thresholds setting ([2, 8] here): 1.10 ms is fast, 2.20 ms normal, 8.80 ms slow.
      const legend = (await frame.locator('.legend').textContent()) ?? '';
      for (const words of ['ok, < 2 ms', 'ok, 2–8 ms', 'ok, ≥ 8 ms'])
        assert.ok(legend.includes(words), `the legend says "${words}": ${legend}`);
      const looks = (col: number) =>
        frame
          .locator(`button.cell[data-row="0"][data-col="${col}"]`)
          .evaluate((e) => `${e.className.replace('cell ', '')} ${e.textContent}`);
      assert.deepEqual(await Promise.all([1, 2, 8].map(looks)), ['ok-fast 1.10 ms', 'ok 2.20 ms', 'ok-slow 8.80 ms']);
      const classes = await cells.evaluateAll((els) => [...new Set(els.map((e) => e.className.replace('cell ', '')))].sort());
      assert.deepEqual(classes, ['fail', 'ok', 'ok-fast', 'ok-slow', 'partial']);
      await shot(page, 'j10-matrix-64-hosts', t);
      // Scrolled to the far corner, the row and column headers are still at the grid's edges.
      const grid = frame.locator('.grid-scroll');
      await grid.evaluate((e) => {
        const box = e as unknown as { scrollTop: number; scrollLeft: number; scrollHeight: number; scrollWidth: number };
        box.scrollTop = box.scrollHeight;
        box.scrollLeft = box.scrollWidth;
      });
      await page.waitForTimeout(200);
      const box = async (what: string, l: ReturnType<FrameLocator['locator']>) => {
        const b = await l.boundingBox();
        assert.ok(b, `${what} has a box`);
        return b;
      };
      const view = await box('the grid', grid);
      const colHead = await box('the header of column n64', frame.locator('thead th', { hasText: /^n64$/ }));
      const rowHead = await box('the header of row n64', frame.locator('tbody th', { hasText: /^n64$/ }));
      const corner = await box('the corner', frame.locator('thead th.corner'));
      const first = await box('the cell n01 → n01', frame.locator('button.cell[data-row="0"][data-col="0"]'));
      const last = await box('the cell n64 → n64', frame.locator('button.cell[data-row="63"][data-col="63"]'));
      t.diagnostic(`scrolled: ${JSON.stringify({ view, colHead, rowHead, corner, first, last })}`);
      assert.ok(first.y + first.height < view.y && first.x + first.width < view.x, 'the grid scrolled past its first cell');
      assert.ok(Math.abs(colHead.y - view.y) <= 2 && Math.abs(corner.y - view.y) <= 2, 'the column headers stay at the top');
      assert.ok(Math.abs(rowHead.x - view.x) <= 2 && Math.abs(corner.x - view.x) <= 2, 'the row headers stay at the left');
      assert.ok(
        last.y + last.height <= view.y + view.height + 1 && last.x + last.width <= view.x + view.width + 1,
        'the last cell is in view',
      );
      assert.ok(colHead.x >= view.x && colHead.x + colHead.width <= view.x + view.width + 1, 'the n64 column header is in view');
      await shot(page, 'j10-matrix-64-scrolled-headers', t);
      timings.syntheticJourneyMs = Date.now() - t0;
    }),
  );

  test(
    'J11: with no hosts configured, every view says to add one, and Initialize Swarm says so too',
    { timeout: 60_000 },
    onScreen('j11', async (t) => {
      const t0 = Date.now();
      // The last journey of this window: the hosts go as a user removes them (Remove Host on each).
      await openSidebar(page);
      for (const v of ['Docker Hosts', 'Swarm', 'Networks']) await expandView(page, v);
      for (const h of HOSTS) {
        await openContextMenu(page, treeItem(page, 'Docker Hosts', h));
        await clickMenuEntry(page, 'Remove Host');
        await treeItem(page, 'Docker Hosts', h).waitFor({ state: 'hidden', timeout: 10_000 });
      }
      {
        const welcomes = await waitUntil(
          page,
          'the "add a host" welcome in all three views',
          () => Promise.all(['Docker Hosts', 'Swarm', 'Networks'].map((v) => welcomeText(page, v))),
          ([hosts, swarm, networks]) =>
            /^No Docker hosts yet\./.test(hosts!) &&
            /^No Docker hosts yet: add one first/.test(swarm!) &&
            /once a Docker host is added/.test(networks!),
          30_000,
        );
        t.diagnostic(`welcomes: ${JSON.stringify(welcomes)}`);
        assert.match(welcomes[1]!, /Add Host$/, 'the Swarm view offers Add Host');
        assert.doesNotMatch(welcomes[1]!, /Initialize Swarm/);
        await runCommand(page, 'Swarm Overlay: Initialize Swarm…');
        const said = await waitUntil(
          page,
          'the "add a host" notification',
          () => toasts(page),
          (ts) => ts.some((x) => /add one with Swarm Overlay: Add Host/.test(x.message)),
          10_000,
        );
        assert.ok(
          said.some(
            (x) => x.severity === 'info' && x.message === 'No Docker host is configured yet: add one with Swarm Overlay: Add Host first.',
          ),
          JSON.stringify(said),
        );
        assert.ok(!said.some((x) => /in a swarm already/.test(x.message)), JSON.stringify(said));
        await shot(page, 'j11-no-hosts-welcome', t);
      }
      timings.noHostsJourneyMs = Date.now() - t0;
      t.diagnostic(`no-hosts journey ${timings.noHostsJourneyMs} ms`);
    }),
  );
});

describe('an untrusted workspace cannot choose the hosts, their keys or the probe image', { timeout: 4 * 60_000 }, () => {
  let cs: CodeServer;
  let wb: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  let folder = '';

  before(async () => {
    // A repository that names a host of its own (h2 under another name), a known_hosts file of its
    // own and an image of its own. All of it works once trusted, so the test shows it was read.
    const lab = labFiles();
    folder = mkdtempSync(path.join(os.tmpdir(), 'so-untrusted-'));
    const ownKnownHosts = path.join(folder, 'known_hosts');
    copyFileSync(lab.knownHosts, ownKnownHosts);
    const identity = (JSON.parse(readFileSync(lab.hostsFile, 'utf8')) as Array<{ identityFile: string }>)[0]!.identityFile;
    mkdirSync(path.join(folder, '.vscode'));
    writeFileSync(
      path.join(folder, '.vscode', 'settings.json'),
      JSON.stringify({
        'swarmOverlay.hosts': [{ name: 'ws-chosen', host: '10.99.0.2', user: 'root', identityFile: identity }],
        'swarmOverlay.knownHostsFile': ownKnownHosts,
        'swarmOverlay.probeImage': 'swarm-overlay/probe:busybox',
      }),
    );
    cs = await startCodeServer({ folder, workspaceTrust: true, logFile: path.join(resultsDir(), 'code-server-untrusted.log') });
    currentLogFile = () => cs.extensionLog();
    wb = await launch(cs.url);
    page = wb.page;
    currentPage = page;
    await waitForWorkbench(page);
  });

  after(async () => {
    await wb?.close();
    await cs?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  test(
    "J7: in Restricted Mode only the user's hosts show; trusting the folder brings in its own",
    { timeout: 180_000 },
    onScreen('j7', async (t) => {
      await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
      await openSidebar(page);
      await resizeSidebar(page, Number(process.env.E2E_SIDEBAR_WIDTH ?? 560));
      await expandView(page, 'Docker Hosts');
      const connected = (r: Awaited<ReturnType<typeof treeRows>>, names: string[]) =>
        names.every((h) => r.some((row) => row.label === h && /^Docker /.test(row.description)));
      const rows = await waitUntil(
        page,
        'h1..h3 connected',
        () => treeRows(page, 'Docker Hosts'),
        (r) => connected(r, HOSTS),
        60_000,
      );
      await shot(page, 'j7-restricted-mode', t);
      assert.deepEqual(
        rows.map((r) => r.label),
        HOSTS,
        "the user's hosts only; the workspace's ws-chosen is not used",
      );
      // Positive control: once the folder is trusted, its settings apply.
      // The Restricted Mode banner's "Manage" opens the Workspace Trust editor.
      await page.locator('.part.banner a', { hasText: 'Manage' }).first().click();
      const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust( Folder)?$/ }).first();
      await trust.waitFor({ state: 'visible', timeout: 20_000 });
      await trust.click();
      await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: 20_000 });
      const trusted = await waitUntil(
        page,
        "ws-chosen connected once trusted, and the user's hosts gone from the view",
        () => treeRows(page, 'Docker Hosts'),
        // The view redraws in steps: ws-chosen can be connected while the rows from before trust still show.
        (r) => connected(r, ['ws-chosen']) && r.length === 1,
        60_000,
      );
      await shot(page, 'j7-trusted', t);
      t.diagnostic(`after trust: ${JSON.stringify(trusted)}`);
      assert.deepEqual(
        trusted.map((r) => r.label),
        ['ws-chosen'],
      );
    }),
  );
});
