/**
 * The project's buildings as a 3D Tiles 1.1 tileset inside the project file (a '3dtiles' layer of the tile store).
 *
 * Buildings are placed in a quadtree of fixed cells (core/tiler/plan.ts). A leaf holds at most `leafSize` buildings
 * with their full footprints. A node above holds the tallest-and-largest of its buildings (up to `lodSize`) as the
 * same prisms, so a whole city shows its skyline from afar; closer in the node is REPLACEd by its children.
 * Geometric error falls with depth (the node's diagonal scaled), and is 0 at the leaves.
 *
 * Tiling is incremental: the project keeps, beside the layer, each tile's digest (a hash of the rows its content is
 * made of and the tiler settings) and the heights its mesh reached. A rerun plans the whole tree again (cheap: one
 * read of the rows, no triangles), then triangulates and writes only the tiles whose digest changed; the others are
 * carried over from the previous layer with their stored bytes. The result is the same tileset a full run writes.
 */
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import { StoreyError } from '../../common/errors.js';
import { blobEnvelope, decodePolygons } from '../project/gpkg-geometry.js';
import type { ProjectFile } from '../project/project-file.js';
import { TileStore } from '../tiles/tile-store.js';
import type { LayerSummary } from '../tiles/layer-types.js';
import { MeshBuilder, toEcef, type Footprint } from './extrude.js';
import { writeTileGlb, type FeatureProperties } from './glb.js';
import { boxOf, planTiles, settingsKey, tilesOf, type Box, type PlannedTile, type TiledBuilding } from './plan.js';
import { buildingsStamp, TILER_CATEGORIES_KEY, TILER_STAMP_KEY } from './stamp.js';
import { readTilerState, writeTilerState, type TileRecord } from './tiler-state.js';

export const BUILDINGS_LAYER_NAME = BUILDINGS_TILESET_NAME;

export interface TilerOptions {
  leafSize?: number;
  lodSize?: number;
  /** Build every tile, as if the project had never been tiled (the baseline of bench/tile-update). */
  full?: boolean;
  /** Buildings done (leaves built or kept) of all buildings. */
  onProgress?: (done: number, total: number) => void;
  /** Asked before each tile is built; true stops with CANCELLED and the previous tileset stays. */
  shouldCancel?: () => boolean;
}

export interface TilerReport {
  layer: LayerSummary;
  buildings: number;
  /** glb tiles in the tileset (tileset.json not counted). */
  tiles: number;
  /** Tiles triangulated and written by this run. */
  rebuilt: number;
  /** Tiles carried over unchanged from the previous tiling. */
  kept: number;
  bytes: number;
  depth: number;
  durationMs: number;
}

interface TileJson {
  boundingVolume: { region: number[] };
  geometricError: number;
  refine?: 'REPLACE' | 'ADD';
  content?: { uri: string };
  children?: TileJson[];
  transform?: number[];
}

interface BuildingRow {
  registry_id: string;
  footprint: Uint8Array;
  height_m: number;
  floor_count: number | null;
  use: string | null;
  use_category: string;
  year_built: number | null;
}

const RAD = Math.PI / 180;

function propsOf(row: BuildingRow): FeatureProperties {
  return { registryId: row.registry_id, floors: row.floor_count, use: row.use ?? '', category: row.use_category, year: row.year_built, height: row.height_m };
}

/**
 * Every building with a footprint, in registry id order, with what planning needs. Footprints stay encoded: their
 * extent is read from the GeoPackage header (decoded only for a blob without one), and only the tiles being built
 * decode them.
 */
