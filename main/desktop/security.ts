/**
 * Electron hardening that applies to every window: no navigation away from the app, no new windows, no permission
 * grants, and IPC only from the app's own top frame.
 */
import { app, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';

export const APP_ORIGIN = 'storey://app';

export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}

/** Only https and mailto links leave the app, and only to the system browser or mail client. */
function openExternally(url: string): void {
  if (/^(https:|mailto:)/i.test(url)) void shell.openExternal(url);
}

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      openExternally(url);
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

export function installSessionPolicy(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

/** True when an IPC call comes from the main frame of one of our windows showing the app. */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: (contents: WebContents) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return trusted(event.sender) && isAppUrl(frame.url);
}
