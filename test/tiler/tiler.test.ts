/**
 * The 3D Tiles tiler on the synthetic district: every glb passes the Khronos glTF validator, the tileset is valid
 * 3D Tiles 1.1 in the ways that matter to a viewer (content inside its bounding region, geometric error falling
 * with depth), every building appears exactly once in the leaves with its registry properties, and its roof sits at
 * its height within 0.5 m.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { NodeIO, type Document } from '@gltf-transform/core';
import { EXTMeshFeatures, EXTStructuralMetadata, type StructuralMetadata } from '@gltf-transform/extensions';
// Types for gltf-validator: test/types/gltf-validator.d.ts.
import validator from 'gltf-validator';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { TileStore } from '../../core/tiles/tile-store.js';
import { buildingsTilesetState } from '../../core/tiler/stamp.js';
import { tileBuildings, BUILDINGS_LAYER_NAME, type TilerReport } from '../../core/tiler/tiler.js';
import { tempDir } from '../support/temp.js';

const path = join(tempDir(), 'district.storey');
let project: ProjectFile;
let report: TilerReport;
let store: TileStore;
interface Tile { boundingVolume: { region: number[] }; geometricError: number; content?: { uri: string }; children?: Tile[]; transform?: number[] }
let tileset: { asset: { version: string }; geometricError: number; root: Tile };
const io = new NodeIO().registerExtensions([EXTMeshFeatures, EXTStructuralMetadata]);

before(async () => {
  createSampleProject(path).close();
  project = ProjectFile.open(path);
  report = await tileBuildings(project, { leafSize: 60, lodSize: 25 });
  store = new TileStore(project);
  tileset = JSON.parse(store.readTile(report.layer.id, 'tileset.json')!.bytes.toString('utf8'));
});

/**
 * Every tile with its depth, parent and the ECEF origin of its content: 3D Tiles transforms apply on top of the
 * parent's, so a tile's origin is the sum of the translations on its way down from the root.
 */
function* walk(tile: Tile, depth = 0, parent?: Tile, base: [number, number, number] = [0, 0, 0]): Generator<{ tile: Tile; depth: number; parent?: Tile; origin: [number, number, number] }> {
  const t = tile.transform?.slice(12, 15) ?? [0, 0, 0];
  const origin: [number, number, number] = [base[0] + t[0]!, base[1] + t[1]!, base[2] + t[2]!];
  yield { tile, depth, parent, origin };
  for (const child of tile.children ?? []) yield* walk(child, depth + 1, tile, origin);
}

/** ECEF to geodetic (lon, lat in degrees, height in metres) on WGS84, by Bowring's method. */
function geodetic(x: number, y: number, z: number): [number, number, number] {
  const a = 6378137;
  const e2 = 6.69437999014e-3;
  const b = a * Math.sqrt(1 - e2);
  const ep2 = (a * a - b * b) / (b * b);
  const p = Math.hypot(x, y);
  const th = Math.atan2(a * z, b * p);
  const lat = Math.atan2(z + ep2 * b * Math.sin(th) ** 3, p - e2 * a * Math.cos(th) ** 3);
  const n = a / Math.sqrt(1 - e2 * Math.sin(lat) ** 2);
  return [(Math.atan2(y, x) * 180) / Math.PI, (lat * 180) / Math.PI, p / Math.cos(lat) - n];
}

async function readContent(tile: Tile, origin: [number, number, number]): Promise<{ doc: Document; vertices: Array<[number, number, number]>; featureOf: number[]; table: Record<string, unknown[]> }> {
  const bytes = store.readTile(report.layer.id, tile.content!.uri)!.bytes;
  const doc = await io.readBinary(new Uint8Array(bytes));
  const primitive = doc.getRoot().listMeshes()[0]!.listPrimitives()[0]!;
  const positions = primitive.getAttribute('POSITION')!.getArray()!;
  const ids = primitive.getAttribute('_FEATURE_ID_0')!.getArray()!;
  const [tx, ty, tz] = origin;
  const vertices: Array<[number, number, number]> = [];
  // glTF y-up (x, y, z) is ECEF (x, -z, y) relative to the tile centre.
  for (let i = 0; i < positions.length; i += 3) vertices.push(geodetic(positions[i]! + tx, -positions[i + 2]! + ty, positions[i + 1]! + tz));
  const metadata = doc.getRoot().getExtension<StructuralMetadata>('EXT_structural_metadata')!;
  const propertyTable = metadata.listPropertyTables()[0]!;
  const count = propertyTable.getCount();
  const decodeStrings = (key: string) => {
    const p = propertyTable.getProperty(key)!;
    const offsets = new Uint32Array(p.getStringOffsets()!.slice().buffer);
    const text = new TextDecoder();
    return Array.from({ length: count }, (_, i) => text.decode(p.getValues().slice(offsets[i], offsets[i + 1])));
  };
  const ints = (key: string) => Array.from(new Int32Array(propertyTable.getProperty(key)!.getValues().slice().buffer));
  const floats = (key: string) => Array.from(new Float32Array(propertyTable.getProperty(key)!.getValues().slice().buffer));
  return { doc, vertices, featureOf: Array.from(ids), table: { registryId: decodeStrings('registryId'), floors: ints('floors'), year: ints('year'), height: floats('height'), use: decodeStrings('use') } };
}

test('the tileset is a 3dtiles layer of the project with a quadtree of several levels', () => {
  assert.equal(report.layer.kind, '3dtiles');
  assert.equal(report.layer.name, BUILDINGS_LAYER_NAME);
  assert.equal(tileset.asset.version, '1.1');
  assert.ok(report.depth >= 2, `depth ${report.depth}`);
  assert.equal(report.buildings, project.db.prepare('SELECT count(*) FROM buildings WHERE footprint IS NOT NULL').pluck().get());
  assert.equal(store.tilePaths(report.layer.id).length, report.tiles + 1);
});

