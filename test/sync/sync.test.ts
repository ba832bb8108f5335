/**
 * Sync over loopback TLS on the Danish data: a master filled by import and captured into generations, a server,
 * and workstations syncing an area. Checks equality with the server's area, incremental generations, refusals,
 * resume after a cut connection, refused damaged tiles and note conflicts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ProjectFile } from '../../core/project/project-file.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { formatArea, type Area } from '../../core/sync/area.js';
import { applyStaged } from '../../core/sync/apply.js';
import { FrameReader } from '../../core/sync/wire.js';
import { sha256Hex } from '../../core/tiles/tile-store.js';
import { createProjectFromServer, syncProject, writeSyncSettings, type SyncOptions, type SyncProgress } from '../../core/sync/sync-client.js';
import { isEncryptedFile } from '../../core/project/encryption.js';
import { listAudit, type AuditEntry } from '../../core/project/audit.js';
import { saveNote } from '../../core/api/views-notes.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken, parseExpiry, revokeToken } from '../../server/tokens.js';
import { StoreyError } from '../../common/errors.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';
import { assertSameContent, content, cuttingProxy, makeCertificates, type Certificates, createDanishMaster } from './sync-support.js';

const dir = tempDir('storey-sync-');
const masterPath = join(dir, 'master.storey');
/** Central Odense: the multi-storey blocks. */
const odense: Area = { west: 10.36, south: 55.38, east: 10.41, north: 55.41 };
/** Utrechtse Heuvelrug: the terrain tiles, and none of the Danish records. */
const heuvelrug: Area = { west: 5.2, south: 51.8, east: 5.4, north: 52.2 };

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let serverUrl: string;
const tokens: Record<string, string> = {};

function opts(token: string, extra: Partial<SyncOptions> = {}): SyncOptions {
  return { token, server: serverUrl, caPath: certs.caPath, ...extra };
}

before(async () => {
  certs = makeCertificates(dir);
  master = await createDanishMaster(masterPath, { terrain: true });
  const first = captureGeneration(master);
  assert.equal(first.generation, 1);
  assert.equal(captureGeneration(master).changed, false, 'a capture with nothing changed makes no generation');
  tokens['odense'] = createToken(master, { name: 'analyst-odense', area: odense }).token;
  tokens['full'] = createToken(master, { name: 'admin-full' }).token;
  tokens['heuvelrug'] = createToken(master, { name: 'analyst-nl', area: heuvelrug }).token;
  tokens['fields'] = createToken(master, { name: 'analyst-fields', area: odense, fields: ['use_code'] }).token;
  tokens['revoked'] = createToken(master, { name: 'gone' }).token;
  revokeToken(master, 'gone');
  tokens['expired'] = createToken(master, { name: 'old', expiresAt: parseExpiry('2020-01-01') }).token;
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;
});

after(async () => {
  await server?.close();
  master?.close();
});

