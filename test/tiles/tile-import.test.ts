/** Tile layers in the project file, on the real samples: import, read back byte-identical, export and re-import, damage. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreyError } from '../../common/errors.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { exportLayer } from '../../core/tiles/export-tiles.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { flipRow } from '../../core/tiles/tile-math.js';
import { sha256Hex, TileStore } from '../../core/tiles/tile-store.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const dcMbtiles = sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles');
const worldMbtiles = sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles');
const terrainDir = sharedData('nl-heuvelrug-terrain', 'tiles');
const tilesetDir = sharedData('tiles-samples', '3dbag-3dtiles11');

let serial = 0;
function newProject(): ProjectFile {
  serial += 1;
  return ProjectFile.create(join(dir, `p${serial}.storey`), { name: `tiles ${serial}` });
}

/** The tiles of an MBTiles file keyed as Storey stores them (z/x/y, rows from the north). */
function mbtilesByPath(path: string): Map<string, Buffer> {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare(`SELECT zoom_level z, tile_column x, tile_row y, tile_data d FROM tiles`).all() as Array<{ z: number; x: number; y: number; d: Buffer }>;
  db.close();
  return new Map(rows.map((r) => [`${r.z}/${r.x}/${flipRow(r.z, r.y)}`, r.d]));
}

function counts(project: ProjectFile) {
  const n = (t: string) => project.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return { layers: n('storey_layers'), tiles: n('storey_tiles'), blobs: n('storey_blobs') };
}

function assertSameTiles(store: TileStore, layerId: string, expected: Map<string, Buffer>) {
  assert.deepEqual(store.tilePaths(layerId).sort(), [...expected.keys()].sort());
  for (const [path, bytes] of expected) assert.ok(store.readTile(layerId, path)!.bytes.equals(bytes), `${path} differs from the source`);
}

test('MBTiles imagery: every tile reads back byte-identical, with extent, zooms and attribution; identical tiles stored once', async () => {
  const project = newProject();
  const store = new TileStore(project);
  const progress: number[] = [];
  const dc = await importTiles(project, dcMbtiles, { onProgress: (p) => progress.push(p.done) });
  const source = mbtilesByPath(dcMbtiles);
  assert.equal(dc.kind, 'imagery');
  assert.equal(dc.format, 'webp');
  assert.equal(dc.tileCount, source.size);
  assert.equal(dc.minZoom, 7);
  assert.equal(dc.maxZoom, 12);
  assert.match(dc.attribution, /OpenStreetMap/);
  assert.equal(dc.extent!.westDegrees, -77.1408);
  assert.equal(dc.extent!.northDegrees, 39.0088);
  assert.equal(dc.byteSize, [...source.values()].reduce((s, b) => s + b.length, 0));
  assert.equal(progress.at(-1), source.size);
  assertSameTiles(store, dc.id, source);
  // The highest-zoom tiles hold Washington (lon -77.04, lat 38.9): the XYZ row of z12 matches the slippy-map formula.
  const z12 = store.tilePaths(dc.id).filter((p) => p.startsWith('12/')).map((p) => p.split('/').map(Number));
  const row = Math.floor(((1 - Math.log(Math.tan((38.9 * Math.PI) / 180) + 1 / Math.cos((38.9 * Math.PI) / 180)) / Math.PI) / 2) * 4096);
  assert.ok(z12.some(([, , y]) => y === row), `expected a z12 tile in row ${row}`);

  const world = await importTiles(project, worldMbtiles, { name: 'World' });
  assert.equal(world.format, 'png');
  assert.equal(world.tileCount, 5);
  assertSameTiles(store, world.id, mbtilesByPath(worldMbtiles));
  const before = counts(project);
  const again = await importTiles(project, worldMbtiles, { name: 'World again' });
  const after = counts(project);
  assert.equal(after.tiles, before.tiles + again.tileCount);
  assert.equal(after.blobs, before.blobs, 'the same tiles imported twice add no blobs');
  assert.deepEqual(store.listLayers().map((l) => l.name), ['open-streets-dc', 'World', 'World again']);
  project.close();
});

