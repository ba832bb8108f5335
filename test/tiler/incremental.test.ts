/**
 * Incremental tiling on the Danish BBR import: after random edits (buildings added, raised, moved — some far
 * enough to grow the root cell — and deleted), a tiling that reuses the last one's tiles writes exactly the tileset a
 * full tiling writes (every tile path with the same bytes, and the same tileset.json), over two edit rounds in a row;
 * and it rebuilds only what the edits touch.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { before, after, test } from 'node:test';
import fc from 'fast-check';
import { StoreyError } from '../../common/errors.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { decodePolygons, encodeMultiPolygon } from '../../core/project/gpkg-geometry.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { TileStore } from '../../core/tiles/tile-store.js';
import { planTiles, tilesOf, type PlannedTile, type TiledBuilding } from '../../core/tiler/plan.js';
import { tileAfterChange } from '../../core/tiler/after-import.js';
import { TILER_STAMP_KEY } from '../../core/tiler/stamp.js';
import { tileBuildings, BUILDINGS_LAYER_NAME, type TilerOptions, type TilerReport } from '../../core/tiler/tiler.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const path = join(tempDir(), 'odense-incremental.storey');
// Small tiles, so the 2,463 Danish buildings make a tree of several levels and an edit touches few of its tiles.
const settings: TilerOptions = { leafSize: 60, lodSize: 20 };
let project: ProjectFile;

before(async () => {
  project = ProjectFile.create(path, { name: 'Odense (incremental tiling)' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
});

after(() => project.close());

/** The buildings layer as written: every path with its hash, and the tileset.json text. */
function snapshot(report: TilerReport): { tiles: Map<string, string>; tileset: string } {
  const store = new TileStore(project);
  const tiles = new Map(store.tilePaths(report.layer.id).map((p) => [p, store.tileHash(report.layer.id, p)!]));
  return { tiles, tileset: store.readTile(report.layer.id, 'tileset.json')!.bytes.toString('utf8') };
}

function depthOf(tileset: string): number {
  interface Tile { children?: Tile[] }
  const depth = (tile: Tile): number => 1 + Math.max(0, ...(tile.children ?? []).map(depth));
  return depth((JSON.parse(tileset) as { root: Tile }).root) - 1;
}

type Edit =
  | { kind: 'height'; pick: number; heightMeters: number }
  | { kind: 'move'; pick: number; dLon: number; dLat: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; count: number; dLon: number; dLat: number };

const offset = fc.double({ min: -0.002, max: 0.002, noNaN: true });
const far = fc.double({ min: -2, max: 2, noNaN: true });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('height' as const), pick: fc.nat(), heightMeters: fc.double({ min: 2, max: 120, noNaN: true }) }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), dLon: offset, dLat: offset }),
  // Now and then a building moves far: out of its cell's ancestors, sometimes out of the city's root cell.
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), dLon: far, dLat: far }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  // Several copies next to a building: enough, now and then, to split a leaf.
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 40 }), dLon: offset, dLat: offset }),
);

let added = 0;

function apply(edits: Edit[]): void {
  project.transaction(() => {
    const ids = project.db.prepare(`SELECT registry_id FROM buildings WHERE footprint IS NOT NULL ORDER BY registry_id`).pluck().all() as string[];
    for (const e of edits) {
      const id = ids[e.pick % ids.length]!;
      const row = project.db.prepare(`SELECT footprint FROM buildings WHERE registry_id = ?`).get(id) as { footprint: Uint8Array | null } | undefined;
      if (!row?.footprint) continue; // deleted by an earlier edit of this batch
      const shifted = (dLon: number, dLat: number) =>
        encodeMultiPolygon(decodePolygons(row.footprint!).map((polygon) => polygon.map((ring) => ring.map(([lon, lat]) => [lon + dLon, lat + dLat] as [number, number]))), 4326);
      if (e.kind === 'height') project.db.prepare(`UPDATE buildings SET height_m = ? WHERE registry_id = ?`).run(e.heightMeters, id);
      else if (e.kind === 'move') project.db.prepare(`UPDATE buildings SET footprint = ? WHERE registry_id = ?`).run(shifted(e.dLon, e.dLat), id);
      else if (e.kind === 'delete') project.db.prepare(`DELETE FROM buildings WHERE registry_id = ?`).run(id);
      else {
        for (let i = 0; i < e.count; i++) {
          added += 1;
          project.db
            .prepare(`INSERT INTO buildings (registry_id, footprint, height_m, height_source, floor_count, use_category) SELECT ?, ?, height_m + ?, 'default', floor_count, use_category FROM buildings WHERE registry_id = ?`)
            .run(`test-added-${added}`, shifted(e.dLon * (i + 1), e.dLat * (i + 1)), i, id);
        }
      }
    }
  });
}

