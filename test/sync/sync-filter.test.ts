/**
 * Choosing what to sync (protocol 2, core/sync/filter.ts) over loopback TLS on the Danish data: a project made with a
 * subset of layers and zooms holds exactly those tiles and records (the server's content filtered the same way, and
 * no other tile bytes); an incremental sync keeps the choice; a changed choice brings what is newly wanted and drops
 * the rest; a request without a choice gets everything; bad choices are refused and leave the project unchanged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { sha256Hex } from '../../core/tiles/tile-store.js';
import { EVERYTHING, filterKey, parseFilter, tileZoom, wantsTile, type SyncFilter } from '../../core/sync/filter.js';
import { createProjectFromServer, readSyncSettings, syncProject, type SyncOptions } from '../../core/sync/sync-client.js';
import type { ManifestResponse } from '../../core/sync/wire.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { StoreyError } from '../../common/errors.js';
import { tempDir } from '../support/temp.js';
import { assertSameContent, content, cuttingProxy, makeCertificates, type Certificates, createDanishMaster } from './sync-support.js';

const dir = tempDir('storey-sync-filter-');
const root = findPackageRoot(import.meta.dirname);
const masterPath = join(dir, 'master.storey');

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let serverUrl: string;
let token: string;
let imagery: string;
let terrain: string;

const opts = (extra: Partial<SyncOptions> = {}): SyncOptions => ({ token, server: serverUrl, caPath: certs.caPath, ...extra });

before(async () => {
  certs = makeCertificates(dir);
  master = await createDanishMaster(masterPath, { terrain: true });
  captureGeneration(master);
  imagery = master.db.prepare(`SELECT id FROM storey_layers WHERE kind = 'imagery'`).pluck().get() as string;
  terrain = master.db.prepare(`SELECT id FROM storey_layers WHERE kind = 'terrain'`).pluck().get() as string;
  token = createToken(master, { name: 'analyst-all' }).token;
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;
});

after(async () => {
  await server?.close();
  master?.close();
});

/** The master's records and tiles as a workstation with this choice should hold them. */
function expected(filter: SyncFilter): Map<string, string> {
  const kinds = new Map((master.db.prepare(`SELECT id, kind FROM storey_layers`).all() as Array<{ id: string; kind: string }>).map((l) => [l.id, l.kind]));
  const out = new Map<string, string>();
  for (const [key, value] of content(master)) {
    if (key.startsWith('tile/')) {
      const rest = key.slice(5);
      const layer = rest.slice(0, rest.indexOf('/'));
      if (wantsTile(filter, layer, kinds.get(layer), rest.slice(layer.length + 1))) out.set(key, value);
    } else if (filter.records) out.set(key, value);
  }
  return out;
}

/** A layer's zoom range as its settings say (what the globe asks for). */
const zoomsOf = (project: ProjectFile, layer: string) =>
  project.db.prepare(`SELECT json_extract(settings, '$.minZoom') AS min, json_extract(settings, '$.maxZoom') AS max FROM storey_layers WHERE id = ?`).get(layer) as { min: number; max: number };

/** The project holds exactly the choice: records and tiles equal to the server's, and no tile bytes beyond them. */
function assertHolds(project: ProjectFile, filter: SyncFilter, where: string): void {
  const want = expected(filter);
  assertSameContent(content(project), want, where);
  const hashes = new Set([...want].filter(([k]) => k.startsWith('tile/')).map(([, v]) => v));
  const blobs = project.db.prepare(`SELECT sha256 FROM storey_blobs`).pluck().all() as string[];
  const own = new Set(project.db.prepare(`SELECT t.sha256 FROM storey_tiles t JOIN storey_layers l ON l.id = t.layer_id WHERE l.kind = '3dtiles'`).pluck().all() as string[]);
  assert.deepEqual(blobs.filter((b) => !own.has(b)).sort(), [...hashes].sort(), `${where}: the tile bytes held are those of the chosen tiles`);
}