test('every glb passes the Khronos glTF validator with no errors', async () => {
  for (const { tile } of walk(tileset.root)) {
    if (!tile.content) continue;
    const bytes = store.readTile(report.layer.id, tile.content.uri)!.bytes;
    const result = await validator.validateBytes(new Uint8Array(bytes));
    assert.equal(result.issues.numErrors, 0, `${tile.content.uri}: ${JSON.stringify(result.issues.messages.filter((m) => m.severity === 0).slice(0, 3))}`);
  }
});

test('geometric error falls with depth, and content lies inside its bounding region', async () => {
  assert.ok(tileset.geometricError >= tileset.root.geometricError);
  const eps = 1e-7; // radians, about a centimetre
  for (const { tile, parent, origin } of walk(tileset.root)) {
    if (parent) assert.ok(tile.geometricError <= parent.geometricError, 'a child is never coarser than its parent');
    if (!tile.children?.length) assert.equal(tile.geometricError, 0, 'leaves hold full detail');
    const [w, s, e, n, minH, maxH] = tile.boundingVolume.region as [number, number, number, number, number, number];
    if (parent) {
      const [pw, ps, pe, pn] = parent.boundingVolume.region as [number, number, number, number];
      assert.ok(w >= pw - eps && s >= ps - eps && e <= pe + eps && n <= pn + eps, 'a child region lies inside its parent');
    }
    if (!tile.content) continue;
    const { vertices } = await readContent(tile, origin);
    for (const [lon, lat, h] of vertices) {
      assert.ok(lon * (Math.PI / 180) >= w - eps && lon * (Math.PI / 180) <= e + eps && lat * (Math.PI / 180) >= s - eps && lat * (Math.PI / 180) <= n + eps, `${tile.content.uri}: ${lon},${lat} outside`);
      assert.ok(h >= minH - 0.05 && h <= maxH + 0.05, `${tile.content.uri}: height ${h} outside ${minH}..${maxH}`);
    }
  }
});

test('every building is in exactly one leaf, with its properties, and its roof at its height (±0.5 m)', async () => {
  const rows = project.db.prepare('SELECT registry_id, height_m, floor_count, year_built FROM buildings WHERE footprint IS NOT NULL').all() as Array<{ registry_id: string; height_m: number; floor_count: number | null; year_built: number | null }>;
  const expected = new Map(rows.map((r) => [r.registry_id, r]));
  const seen = new Map<string, number>();
  for (const { tile, origin } of walk(tileset.root)) {
    if (tile.children?.length || !tile.content) continue;
    const { vertices, featureOf, table } = await readContent(tile, origin);
    const top = new Map<number, number>();
    vertices.forEach(([, , h], i) => top.set(featureOf[i]!, Math.max(top.get(featureOf[i]!) ?? -Infinity, h)));
    (table['registryId'] as string[]).forEach((id, feature) => {
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const row = expected.get(id);
      assert.ok(row, `unknown id ${id}`);
      assert.equal(table['floors']![feature], row.floor_count ?? -1);
      assert.equal(table['year']![feature], row.year_built ?? -1);
      assert.ok(Math.abs((table['height']![feature] as number) - row.height_m) < 1e-3);
      assert.ok(Math.abs(top.get(feature)! - row.height_m) <= 0.5, `${id}: roof at ${top.get(feature)} m, height ${row.height_m} m`);
    });
  }
  assert.equal(seen.size, expected.size, 'every building is in the tileset');
  assert.ok([...seen.values()].every((n) => n === 1), 'no building is in two leaves');
});

test('tiling again replaces the layer and stores unchanged tiles once', async () => {
  const blobs = () => project.db.prepare('SELECT count(*) FROM storey_blobs').pluck().get() as number;
  const before = blobs();
  const again = await tileBuildings(project, { leafSize: 60, lodSize: 25 });
  assert.equal(new TileStore(project).listLayers().filter((l) => l.name === BUILDINGS_LAYER_NAME).length, 1);
  assert.equal(blobs(), before, 'the same buildings give the same bytes, stored once');
  assert.notEqual(again.layer.id, report.layer.id);
  report = again;
});

test('the project says whether its tileset is current: yes after tiling, no after an import, yes after tiling again', async () => {
  const categories = project.db.prepare('SELECT DISTINCT use_category FROM buildings WHERE footprint IS NOT NULL ORDER BY 1').pluck().all();
  assert.deepEqual(buildingsTilesetState(project), { layerId: report.layer.id, current: true, categories });
  // An import (here one more building, logged as imports are) makes the tileset stale: the city view falls back to
  // drawing the registry until the buildings are tiled again.
  project.transaction(() => {
    project.db.prepare(`INSERT INTO buildings (footprint, registry_id, height_m, height_source) SELECT footprint, 'stale-check', 12, 'default' FROM buildings LIMIT 1`).run();
    project.db.prepare(`INSERT INTO storey_imports (started_at, profile, files, report) VALUES (?, 'test', '[]', '{}')`).run(new Date().toISOString());
  });
  assert.deepEqual(buildingsTilesetState(project), { layerId: report.layer.id, current: false, categories });
  report = await tileBuildings(project, { leafSize: 60, lodSize: 25 });
  assert.deepEqual(buildingsTilesetState(project), { layerId: report.layer.id, current: true, categories: [...new Set([...(categories as string[]), 'unknown'])].sort() });
});
