import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { REPO_ROOT } from './test-env.js';

/** Debian's Chromium (apt-get install chromium); no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve(REPO_ROOT, 'test-output/screenshots');

/** Offline and quiet: nothing phones home, nothing updates itself during a test. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Errors the pages reported (uncaught exceptions, CSP violations), for a final "no errors" check. */
  pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Chromium with a fresh user-data-dir of its own (no cookies, no cache from an earlier run or another
 * browser of the same test), deleted on close.
 */
export async function launchBrowser(
  viewport = { width: 1280, height: 860 },
  options: { timezoneId?: string } = {},
): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'slipway-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 60_000,
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  context.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Failed requests (the 401 of "who am I" before sign-in) are logged by Chromium too: not page errors.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    pageErrors,
    async newPage() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? context.newPage();
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under test-output/screenshots (not committed). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false, animations: 'disabled' });
  return path;
}

/** Signs in on the dashboard's sign-in form with `token` and waits for the releases list. */
export async function signInWithToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Releases' }).waitFor();
}