test('an incremental tiling writes the same tileset as a full tiling, after random edits over two rounds', async () => {
  await tileBuildings(project, settings);
  let rebuiltSome = false;
  let keptSome = false;
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.array(edit, { minLength: 1, maxLength: 4 }), async (first, second) => {
      apply(first);
      await tileBuildings(project, settings);
      apply(second);
      const incremental = await tileBuildings(project, settings);
      const got = snapshot(incremental);
      const full = await tileBuildings(project, { ...settings, full: true });
      const want = snapshot(full);
      assert.equal(full.rebuilt, full.tiles);
      assert.equal(incremental.tiles, full.tiles);
      assert.equal(incremental.rebuilt + incremental.kept, incremental.tiles);
      assert.equal(got.tileset, want.tileset);
      assert.deepEqual([...got.tiles].sort(), [...want.tiles].sort());
      rebuiltSome ||= incremental.rebuilt > 0;
      keptSome ||= incremental.kept > 0;
    }),
    { numRuns: 10, seed: 20261127, endOnFailure: true },
  );
  assert.ok(rebuiltSome && keptSome, 'the edits both rebuilt and kept tiles');
});

test('with nothing changed no tile is built; one building raised rebuilds its leaf and at most its ancestors', async () => {
  const first = await tileBuildings(project, settings);
  const firstTiles = snapshot(first);
  const same = await tileBuildings(project, settings);
  assert.equal(same.rebuilt, 0);
  assert.equal(same.kept, first.tiles);
  assert.deepEqual(snapshot(same), firstTiles);

  const id = project.db.prepare(`SELECT registry_id FROM buildings WHERE footprint IS NOT NULL ORDER BY height_m LIMIT 1 OFFSET 100`).pluck().get() as string;
  project.db.prepare(`UPDATE buildings SET height_m = height_m + 0.5 WHERE registry_id = ?`).run(id);
  const raised = await tileBuildings(project, settings);
  const depth = depthOf(snapshot(raised).tileset);
  assert.ok(depth >= 3, `a tree of ${depth + 1} levels`);
  assert.ok(raised.rebuilt >= 1 && raised.rebuilt <= depth + 1, `${raised.rebuilt} tiles rebuilt for one building (depth ${depth})`);
  assert.equal(raised.kept, raised.tiles - raised.rebuilt);
});

test('other tiler settings rebuild every tile; progress counts every building once and ends at the total', async () => {
  const seen: Array<[number, number]> = [];
  const report = await tileBuildings(project, { leafSize: 80, lodSize: 20, onProgress: (done, total) => seen.push([done, total]) });
  assert.equal(report.rebuilt, report.tiles);
  assert.deepEqual(seen.at(-1), [report.buildings, report.buildings]);
  assert.ok(seen.every(([done], i) => i === 0 || done > seen[i - 1]![0]), 'progress only grows');
  const again = await tileBuildings(project, { leafSize: 80, lodSize: 20 });
  assert.equal(again.rebuilt, 0);
});

