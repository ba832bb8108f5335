/**
 * Print maps for the CLI and the web host: Debian's Chromium (headless, through playwright-core) opens the
 * workstation served by a web host, applies each saved view and screenshots the 3D canvas alone, at the pixel size
 * that gives the briefing's map box at least 200 dpi. The page reports what the PDF needs to read the image
 * (centre, metres per pixel, true north, legend) through its window.storeyView.print hooks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import type { Orientation, PaperSize } from '../../common/briefing.js';
import type { SavedView } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { mapPixelSize } from '../../core/brief/paper.js';
import { throwIfCancelled, type BriefingProgress, type MapImage } from '../../core/brief/types.js';
import { PRINT_CSS, pageError, printScripts, renderOnPrintPage, type MapRenderer, type PrintPage, type PrintSnapshot } from '../../core/brief/map-renderer.js';

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
    await page.addStyleTag({ content: PRINT_CSS });
    const printPage: PrintPage = {
      ready: async () => {
        await page.evaluate(printScripts.ready()).catch((error: unknown) => {
          throw pageError(error);
        });
      },
      draw: (state) => page.evaluate(printScripts.draw(state)) as Promise<{ frames: number; snapshot: PrintSnapshot }>,
      capture: () => page.locator('#globe canvas').first().screenshot({ type: 'png', animations: 'disabled' }),
    };
    const images = await renderOnPrintPage(printPage, { views: options.views, paper: options.paper, orientation: options.orientation, size, progress, totalSteps: total, signal });
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

/** The CLI's and the web host's map renderer: headless Chromium loading the workstation from this web host. */
export function chromiumMapRenderer(host: { origin: string; token: string }): MapRenderer {
  return {
    description: 'the Storey workstation in headless Chromium (software WebGL)',
    render: (request) => renderMaps({ ...host, views: request.views, paper: request.paper, orientation: request.orientation, progress: request.progress, totalSteps: request.totalSteps, signal: request.signal }),
  };
}
