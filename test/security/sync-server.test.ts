/**
 * Claims of docs/security.md about the sync server that test/sync does not prove already: tokens exist on disk only
 * as hashes (master and workstation alike), the server speaks nothing but TLS, a token's notes and views are its
 * own, and a stolen token's requests are logged with the address they came from. On the Danish data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Area } from '../../core/sync/area.js';
import { createProjectFromServer } from '../../core/sync/sync-client.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';
import { makeCertificates, type Certificates } from '../sync/sync-support.js';

const dir = tempDir('storey-sync-security-');
const root = findPackageRoot(import.meta.dirname);
const masterPath = join(dir, 'master.storey');
const odense: Area = { west: 10.38, south: 55.39, east: 10.40, north: 55.40 };

let certs: Certificates;
let server: SyncServer;
let serverUrl: string;
const tokens: Record<'analyst' | 'colleague', string> = { analyst: '', colleague: '' };

/** Every file SQLite may keep for a database: the file, its WAL and its shared-memory index. */
function fileBytes(path: string): Buffer {
  return Buffer.concat(['', '-wal', '-shm', '-journal'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));
}

function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = request(`${serverUrl}${path}`, { method, ca: certs.ca, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

before(async () => {
  certs = makeCertificates(dir);
  const master = ProjectFile.create(masterPath, { name: 'Master' });
  try {
    await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
    captureGeneration(master);
    tokens.analyst = createToken(master, { name: 'analyst', area: odense }).token;
    tokens.colleague = createToken(master, { name: 'colleague', area: odense }).token;
  } finally {
    master.close();
  }
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;
});

after(async () => {
  await server?.close();
});

test('the master keeps only the SHA-256 of each token: the token itself is in none of its files', () => {
  const master = ProjectFile.open(masterPath, { readOnly: true });
  let stored: string[];
  try {
    stored = master.db.prepare(`SELECT token_hash FROM storey_sync_tokens ORDER BY name`).pluck().all() as string[];
  } finally {
    master.close();
  }
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  assert.deepEqual(stored, [sha(tokens.analyst), sha(tokens.colleague)]);
  const bytes = fileBytes(masterPath);
  for (const token of Object.values(tokens)) {
    assert.match(token, /^sty_[A-Za-z0-9_-]{43}$/);
    assert.equal(bytes.indexOf(token), -1, 'the token in the master file or its WAL');
    // The control: what the search looks for is findable when it is there.
    assert.notEqual(bytes.indexOf(Buffer.from(sha(token))), -1, 'its hash is');
  }
});

test('a synced workstation project does not contain the token', async () => {
  const path = join(dir, 'laptop.storey');
  const { project, summary } = await createProjectFromServer(path, { name: 'Laptop', server: serverUrl, caPath: certs.caPath, area: null }, { token: tokens.analyst });
  const bytes = fileBytes(path);
  project.close();
  assert.ok(summary.applied!.records.put > 0, 'records arrived');
  assert.notEqual(fileBytes(path).indexOf(Buffer.from(serverUrl)), -1, 'the control: the server address is kept, and found');
  assert.equal(bytes.indexOf(tokens.analyst), -1, 'the token while the project was open');
  assert.equal(fileBytes(path).indexOf(tokens.analyst), -1, 'the token after closing');
});

test('the server speaks only TLS: a plain HTTP request gets no answer, and no data', async () => {
  const port = new URL(serverUrl).port;
  const outcome = await new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/manifest', headers: { authorization: `Bearer ${tokens.analyst}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(`status ${res.statusCode}: ${text}`));
    });
    req.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
  assert.doesNotMatch(outcome, /generation|tokenName|registry/, outcome);
  assert.match(outcome, /^error |^status 400/, outcome);
});

test("a token's notes and views are its own: another token neither sees nor overwrites them", async () => {
  const pushed = await call('POST', '/v1/items', tokens.analyst, { items: [{ kind: 'note', id: 'note-a', baseRev: null, body: { text: 'Stairwell B blocked' } }] });
  assert.equal(pushed.status, 200, pushed.body);
  const own = JSON.parse((await call('GET', '/v1/items?since=0', tokens.analyst)).body) as { items: Array<{ id: string }> };
  assert.deepEqual(own.items.map((i) => i.id), ['note-a']);
  const other = await call('GET', '/v1/items?since=0', tokens.colleague);
  assert.equal(other.status, 200);
  assert.doesNotMatch(other.body, /note-a|Stairwell B/);
  // The colleague writing the same id makes its own note; the analyst's stays as it was.
  await call('POST', '/v1/items', tokens.colleague, { items: [{ kind: 'note', id: 'note-a', baseRev: null, body: { text: 'overwritten' } }] });
  const after = await call('GET', '/v1/items?since=0', tokens.analyst);
  assert.match(after.body, /Stairwell B blocked/);
  assert.doesNotMatch(after.body, /overwritten/);
});

test('every request is in the audit log with the token name and the address it came from, refusals too', async () => {
  const master = ProjectFile.open(masterPath, { readOnly: true });
  const count = () => master.db.prepare(`SELECT count(*) FROM storey_sync_audit`).pluck().get() as number;
  const before = count();
  await call('GET', '/v1/manifest', tokens.colleague);
  await call('GET', '/v1/manifest', `sty_${'B'.repeat(43)}`);
  // The server writes a row when the response has closed, which may be just after the client has read it.
  for (let i = 0; count() < before + 2 && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
  try {
    const rows = master.db.prepare(`SELECT token_name, remote, route, status, detail FROM storey_sync_audit ORDER BY id DESC LIMIT 2`).all() as Array<{ token_name: string | null; remote: string; route: string; status: number; detail: string }>;
    assert.deepEqual(rows.map((r) => [r.token_name, r.route, r.status]), [[null, 'GET /v1/manifest', 401], ['colleague', 'GET /v1/manifest', 200]]);
    assert.ok(rows.every((r) => /127\.0\.0\.1/.test(r.remote)), rows.map((r) => r.remote).join(', '));
    assert.match(rows[0]!.detail, /TOKEN_INVALID/);
    const all = master.db.prepare(`SELECT detail FROM storey_sync_audit`).pluck().all() as string[];
    assert.ok(all.every((d) => !Object.values(tokens).some((t) => d.includes(t))), 'no token in the log');
  } finally {
    master.close();
  }
});