test('a cancelled tiling leaves the previous tileset and its state in place', async () => {
  const before = await tileBuildings(project, settings);
  const wanted = snapshot(before);
  project.db.prepare(`UPDATE buildings SET height_m = height_m + 1 WHERE registry_id = (SELECT min(registry_id) FROM buildings WHERE footprint IS NOT NULL)`).run();
  await assert.rejects(
    tileBuildings(project, { ...settings, shouldCancel: () => true }),
    (error: unknown) => error instanceof StoreyError && error.code === 'CANCELLED',
  );
  const layers = new TileStore(project).listLayers().filter((l) => l.name === BUILDINGS_LAYER_NAME);
  assert.deepEqual(layers.map((l) => l.id), [before.layer.id]);
  assert.deepEqual(snapshot(before), wanted);
  // The next run still builds on the previous tiles: only the raised building's leaf and ancestors are built.
  const after = await tileBuildings(project, settings);
  assert.ok(after.rebuilt >= 1 && after.rebuilt <= depthOf(wanted.tileset) + 1, `${after.rebuilt} rebuilt`);
});

test('a node shows the heaviest buildings of its whole subtree, ties in registry order; every building is in one leaf', () => {
  // Synthetic rows (only planning is under test): clustered places and few distinct weights, so ties are common.
  const building = fc.record({ lon: fc.integer({ min: 0, max: 40 }), lat: fc.integer({ min: 0, max: 40 }), weight: fc.integer({ min: 1, max: 5 }) });
  fc.assert(
    fc.property(fc.array(building, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 12 }), (specs, leafSize, lodSize) => {
      const buildings: TiledBuilding[] = specs.map((s, order) => {
        const west = 10 + s.lon * 1e-4;
        const south = 55 + s.lat * 1e-4;
        return { key: String(order), footprint: new Uint8Array(), order, west, south, east: west + 5e-5, north: south + 5e-5, u: (west + 2.5e-5 + 180) / 360, v: (south + 2.5e-5 + 90) / 180, weight: s.weight };
      });
      const root = planTiles(buildings, leafSize, lodSize)!;
      const leafOf = new Map<TiledBuilding, string>();
      const below = (tile: PlannedTile): TiledBuilding[] => (tile.children.length ? tile.children.flatMap(below) : tile.content);
      for (const tile of tilesOf(root)) {
        if (tile.children.length === 0) {
          for (const b of tile.content) {
            assert.ok(!leafOf.has(b), `building ${b.order} in two leaves`);
            leafOf.set(b, tile.path);
          }
          continue;
        }
        const all = below(tile).sort((a, b) => a.order - b.order);
        const expected = [...all].sort((a, b) => b.weight - a.weight).slice(0, lodSize);
        assert.deepEqual(tile.content.map((b) => b.order), expected.map((b) => b.order), tile.path);
      }
      assert.equal(leafOf.size, buildings.length);
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('a cancel that arrives as a message (as the import and sync workers get theirs) stops the tiling between tiles; tileAfterChange passes it on', async () => {
  const before = await tileBuildings(project, settings);
  const wanted = snapshot(before);
  // Every building a little higher: every tile has to be built again, so there are many tiles to stop between.
  project.db.prepare(`UPDATE buildings SET height_m = height_m + 1 WHERE footprint IS NOT NULL`).run();
  const { port1, port2 } = new MessageChannel();
  let cancelled = false;
  port2.on('message', () => (cancelled = true));
  let progressAtCancel = -1;
  let progressCalls = 0;
  try {
    await assert.rejects(
      tileBuildings(project, {
        ...settings,
        onProgress: (done) => {
          progressCalls += 1;
          if (progressAtCancel < 0) {
            progressAtCancel = done;
            port1.postMessage('cancel');
          }
        },
        shouldCancel: () => cancelled,
      }),
      (error: unknown) => error instanceof StoreyError && error.code === 'CANCELLED',
    );
  } finally {
    port1.close();
    port2.close();
  }
  assert.ok(progressAtCancel > 0, 'the tiling had started');
  assert.ok(progressCalls <= 3, `it stopped within a tile or two of the cancel (${progressCalls} progress calls)`);
  // As after an import: the registry's stamp no longer matches the tileset's, so tileAfterChange tiles (and is cancelled).
  project.setMeta(TILER_STAMP_KEY, 'before the last import');
  await assert.rejects(tileAfterChange(project, undefined, () => true), (error: unknown) => error instanceof StoreyError && error.code === 'CANCELLED');
  assert.deepEqual(snapshot(before), wanted, 'the previous tileset stays');
});
