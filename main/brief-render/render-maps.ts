/**
 * Print maps for the CLI and the web host: Debian's Chromium (headless, through playwright-core) opens the
 * workstation served by a web host, applies each saved view and screenshots the 3D canvas alone, at the pixel size
 * that gives the briefing's map box at least 200 dpi. The page reports what the PDF needs to read the image
 * (centre, metres per pixel, true north, legend) through its window.storeyView.print hooks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { Orientation, PaperSize } from '../../common/briefing.js';
import type { SavedView, ViewState } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { mapPixelSize } from '../../core/brief/paper.js';
import { throwIfCancelled, type BriefingProgress, type MapImage } from '../../core/brief/types.js';

/** The Chromium to drive: STOREY_CHROMIUM, else `chromium` (or `chromium-browser`) on the PATH. */
export function findChromium(): string {
  const fromEnv = process.env['STOREY_CHROMIUM'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new StoreyError('FILE_NOT_FOUND', `STOREY_CHROMIUM names ${fromEnv}, which does not exist; map pages need a Chromium browser.`);
    return fromEnv;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new StoreyError(
      'FILE_NOT_FOUND',
      'Map pages need Chromium, which is not installed: run `apt-get install -y chromium` (or set STOREY_CHROMIUM to a Chromium executable), or leave out the views.',
    );
  }
}

/** Headless Chromium with software WebGL and none of its background traffic; the browser tests use the same. */
export const chromiumArgs = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--no-first-run',
  '--no-default-browser-check',
];

/** Only the 3D view, filling the viewport: no panels, legend overlay, credits or status bar in the image. */
const printCss = `
  body > *:not(main), .workspace > *:not(#globe), .cesium-widget-credits { display: none !important; }
  #globe { position: fixed !important; inset: 0 !important; width: 100vw !important; height: 100vh !important; }
`;

interface PrintView {
  applyView(state: ViewState): Promise<void>;
  requestRender(): void;
  globeState(): { buildingsReady: boolean; tilesLoaded: boolean };
  print: {
    renderAtDevicePixels(): void;
    whenRendered(frames?: number): Promise<number>;
    snapshot(): { centre: { lonDegrees: number; latDegrees: number }; metresPerCssPixel: number; northDegrees: number; legend: MapImage['legend'] };
  };
}

/** What the page's global scope offers (this file is compiled without the DOM library). */
interface PageGlobals {
  storeyView?: PrintView;
  document: { body: { dataset: Record<string, string | undefined> } };
}

async function waitForWorkstation(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const page = globalThis as unknown as PageGlobals;
      if (page.document.body.dataset['state'] === 'error') return true;
      const view = page.storeyView;
      if (!view) return false;
      // Tiles of the opening view are not waited for: the first saved view moves the camera elsewhere anyway.
      const state = view.globeState();
      if (!state.buildingsReady) view.requestRender();
      return state.buildingsReady;
    },
    undefined,
    { timeout: 180_000, polling: 250 },
  );
  if ((await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset['state'])) === 'error') {
    throw new StoreyError('INTERNAL', `The workstation page failed to start for printing: ${await page.locator('#error').innerText()}`);
  }
}

export interface RenderMapsOptions {
  /** The web host's origin (http://127.0.0.1:PORT) and session token. */
  origin: string;
  token: string;
  views: SavedView[];
  paper: PaperSize;
  orientation: Orientation;
  progress?: BriefingProgress;
  /** Steps of the whole briefing, for the progress bar (default: one per map and one more). */
  totalSteps?: number;
  /** Aborting closes Chromium at once: the render stops with CANCELLED. */
  signal?: AbortSignal;
}

/** Renders each view to a print-size PNG. Chromium is started for the call and closed after it. */
export async function renderMaps(options: RenderMapsOptions): Promise<MapImage[]> {
  if (options.views.length === 0) return [];
  const { signal } = options;
  const progress = options.progress ?? (() => {});
  const total = options.totalSteps ?? options.views.length + 1;
  throwIfCancelled(signal);
  const executablePath = findChromium();
  const { chromium } = await import('playwright-core');
  const size = mapPixelSize(options.paper, options.orientation);
  const starting = `starting Chromium for ${options.views.length} map${options.views.length === 1 ? '' : 's'} at ${size.widthPx} × ${size.heightPx} px`;
  progress(starting, { stage: 'starting', detail: starting, done: 0, total });
  let browser: Browser;
  try {
    // SIGINT is the caller's to handle (storey brief cancels and cleans up); playwright's own handler would exit at once.
    browser = await chromium.launch({ executablePath, args: chromiumArgs, headless: true, handleSIGINT: false });
  } catch (error) {
    throw new StoreyError('INTERNAL', `Chromium (${executablePath}) did not start: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  // Cancelling closes the browser under the page: whatever it was waiting for rejects, and the render stops there.
  const stop = () => void browser.close().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  try {
    throwIfCancelled(signal);
    const context = await browser.newContext({ viewport: { width: size.cssWidth, height: size.cssHeight }, deviceScaleFactor: size.deviceScale });
    // The page may talk to its own host only: nothing leaves the machine while printing either. It is not the
    // analyst's session either: it starts without one and what it would remember is dropped, so printing never moves
    // where the analyst's workstation reopens.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === `${options.origin}/api/getSessionState`) return route.fulfill({ json: { ok: true, value: { state: null } } });
      if (url === `${options.origin}/api/saveSessionState`) return route.fulfill({ json: { ok: true, value: { saved: false } } });
      return url.startsWith(options.origin + '/') || url.startsWith('data:') || url.startsWith('blob:') ? route.continue() : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    await page.goto(`${options.origin}/?token=${encodeURIComponent(options.token)}`);
    await page.addStyleTag({ content: printCss });
    await waitForWorkstation(page);
    throwIfCancelled(signal);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).storeyView!.print.renderAtDevicePixels());
    const images: MapImage[] = [];
    for (const [i, view] of options.views.entries()) {
      throwIfCancelled(signal);
      const rendering = `rendering map ${i + 1} of ${options.views.length}: ${view.name}`;
      progress(rendering, { stage: 'rendering', detail: rendering, done: i, total });
      const started = performance.now();
      const { frames, ...snapshot } = await page.evaluate(async (state) => {
        const storeyView = (globalThis as unknown as PageGlobals).storeyView!;
        await storeyView.applyView(state);
        const frames = await storeyView.print.whenRendered(3);
        return { frames, ...storeyView.print.snapshot() };
      }, view.state);
      progress(`map ${i + 1} drawn in ${((performance.now() - started) / 1000).toFixed(1)} s (${frames} frames)`);
      const png = await page.locator('#globe canvas').first().screenshot({ type: 'png', animations: 'disabled' });
      images.push({
        viewId: view.id,
        viewName: view.name,
        png,
        // The PNG's own size (IHDR), which is what the PDF places.
        widthPx: png.readUInt32BE(16),
        heightPx: png.readUInt32BE(20),
        centre: snapshot.centre,
        headingDegrees: view.state.camera.headingDegrees,
        pitchDegrees: view.state.camera.pitchDegrees,
        northDegrees: snapshot.northDegrees,
        metresPerPixel: (snapshot.metresPerCssPixel * size.cssWidth) / png.readUInt32BE(16),
        legend: snapshot.legend,
      });
    }
    await context.close();
    return images;
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    await browser.close();
  }
}