function readBuildings(project: ProjectFile): { buildings: TiledBuilding[]; rows: Map<TiledBuilding, BuildingRow>; categories: Set<string> } {
  const statement = project.db
    .prepare(
      `SELECT registry_id, footprint, height_m, floor_count, coalesce(use_label, use_category) AS use, use_category, year_built
         FROM buildings WHERE footprint IS NOT NULL ORDER BY registry_id`,
    )
    .raw(true);
  const buildings: TiledBuilding[] = [];
  const rows = new Map<TiledBuilding, BuildingRow>();
  const categories = new Set<string>();
  for (const [registry_id, footprint, height_m, floor_count, use, use_category, year_built] of statement.iterate() as Iterable<[string, Uint8Array, number, number | null, string | null, string, number | null]>) {
    const envelope = blobEnvelope(footprint);
    if (!envelope || !Number.isFinite(envelope.minX) || !Number.isFinite(envelope.minY)) continue;
    const { minX: west, maxX: east, minY: south, maxY: north } = envelope;
    const row: BuildingRow = { registry_id, footprint, height_m, floor_count, use, use_category, year_built };
    const building: TiledBuilding = {
      key: JSON.stringify([registry_id, floor_count, use ?? '', use_category, year_built, height_m]),
      footprint,
      order: buildings.length,
      u: ((west + east) / 2 + 180) / 360,
      v: ((south + north) / 2 + 90) / 180,
      west,
      south,
      east,
      north,
      weight: (east - west) * (north - south) * Math.max(height_m, 1),
    };
    buildings.push(building);
    rows.set(building, row);
    categories.add(use_category);
  }
  return { buildings, rows, categories };
}

function diagonalMeters(box: Box): number {
  const midLat = ((box.south + box.north) / 2) * RAD;
  const dx = (box.east - box.west) * 111320 * Math.cos(midLat);
  const dy = (box.north - box.south) * 110540;
  return Math.hypot(dx, dy);
}

function centreOf(content: Box[]): [number, number, number] {
  const box = boxOf(content);
  return toEcef((box.west + box.east) / 2, (box.south + box.north) / 2, 0);
}

/** Column-major translation matrix, as 3D Tiles wants `transform`. */
function translation([x, y, z]: [number, number, number]): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];
}

/** Triangulates one tile's buildings into a glb; the heights are those its mesh reached. */
async function buildTile(tile: PlannedTile, rows: Map<TiledBuilding, BuildingRow>): Promise<{ glb: Uint8Array; record: TileRecord }> {
  const mesh = new MeshBuilder(centreOf(tile.content));
  const props: FeatureProperties[] = [];
  tile.content.forEach((b, feature) => {
    const row = rows.get(b)!;
    props.push(propsOf(row));
    for (const polygon of decodePolygons(row.footprint)) {
      const footprint: Footprint = polygon.map((ring) => ring.map(([lon, lat]) => [lon, lat] as [number, number]));
      mesh.addPrism(footprint, 0, row.height_m, feature);
    }
  });
  const glb = await writeTileGlb(mesh, props);
  return { glb, record: { digest: tile.digest, minHeight: mesh.minHeight, maxHeight: mesh.maxHeight } };
}

/** The tileset.json tree: a tile's transform applies on top of its parent's, so children's are made relative. */
function tileJson(tile: PlannedTile, records: Map<string, TileRecord>): TileJson {
  const { west, south, east, north } = tile.box;
  const centre = centreOf(tile.content);
  const content = { content: { uri: tile.path }, transform: translation(centre) };
  if (tile.children.length === 0) {
    const { minHeight, maxHeight } = records.get(tile.path)!;
    return { boundingVolume: { region: [west * RAD, south * RAD, east * RAD, north * RAD, minHeight, maxHeight] }, geometricError: 0, ...content };
  }
  const children = tile.children.map((child) => tileJson(child, records));
  for (const child of children) {
    child.transform![12] = child.transform![12]! - centre[0];
    child.transform![13] = child.transform![13]! - centre[1];
    child.transform![14] = child.transform![14]! - centre[2];
  }
  const minHeight = Math.min(...children.map((c) => c.boundingVolume.region[4]!));
  const maxHeight = Math.max(...children.map((c) => c.boundingVolume.region[5]!));
  return {
    boundingVolume: { region: [west * RAD, south * RAD, east * RAD, north * RAD, minHeight, maxHeight] },
    // Refine when the missing smaller buildings would show: a fraction of the node's size, never below a leaf's.
    geometricError: Math.max(diagonalMeters(tile.box) / 16, 4),
    refine: 'REPLACE',
    ...content,
    children,
  };
}

/**
 * Tiles the buildings of the project into its '3dtiles' buildings layer, building only the tiles whose buildings or
 * settings changed since the last tiling (all of them with `full`, or when there is no usable last tiling). The new
 * layer lands in one transaction and the previous one is removed after it; tiles that did not change keep their
 * stored bytes. Returns what was written.
 */