function rawGet(path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${serverUrl}${path}`, { ca: certs.ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let odenseProject: ProjectFile;

test('an initial sync gives the project exactly the server\'s area: records and tiles', async () => {
  const progress: number[] = [];
  const { project, summary } = await createProjectFromServer(join(dir, 'odense.storey'), { name: 'Odense', server: serverUrl, caPath: certs.caPath, area: null }, opts(tokens['odense']!, {
    onProgress: (p) => progress.push(p.bytes),
  }));
  odenseProject = project;
  const expected = content(master, odense);
  assert.ok([...expected.keys()].filter((k) => k.startsWith('buildings/')).length > 50, 'central Odense has buildings');
  assert.ok([...expected.keys()].some((k) => k.startsWith('units/')), 'and units');
  assertSameContent(content(project), expected);
  assert.equal(summary.generation, 1);
  assert.equal(project.getMeta('sync.generation'), '1');
  assert.ok(summary.blobsFetched > 0 && summary.bytesReceived > 0);
  assert.ok(progress.at(-1)! >= progress[0]!, 'progress reports bytes as they grow');
  // Nothing from outside the area: no Heuvelrug terrain, no building of Aarhus or Copenhagen.
  assert.equal(project.db.prepare(`SELECT count(*) FROM storey_layers WHERE kind = 'terrain'`).pluck().get(), 0);
  assert.equal(project.db.prepare(`PRAGMA integrity_check`).pluck().get(), 'ok');
  // The first sync wrote with a rollback journal (its tiles once); the project is used in WAL mode again.
  assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(existsSync(join(dir, 'odense.storey-journal')), false, 'no journal file is left');
  assert.ok((project.db.prepare(`SELECT count(*) FROM storey_address_search WHERE storey_address_search MATCH 'odense'`).pluck().get() as number) > 0, 'synced addresses are searchable');
  const audit = master.db.prepare(`SELECT route, status FROM storey_sync_audit WHERE token_name = 'analyst-odense'`).all() as Array<{ route: string; status: number }>;
  assert.ok(audit.some((a) => a.route === 'GET /v1/changes' && a.status === 200), 'the audit log records who synced what');
  // A second sync with nothing new transfers no records or tiles.
  const again = await syncProject(project, opts(tokens['odense']!));
  assert.equal(again.applied, null);
  assert.equal(again.blobsFetched, 0);
});

test('refusals: no token, a wrong, revoked or expired token; an area outside the token; an untrusted server', async () => {
  assert.equal((await rawGet('/v1/manifest')).status, 401);
  assert.match((await rawGet('/v1/manifest')).body, /TOKEN_MISSING/);
  const wrong = await rawGet('/v1/manifest', `sty_${'A'.repeat(43)}`);
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /TOKEN_INVALID/);
  for (const [name, code] of [['revoked', 'TOKEN_REVOKED'], ['expired', 'TOKEN_EXPIRED']] as const) {
    const response = await rawGet('/v1/changes?since=0&upto=1', tokens[name]);
    assert.equal(response.status, 401, name);
    assert.match(response.body, new RegExp(code));
    assert.doesNotMatch(response.body, /registry_id|buildings/, 'a refusal leaks nothing');
  }
  const outside = await rawGet(`/v1/manifest?area=${formatArea(heuvelrug)}`, tokens['odense']);
  assert.equal(outside.status, 403);
  assert.match(outside.body, /OUTSIDE_AREA/);
  await assert.rejects(
    createProjectFromServer(join(dir, 'rogue.storey'), { name: 'x', server: serverUrl, caPath: certs.rogueCaPath, area: null }, opts(tokens['odense']!, { caPath: certs.rogueCaPath })),
    (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED' && /not trusted/.test(e.message),
  );
  const audit = master.db.prepare(`SELECT detail FROM storey_sync_audit WHERE status = 401`).pluck().all() as string[];
  assert.ok(audit.some((d) => d.includes('TOKEN_REVOKED')), 'refusals are in the audit log');
});

test('a token outside the Danish area sees none of it; a token with fields sees only those', async () => {
  const page = { records: [] as unknown[], tiles: [] as unknown[] };
  const anyDanishId = master.db.prepare(`SELECT registry_id FROM buildings LIMIT 1`).pluck().get() as string;
  for (let cursor = ''; ;) {
    const changes = await rawGet(`/v1/changes?since=0&upto=1&limit=10000${cursor}`, tokens['heuvelrug']);
    assert.equal(changes.status, 200);
    assert.ok(!changes.body.includes(anyDanishId));
    const body = JSON.parse(changes.body) as { records: unknown[]; tiles: unknown[]; next: string | null };
    page.records.push(...body.records);
    page.tiles.push(...body.tiles);
    if (!body.next) break;
    cursor = `&cursor=${body.next}`;
  }
  assert.equal(page.records.length, 0, 'no Danish record, not even an id');
  assert.ok(page.tiles.length > 400, 'but the terrain of its own area');

  const { project } = await createProjectFromServer(join(dir, 'fields.storey'), { name: 'f', server: serverUrl, caPath: certs.caPath, area: null }, opts(tokens['fields']!));
  try {
    const withYear = master.db.prepare(`SELECT count(*) FROM buildings WHERE year_built IS NOT NULL`).pluck().get() as number;
    assert.ok(withYear > 0);
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings WHERE year_built IS NOT NULL`).pluck().get(), 0, 'year_built is not among its fields');
    assert.ok((project.db.prepare(`SELECT count(*) FROM buildings WHERE use_code IS NOT NULL`).pluck().get() as number) > 0, 'use_code is');
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings WHERE attributes <> '{}'`).pluck().get(), 0, 'attributes not listed are left out');
  } finally {
    project.close();
  }
});

test('a change on the server arrives as one generation, and only the change is transferred', async () => {
  const building = odenseProject.db.prepare(`SELECT registry_id FROM buildings ORDER BY registry_id LIMIT 1`).pluck().get() as string;
  const unit = odenseProject.db.prepare(`SELECT registry_id FROM units ORDER BY registry_id LIMIT 1`).pluck().get() as string;
  master.transaction(() => {
    master.db.prepare(`UPDATE buildings SET year_built = 1901, name = 'Changed on the server' WHERE registry_id = ?`).run(building);
    master.db.prepare(`DELETE FROM units WHERE registry_id = ?`).run(unit);
  });
  await importTiles(master, sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles'));
  const captured = captureGeneration(master);
  assert.equal(captured.generation, 2);
  assert.deepEqual(captured.counts['buildings'], { put: 1, delete: 0 });
  assert.deepEqual(captured.counts['units'], { put: 0, delete: 1 });
  const summary = await syncProject(odenseProject, opts(tokens['odense']!));
  assert.equal(summary.generation, 2);
  assert.deepEqual(summary.applied?.records, { put: 1, delete: 1 });
  assert.equal(summary.blobsFetched, 0, 'the Washington DC tiles are outside the area; nothing else is new');
  assert.ok(summary.bytesReceived < 20_000, `an incremental sync of two records moved ${summary.bytesReceived} bytes`);
  assertSameContent(content(odenseProject), content(master, odense));
  assert.equal(odenseProject.db.prepare(`SELECT name FROM buildings WHERE registry_id = ?`).pluck().get(building), 'Changed on the server');
});

test('every sync is in the project\'s audit trail: time, user, server, generations, what arrived', () => {
  const entries = listAudit(odenseProject).filter((e) => e.action === 'sync').reverse();
  // The first sync (init), the one that found nothing new, and the incremental one.
  assert.equal(entries.length, 3);
  const [first, idle, incremental] = entries as [AuditEntry, AuditEntry, AuditEntry];
  for (const e of entries) {
    assert.equal(e.user, userInfo().username);
    assert.equal(e.target, serverUrl);
    assert.ok(Date.now() - Date.parse(e.at) < 600_000, `${e.at} is the time of the sync`);
    assert.equal(e.detail['token'], 'analyst-odense');
    assert.equal(e.detail['outcome'], 'completed');
  }
  assert.equal(first.detail['init'], true);
  assert.equal(first.detail['generationFrom'], 0);
  assert.equal(first.detail['generationTo'], 1);
  const records = first.detail['records'] as { put: number };
  assert.ok(records.put > 100, `${records.put} records arrived`);
  assert.ok((first.detail['bytes'] as number) > 100_000 && (first.detail['blobs'] as number) > 0);
  assert.deepEqual([idle.detail['init'], idle.detail['generationFrom'], idle.detail['generationTo'], idle.detail['blobs']], [false, 1, 1, 0]);
  assert.deepEqual([incremental.detail['generationFrom'], incremental.detail['generationTo'], incremental.detail['records']], [1, 2, { put: 1, delete: 1 }]);
  assert.ok((incremental.detail['bytes'] as number) < 20_000);
});

test('a cancelled sync keeps the last whole generation, says so in the audit trail, and the next sync completes it', async () => {
  const path = join(dir, 'cancelled.storey');
  const cancel = new AbortController();
  const phases: string[] = [];
  let etaSeen = false;
  await assert.rejects(
    createProjectFromServer(path, { name: 'c', server: serverUrl, caPath: certs.caPath, area: null }, opts(tokens['full']!, {
      blobBatch: 30,
      signal: cancel.signal,
      onProgress: (p) => {
        phases.push(p.phase);
        assert.ok(p.bytesPerSecond >= 0 && Number.isFinite(p.bytesPerSecond));
        if (p.secondsLeft !== null) etaSeen = true;
        if (p.phase === 'tiles' && p.items >= 60) cancel.abort();
      },
    })),
    (e: unknown) => e instanceof StoreyError && e.code === 'CANCELLED' && /last whole generation/.test(e.message),
  );
  assert.ok(phases.includes('changes') && phases.includes('tiles') && !phases.includes('apply'), `cancelled during the tiles (${[...new Set(phases)].join(', ')})`);
  const project = ProjectFile.open(path);
  try {
    assert.equal(project.getMeta('sync.generation'), undefined, 'nothing of the generation was applied');
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings`).pluck().get(), 0);
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get(), 0);
    const kept = project.db.prepare(`SELECT count(*) FROM storey_blobs`).pluck().get() as number;
    assert.ok(kept >= 60, `the ${kept} verified tiles are kept for the next sync`);
    const [entry] = listAudit(project);
    assert.equal(entry?.action, 'sync');
    assert.equal(entry?.detail['outcome'], 'cancelled');
    assert.equal(entry?.detail['generationTo'], 0);
    let lastProgress: SyncProgress | undefined;
    const summary = await syncProject(project, opts(tokens['full']!, { onProgress: (p) => (lastProgress = p) }));
    assert.equal(summary.pagesFetched, 0, 'the staged pages were not fetched again');
    assert.equal(summary.blobsFetched, (project.db.prepare(`SELECT count(DISTINCT sha256) FROM storey_tiles`).pluck().get() as number) - kept);
    assertSameContent(content(project), content(master));
    assert.equal(lastProgress?.phase, 'done');
    assert.equal(listAudit(project)[0]?.detail['outcome'], 'completed');
  } finally {
    project.close();
  }
  assert.ok(etaSeen, 'time left is estimated once tiles arrive');
});

