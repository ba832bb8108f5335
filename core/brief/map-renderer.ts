/**
 * Map pages come from a renderer the host provides: headless Chromium for the CLI and the web host
 * (main/brief-render/render-maps.ts), a hidden offscreen window of the app itself on the desktop
 * (main/desktop/print-maps.ts). Both drive the same print view of the workstation page (renderer/print-view.ts) through
 * a PrintPage, so the loop that applies each view, waits for it to finish drawing, measures it and captures it is here,
 * once. A host without a renderer answers NOT_SUPPORTED for briefings with map pages.
 */
import type { Orientation, PaperSize } from '../../common/briefing.js';
import type { SavedView, ViewState } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { MAP_DPI, mapLayout, mapPixelSize } from './paper.js';
import { throwIfCancelled, type BriefingProgress, type MapImage } from './types.js';

export type MapPixelSize = ReturnType<typeof mapPixelSize>;

export interface MapRenderRequest {
  /** The saved views to render, in page order. */
  views: SavedView[];
  paper: PaperSize;
  orientation: Orientation;
  /** The image size the map box needs at MAP_DPI: CSS viewport, device scale and the pixels that gives. */
  size: MapPixelSize;
  progress: BriefingProgress;
  /** Steps of the whole briefing, for the progress bar. */
  totalSteps: number;
  /** Aborting stops the render with CANCELLED (the renderer closes its browser or window). */
  signal?: AbortSignal;
}

export interface MapRenderer {
  /** For the provenance page: what drew the maps, e.g. "the Storey desktop app's renderer". */
  readonly description: string;
  render(request: MapRenderRequest): Promise<MapImage[]>;
}

/** The request for a briefing's views at its paper size. */
export function mapRenderRequest(views: SavedView[], paper: PaperSize, orientation: Orientation, progress: BriefingProgress, totalSteps: number, signal?: AbortSignal): MapRenderRequest {
  return { views, paper, orientation, size: mapPixelSize(paper, orientation), progress, totalSteps, signal };
}

/** What the print view reports about a drawn view (renderer/print-view.ts `snapshot`). */
export interface PrintSnapshot {
  centre: { lonDegrees: number; latDegrees: number };
  metresPerCssPixel: number;
  northDegrees: number;
  legend: MapImage['legend'];
}

/** The workstation page loaded for printing, as a renderer drives it. */
export interface PrintPage {
  /** Resolves once the page has drawn the project's buildings and renders at device pixels. */
  ready(): Promise<void>;
  /** Applies a saved view, waits until it has finished drawing, and measures it. */
  draw(state: ViewState): Promise<{ frames: number; snapshot: PrintSnapshot }>;
  /** PNG of the 3D view alone at device pixels. */
  capture(): Promise<Buffer>;
}

/** Rejects with CANCELLED as soon as the signal aborts, whatever the page is doing (a closed window may never answer). */
export function unlessCancelled<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  throwIfCancelled(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StoreyError('CANCELLED', 'The briefing was cancelled; no PDF was made.'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The pixel size a PNG says it has (its IHDR chunk). */
export function pngSize(png: Buffer): { widthPx: number; heightPx: number } {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new StoreyError('INTERNAL', 'The map renderer did not give a PNG image.');
  }
  return { widthPx: png.readUInt32BE(16), heightPx: png.readUInt32BE(20) };
}

/**
 * Renders every view of the request on a print page. An image below the print resolution the map box needs is an
 * error that says so, rather than a blurry page.
 */
export async function renderOnPrintPage(page: PrintPage, request: MapRenderRequest): Promise<MapImage[]> {
  const { views, signal, progress, totalSteps: total, size } = request;
  await unlessCancelled(page.ready(), signal);
  const box = mapLayout(request.paper, request.orientation).map;
  const images: MapImage[] = [];
  for (const [i, view] of views.entries()) {
    throwIfCancelled(signal);
    const rendering = `rendering map ${i + 1} of ${views.length}: ${view.name}`;
    progress(rendering, { stage: 'rendering', detail: rendering, done: i, total });
    const started = performance.now();
    const { frames, snapshot } = await unlessCancelled(page.draw(view.state), signal);
    progress(`map ${i + 1} drawn in ${((performance.now() - started) / 1000).toFixed(1)} s (${frames} frames)`);
    const png = await unlessCancelled(page.capture(), signal);
    const { widthPx, heightPx } = pngSize(png);
    const dpi = Math.min(widthPx / (box.width / 72), heightPx / (box.height / 72));
    if (dpi < MAP_DPI - 0.5) {
      throw new StoreyError('INTERNAL', `The map of “${view.name}” came out at ${widthPx} × ${heightPx} px, ${Math.floor(dpi)} dpi on the page; print maps need ${MAP_DPI} dpi (${size.widthPx} × ${size.heightPx} px).`);
    }
    images.push({
      viewId: view.id,
      viewName: view.name,
      png,
      widthPx,
      heightPx,
      centre: snapshot.centre,
      headingDegrees: view.state.camera.headingDegrees,
      pitchDegrees: view.state.camera.pitchDegrees,
      northDegrees: snapshot.northDegrees,
      metresPerPixel: (snapshot.metresPerCssPixel * size.cssWidth) / widthPx,
      legend: snapshot.legend,
    });
  }
  return images;
}

/** Only the 3D view, filling the viewport: no panels, legend overlay, credits or status bar in the image. */
export const PRINT_CSS = `
  body > *:not(main), .workspace > *:not(#globe), .cesium-widget-credits { display: none !important; }
  #globe { position: fixed !important; inset: 0 !important; width: 100vw !important; height: 100vh !important; }
`;

/**
 * What a renderer evaluates in the print page, as expressions (a Playwright page and an Electron webContents both take
 * these). They use only the page's window.storeyView hooks.
 */
export const printScripts = {
  /** Waits for the workstation to draw the project's buildings, then renders at device pixels; rejects with the page's error. */
  ready: (timeoutMs = 180_000) => `(async () => {
    const started = Date.now();
    for (;;) {
      if (document.body.dataset.state === 'error') {
        const shown = document.getElementById('error');
        throw new Error('The workstation page failed to start for printing: ' + (shown ? shown.innerText : 'no message'));
      }
      const view = window.storeyView;
      if (view) {
        // Tiles of the opening view are not waited for: the first saved view moves the camera elsewhere anyway.
        if (view.globeState().buildingsReady) break;
        view.requestRender();
      }
      if (Date.now() - started > ${timeoutMs}) throw new Error('The workstation page did not draw the buildings within ${timeoutMs / 1000} s.');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    window.storeyView.print.renderAtDevicePixels();
    return true;
  })()`,
  /** Applies a view at once, waits for three complete frames, and measures it. */
  draw: (state: ViewState) => `(async (state) => {
    const view = window.storeyView;
    await view.applyView(state);
    const frames = await view.print.whenRendered(3);
    return { frames, snapshot: view.print.snapshot() };
  })(${JSON.stringify(state)})`,
};

/** An error thrown in the page, as a person reads it (the engine's wrapping cut off). */
export function pageError(error: unknown): StoreyError {
  if (error instanceof StoreyError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/^.*?Error: /, '');
  return new StoreyError('INTERNAL', message, { cause: error });
}
