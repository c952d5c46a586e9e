// Debian chromium driven by playwright-core, and helpers that act on the VS Code workbench the way a
// person does: activity bar, views, context menus, the command palette, quick picks, notifications.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eTools, playwright, resultsDir } from './env';
import type { BrowserContext, Locator, Page } from './pw';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-breakpad',
  '--disable-crash-reporter',
  // Nothing but loopback: any other request goes to a closed port (loopback bypasses proxies).
  '--proxy-server=http://127.0.0.1:9',
];

export interface Workbench {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors, and uncaught page errors. */
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function launch(url: string): Promise<Workbench> {
  const { chromium } = playwright();
  const base = mkdtempSync(path.join(os.tmpdir(), 'swarm-overlay-e2e-chromium-'));
  const userDataDir = path.join(base, 'profile');
  // Chromium writes crash-report settings and dconf under $HOME whatever its profile dir: keep them here.
  const home = path.join(base, 'home');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_RUNTIME_DIR: path.join(base, 'run'),
  };
  for (const d of [userDataDir, env.XDG_CONFIG_HOME!, env.XDG_CACHE_HOME!, env.XDG_DATA_HOME!, env.XDG_RUNTIME_DIR!]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: e2eTools().chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    env,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  return {
    context,
    page,
    consoleErrors,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Waits until the workbench is rendered: activity bar and status bar present. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Clicks the "Swarm Overlay" activity bar item (unless its sidebar is already showing). */
export async function openSidebar(page: Page, timeoutMs = 30_000): Promise<void> {
  const item = page.locator('.part.activitybar .action-item [aria-label*="Swarm Overlay"]').first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  const title = page.locator('.part.sidebar .composite.title h2');
  if (!/swarm overlay/i.test((await title.textContent().catch(() => '')) ?? '')) await item.click();
  await page.locator('.part.sidebar .composite.title h2', { hasText: /swarm overlay/i }).waitFor({ timeout: timeoutMs });
}

/** Drags the sash between the sidebar and the editor so the sidebar is `width` px wide. */
export async function resizeSidebar(page: Page, width: number): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar) throw new Error('no sidebar to resize');
  const edge = sidebar.x + sidebar.width;
  const y = sidebar.y + sidebar.height / 2;
  await page.mouse.move(edge + 1, y);
  await page.mouse.down();
  await page.mouse.move(sidebar.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/** The pane of a view in the sidebar, by its title ("Docker Hosts", "Swarm", "Networks"). */
export function view(page: Page, title: string): Locator {
  return page
    .locator('.part.sidebar .pane')
    .filter({ has: page.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRe(title)}$`, 'i') }) });
}

/** Expands a view's pane if it is collapsed. */
export async function expandView(page: Page, title: string): Promise<void> {
  const header = view(page, title).locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  await view(page, title).locator('.pane-body').waitFor({ state: 'visible' });
}

/** A tree item (row) in a view whose label is exactly `label` (a RegExp matches the label). */
export function treeItem(page: Page, viewTitle: string, label: string | RegExp): Locator {
  const re = typeof label === 'string' ? new RegExp(`^${escapeRe(label)}$`) : label;
  return view(page, viewTitle)
    .locator('.monaco-list-rows > .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: re }) });
}

export async function itemDescription(item: Locator): Promise<string> {
  return ((await item.locator('.label-description').first().textContent()) ?? '').trim();
}

/** Label and description of every row of a view, in order, with the tree depth. */
export async function treeRows(page: Page, viewTitle: string): Promise<Array<{ label: string; description: string; level: number }>> {
  return view(page, viewTitle)
    .locator('.monaco-list-rows > .monaco-list-row')
    .evaluateAll((rows) =>
      rows.map((r) => ({
        label: (r.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (r.querySelector('.label-description')?.textContent ?? '').trim(),
        level: Number(r.getAttribute('aria-level') ?? 0),
      })),
    );
}

/** The inline action icons of a tree item (shown on hover), by their titles. */
export async function inlineActions(item: Locator): Promise<string[]> {
  await item.hover();
  const actions = item.locator('.actions .action-label');
  await actions.first().waitFor({ state: 'visible', timeout: 10_000 });
  return (await actions.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).filter(Boolean);
}

/** Clicks the inline action icon titled `action` on a tree item's row. */
export async function clickInlineAction(item: Locator, action: string): Promise<void> {
  await item.hover();
  await item.locator(`.actions .action-label[aria-label="${action}"]`).click();
}

/** Right-clicks a tree item; returns the entries of the context menu that opens. */
export async function openContextMenu(page: Page, item: Locator): Promise<string[]> {
  const menu = page.getByRole('menu').first();
  // A right-click that lands while the view redraws its rows (a refresh after the last action) hits a row
  // that is already gone and opens nothing (seen in CI after Remove Host): then right-click again, as a
  // person would, up to three times.
  for (let attempt = 1; ; attempt++) {
    await item.click({ button: 'right' });
    try {
      await menu.waitFor({ state: 'visible', timeout: attempt < 3 ? 4_000 : 10_000 });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      await page.keyboard.press('Escape');
    }
  }
  const names = await page
    .getByRole('menuitem')
    .evaluateAll((els) => els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()));
  return names.filter(Boolean);
}

/** Clicks the entry `action` of the open context menu. */
export async function clickMenuEntry(page: Page, action: string): Promise<void> {
  const entry = page.getByRole('menuitem', { name: action, exact: true });
  // A click that lands while the menu is still settling is sometimes lost: the menu then stays open.
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (!(await entry.isVisible())) {
      if (attempt > 1) return; // the menu closed: the last click did its work
      await entry.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await entry.click();
    try {
      await page.getByRole('menu').first().waitFor({ state: 'hidden', timeout: 3_000 });
      return;
    } catch {
      // Still open: try again.
    }
  }
  throw new Error(`The context menu entry "${action}" did not respond to three clicks.`);
}

/** Right-clicks a tree item and clicks the context-menu entry named `action`. */
export async function contextMenu(page: Page, item: Locator, action: string): Promise<void> {
  await openContextMenu(page, item);
  await clickMenuEntry(page, action);
}

const quickInput = (page: Page) => page.locator('.quick-input-widget');
export const quickInputBox = (page: Page) => page.locator('.quick-input-widget .quick-input-box input');
/** The Back button of a multi-step input (left of its title). */
export const quickInputBack = (page: Page) => page.locator('.quick-input-widget .quick-input-left-action-bar .codicon-quick-input-back');

/** Rows of the open quick pick whose label is exactly `label`. */
export function quickPickItem(page: Page, label: string): Locator {
  return page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name, .quick-input-list-label', { hasText: new RegExp(`^\\s*${escapeRe(label)}\\s*$`) }) });
}

/** Waits until `locator` is visible, failing early (with its text) if an error notification shows up. */
export async function waitVisible(page: Page, locator: Locator, what: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    page,
    what,
    () => locator.isVisible(),
    (v) => v,
    timeoutMs,
  );
}

/** Waits for a quick pick titled like `title` (if given) and picks the item labelled `label`. */
export async function pickQuickItem(page: Page, label: string, title?: string | RegExp, timeoutMs = 30_000): Promise<void> {
  if (title) {
    await waitVisible(
      page,
      page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first(),
      `the quick pick "${title}"`,
      timeoutMs,
    );
  }
  const item = quickPickItem(page, label).first();
  await waitVisible(page, item, `"${label}" in the quick pick`, timeoutMs);
  await item.click();
}

/**
 * Runs a command from the palette: F1, type the label, Enter on the matching entry. A just-installed
 * extension's command is sometimes missing on the first try, so the label is typed again.
 */
export async function runCommand(page: Page, label: string, attempts = 5): Promise<void> {
  for (let i = 1; i <= attempts; i++) {
    await page
      .locator('.monaco-workbench')
      .click({ position: { x: 700, y: 5 } })
      .catch(() => undefined);
    await page.keyboard.press('F1');
    const box = quickInputBox(page);
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    await box.fill(`>${label}`);
    const entry = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) })
      .first();
    try {
      await entry.waitFor({ state: 'visible', timeout: 3_000 });
      // A click that lands while the list redraws its rows selects nothing and leaves the palette open
      // with the text typed: click again (the command's own prompt, if any, replaces that text).
      for (let click = 1; click <= 3; click++) {
        await entry.click();
        const typed = async () => (await box.isVisible()) && (await box.inputValue().catch(() => '')) === `>${label}`;
        for (let waited = 0; waited < 2_000 && (await typed()); waited += 250) await page.waitForTimeout(250);
        if (!(await typed())) return;
      }
      throw new Error('the palette stayed open');
    } catch {
      await page.keyboard.press('Escape');
      if (i === attempts) break;
      await page.waitForTimeout(1000 * i);
    }
  }
  throw new Error(`The command palette does not list "${label}".`);
}

/** Opens the walkthrough `title` from the palette (Welcome: Open Walkthrough…). */
export async function openWalkthrough(page: Page, title: string): Promise<void> {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await pickQuickItem(page, title);
  await page.locator('.gettingStartedSlideDetails .getting-started-step').first().waitFor({ state: 'visible', timeout: 30_000 });
}

/** The open walkthrough's steps as a person sees them: each step's title and whether it shows the completed tick. */
export async function walkthroughSteps(page: Page): Promise<Array<{ title: string; done: boolean }>> {
  return page.locator('.gettingStartedSlideDetails .getting-started-step').evaluateAll((els) =>
    els.map((el) => ({
      title: (el.querySelector('.step-title')?.textContent ?? '').trim(),
      done: /\bcomplete\b/.test(el.className) || el.querySelector('.codicon-getting-started-step-checked') !== null,
    })),
  );
}

/**
 * Developer: Set Log Level… → the output channel `channel` → `level` (e.g. "Trace"). An extension's log
 * channel reaches the workbench's list a moment after the extension made it (seen once: the
 * picker right after activation listed only the default levels), so the picker is opened again until
 * the channel is in it.
 */
export async function setLogLevel(page: Page, channel: string, level: string, attempts = 10): Promise<void> {
  for (let i = 1; ; i++) {
    await runCommand(page, 'Developer: Set Log Level...');
    const listed = await quickPickItem(page, channel)
      .first()
      .waitFor({ state: 'visible', timeout: 3_000 })
      .then(
        () => true,
        () => false,
      );
    if (listed) break;
    await page.keyboard.press('Escape');
    if (i === attempts) throw new Error(`Developer: Set Log Level… does not list the channel "${channel}".`);
    await page.waitForTimeout(1_000);
  }
  await pickQuickItem(page, channel);
  await pickQuickItem(page, level);
  await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The validation or prompt message under the quick input box. */
export async function quickInputMessage(page: Page): Promise<string> {
  return (
    (await quickInput(page)
      .locator('.quick-input-message')
      .first()
      .textContent()
      .catch(() => '')) ?? ''
  ).trim();
}

/**
 * Waits for the input box titled `title`, types `value`, waits until VS Code's validation has run
 * (the message under the box is not the previous one), and presses Enter unless told not to.
 * Returns the message shown under the box after typing.
 */
export async function typeInQuickInput(
  page: Page,
  title: string | RegExp,
  value: string,
  opts: { submit?: boolean; prompt?: RegExp } = {},
): Promise<string> {
  await waitVisible(page, quickInput(page).locator('.quick-input-title', { hasText: title }).first(), `the input "${title}"`, 30_000);
  if (opts.prompt)
    await waitVisible(
      page,
      quickInput(page).locator('.quick-input-message', { hasText: opts.prompt }).first(),
      `the prompt ${opts.prompt}`,
      10_000,
    );
  const box = quickInputBox(page);
  await box.fill(value);
  // validateInput runs asynchronously after each change.
  await page.waitForTimeout(300);
  const message = await quickInputMessage(page);
  if (opts.submit ?? true) await box.press('Enter');
  return message;
}

/** The content frame of the active webview (code-server nests it in two iframes). */
export function webviewFrame(page: Page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export interface Toast {
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
}

/** Notification toasts on screen. */
export async function toasts(page: Page): Promise<Toast[]> {
  return page.locator('.notifications-toasts .notification-list-item').evaluateAll((items) =>
    items.map((el) => {
      const icon = el.querySelector('.notification-list-item-icon')?.className ?? '';
      const severity = /codicon-error/.test(icon)
        ? 'error'
        : /codicon-warning/.test(icon)
          ? 'warning'
          : /codicon-info/.test(icon)
            ? 'info'
            : 'unknown';
      return { severity, message: (el.querySelector('.notification-list-item-message')?.textContent ?? '').trim() };
    }),
  );
}

/** Throws with the message of any error notification on screen. */
export async function assertNoErrorToast(page: Page, during: string): Promise<void> {
  noErrorIn(await toasts(page), during);
}

function noErrorIn(shown: Toast[], during: string): void {
  const errors = shown.filter((t) => t.severity === 'error');
  if (errors.length) throw new Error(`Error notification during ${during}: ${errors.map((e) => e.message).join(' | ')}`);
}

/** Waits until `predicate` holds, failing early (with its text) if an error notification shows up. */
export async function waitUntil<T>(
  page: Page,
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  // Every notification seen while waiting: an information message hides itself after a few seconds.
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    const now = await toasts(page);
    for (const n of now) seen.add(`${n.severity}: ${n.message}`);
    noErrorIn(now, what);
    await page.waitForTimeout(250);
  }
  throw new Error(
    `Timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${JSON.stringify(last)}; notifications meanwhile: ${JSON.stringify([...seen])}`,
  );
}

let shot = 0;
/** A full-page screenshot into test-results/e2e/NN-name.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  shot += 1;
  const file = path.join(resultsDir(), `${String(shot).padStart(2, '0')}-${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
