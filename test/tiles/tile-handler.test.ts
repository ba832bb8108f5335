/**
 * The tile handler (what storey:// and the web host call) and the web host's /tiles/ route: right headers, 304s,
 * gzip terrain, 404s, a hostile URL list that gets nothing but 4xx, and a damaged tile refused with a message.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { before, test } from 'node:test';
import { ProjectFile } from '../../core/project/project-file.js';
import { createTileHandler, withoutContentEncoding, type TileHandler } from '../../core/serve/tile-handler.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { sha256Hex, TileStore, type LayerSummary } from '../../core/tiles/tile-store.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const dcMbtiles = sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles');
const terrainDir = sharedData('nl-heuvelrug-terrain', 'tiles');
const tilesetDir = sharedData('tiles-samples', '3dbag-3dtiles11');
const projectPath = join(dir, 'tiles.storey');
const damagedPath = '15/33725/25861.terrain';

let imagery: LayerSummary;
let terrain: LayerSummary;
let gzTerrain: LayerSummary;
let tileset: LayerSummary;
let handler: TileHandler;
let store: TileStore;
let project: ProjectFile;
const damaged: string[] = [];

before(async () => {
  // A gzipped copy of the terrain, as many terrain tilers write it.
  const gzDir = join(dir, 'terrain-gz');
  for (const file of readdirSync(terrainDir, { recursive: true }) as string[]) {
    if (!file.endsWith('.terrain') && file !== 'layer.json') continue;
    mkdirSync(join(gzDir, file, '..'), { recursive: true });
    const bytes = readFileSync(join(terrainDir, file));
    writeFileSync(join(gzDir, file), file.endsWith('.terrain') ? gzipSync(bytes) : bytes);
  }
  project = ProjectFile.create(projectPath, { name: 'tiles' });
  imagery = await importTiles(project, dcMbtiles);
  terrain = await importTiles(project, terrainDir);
  gzTerrain = await importTiles(project, gzDir, { name: 'gz terrain' });
  tileset = await importTiles(project, tilesetDir);
  store = new TileStore(project);
  handler = createTileHandler(store, { onDamaged: (e) => damaged.push(e.message) });
});

test('imagery tiles: content type from the bytes, length, ETag = SHA-256, 304 on a matching If-None-Match', () => {
  const path = store.tilePaths(imagery.id).find((p) => p.startsWith('12/'))!;
  const response = handler(`/tiles/${imagery.id}/${path}`);
  const stored = store.readTile(imagery.id, path)!;
  assert.equal(response.status, 200);
  assert.equal(response.headers['Content-Type'], 'image/webp');
  assert.equal(response.headers['Content-Length'], String(stored.bytes.length));
  assert.equal(response.headers['ETag'], `"${sha256Hex(stored.bytes)}"`);
  assert.match(response.headers['Cache-Control']!, /max-age=\d+/);
  assert.equal(response.headers['Content-Encoding'], undefined);
  assert.ok(Buffer.from(response.body!).equals(stored.bytes));
  const again = handler(`/tiles/${imagery.id}/${path}`, { 'if-none-match': response.headers['ETag'] });
  assert.equal(again.status, 304);
  assert.equal(again.body, null);
  assert.equal(handler(`/tiles/${imagery.id}/${path}`, { 'if-none-match': '"0000"' }).status, 200);
});

test('terrain: layer.json as JSON, plain tiles as quantized-mesh, gzipped tiles with Content-Encoding gzip', () => {
  const layerJson = handler(`/tiles/${terrain.id}/layer.json`);
  assert.equal(layerJson.status, 200);
  assert.match(layerJson.headers['Content-Type']!, /application\/json/);
  assert.equal(JSON.parse(Buffer.from(layerJson.body!).toString()).format, 'quantized-mesh-1.0');
  const plain = handler(`/tiles/${terrain.id}/15/33725/25860.terrain?v=1.1.0`);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['Content-Type'], 'application/vnd.quantized-mesh');
  assert.equal(plain.headers['Content-Encoding'], undefined);
  const source = readFileSync(join(terrainDir, '15/33725/25860.terrain'));
  assert.ok(Buffer.from(plain.body!).equals(source));
  assert.equal(gzTerrain.encoding, 'gzip');
  const gz = handler(`/tiles/${gzTerrain.id}/15/33725/25860.terrain?v=1.1.0`);
  assert.equal(gz.headers['Content-Encoding'], 'gzip');
  assert.equal(gz.headers['Content-Length'], String(gz.body!.length));
  assert.ok(gunzipSync(gz.body!).equals(source));
  // The desktop scheme hands the page inflated bytes.
  const inflated = withoutContentEncoding(gz);
  assert.equal(inflated.headers['Content-Encoding'], undefined);
  assert.ok(Buffer.from(inflated.body!).equals(source));
});

test('terrain taken at fewer zooms (a sync choice narrows maxZoom): layer.json is served listing only the levels held', async () => {
  const narrowed = await importTiles(project, terrainDir, { name: 'terrain to zoom 12' });
  project.db.prepare(`UPDATE storey_layers SET settings = json_set(settings, '$.maxZoom', 12) WHERE id = ?`).run(narrowed.id);
  const stored = store.readTile(narrowed.id, 'layer.json')!;
  const source = JSON.parse(stored.bytes.toString()) as { available: unknown[]; format: string; tiles: string[] };
  assert.equal(source.available.length, 16, 'the source lists levels 0-15');
  const response = handler(`/tiles/${narrowed.id}/layer.json`);
  assert.equal(response.status, 200);
  const served = JSON.parse(Buffer.from(response.body!).toString()) as typeof source & { maxzoom: number };
  assert.deepEqual(served.available, source.available.slice(0, 13), 'levels 0-12 only');
  assert.equal(served.maxzoom, 12);
  assert.deepEqual({ ...served, available: null, maxzoom: null }, { ...source, available: null, maxzoom: null }, 'everything else as stored');
  assert.equal(response.headers['Content-Length'], String(response.body!.length));
  assert.notEqual(response.headers['ETag'], `"${stored.sha256}"`, 'the cut file does not pass for the stored bytes');
  const revalidated = handler(`/tiles/${narrowed.id}/layer.json`, { 'if-none-match': `"${stored.sha256}"` });
  assert.equal(revalidated.status, 200, 'a browser holding the uncut file gets the cut one');
  assert.ok(Buffer.from(store.readTile(narrowed.id, 'layer.json')!.bytes).equals(stored.bytes), 'the stored layer.json is unchanged');
  // A layer holding every level of its layer.json is served byte for byte.
  const whole = handler(`/tiles/${terrain.id}/layer.json`);
  assert.ok(Buffer.from(whole.body!).equals(store.readTile(terrain.id, 'layer.json')!.bytes));
  assert.equal(whole.headers['ETag'], `"${store.readTile(terrain.id, 'layer.json')!.sha256}"`);
});

test('3D Tiles: tileset.json and glb served with their types', () => {
  const json = handler(`/tiles/${tileset.id}/tileset.json`);
  assert.equal(json.status, 200);
  assert.match(json.headers['Content-Type']!, /application\/json/);
  const glb = handler(`/tiles/${tileset.id}/128.glb`);
  assert.equal(glb.headers['Content-Type'], 'model/gltf-binary');
  assert.ok(Buffer.from(glb.body!).equals(readFileSync(join(tilesetDir, '128.glb'))));
});

test('missing tiles and layers are 404', () => {
  assert.equal(handler(`/tiles/${imagery.id}/3/0/0`).status, 404);
  assert.equal(handler(`/tiles/no-such-layer/0/0/0`).status, 404);
  assert.equal(handler(`/tiles/${tileset.id}/nothing.glb`).status, 404);
});

const hostile = (id: string) => [
  `/tiles/${id}/../../../../etc/passwd`,
  `/tiles/${id}/..%2f..%2fetc%2fpasswd`,
  `/tiles/${id}/%2e%2e/%2e%2e/etc/passwd`,
  `/tiles/${id}/12%2F1171%2F2528`,
  `/tiles/${id}/12%5c1171%5c2528`,
  `/tiles/${id}/12/1171/2528%00.png`,
  `/tiles/${id}/12/1171/%252e%252e`,
  `/tiles/${id}/12//1171/2528`,
  `/tiles/${id}/./12/1171/2528`,
  `/tiles/${id}/12/1171/2528\\..\\..`,
  `/tiles/${id}/%E0%A4%A`,
  `/tiles/${id}/%ff%fe`,
  `/tiles/${id}/${'a/'.repeat(600)}x`,
  `/tiles/${id}/${'x'.repeat(2000)}`,
  `/tiles/${id}/`,
  `/tiles/${id}`,
  `/tiles/`,
  `/tiles//12/1171/2528`,
  `/tiles/..%2f/12/1171/2528`,
  `/tiles/' OR '1'='1/12/1171/2528`,
  `/tiles/x%27%20OR%201%3D1--/12/1171/2528`,
  `/tiles/${id}/x' OR '1'='1`,
  `/tiles/${id}/1;DROP TABLE storey_tiles`,
  `/tiles/${id.toUpperCase()}/12/1171/2528`,
  `/tiles/${id}/C:/windows/win.ini`,
  `/tiles/${id}/12/1171/2528%0d%0aSet-Cookie:x`,
  `/tiles/${id}/%u002e%u002e/x`,
];

test('hostile URLs get nothing but 4xx, and the project is unchanged', () => {
  const before = project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get();
  for (const url of hostile(imagery.id)) {
    const response = handler(url);
    assert.ok(response.status >= 400 && response.status < 500, `${url.slice(0, 80)} → ${response.status}`);
    assert.notEqual(response.headers['Content-Type'], 'image/webp');
  }
  assert.equal(project.db.prepare(`SELECT count(*) FROM storey_tiles`).pluck().get(), before);
});

let host: WebHost;
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: { Host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('web host /tiles/ route: same answers behind the session token and Host checks', async () => {
  project.close();
  process.env['STOREY_HOME'] = join(dir, 'home');
  const staticRoot = join(dir, 'static');
  mkdirSync(staticRoot, { recursive: true });
  writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><title>t</title>');
  host = await startWebHost({ projectPath, staticRoot, token: 'tile-test-token', readOnly: true });
  const auth = { Authorization: 'Bearer tile-test-token' };
  const path = `/tiles/${imagery.id}/12/1171/1566`;
  assert.equal((await get(path)).status, 401, 'no token');
  assert.equal((await get(path, { ...auth, Host: 'evil.example:80' })).status, 403, 'foreign Host');
  const ok = await get(path, auth);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'image/webp');
  assert.equal(Number(ok.headers['content-length']), ok.body.length);
  const etag = ok.headers['etag'] as string;
  assert.equal((await get(path, { ...auth, 'If-None-Match': etag })).status, 304);
  const gz = await get(`/tiles/${gzTerrain.id}/15/33725/25860.terrain?v=1.1.0`, auth);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gunzipSync(gz.body).equals(readFileSync(join(terrainDir, '15/33725/25860.terrain'))));
  assert.equal((await get(`/tiles/${imagery.id}/1/0/0`, auth)).status, 404);
  for (const url of hostile(imagery.id)) {
    const response = await get(url.replace(/[\r\n\\]/g, (c) => encodeURIComponent(c)).replace(/ /g, '%20').replace(/'/g, '%27'), auth);
    assert.ok(response.status >= 400 && response.status < 500, `${url.slice(0, 80)} → ${response.status}`);
  }
});

test('a damaged tile is refused with a message and reported, the rest still served', async () => {
  await host.close();
  const writable = ProjectFile.open(projectPath);
  const warm = createTileHandler(new TileStore(writable));
  const good = warm(`/tiles/${terrain.id}/${damagedPath}`);
  const hash = new TileStore(writable).tileHash(terrain.id, damagedPath)!;
  const bytes = Buffer.from(writable.db.prepare(`SELECT bytes FROM storey_blobs WHERE sha256 = ?`).pluck().get(hash) as Buffer);
  bytes[51] = bytes[51]! ^ 0x01;
  writable.db.prepare(`UPDATE storey_blobs SET bytes = ? WHERE sha256 = ?`).run(bytes, hash);
  const check = createTileHandler(new TileStore(writable), { onDamaged: (e) => damaged.push(e.message) });
  const response = check(`/tiles/${terrain.id}/${damagedPath}`);
  assert.equal(response.status, 500);
  assert.match(Buffer.from(response.body!).toString(), /damaged: its stored bytes no longer match their SHA-256.*not served/);
  assert.equal(damaged.length, 1);
  assert.match(damaged[0]!, new RegExp(damagedPath.replace(/\//g, '\\/')));
  assert.equal(check(`/tiles/${terrain.id}/15/33725/25860.terrain`).status, 200);
  // A handler that verified the tile before the damage keeps serving those verified bytes from memory; without the
  // cache every read goes back to the file and is refused.
  const again = warm(`/tiles/${terrain.id}/${damagedPath}`);
  assert.equal(again.status, 200);
  assert.ok(Buffer.from(again.body!).equals(Buffer.from(good.body!)));
  assert.equal(createTileHandler(new TileStore(writable), { cacheBytes: 0 })(`/tiles/${terrain.id}/${damagedPath}`).status, 500);
  writable.close();
});
