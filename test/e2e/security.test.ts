/**
 * The web host's defences, proven at run time in Chromium and over raw HTTP: the page has no Node globals; a page of
 * another local origin cannot call the API (fetch, XHR, form POST), embed the UI or leave a trace in the project;
 * every response carries the CSP; permissions are never granted, not even after a person would click "Allow"; the
 * Host header (DNS rebinding) and the session token are checked on every route, tiles included. One browser.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { saveCopy } from '../../core/project/copy.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { chromiumArgs, chromiumPath, openGuardedPage, type GuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;
let tilePath = '';
let evil: Server;
let evilOrigin = '';
/** Every response the browser saw from the host, with its status and headers. */
const seen: Array<{ url: string; status: number; headers: Record<string, string> }> = [];

/** A raw HTTP request to the host, so the test controls the Host header (which fetch() does not allow). */
function raw(path: string, options: { method?: string; host?: string; cookie?: boolean; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: options.host ?? `127.0.0.1:${host.port}`, ...options.headers };
    if (options.cookie !== false) headers['Cookie'] = `storey_session_${host.port}=${host.token}`;
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The page another local program (or a browser tab on another port) could serve: it tries to use the host. */
function evilPage(target: string): string {
  return `<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<script>
window.results = {};
const note = JSON.stringify({ text: 'planted from another origin', buildingId: null, lonDegrees: 0, latDegrees: 0, heightMeters: 0 });
async function attempt(name, fn) { try { window.results[name] = await fn(); } catch (e) { window.results[name] = 'error: ' + e.name; } }
window.run = async () => {
  await attempt('fetch', async () => (await fetch('${target}/api/saveNote', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: note })).status);
  await attempt('fetchJson', async () => (await fetch('${target}/api/saveNote', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: note })).status);
  await attempt('fetchNoCors', async () => (await fetch('${target}/api/saveNote', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: note })).type);
  await attempt('fetchTile', async () => (await fetch('${target}${'$'}{window.tilePath}', { credentials: 'include' })).status);
  await attempt('xhr', () => new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '${target}/api/saveNote');
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'text/plain');
    xhr.onload = () => resolve('loaded ' + xhr.status);
    xhr.onerror = () => resolve('network error');
    xhr.send(note);
  }));
};
</script>
<iframe id="embed" src="${target}/" width="400" height="300"></iframe>
<form id="form" method="POST" action="${target}/api/saveNote" enctype="text/plain"><input name='{"text":"planted by a form","buildingId":null,"lonDegrees":0,"latDegrees":0,"heightMeters":0,"x":"' value='"}'></form>`;
}

before(async () => {
  const projectPath = join(dir, 'secure.storey');
  createSampleProject(projectPath).close();
  const project = ProjectFile.open(projectPath);
  const layer = await importTiles(project, sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles'));
  const tile = project.db.prepare('SELECT tile_path FROM storey_tiles WHERE layer_id = ? LIMIT 1').get(layer.id) as { tile_path: string };
  tilePath = `/tiles/${layer.id}/${tile.tile_path}`;
  // An encrypted project beside it, in the folder the host serves.
  saveCopy(project, join(dir, 'locked.storey'), { passphrase: 'the passphrase of locked' });
  project.close();
  process.env['STOREY_HOME'] = join(dir, 'home');
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json') });
  evil = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(evilPage(host.origin));
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  // Fake camera and microphone, so a refusal below is the host's policy and not a missing device.
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs, '--use-fake-device-for-media-stream'], headless: true });
  // The guard lets the host and the other local page through; anything else would be a request leaving the machine.
  guarded = await openGuardedPage(browser, host.origin, { width: 800, height: 600 });
  page = guarded.page;
  guarded.context.on('response', (response) => {
    if (response.url().startsWith(host.origin)) seen.push({ url: response.url(), status: response.status(), headers: response.headers() });
  });
  await page.goto(host.url);
  await page.waitForFunction(() => ['ready', 'no-project', 'error'].includes(document.body.dataset['state'] ?? ''), undefined, { timeout: 120_000 });
});

after(async () => {
  await browser?.close();
  await host?.close();
  await new Promise((resolve) => evil?.close(resolve));
});