/** POST /v1/blobs with identity encoding: the hashes of the frames that came. */
function rawBlobs(query: string, hashes: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${serverUrl}/v1/blobs${query}`, { method: 'POST', ca: certs.ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const sent: string[] = [];
        for (let at = 0; at + 36 <= body.length;) {
          const length = body.readUInt32BE(at + 32);
          if (length === 0 && /^0+$/.test(body.subarray(at, at + 32).toString('hex'))) break;
          sent.push(body.subarray(at, at + 32).toString('hex'));
          at += 36 + length;
        }
        resolve(sent);
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ sha256: hashes }));
  });
}

function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${serverUrl}${path}`, { ca: certs.ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const parse = (layers: string | null, extra: { records?: string; minzoom?: string; maxzoom?: string } = {}) =>
  parseFilter({ layers, ...extra }, { records: 'records', layers: 'layers', minzoom: 'minzoom', maxzoom: 'maxzoom' });

test('the manifest lists every layer with its tiles per zoom, and counts what the choice takes', async () => {
  const all = JSON.parse((await rawGet('/v1/manifest')).body) as ManifestResponse;
  assert.equal(all.protocol, 2);
  const terrainLayer = all.layers.find((l) => l.id === terrain)!;
  const terrainTiles = master.db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ?`).pluck().all(terrain) as string[];
  assert.equal(terrainLayer.tiles, terrainTiles.length);
  const upTo8 = terrainTiles.filter((p) => (tileZoom(p) ?? 0) <= 8).length;
  assert.equal(Object.entries(terrainLayer.zooms!).filter(([z]) => Number(z) <= 8).reduce((n, [, c]) => n + c, 0), upTo8 - terrainTiles.filter((p) => tileZoom(p) === null).length);
  assert.ok(terrainLayer.maxZoom! > 8, `the terrain goes deeper than zoom 8 (max ${terrainLayer.maxZoom})`);
  assert.ok(terrainLayer.bytesEstimate! > 0);
  const chosen = JSON.parse((await rawGet(`/v1/manifest?layers=${terrain}&maxzoom=8&records=0`)).body) as ManifestResponse;
  assert.equal(chosen.layers.length, all.layers.length, 'every layer is still listed, to choose from');
  assert.deepEqual(chosen.counts, { records: 0, tiles: upTo8 });
  const bad = await rawGet(`/v1/manifest?layers=${terrain}:9-3`);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /lowest zoom 9 is above the highest 3/);
  assert.equal((await rawGet('/v1/manifest?maxzoom=abc')).status, 400);
});

test('a tile batch sends only the bytes of chosen tiles', async () => {
  const hashOf = (layer: string, where: string) => master.db.prepare(`SELECT sha256 FROM storey_tiles WHERE layer_id = ? AND ${where} LIMIT 1`).pluck().get(layer) as string;
  const deep = hashOf(terrain, `tile_path LIKE '12/%'`);
  const shallow = hashOf(terrain, `tile_path LIKE '3/%'`);
  const image = hashOf(imagery, '1');
  assert.deepEqual((await rawBlobs('', [deep, shallow, image])).sort(), [deep, shallow, image].sort(), 'without a choice: all three');
  assert.deepEqual(await rawBlobs(`?layers=${terrain}&maxzoom=8`, [deep, shallow, image]), [shallow]);
  assert.deepEqual(await rawBlobs(`?layers=${imagery}`, [deep, shallow, image]), [image]);
});

test('a project made with some layers and a max zoom holds exactly those; an incremental sync keeps the choice', async () => {
  const path = join(dir, 'chosen.storey');
  const filter = parse(`${terrain},${imagery}:0-0`, { maxzoom: '6' });
  const { project, summary } = await createProjectFromServer(path, { name: 'Chosen', server: serverUrl, caPath: certs.caPath, area: null, filter }, opts());
  try {
    assert.ok(summary.applied);
    assertHolds(project, filter, 'created');
    const terrainZooms = new Set((project.db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ?`).pluck().all(terrain) as string[]).map(tileZoom));
    assert.ok(!terrainZooms.has(7) && terrainZooms.has(6), 'terrain up to zoom 6 only');
    assert.deepEqual(zoomsOf(project, imagery), { min: 0, max: 0 }, 'the imagery layer says it goes to zoom 0');
    assert.equal(zoomsOf(project, terrain).max, 6);
    assert.ok(expected(filter).size < expected(EVERYTHING).size - 100, 'the choice leaves a good part of the server out');
    assert.equal(filterKey(readSyncSettings(project)?.filter), filterKey(filter), 'the choice is kept in the project');

    // On the server: a terrain tile inside the choice and one outside it change, and a record changes.
    const [inside, outside] = [6, 9].map((z) => master.db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ? AND tile_path LIKE ? LIMIT 1`).pluck().get(terrain, `${z}/%`) as string);
    const building = master.db.prepare(`SELECT registry_id FROM buildings ORDER BY registry_id LIMIT 1`).pluck().get() as string;
    master.transaction(() => {
      for (const tilePath of [inside!, outside!]) {
        const bytes = Buffer.from(`changed ${tilePath}`);
        const sha = sha256Hex(bytes);
        master.db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`).run(sha, bytes);
        master.db.prepare(`UPDATE storey_tiles SET sha256 = ? WHERE layer_id = ? AND tile_path = ?`).run(sha, terrain, tilePath);
      }
      master.db.prepare(`UPDATE buildings SET name = 'Changed for the filter test' WHERE registry_id = ?`).run(building);
    });
    assert.ok(captureGeneration(master).changed);
    const again = await syncProject(project, opts());
    assert.deepEqual(again.applied?.tiles, { put: 1, delete: 0 }, 'only the changed tile inside the choice arrives');
    assert.equal(again.applied?.records.put, 1);
    assert.equal(again.blobsFetched, 1);
    assertHolds(project, filter, 'after the incremental sync');
  } finally {
    project.close();
  }
});

