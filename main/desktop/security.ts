/**
 * Electron hardening that applies to every window: no navigation away from the app, no new windows, no webviews, no
 * permission grants, and IPC only from the app's own top frame. Electron's objects are handed in rather than
 * imported, so tests reach every rule with small stand-ins while tsc checks it against Electron's real types.
 */
import type { App, IpcMainInvokeEvent, Session, Shell, WebContents } from 'electron';
import type { Dispatch } from '../../core/api/dispatch.js';
import type { ApiResult } from '../../common/operations.js';

export const APP_ORIGIN = 'storey://app';

export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}

/** Only https and mailto links may leave the app, and only to the system browser or mail client. */
export function opensExternally(url: string): boolean {
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'https:' || protocol === 'mailto:';
  } catch {
    return false;
  }
}

function openExternally(shell: Pick<Shell, 'openExternal'>, url: string): void {
  if (opensExternally(url)) void shell.openExternal(url);
}

type HardenedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export function hardenWebContents(contents: HardenedContents, shell: Pick<Shell, 'openExternal'>): void {
  // A link clicked to an https or mailto address opens outside; any other navigation away from the app just stops.
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) {
      event.preventDefault();
      openExternally(shell, event.url);
    }
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(shell, url);
    return { action: 'deny' };
  });
}

type PolicySession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>;

/** Every permission (camera, geolocation, notifications, clipboard, USB, ...) is refused, asked or merely checked. */
export function denyAllPermissions(session: PolicySession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function installSessionPolicy(electron: { app: Pick<App, 'on'>; session: { defaultSession: PolicySession }; shell: Pick<Shell, 'openExternal'> }): void {
  denyAllPermissions(electron.session.defaultSession);
  electron.app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, electron.shell));
}

/** True when an IPC call comes from the main frame of one of our windows showing the app. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, trusted: (contents: WebContents) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return trusted(event.sender) && isAppUrl(frame.url);
}

/**
 * The handler behind the API channel: a call from anything but the main frame of one of our windows showing the app
 * (a subframe, a window that navigated away, another webContents) is refused before it reaches the dispatcher.
 */
export function guardedApiHandler(trusted: (contents: WebContents) => boolean, dispatch: Dispatch) {
  return async (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, operation: unknown, input: unknown): Promise<ApiResult> => {
    if (!isTrustedSender(event, trusted)) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Refused: the call did not come from a Storey window.' } };
    }
    if (typeof operation !== 'string') return { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Operation name must be a string.' } };
    return dispatch(operation, input);
  };
}