test('the page runs the UI and has no require, process, Buffer, global or other Node globals', async () => {
  assert.equal(await page.evaluate(() => document.body.dataset['state']), 'ready', guarded.errors.join('\n'));
  const globals = await page.evaluate(() =>
    Object.fromEntries(['require', 'process', 'Buffer', 'global', 'module', 'exports', '__dirname', '__filename', 'setImmediate', 'nodeRequire', 'electron', 'ipcRenderer'].map((name) => [name, typeof (window as unknown as Record<string, unknown>)[name]])),
  );
  for (const [name, type] of Object.entries(globals)) assert.equal(type, 'undefined', `window.${name} is ${type}`);
  // Nor can a script be smuggled in: the CSP refuses inline scripts and string evaluation. (page.evaluate itself is
  // exempt from CSP, so the attempts are made the way a planted string would run: an inline <script> and a string timer.)
  const violations = await page.evaluate(`new Promise((resolve) => {
    const seen = [];
    document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = typeof process';
    document.body.append(script);
    setTimeout('window.stringTimerRan = true', 0);
    setTimeout(() => resolve({ seen, inline: window.inlineRan ?? null, timer: window.stringTimerRan ?? null }), 300);
  })`) as { seen: string[]; inline: unknown; timer: unknown };
  assert.equal(violations.inline, null);
  assert.equal(violations.timer, null);
  assert.ok(violations.seen.filter((d) => d.startsWith('script-src')).length >= 2, JSON.stringify(violations.seen));
  assert.deepEqual(guarded.external, []);
});

test('every response the browser received from the host carries the CSP and the security headers', () => {
  assert.ok(seen.length > 10, `only ${seen.length} responses`);
  assert.ok(seen.some((r) => r.url.includes('/api/')) && seen.some((r) => r.url.endsWith('.js')) && seen.some((r) => r.status === 303));
  for (const response of seen) {
    assert.match(response.headers['content-security-policy'] ?? '', /default-src 'self'.*frame-ancestors 'none'/, `${response.status} ${response.url}`);
    assert.equal(response.headers['x-content-type-options'], 'nosniff', response.url);
    assert.match(response.headers['permissions-policy'] ?? '', /camera=\(\)/, response.url);
  }
});

test('pages, assets, API, tiles, 304s and errors all carry the CSP', async () => {
  const tile = await raw(tilePath);
  assert.equal(tile.status, 200);
  const cases = [
    await raw('/'),
    await raw('/index.html'),
    await raw('/no-such-file.js'),
    await raw('/../../etc/passwd'),
    await raw('/api/listNotes', { method: 'POST', body: '{}' }),
    await raw('/api/noSuchOperation', { method: 'POST', body: '{}' }),
    await raw('/api/listNotes', { method: 'GET' }),
    await raw('/api/saveNote', { method: 'POST', body: '{not json' }),
    tile,
    await raw(tilePath, { headers: { 'If-None-Match': String(tile.headers['etag']) } }),
    await raw('/tiles/nolayer/0/0/0.png'),
    await raw('/', { cookie: false }),
    await raw('/', { host: 'evil.example' }),
    await raw('/?token=wrong', { cookie: false }),
  ];
  assert.deepEqual(cases.map((c) => c.status), [200, 200, 404, 400, 200, 404, 405, 400, 200, 304, 404, 401, 403, 401]);
  for (const [index, response] of cases.entries()) {
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/, `case ${index} (${response.status})`);
  }
});

test('the token is required on every route, tiles included', async () => {
  for (const path of ['/', '/index.html', '/app.js', tilePath, '/tiles/', '/api/listNotes', '/api/getHostInfo']) {
    const method = path.startsWith('/api/') ? 'POST' : 'GET';
    const body = method === 'POST' ? '{}' : undefined;
    const none = await raw(path, { method, cookie: false, body });
    assert.equal(none.status, 401, `${path} without a token`);
    assert.doesNotMatch(none.body, /<html|"ok":true/i, path);
    const wrong = await raw(path, { method, cookie: false, headers: { Cookie: `storey_session_${host.port}=${'x'.repeat(host.token.length)}`, Authorization: 'Bearer nope' }, body });
    assert.equal(wrong.status, 401, `${path} with a wrong token`);
  }
  // The right token, as a bearer header instead of the cookie, is enough: the checks above are not refusing everything.
  assert.equal((await raw(tilePath, { cookie: false, headers: { Authorization: `Bearer ${host.token}` } })).status, 200);
});

test('the Host header is checked on every route (DNS rebinding), even with the right token', async () => {
  for (const badHost of ['evil.example', `evil.example:${host.port}`, `127.0.0.1.nip.io:${host.port}`, `127.0.0.1:${host.port + 1}`, `[::1]:${host.port}`]) {
    for (const path of ['/', '/index.html', tilePath, '/api/listNotes', `/?token=${host.token}`]) {
      const response = await raw(path, { host: badHost, ...(path.startsWith('/api/') ? { method: 'POST', body: '{}' } : {}) });
      assert.equal(response.status, 403, `${path} with Host: ${badHost}`);
      assert.equal(response.headers['set-cookie'], undefined);
    }
  }
  assert.equal((await raw('/', { host: `localhost:${host.port}` })).status, 200);
});