test('a changed choice brings what is newly wanted and drops what is no longer wanted; back to everything', async () => {
  const path = join(dir, 'changing.storey');
  const first = parse(`${terrain}:0-4`, { records: '0' });
  const created = await createProjectFromServer(path, { name: 'Changing', server: serverUrl, caPath: certs.caPath, area: null, filter: first }, opts());
  const project = created.project;
  try {
    assertHolds(project, first, 'tiles only, terrain to zoom 4');
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings`).pluck().get(), 0, 'no records were chosen');
    const generation = Number(project.getMeta('sync.generation'));

    // Same generation, a different choice: the imagery and deeper terrain come, zooms 0-1 of the terrain go.
    const second = parse(`${terrain}:2-7,${imagery}`);
    const changed = await syncProject(project, opts({ filter: second }));
    assert.equal(changed.generation, generation, 'the server has not moved');
    assert.ok(changed.applied && changed.applied.tiles.delete > 0 && changed.applied.records.put > 0 && changed.applied.layers.put >= 1);
    assertHolds(project, second, 'after widening and narrowing');
    assert.deepEqual(zoomsOf(project, terrain), { min: 2, max: 7 });
    const fetched = changed.blobsFetched;
    const before = expected(first);
    const newTiles = [...expected(second).keys()].filter((k) => !before.has(k) && k.startsWith('tile/')).length;
    assert.ok(fetched <= newTiles, `only the newly wanted tiles' bytes come (${fetched} of ${newTiles} new tiles; identical ones are shared)`);

    // A later sync without a choice keeps the kept one and changes nothing.
    const same = await syncProject(project, opts());
    assert.equal(same.applied, null);
    assertHolds(project, second, 'kept');

    // Dropping a layer whole, then everything again.
    const third = parse(imagery);
    const dropped = await syncProject(project, opts({ filter: third }));
    assert.equal(dropped.applied?.layers.delete, 1);
    assertHolds(project, third, 'the terrain dropped');
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_layers WHERE id = ?`).pluck().get(terrain), 0);
    await syncProject(project, opts({ filter: null }));
    assertHolds(project, EVERYTHING, 'everything again');
    assert.deepEqual(zoomsOf(project, terrain), zoomsOf(master, terrain), 'the terrain layer at all its zooms again');
  } finally {
    project.close();
  }
});

test('an unknown layer is refused with the layers the server offers, and the project is unchanged', async () => {
  const path = join(dir, 'chosen.storey');
  const project = ProjectFile.open(path);
  try {
    const before = content(project);
    const kept = project.getMeta('sync.filter');
    await assert.rejects(syncProject(project, opts({ filter: parse(`${imagery},no-such-layer`) })), (error: unknown) => {
      assert.ok(error instanceof StoreyError);
      assert.equal(error.code, 'BAD_ARGUMENT');
      assert.match(error.message, /no layer no-such-layer; it offers .*geography/i);
      return true;
    });
    assert.equal(project.getMeta('sync.filter'), kept);
    assertSameContent(content(project), before, 'unchanged');
  } finally {
    project.close();
  }
});

/** The CLI as an analyst runs it (asynchronously: the server answers from this process). */
function storey(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'storey.mjs'), ...args], { cwd: dir, env: { ...process.env, STOREY_HOME: dir, STOREY_SYNC_TOKEN: token } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('storey sync --init --layers ID:MIN-MAX --no-records takes that choice; --layers all later takes everything; a bad one is refused', async () => {
  const path = join(dir, 'cli.storey');
  const init = await storey(['sync', '--init', path, '--server', serverUrl, '--ca', certs.caPath, '--layers', `${terrain}:0-3`, '--no-records', '--no-tile']);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stderr, new RegExp(`Taking no registry records; ${terrain} \\(z0–3\\)`));
  const first = parse(`${terrain}:0-3`, { records: '0' });
  let project = ProjectFile.open(path);
  try {
    assertHolds(project, first, 'made by the CLI');
  } finally {
    project.close();
  }
  const bad = await storey(['sync', path, '--layers', `${terrain}:5-2`]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, new RegExp(`--layers \\(${terrain}\\): the lowest zoom 5 is above the highest 2`));
  const all = await storey(['sync', path, '--layers', 'all', '--no-tile']);
  assert.equal(all.status, 0, all.stderr);
  project = ProjectFile.open(path);
  try {
    assertHolds(project, EVERYTHING, 'everything after --layers all');
  } finally {
    project.close();
  }
});

test('a changed choice cut off mid-transfer leaves the project on its last choice, and the next sync completes it without fetching again', async () => {
  const path = join(dir, 'cut.storey');
  const first = parse(`${terrain}:0-2`, { records: '0' });
  const created = await createProjectFromServer(path, { name: 'Cut', server: serverUrl, caPath: certs.caPath, area: null, filter: first }, opts());
  const project = created.project;
  const proxy = await cuttingProxy(server.port, 300_000);
  try {
    const blobsBefore = project.db.prepare(`SELECT count(*) FROM storey_blobs`).pluck().get() as number;
    const second = parse(terrain, { records: '0' });
    await assert.rejects(syncProject(project, opts({ server: `https://127.0.0.1:${proxy.port}`, filter: second })));
    // Records and tiles as before; the tile bytes verified so far are kept in the file, unused until the apply.
    assertSameContent(content(project), expected(first), 'after the cut: the last whole choice: ');
    assert.equal(filterKey(readSyncSettings(project)?.filter), filterKey(second), 'the new choice is kept for the next sync');
    const kept = (project.db.prepare(`SELECT count(*) FROM storey_blobs`).pluck().get() as number) - blobsBefore;
    const done = await syncProject(project, opts());
    assertHolds(project, second, 'completed');
    const wanted = new Set([...expected(second)].map(([, sha]) => sha));
    const had = new Set([...expected(first)].map(([, sha]) => sha));
    const fresh = [...wanted].filter((sha) => !had.has(sha)).length;
    assert.ok(kept > 0, 'tiles verified before the cut were kept');
    assert.equal(done.blobsFetched + kept, fresh, 'each new tile fetched once over both runs');
  } finally {
    await proxy.close();
    project.close();
  }
});
