/**
 * The desktop hardening in main/desktop/security.ts, driven through small stand-ins for Electron's objects (the
 * binary cannot run here; tsc checks the module against Electron's real types): only https and mailto leave the app,
 * navigation away is stopped, every permission is denied, and IPC from anything but our window's top frame is refused
 * before it reaches the dispatcher.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebContents } from 'electron';
import { APP_ORIGIN, guardedApiHandler, hardenWebContents, installSessionPolicy, opensExternally } from '../../main/desktop/security.js';

type Listener = (event: { url: string; preventDefault(): void }) => void;

/** A webContents that records its listeners and window-open handler, and a shell that records what it opened. */
function hardened() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const opened: string[] = [];
  const contents = {
    on(name: string, listener: Listener) {
      listeners.set(name, listener);
      return contents;
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      openHandler = handler;
    },
  };
  hardenWebContents(contents as never, { openExternal: async (url: string) => void opened.push(url) });
  const fire = (name: string, url: string) => {
    let prevented = false;
    const listener = listeners.get(name);
    assert.ok(listener, `no ${name} listener`);
    listener({ url, preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { fire, open: (url: string) => openHandler!({ url }).action, opened, listeners };
}

const hostile = ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://share/x', 'ms-msdt:/id', 'storey://other/index.html', 'data:text/html,<b>x</b>', 'not a url'];

test('window.open is always denied; only https and mailto addresses go to the system browser or mail client', () => {
  const { open, opened } = hardened();
  for (const url of ['https://example.com/docs', 'mailto:gis@example.org', ...hostile, `${APP_ORIGIN}/index.html`]) {
    assert.equal(open(url), 'deny', url);
  }
  assert.deepEqual(opened, ['https://example.com/docs', 'mailto:gis@example.org']);
  assert.equal(opensExternally('HTTPS://EXAMPLE.COM'), true);
  for (const url of hostile) assert.equal(opensExternally(url), false, url);
});

test('navigation away from storey://app is stopped in every frame and on redirects; the app itself navigates', () => {
  const { fire, opened, listeners } = hardened();
  for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    assert.equal(fire(name, `${APP_ORIGIN}/index.html`), false, name);
    for (const url of hostile) assert.equal(fire(name, url), true, `${name} ${url}`);
    assert.equal(fire(name, 'https://example.com/'), true, name);
  }
  // A clicked https link (will-navigate) still opens outside, once; frame navigations and redirects open nothing.
  assert.deepEqual(opened, ['https://example.com/']);
  let webviewPrevented = false;
  listeners.get('will-attach-webview')!({ url: '', preventDefault: () => (webviewPrevented = true) });
  assert.equal(webviewPrevented, true);
});

test('every permission request and check is denied, and every new webContents is hardened', () => {
  let requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  let checkHandler: ((...args: unknown[]) => boolean) | undefined;
  let deviceHandler: ((...args: unknown[]) => boolean) | undefined;
  const appListeners = new Map<string, (event: unknown, contents: unknown) => void>();
  installSessionPolicy({
    app: { on: ((name: string, listener: (event: unknown, contents: unknown) => void) => appListeners.set(name, listener)) as never },
    session: {
      defaultSession: {
        setPermissionRequestHandler: ((handler: typeof requestHandler) => (requestHandler = handler)) as never,
        setPermissionCheckHandler: ((handler: typeof checkHandler) => (checkHandler = handler)) as never,
        setDevicePermissionHandler: ((handler: typeof deviceHandler) => (deviceHandler = handler)) as never,
      },
    },
    shell: { openExternal: async () => undefined },
  });
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fileSystem', 'hid', 'serial', 'usb', 'midiSysex', 'pointerLock', 'fullscreen']) {
    let answer: boolean | undefined;
    requestHandler!(null, permission, (granted) => (answer = granted));
    assert.equal(answer, false, permission);
    assert.equal(checkHandler!(null, permission, APP_ORIGIN, {}), false, permission);
  }
  assert.equal(deviceHandler!({ deviceType: 'usb', origin: APP_ORIGIN }), false);
  // A webContents created later (a window, a devtools view) gets the same navigation rules.
  const created = new Set<string>();
  appListeners.get('web-contents-created')!({}, { on: (name: string) => created.add(name), setWindowOpenHandler: () => created.add('open-handler') });
  assert.deepEqual([...created].sort(), ['open-handler', 'will-attach-webview', 'will-frame-navigate', 'will-navigate', 'will-redirect']);
});

test('IPC is answered only for the top frame of our own window showing the app', async () => {
  const calls: string[] = [];
  const ours = { mainFrame: undefined as unknown } as { mainFrame: unknown };
  const ourFrame = { url: `${APP_ORIGIN}/index.html` };
  ours.mainFrame = ourFrame;
  const handler = guardedApiHandler((contents) => contents === (ours as unknown as WebContents), async (operation) => {
    calls.push(operation);
    return { ok: true, value: operation };
  });
  const call = (sender: unknown, senderFrame: unknown, operation: unknown = 'listNotes') => handler({ sender, senderFrame } as never, operation, {});

  assert.deepEqual(await call(ours, ourFrame), { ok: true, value: 'listNotes' });
  const other = { mainFrame: { url: `${APP_ORIGIN}/index.html` } };
  const refusals = [
    await call(ours, { url: `${APP_ORIGIN}/index.html` }), // a subframe of our window
    await call(ours, null), // the frame is gone
    await call(other, other.mainFrame), // another webContents (not one of our windows)
  ];
  // Our window after it somehow navigated away from the app.
  ourFrame.url = 'https://example.com/';
  refusals.push(await call(ours, ourFrame));
  for (const refusal of refusals) assert.deepEqual(refusal, { ok: false, error: { code: 'UNAUTHORIZED', message: 'Refused: the call did not come from a Storey window.' } });
  ourFrame.url = `${APP_ORIGIN}/`;
  assert.equal((await call(ours, ourFrame, 42)).ok, false);
  assert.deepEqual(calls, ['listNotes']);
});
