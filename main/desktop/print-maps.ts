/**
 * Briefing maps on the desktop, drawn by the app's own renderer: a hidden offscreen window on storey://app (same
 * session, preload and security policy as the workstation window) loads the workstation page at the map box's CSS
 * size with the print device scale, applies each saved view through the print hooks and captures the page at print
 * resolution. Electron's objects are handed in (PrintWindows), so tests reach the whole flow with stand-ins while tsc
 * checks the Electron half against Electron's real types.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import type { ApiResult } from '../../common/operations.js';
import type { Dispatch } from '../../core/api/dispatch.js';
import { PRINT_CSS, pageError, printScripts, renderOnPrintPage, unlessCancelled, type MapPixelSize, type MapRenderer, type PrintSnapshot } from '../../core/brief/map-renderer.js';
import { throwIfCancelled } from '../../core/brief/types.js';
import { APP_ORIGIN } from './security.js';

/** One hidden window showing the workstation page for printing. */
export interface PrintWindow {
  load(url: string): Promise<void>;
  insertCSS(css: string): Promise<void>;
  /** Evaluates an expression in the page's main world; a promise is waited for. */
  evaluate(expression: string): Promise<unknown>;
  /** PNG of the whole page at its device pixels. */
  capture(): Promise<Buffer>;
  /** Closes the window at once; pending calls may never answer (callers race them against the signal). */
  destroy(): void;
}

export type PrintWindows = (size: MapPixelSize) => PrintWindow;

/** The page the print window loads: the workstation itself, as the window shows it. */
export const PRINT_PAGE_URL = `${APP_ORIGIN}/index.html`;

export function desktopMapRenderer(openWindow: PrintWindows): MapRenderer {
  return {
    description: "the Storey desktop app's own renderer (a hidden offscreen window)",
    render: async (request) => {
      const { signal, size, views } = request;
      if (views.length === 0) return [];
      throwIfCancelled(signal);
      const starting = `opening a print window for ${views.length} map${views.length === 1 ? '' : 's'} at ${size.widthPx} × ${size.heightPx} px`;
      request.progress(starting, { stage: 'starting', detail: starting, done: 0, total: request.totalSteps });
      const printWindow = openWindow(size);
      // Cancelling closes the window under the page; the waits below are raced against the signal as well.
      const stop = () => printWindow.destroy();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        await unlessCancelled(printWindow.load(PRINT_PAGE_URL), signal);
        await unlessCancelled(printWindow.insertCSS(PRINT_CSS), signal);
        return await renderOnPrintPage(
          {
            ready: async () => {
              await printWindow.evaluate(printScripts.ready()).catch((error: unknown) => {
                throw pageError(error);
              });
            },
            draw: async (state) => (await printWindow.evaluate(printScripts.draw(state)).catch((error: unknown) => {
              throw pageError(error);
            })) as { frames: number; snapshot: PrintSnapshot },
            capture: () => printWindow.capture(),
          },
          request,
        );
      } finally {
        signal?.removeEventListener('abort', stop);
        printWindow.destroy();
      }
    },
  };
}

/**
 * The print page is not the analyst's session: it starts without one and what it would remember is dropped, so
 * printing never moves where the workstation reopens. Every other call goes to the host as the window's would.
 */
export function printPageDispatch(dispatch: Dispatch): Dispatch {
  return async (operation, input): Promise<ApiResult> => {
    if (operation === 'getSessionState') return { ok: true, value: { state: null } };
    if (operation === 'saveSessionState') return { ok: true, value: { saved: false } };
    return dispatch(operation, input);
  };
}

/**
 * Print windows in Electron: offscreen (never shown, not limited to the screen's size, rendered at the print device
 * scale), with the workstation window's preload and web preferences. `track` is told of each window's webContents
 * while it lives, so the IPC guard answers its page (through printPageDispatch).
 */
export function electronPrintWindows(options: {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  webPreferences: NonNullable<BrowserWindowConstructorOptions['webPreferences']>;
  track: (contents: WebContents) => () => void;
}): PrintWindows {
  return (size) => {
    const printWindow = new options.BrowserWindow({
      show: false,
      width: size.cssWidth,
      height: size.cssHeight,
      useContentSize: true,
      frame: false,
      webPreferences: { ...options.webPreferences, offscreen: { deviceScaleFactor: size.deviceScale }, backgroundThrottling: false },
    });
    const contents = printWindow.webContents;
    const untrack = options.track(contents);
    printWindow.on('closed', untrack);
    return {
      load: (url) => printWindow.loadURL(url),
      insertCSS: async (css) => {
        await contents.insertCSS(css);
      },
      evaluate: (expression) => contents.executeJavaScript(expression, true) as Promise<unknown>,
      capture: async () => (await contents.capturePage()).toPNG(),
      destroy: () => {
        if (!printWindow.isDestroyed()) printWindow.destroy();
      },
    };
  };
}
