/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser. Every request the page makes is routed
 * through here and counted; anything not addressed to the web host's origin is aborted and recorded, so a test can
 * assert that the workstation sent nothing off the machine.
 */
import { execFileSync } from 'node:child_process';
import { chromiumArgs } from '../../main/brief-render/render-maps.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export function chromiumPath(): string {
  const fromEnv = process.env['STOREY_CHROMIUM'];
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run `apt-get install -y chromium` (or set STOREY_CHROMIUM).');
  }
}

export { chromiumArgs };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
}

export interface GuardedPage {
  context: BrowserContext;
  page: Page;
  /** URLs the page tried to reach outside the allowed origin (aborted). */
  external: string[];
  /** Console errors and page errors, for failure messages. */
  errors: string[];
  requestCount(): number;
}

export async function openGuardedPage(
  browser: Browser,
  allowedOrigin: string,
  viewport = { width: 1366, height: 768 },
  deviceScaleFactor = 1,
): Promise<GuardedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor });
  const external: string[] = [];
  const errors: string[] = [];
  let requests = 0;
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requests++;
    if (url.startsWith(allowedOrigin + '/') || url.startsWith('data:') || url.startsWith('blob:')) {
      await route.continue();
    } else {
      external.push(url);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, external, errors, requestCount: () => requests };
}

/** Waits until the UI is ready, the buildings are built and the globe's tiles have loaded. */
export async function waitForCity(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const state = document.body.dataset['state'];
      if (state === 'error') return true;
      const view = (window as unknown as { storeyView?: { globeState(): { buildingsReady: boolean; tilesLoaded: boolean }; requestRender(): void } }).storeyView;
      if (!view) return false;
      const globe = view.globeState();
      if (!globe.buildingsReady || !globe.tilesLoaded) view.requestRender();
      return globe.buildingsReady && globe.tilesLoaded;
    },
    undefined,
    { timeout: timeoutMs, polling: 250 },
  );
  const state = await page.evaluate(() => document.body.dataset['state']);
  if (state === 'error') throw new Error(`the UI failed to start: ${await page.locator('#error').innerText()}`);
}