test('a connection cut mid-transfer leaves the project whole, and the next sync resumes without refetching', async () => {
  const path = join(dir, 'resume.storey');
  const proxy = await cuttingProxy(server.port);
  const settings = { name: 'r', server: `https://127.0.0.1:${proxy.port}`, caPath: certs.caPath, area: null };
  // The certificate names 127.0.0.1, so the proxy's address verifies like the server's.
  // Once the first batch of tiles is in, the line drops 60 kB later: in the middle of a later batch.
  let cutAt = 0;
  await assert.rejects(
    createProjectFromServer(path, settings, { token: tokens['full']!, blobBatch: 40, onProgress: (p) => {
      if (cutAt === 0 && p.phase === 'tiles' && p.items > 0) {
        cutAt = proxy.forwarded() + 60_000;
        proxy.setBudget(cutAt);
      }
    } }),
    (e: unknown) => e instanceof StoreyError && e.code === 'BUSY',
  );
  await proxy.close();
  const project = ProjectFile.open(path);
  try {
    assert.equal(project.getMeta('sync.generation'), undefined, 'no generation was half applied');
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings`).pluck().get(), 0);
    const kept = project.db.prepare(`SELECT count(*) FROM storey_blobs`).pluck().get() as number;
    const staged = project.db.prepare(`SELECT count(*) FROM storey_sync_staging`).pluck().get() as number;
    assert.ok(staged > 0 && kept > 0, `the cut came during the tiles (${staged} staged rows, ${kept} verified blobs kept)`);
    const summary = await syncProject(project, { token: tokens['full']!, server: serverUrl, caPath: certs.caPath, blobBatch: 40 });
    const total = project.db.prepare(`SELECT count(DISTINCT sha256) FROM storey_tiles`).pluck().get() as number;
    assert.equal(summary.pagesFetched, 0, 'the staged pages were not fetched again');
    assert.equal(summary.blobsFetched, total - kept, 'only the blobs it did not have were fetched');
    assertSameContent(content(project), content(master));
    assert.equal(project.db.prepare(`PRAGMA integrity_check`).pluck().get(), 'ok');
  } finally {
    project.close();
  }
});

test('a tile whose bytes do not match its hash is refused and nothing is applied', async () => {
  const sha = master.db.prepare(`SELECT t.sha256 FROM storey_tiles t JOIN storey_layers l ON l.id = t.layer_id WHERE l.kind = 'imagery' LIMIT 1`).pluck().get() as string;
  const good = master.db.prepare(`SELECT bytes FROM storey_blobs WHERE sha256 = ?`).pluck().get(sha) as Buffer;
  const bad = Buffer.from(good);
  bad[bad.length >> 1]! ^= 0xff;
  master.db.prepare(`UPDATE storey_blobs SET bytes = ? WHERE sha256 = ?`).run(bad, sha);
  const path = join(dir, 'tampered.storey');
  try {
    await assert.rejects(
      createProjectFromServer(path, { name: 't', server: serverUrl, caPath: certs.caPath, area: null }, opts(tokens['odense']!)),
      (e: unknown) => e instanceof StoreyError && e.code === 'DAMAGED' && e.message.includes(sha),
    );
  } finally {
    master.db.prepare(`UPDATE storey_blobs SET bytes = ? WHERE sha256 = ?`).run(good, sha);
  }
  const project = ProjectFile.open(path);
  try {
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get(), 0);
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_blobs WHERE sha256 = ?`).pluck().get(sha), 0, 'the damaged bytes were not kept');
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings`).pluck().get(), 0);
    const [failed] = listAudit(project);
    assert.deepEqual([failed?.action, failed?.detail['outcome'], failed?.detail['error']], ['sync', 'failed', 'DAMAGED'], 'a failed sync is audited too');
    await syncProject(project, opts(tokens['odense']!));
    assertSameContent(content(project), content(master, odense));
  } finally {
    project.close();
  }
});

test('notes sync both ways; the same note changed on both sides keeps both versions and marks the conflict', async () => {
  const other = (await createProjectFromServer(join(dir, 'second-laptop.storey'), { name: 'o', server: serverUrl, caPath: certs.caPath, area: null }, opts(tokens['odense']!))).project;
  try {
    const note = saveNote(odenseProject, { text: 'Entrance round the back', buildingId: null, lonDegrees: 10.39, latDegrees: 55.4, heightMeters: 0 });
    assert.equal((await syncProject(odenseProject, opts(tokens['odense']!))).items.pushed, 1);
    assert.equal((await syncProject(other, opts(tokens['odense']!))).items.pulled, 1);
    assert.equal(other.db.prepare(`SELECT text FROM storey_notes WHERE id = ?`).pluck().get(note.id), 'Entrance round the back');

    saveNote(odenseProject, { ...note, text: 'Entrance on the north side' });
    saveNote(other, { ...note, text: 'Entrance closed for works' });
    await syncProject(odenseProject, opts(tokens['odense']!));
    const second = await syncProject(other, opts(tokens['odense']!));
    assert.equal(second.items.conflicts, 1);
    const texts = (other.db.prepare(`SELECT text FROM storey_notes ORDER BY text`).pluck().all() as string[]);
    assert.deepEqual(texts, ['Entrance closed for works', 'Entrance on the north side'], 'both versions are kept');
    const conflict = other.db.prepare(`SELECT id, copy_id FROM storey_sync_conflicts`).get() as { id: string; copy_id: string };
    assert.equal(conflict.id, note.id);
    assert.equal(other.db.prepare(`SELECT text FROM storey_notes WHERE id = ?`).pluck().get(conflict.copy_id), 'Entrance closed for works');
    // The copy went up too: the first laptop gets both on its next sync.
    await syncProject(odenseProject, opts(tokens['odense']!));
    assert.deepEqual(odenseProject.db.prepare(`SELECT text FROM storey_notes ORDER BY text`).pluck().all(), texts);
  } finally {
    other.close();
    odenseProject.close();
  }
});

test('with a client CA the server refuses a workstation without a client certificate', async () => {
  const strict = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca });
  try {
    const url = `https://127.0.0.1:${strict.port}`;
    await assert.rejects(
      createProjectFromServer(join(dir, 'nocert.storey'), { name: 'n', server: url, caPath: certs.caPath, area: null }, { token: tokens['odense']! }),
      (e: unknown) => e instanceof StoreyError && e.code === 'BUSY',
    );
    const { project, summary } = await createProjectFromServer(join(dir, 'cert.storey'), { name: 'c', server: url, caPath: certs.caPath, area: odense }, {
      token: tokens['odense']!, clientCertPath: certs.clientCertPath, clientKeyPath: certs.clientKeyPath,
    });
    assert.ok(summary.applied!.records.put > 0);
    project.close();
  } finally {
    await strict.close();
  }
});