export async function tileBuildings(project: ProjectFile, options: TilerOptions = {}): Promise<TilerReport> {
  const started = performance.now();
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; its buildings cannot be tiled.`);
  const leafSize = options.leafSize ?? 1500;
  const lodSize = options.lodSize ?? 400;
  const stamp = buildingsStamp(project);
  const { buildings, rows, categories } = readBuildings(project);
  const root = planTiles(buildings, leafSize, lodSize);
  if (!root) throw new StoreyError('BAD_INPUT', `${project.fileName} has no buildings with footprints to tile.`);

  const store = new TileStore(project);
  const previous = store.listLayers().filter((layer) => layer.name === BUILDINGS_LAYER_NAME && layer.kind === '3dtiles');
  // The last tiling's digests count only for the layer they describe, tiled with the same settings.
  const state = options.full ? null : readTilerState(project);
  const usable = state && state.settings === settingsKey(leafSize, lodSize) && previous.some((l) => l.id === state.layerId) ? state : null;

  const cancelled = () => {
    if (options.shouldCancel?.()) throw new StoreyError('CANCELLED', `Tiling the buildings of ${project.fileName} was cancelled; the previous tileset stays.`);
  };
  const records = new Map<string, TileRecord>();
  const built = new Map<string, Uint8Array>();
  const keep: string[] = [];
  let done = 0;
  let depth = 0;
  let bytes = 0;
  for (const tile of tilesOf(root)) {
    depth = Math.max(depth, tile.depth);
    const old = usable?.tiles.get(tile.path);
    if (old && old.digest === tile.digest) {
      records.set(tile.path, old);
      keep.push(tile.path);
    } else {
      // A turn of the event loop between tiles, so a cancel sent as a message (a worker's port) can arrive.
      if (options.shouldCancel) await new Promise((resolve) => setImmediate(resolve));
      cancelled();
      const { glb, record } = await buildTile(tile, rows);
      records.set(tile.path, record);
      built.set(tile.path, glb);
      bytes += glb.length;
    }
    if (tile.children.length === 0) {
      done += tile.content.length;
      options.onProgress?.(done, buildings.length);
    }
  }
  if (options.shouldCancel) await new Promise((resolve) => setImmediate(resolve));
  cancelled();

  const rootJson = tileJson(root, records);
  const tileset = {
    asset: { version: '1.1', generator: 'Storey tiler' },
    geometricError: Math.max(rootJson.geometricError * 2, diagonalMeters(root.box) / 4),
    root: rootJson,
  };
  const tilesetBytes = Buffer.from(JSON.stringify(tileset));
  bytes += tilesetBytes.length;
  let rebuilt = built.size;
  const layer = await store.importLayer(
    { name: BUILDINGS_LAYER_NAME, kind: '3dtiles' },
    async (writer) => {
      writer.add('tileset.json', tilesetBytes, 'tileset.json');
      for (const [path, glb] of built) writer.add(path, glb, path);
      for (const path of keep) {
        let stored: Uint8Array | undefined;
        try {
          stored = store.readTile(usable!.layerId, path)?.bytes;
        } catch (error) {
          if (!(error instanceof StoreyError && error.code === 'DAMAGED')) throw error;
        }
        // A kept tile that cannot be read back as stored is built again: same digest, same bytes.
        if (!stored) {
          const tile = [...tilesOf(root)].find((t) => t.path === path)!;
          stored = (await buildTile(tile, rows)).glb;
          rebuilt += 1;
        }
        writer.add(path, stored, path);
        bytes += stored.length;
      }
      return {
        format: 'glb',
        encoding: 'identity',
        extent: { westDegrees: root.box.west, southDegrees: root.box.south, eastDegrees: root.box.east, northDegrees: root.box.north },
        minZoom: 0,
        maxZoom: depth,
        attribution: '',
        source: 'the project\'s buildings',
        root: 'tileset.json',
      };
    },
    { shouldCancel: options.shouldCancel },
  );
  for (const old of previous) store.deleteLayer(old.id);
  project.transaction(() => {
    project.setMeta(TILER_STAMP_KEY, stamp);
    project.setMeta(TILER_CATEGORIES_KEY, JSON.stringify([...categories].sort()));
    writeTilerState(project, { layerId: layer.id, settings: settingsKey(leafSize, lodSize), tiles: records });
  });
  return {
    layer,
    buildings: buildings.length,
    tiles: records.size,
    rebuilt,
    kept: records.size - rebuilt,
    bytes,
    depth,
    durationMs: performance.now() - started,
  };
}