test('XYZ and TMS folders and a GeoPackage pyramid land as the same z/x/y tiles as their MBTiles source', async () => {
  const source = mbtilesByPath(dcMbtiles);
  const xyz = join(dir, 'xyz');
  const tms = join(dir, 'tms');
  for (const [path, bytes] of source) {
    const [z, x, y] = path.split('/').map(Number) as [number, number, number];
    mkdirSync(join(xyz, `${z}`, `${x}`), { recursive: true });
    mkdirSync(join(tms, `${z}`, `${x}`), { recursive: true });
    writeFileSync(join(xyz, `${z}`, `${x}`, `${y}.webp`), bytes);
    writeFileSync(join(tms, `${z}`, `${x}`, `${flipRow(z, y)}.webp`), bytes);
  }
  writeFileSync(join(xyz, 'README.txt'), 'not a tile');
  writeFileSync(join(tms, 'tilemapresource.xml'), '<TileMap/>');
  const project = newProject();
  const store = new TileStore(project);
  const a = await importTiles(project, xyz);
  const b = await importTiles(project, tms);
  assertSameTiles(store, a.id, source);
  assertSameTiles(store, b.id, source);
  assert.deepEqual([a.minZoom, a.maxZoom], [7, 12]);

  // GDAL re-encodes tiles into the GeoPackage, so compare with the GeoPackage's own tile bytes.
  const gpkg = join(dir, 'dc.gpkg');
  const made = spawnSync('gdal_translate', ['-q', '-of', 'GPKG', '-co', 'TILING_SCHEME=GoogleMapsCompatible', '-co', 'TILE_FORMAT=PNG', '-co', 'ZOOM_LEVEL_STRATEGY=UPPER', dcMbtiles, gpkg], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const g = await importTiles(project, gpkg);
  const db = new Database(gpkg, { readonly: true });
  const table = db.prepare(`SELECT table_name FROM gpkg_contents WHERE data_type = 'tiles'`).pluck().get() as string;
  const rows = db.prepare(`SELECT zoom_level, tile_column, tile_row, tile_data FROM "${table}"`).all() as Array<{ zoom_level: number; tile_column: number; tile_row: number; tile_data: Buffer }>;
  const maxLevel = Math.max(...rows.map((r) => r.zoom_level));
  db.close();
  assert.equal(g.tileCount, rows.length);
  assert.equal(g.maxZoom, 12, `GDAL level ${maxLevel} is Web Mercator zoom 12`);
  const gpkgHashes = new Set(rows.map((r) => sha256Hex(r.tile_data)));
  for (const path of store.tilePaths(g.id)) assert.ok(gpkgHashes.has(sha256Hex(store.readTile(g.id, path)!.bytes)));
  // Its z12 tiles cover the same Washington tiles as the MBTiles (GDAL may add edge tiles around them).
  const gz12 = new Set(store.tilePaths(g.id).filter((p) => p.startsWith('12/')));
  for (const p of source.keys()) if (p.startsWith('12/')) assert.ok(gz12.has(p), `GeoPackage lacks ${p}`);
  project.close();
});

test('quantized-mesh terrain: layer.json and every .terrain tile byte-identical; extent over the Heuvelrug', async () => {
  const project = newProject();
  const store = new TileStore(project);
  const layer = await importTiles(project, terrainDir, { name: 'Heuvelrug' });
  const files = (readdirSync(terrainDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.terrain')).map((f) => f.split('\\').join('/'));
  assert.equal(files.length, 419);
  assert.equal(layer.kind, 'terrain');
  assert.equal(layer.tileCount, 420);
  assert.equal(layer.root, 'layer.json');
  assert.equal(layer.encoding, 'identity');
  assert.deepEqual([layer.minZoom, layer.maxZoom], [0, 15]);
  for (const f of files) assert.ok(store.readTile(layer.id, f)!.bytes.equals(readFileSync(join(terrainDir, f))), f);
  assert.ok(store.readTile(layer.id, 'layer.json')!.bytes.equals(readFileSync(join(terrainDir, 'layer.json'))));
  const e = layer.extent!;
  // The tiles' own centres (ECEF in each header) put the data at lat 52.04–52.15 (Doorn–Zeist), the grid agrees.
  assert.ok(e.westDegrees > 5.23 && e.westDegrees < 5.25 && e.eastDegrees > 5.31 && e.eastDegrees < 5.33, JSON.stringify(e));
  assert.ok(e.southDegrees > 52.03 && e.southDegrees < 52.04 && e.northDegrees > 52.15 && e.northDegrees < 52.16, JSON.stringify(e));
  project.close();
});

test('3D Tiles: folder, external tileset, .3tz and .3dtiles import byte-identical; export to .3dtiles and MBTiles round-trips', async () => {
  const project = newProject();
  const store = new TileStore(project);
  const plain = await importTiles(project, tilesetDir, { name: '3DBAG' });
  assert.equal(plain.kind, '3dtiles');
  assert.equal(plain.tileCount, 2, 'tileset.json and 128.glb; SOURCE files are left out');
  assert.ok(store.readTile(plain.id, '128.glb')!.bytes.equals(readFileSync(join(tilesetDir, '128.glb'))));
  assert.ok(store.readTile(plain.id, 'tileset.json')!.bytes.equals(readFileSync(join(tilesetDir, 'tileset.json'))));
  const e = plain.extent!;
  // The root box spans much of the Netherlands; the buildings (Zeeland, 3.48E 51.3N) lie inside it.
  assert.ok(e.westDegrees < 3.48 && e.eastDegrees > 3.48 && e.southDegrees < 51.3 && e.northDegrees > 51.3 && e.eastDegrees - e.westDegrees < 6, JSON.stringify(e));

  // An external tileset in a subfolder that points back up at the content.
  const nested = join(dir, 'nested');
  mkdirSync(join(nested, 'sub'), { recursive: true });
  cpSync(join(tilesetDir, '128.glb'), join(nested, '128.glb'));
  const root = JSON.parse(readFileSync(join(tilesetDir, 'tileset.json'), 'utf8'));
  const inner = structuredClone(root);
  inner.root.children = [];
  inner.root.content = { uri: '../128.glb' };
  root.root.children = [];
  root.root.content = { uri: 'sub/inner.json' };
  writeFileSync(join(nested, 'tileset.json'), JSON.stringify(root));
  writeFileSync(join(nested, 'sub', 'inner.json'), JSON.stringify(inner));
  const ext = await importTiles(project, nested);
  assert.deepEqual(store.tilePaths(ext.id), ['128.glb', 'sub/inner.json', 'tileset.json']);

  const tz = join(dir, 'nested.3tz');
  const zipped = spawnSync('zip', ['-q', '-r', tz, 'tileset.json', 'sub', '128.glb'], { cwd: nested, encoding: 'utf8' });
  assert.equal(zipped.status, 0, zipped.stderr);
  const fromZip = await importTiles(project, tz);
  assert.deepEqual(store.tilePaths(fromZip.id), store.tilePaths(ext.id));
  for (const p of store.tilePaths(ext.id)) assert.ok(store.readTile(fromZip.id, p)!.bytes.equals(readFileSync(join(nested, p))), p);

  const pkg = join(dir, 'nested.3dtiles');
  assert.equal(exportLayer(project, fromZip.id, pkg).tileCount, 3);
  const fromPkg = await importTiles(project, pkg, { name: 'round trip' });
  for (const p of store.tilePaths(ext.id)) assert.equal(store.tileHash(fromPkg.id, p), store.tileHash(ext.id, p), p);

  const dc = await importTiles(project, dcMbtiles);
  const out = join(dir, 'dc-export.mbtiles');
  exportLayer(project, dc.id, out);
  assert.deepEqual(mbtilesByPath(out), mbtilesByPath(dcMbtiles));
  const again = await importTiles(project, out);
  assert.equal(again.attribution, dc.attribution);
  assert.deepEqual([again.minZoom, again.maxZoom, again.tileCount], [dc.minZoom, dc.maxZoom, dc.tileCount]);
  assert.throws(() => exportLayer(project, dc.id, out), (e: StoreyError) => e.code === 'ALREADY_EXISTS');
  project.close();
});

test('bad sources are refused naming the file and what is wrong, and the project stays as it was', async () => {
  const project = newProject();
  await importTiles(project, worldMbtiles);
  const before = counts(project);

  const broken = join(dir, 'broken.mbtiles');
  cpSync(dcMbtiles, broken);
  const db = new Database(broken);
  db.prepare(`UPDATE images SET tile_data = X'00010203' WHERE tile_id = (SELECT tile_id FROM map WHERE zoom_level = 12 LIMIT 1)`).run();
  db.close();
  await assert.rejects(importTiles(project, broken), (e: StoreyError) => e.code === 'BAD_INPUT' && /broken\.mbtiles: tile z\d+ column \d+ row \d+ is not a PNG, JPEG or WebP/.test(e.message));

  const missing = join(dir, 'missing-content');
  mkdirSync(missing);
  cpSync(join(tilesetDir, 'tileset.json'), join(missing, 'tileset.json'));
  await assert.rejects(importTiles(project, missing), (e: StoreyError) => e.code === 'BAD_INPUT' && /missing-content: tileset\.json refers to 128\.glb, which is not in the tileset/.test(e.message));

  const notZip = join(dir, 'fake.3tz');
  writeFileSync(notZip, 'not a zip');
  await assert.rejects(importTiles(project, notZip), (e: StoreyError) => e.code === 'BAD_INPUT' && /fake\.3tz: cannot be read as a \.3tz/.test(e.message));
  const notSqlite = join(dir, 'fake.mbtiles');
  writeFileSync(notSqlite, 'plain text');
  await assert.rejects(importTiles(project, notSqlite), (e: StoreyError) => e.code === 'BAD_INPUT' && /fake\.mbtiles/.test(e.message));
  await assert.rejects(importTiles(project, join(dir, 'nothing-here.mbtiles')), (e: StoreyError) => e.code === 'FILE_NOT_FOUND');

  assert.deepEqual(counts(project), before);
  project.close();
});

test('a damaged blob is reported as damage, never returned as tile bytes', async () => {
  const project = newProject();
  const store = new TileStore(project);
  const layer = await importTiles(project, terrainDir);
  const path = '15/33725/25860.terrain';
  const hash = store.tileHash(layer.id, path)!;
  const good = store.readTile(layer.id, path)!.bytes;
  const flipped = Buffer.from(good);
  flipped[100] = flipped[100]! ^ 0xff;
  project.db.prepare(`UPDATE storey_blobs SET bytes = ? WHERE sha256 = ?`).run(flipped, hash);
  assert.throws(() => store.readTile(layer.id, path), (e: StoreyError) => e.code === 'DAMAGED' && e.message.includes(path));
  assert.ok(store.readTile(layer.id, 'layer.json'), 'the other tiles still read');
  project.close();
});
