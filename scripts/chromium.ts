/** A real headless Chromium (Debian's, as .ci/run installs it) driven by playwright-core: report.html in the tests and in bench:report. */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface OpenedPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors of the page. */
  readonly errors: string[];
  /** Every request other than the report file itself: a self-contained page makes none. */
  readonly requests: string[];
  close(): Promise<void>;
}

let browser: Browser | undefined;

export async function openFile(path: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install Debian's chromium (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`);
  }
  browser ??= await chromium.launch({
    executablePath,
    // Debian's Chromium as root in a container, on a machine without network: no sandbox, no background traffic.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(path).href;
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, close: () => page.close() };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}