function rawBlobs(token: string, sha256: string[]): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ sha256 });
    const req = request(`${serverUrl}/v1/blobs`, { method: 'POST', ca: certs.ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'identity' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('a batch of blobs asked in any order, spread over the store, with a repeat and an unknown hash: each held blob once, checked', async () => {
  const all = master.db.prepare(`SELECT DISTINCT sha256 FROM storey_tiles ORDER BY sha256`).pluck().all() as string[];
  // Far enough apart that the server's walk through the range gives up and looks the rest up one by one.
  assert.ok(all.length > 16 * 4 + 256 + 10, `${all.length} blobs on the master`);
  const picked = [all.at(-1)!, all[0]!, all[all.length >> 1]!, all[(all.length >> 1) + 1]!];
  const unknown = 'f'.repeat(64);
  const { status, body } = await rawBlobs(tokens['full']!, [...picked, picked[1]!, unknown]);
  assert.equal(status, 200);
  const got: string[] = [];
  const reader = new FrameReader((sha, bytes) => {
    assert.equal(sha256Hex(bytes), sha, 'the bytes are the blob the frame names');
    got.push(sha);
  });
  reader.push(body);
  assert.ok(reader.ended, 'the body ends with the end frame');
  assert.deepEqual(got, [...picked].sort(), 'each blob held once, in hash order; the unknown one left out');
});

test('an apply whose tile has no fetched bytes is refused at the commit and changes nothing', () => {
  const project = ProjectFile.open(join(dir, 'cancelled.storey'));
  try {
    const generation = project.getMeta('sync.generation');
    const tiles = project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get() as number;
    const layer = project.db.prepare(`SELECT id FROM storey_layers LIMIT 1`).pluck().get() as string;
    project.db.prepare(`INSERT INTO storey_sync_staging (tbl, key, op, row_json, sha256) VALUES ('tiles', ?, 'put', NULL, ?)`).run(`${layer}/99/1/1.png`, 'e'.repeat(64));
    assert.throws(() => applyStaged(project, Number(generation) + 1), (e: unknown) => e instanceof StoreyError && e.code === 'INTERNAL' && /without its fetched bytes/.test(e.message));
    assert.equal(project.getMeta('sync.generation'), generation);
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get(), tiles);
    project.db.exec(`DELETE FROM storey_sync_staging`);
  } finally {
    project.close();
  }
});

test('an encrypted project syncs like a plain one and stays encrypted', async () => {
  const path = join(dir, 'encrypted.storey');
  const created = ProjectFile.create(path, { name: 'e', passphrase: 'correct horse battery' });
  writeSyncSettings(created, { server: serverUrl, caPath: certs.caPath, area: odense });
  created.close();
  assert.ok(isEncryptedFile(path));
  const project = ProjectFile.open(path, { passphrase: 'correct horse battery' });
  try {
    const summary = await syncProject(project, opts(tokens['odense']!));
    assert.ok(summary.blobsFetched > 0 && summary.applied!.records.put > 0);
    assertSameContent(content(project), content(master, odense));
    assert.equal(project.db.prepare(`PRAGMA integrity_check`).pluck().get(), 'ok');
  } finally {
    project.close();
  }
  assert.ok(isEncryptedFile(path), 'still encrypted after the sync');
});