test('a page of another local origin cannot call the API, read tiles, post a form or embed the UI', async () => {
  const other = await guarded.context.newPage();
  const refused: Array<{ url: string; status: number }> = [];
  other.on('response', (response) => {
    if (response.url().startsWith(host.origin)) refused.push({ url: new URL(response.url()).pathname, status: response.status() });
  });
  // The guarded context only lets the host through; this page is local too, so it is let through explicitly.
  await guarded.context.route(`${evilOrigin}/**`, (route) => route.continue());
  await other.goto(evilOrigin + '/');
  await other.evaluate((path) => ((window as unknown as { tilePath: string }).tilePath = path), tilePath);
  await other.evaluate(() => (window as unknown as { run(): Promise<void> }).run());
  const results = await other.evaluate(() => (window as unknown as { results: Record<string, unknown> }).results);
  // CORS hides the host's answer from the script; the no-cors request gets an opaque response it cannot read.
  assert.equal(results['fetch'], 'error: TypeError');
  assert.equal(results['fetchJson'], 'error: TypeError');
  assert.equal(results['fetchTile'], 'error: TypeError');
  assert.equal(results['fetchNoCors'], 'opaque');
  assert.equal(results['xhr'], 'network error');
  // The framed UI is refused by frame-ancestors 'none': the frame never shows the host's page.
  const frame = other.frames().find((f) => f !== other.mainFrame());
  assert.ok(frame);
  assert.notEqual(await frame.evaluate(() => document.body?.dataset['state'] ?? null).catch(() => null), 'ready');
  await Promise.all([other.waitForNavigation(), other.evaluate(() => (document.getElementById('form') as HTMLFormElement).submit())]);
  await other.close();

  // Those the browser reports (the no-cors fetch and the form; CORS failures hide theirs) were refused by the host
  // itself (403: the Origin is not its own), not merely hidden from the script.
  const attempts = refused.filter((r) => r.url.startsWith('/api/') || r.url.startsWith('/tiles/'));
  assert.ok(attempts.length >= 2, JSON.stringify(refused));
  for (const attempt of attempts) assert.ok(attempt.status === 403 || attempt.status === 401, JSON.stringify(attempt));
  // Nothing reached the project.
  const notes = await raw('/api/listNotes', { method: 'POST', body: '{}' });
  assert.equal(notes.status, 200);
  assert.deepEqual((JSON.parse(notes.body) as { value: { notes: unknown[] } }).value.notes, []);
});

test('permission requests are denied, even when the browser would grant them', async () => {
  const notification = await page.evaluate(async () => ({ before: Notification.permission, asked: await Notification.requestPermission() }));
  assert.notEqual(notification.before, 'granted');
  assert.notEqual(notification.asked, 'granted');
  // Now a person "clicks Allow" for everything: the host's Permissions-Policy still keeps the page from using them.
  await guarded.context.grantPermissions(['geolocation', 'camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: host.origin });
  // A string, so the test runner's helpers do not leak into the page's code.
  const outcome = (await page.evaluate(`(async () => {
    const settle = async (fn) => { try { await fn(); return 'granted'; } catch (error) { return error.name || String(error); } };
    return {
      policyAllowsCamera: document.featurePolicy ? document.featurePolicy.allowsFeature('camera') : 'unknown',
      geolocation: await new Promise((resolve) => navigator.geolocation.getCurrentPosition(() => resolve('granted'), (error) => resolve('denied ' + error.code), { timeout: 5000 })),
      camera: await settle(() => navigator.mediaDevices.getUserMedia({ video: true })),
      microphone: await settle(() => navigator.mediaDevices.getUserMedia({ audio: true })),
      clipboardRead: await settle(() => navigator.clipboard.readText()),
    };
  })()`)) as Record<string, string>;
  assert.equal(outcome.geolocation, 'denied 1', JSON.stringify(outcome));
  assert.equal(outcome.camera, 'NotAllowedError');
  assert.equal(outcome.microphone, 'NotAllowedError');
  assert.equal(outcome.clipboardRead, 'NotAllowedError');
  assert.equal(outcome.policyAllowsCamera, false);
});

test('an encrypted project in the folder asks for its passphrase; a wrong one is refused; the right one opens it (last: it switches projects)', async () => {
  const open = async (passphrase?: string) => {
    const response = await raw('/api/openProject', { method: 'POST', body: JSON.stringify({ ref: { kind: 'folder', fileName: 'locked.storey' }, ...(passphrase ? { passphrase } : {}) }) });
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { value: { opened: boolean; problem?: { code: string; message: string; fileName: string } } }).value;
  };
  const first = await open();
  assert.equal(first.opened, false);
  assert.equal(first.problem?.code, 'ENCRYPTED');
  assert.equal(first.problem?.fileName, 'locked.storey');
  const wrong = await open('not the passphrase');
  assert.equal(wrong.problem?.code, 'WRONG_KEY');
  assert.match(wrong.problem?.message ?? '', /does not open locked\.storey/);
  const right = await open('the passphrase of locked');
  assert.equal(right.opened, true);
  assert.equal(host.project.encrypted, true);
});
