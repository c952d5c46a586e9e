// The part of playwright-core's API the harness uses, typed here so `npm run typecheck` does not depend
// on playwright-core being in node_modules (nor on the DOM lib, which tsconfig leaves out). The module
// itself is loaded at run time by env.ts (`playwright()`).

/** An element as seen inside evaluate callbacks (which run in the page). */
export interface DomElement {
  textContent: string | null;
  className: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  /** Set on checkboxes (and the toolkit's vscode-checkbox). */
  checked?: boolean;
}

export interface LocatorOptions {
  hasText?: string | RegExp;
  has?: Locator;
}

export interface Locator {
  first(): Locator;
  last(): Locator;
  nth(index: number): Locator;
  locator(selector: string, options?: LocatorOptions): Locator;
  filter(options: LocatorOptions): Locator;
  click(options?: { button?: 'left' | 'right' | 'middle'; position?: { x: number; y: number }; timeout?: number }): Promise<void>;
  hover(options?: { timeout?: number }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
  focus(options?: { timeout?: number }): Promise<void>;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  isVisible(): Promise<boolean>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
  count(): Promise<number>;
  evaluate<R>(fn: (element: DomElement) => R): Promise<R>;
  evaluateAll<R>(fn: (elements: DomElement[]) => R): Promise<R>;
}

/** An iframe's content, located from its parent. */
export interface FrameLocator {
  locator(selector: string, options?: LocatorOptions): Locator;
  frameLocator(selector: string): FrameLocator;
}

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface Page {
  locator(selector: string, options?: LocatorOptions): Locator;
  frameLocator(selector: string): FrameLocator;
  getByRole(role: string, options?: { name?: string | RegExp; exact?: boolean }): Locator;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  mouse: {
    move(x: number, y: number, options?: { steps?: number }): Promise<void>;
    wheel(deltaX: number, deltaY: number): Promise<void>;
    down(): Promise<void>;
    up(): Promise<void>;
  };
  goto(url: string, options?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit'; timeout?: number }): Promise<unknown>;
  screenshot(options: { path: string; fullPage?: boolean; animations?: 'disabled' | 'allow' }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  on(event: 'console', listener: (message: ConsoleMessage) => void): void;
  on(event: 'pageerror', listener: (error: Error) => void): void;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Playwright {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      options: {
        executablePath: string;
        headless: boolean;
        args: string[];
        viewport: { width: number; height: number };
        env?: Record<string, string>;
        timeout?: number;
      },
    ): Promise<BrowserContext>;
  };
}
