/**
 * The project's buildings as a 3D Tiles 1.1 tileset inside the project file (a '3dtiles' layer of the tile store).
 *
 * Buildings are placed in a quadtree by the centre of their footprint's bounding box. A leaf holds at most
 * `leafSize` buildings with their full footprints. A node above holds the tallest-and-largest of its buildings
 * (up to `lodSize`) as the same prisms, so a whole city shows its skyline from afar; closer in the node is
 * REPLACEd by its children. Geometric error falls with depth (the node's diagonal scaled), and is 0 at the leaves.
 * Tiles are content-addressed in the store, so re-tiling after a change stores only the tiles that changed.
 */
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import { StoreyError } from '../../common/errors.js';
import { decodePolygons } from '../project/gpkg-geometry.js';
import type { ProjectFile } from '../project/project-file.js';
import { TileStore } from '../tiles/tile-store.js';
import type { LayerSummary } from '../tiles/layer-types.js';
import { MeshBuilder, toEcef, type Footprint } from './extrude.js';
import { writeTileGlb, type FeatureProperties } from './glb.js';
import { buildingsStamp, TILER_CATEGORIES_KEY, TILER_STAMP_KEY } from './stamp.js';

export const BUILDINGS_LAYER_NAME = BUILDINGS_TILESET_NAME;

export interface TilerOptions {
  leafSize?: number;
  lodSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TilerReport {
  layer: LayerSummary;
  buildings: number;
  tiles: number;
  bytes: number;
  depth: number;
  durationMs: number;
}

interface TiledBuilding {
  props: FeatureProperties;
  /** Each polygon of a (multi-part) footprint, its rings together: extruded one by one. */
  polygons: Footprint[];
  x: number;
  y: number;
  west: number;
  south: number;
  east: number;
  north: number;
  /** Footprint size × height: who shows first from afar. */
  weight: number;
}

interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

interface TileJson {
  boundingVolume: { region: number[] };
  geometricError: number;
  refine?: 'REPLACE' | 'ADD';
  content?: { uri: string };
  children?: TileJson[];
  transform?: number[];
}

const RAD = Math.PI / 180;

function readBuildings(project: ProjectFile): TiledBuilding[] {
  const rows = project.db
    .prepare(
      `SELECT registry_id, footprint, height_m, floor_count, coalesce(use_label, use_category) AS use, use_category, year_built
         FROM buildings WHERE footprint IS NOT NULL ORDER BY registry_id`,
    )
    .all() as Array<{ registry_id: string; footprint: Uint8Array; height_m: number; floor_count: number | null; use: string | null; use_category: string; year_built: number | null }>;
  const buildings: TiledBuilding[] = [];
  for (const row of rows) {
    const polygons = decodePolygons(row.footprint);
    let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
    for (const polygon of polygons) for (const [lon, lat] of polygon[0] ?? []) {
      west = Math.min(west, lon);
      east = Math.max(east, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
    if (!Number.isFinite(west)) continue;
    buildings.push({
      props: { registryId: row.registry_id, floors: row.floor_count, use: row.use ?? '', category: row.use_category, year: row.year_built, height: row.height_m },
      polygons: polygons.map((polygon) => polygon.map((ring) => ring.map(([lon, lat]) => [lon, lat] as [number, number]))),
      x: (west + east) / 2,
      y: (south + north) / 2,
      west,
      south,
      east,
      north,
      weight: (east - west) * (north - south) * Math.max(row.height_m, 1),
    });
  }
  return buildings;
}

function boxOf(buildings: TiledBuilding[]): Box {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const b of buildings) {
    box.west = Math.min(box.west, b.west);
    box.south = Math.min(box.south, b.south);
    box.east = Math.max(box.east, b.east);
    box.north = Math.max(box.north, b.north);
  }
  return box;
}

function diagonalMeters(box: Box): number {
  const midLat = ((box.south + box.north) / 2) * RAD;
  const dx = (box.east - box.west) * 111320 * Math.cos(midLat);
  const dy = (box.north - box.south) * 110540;
  return Math.hypot(dx, dy);
}

/** Column-major translation matrix, as 3D Tiles wants `transform`. */
function translation([x, y, z]: [number, number, number]): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];
}

interface PendingTile {
  path: string;
  glb: Uint8Array;
}

class TilesetBuilder {
  readonly files: PendingTile[] = [];
  depth = 0;
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly leafSize: number,
    private readonly lodSize: number,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {}

  private async content(buildings: TiledBuilding[], path: string): Promise<{ json: Pick<TileJson, 'content' | 'transform'>; minHeight: number; maxHeight: number }> {
    const box = boxOf(buildings);
    const centre = toEcef((box.west + box.east) / 2, (box.south + box.north) / 2, 0);
    const mesh = new MeshBuilder(centre);
    buildings.forEach((b, feature) => {
      for (const polygon of b.polygons) mesh.addPrism(polygon, 0, b.props.height, feature);
    });
    const glb = await writeTileGlb(mesh, buildings.map((b) => b.props));
    this.files.push({ path, glb });
    return { json: { content: { uri: path }, transform: translation(centre) }, minHeight: mesh.minHeight, maxHeight: mesh.maxHeight };
  }

  async node(buildings: TiledBuilding[], level: number, x: number, y: number): Promise<TileJson> {
    this.depth = Math.max(this.depth, level);
    const box = boxOf(buildings);
    const path = `tiles/${level}/${x}/${y}.glb`;
    if (buildings.length <= this.leafSize || level >= 20) {
      const { json, minHeight, maxHeight } = await this.content(buildings, path);
      this.done += buildings.length;
      this.onProgress?.(this.done, this.total);
      return { boundingVolume: { region: [box.west * RAD, box.south * RAD, box.east * RAD, box.north * RAD, minHeight, maxHeight] }, geometricError: 0, ...json };
    }
    // Split at the middle of the node's area; a degenerate split (all centres on one side) halves by count.
    const midX = (box.west + box.east) / 2;
    const midY = (box.south + box.north) / 2;
    let quads: TiledBuilding[][] = [[], [], [], []];
    for (const b of buildings) quads[(b.x >= midX ? 1 : 0) + (b.y >= midY ? 2 : 0)]!.push(b);
    if (quads.filter((q) => q.length).length === 1) {
      const sorted = [...buildings].sort((a, b) => a.x - b.x || a.y - b.y);
      const half = Math.ceil(sorted.length / 2);
      quads = [sorted.slice(0, half), sorted.slice(half), [], []];
    }
    const children: TileJson[] = [];
    for (const [i, quad] of quads.entries()) {
      if (quad.length) children.push(await this.node(quad, level + 1, 2 * x + (i & 1), 2 * y + (i >> 1)));
    }
    const lod = [...buildings].sort((a, b) => b.weight - a.weight).slice(0, this.lodSize);
    const { json } = await this.content(lod, path);
    // A tile's transform applies on top of its parent's: the children's translations become relative to this one.
    const [px, py, pz] = json.transform!.slice(12, 15) as [number, number, number];
    for (const child of children) {
      if (!child.transform) continue;
      child.transform[12] = child.transform[12]! - px;
      child.transform[13] = child.transform[13]! - py;
      child.transform[14] = child.transform[14]! - pz;
    }
    const minHeight = Math.min(...children.map((c) => c.boundingVolume.region[4]!));
    const maxHeight = Math.max(...children.map((c) => c.boundingVolume.region[5]!));
    return {
      boundingVolume: { region: [box.west * RAD, box.south * RAD, box.east * RAD, box.north * RAD, minHeight, maxHeight] },
      // Refine when the missing smaller buildings would show: a fraction of the node's size, never below a leaf's.
      geometricError: Math.max(diagonalMeters(box) / 16, 4),
      refine: 'REPLACE',
      ...json,
      children,
    };
  }
}

/**
 * Tiles all buildings of the project into its '3dtiles' buildings layer; the previous buildings layer is removed once
 * the new one has landed (tiles that did not change keep their stored bytes). Returns what was written.
 */
export async function tileBuildings(project: ProjectFile, options: TilerOptions = {}): Promise<TilerReport> {
  const started = performance.now();
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; its buildings cannot be tiled.`);
  const stamp = buildingsStamp(project);
  const buildings = readBuildings(project);
  if (buildings.length === 0) throw new StoreyError('BAD_INPUT', `${project.fileName} has no buildings with footprints to tile.`);
  const builder = new TilesetBuilder(buildings.length, options.leafSize ?? 1500, options.lodSize ?? 400, options.onProgress);
  const root = await builder.node(buildings, 0, 0, 0);
  const tileset = {
    asset: { version: '1.1', generator: 'Storey tiler' },
    geometricError: Math.max(root.geometricError * 2, diagonalMeters(boxOf(buildings)) / 4),
    root,
  };
  const tilesetBytes = Buffer.from(JSON.stringify(tileset));
  const store = new TileStore(project);
  const previous = store.listLayers().filter((layer) => layer.name === BUILDINGS_LAYER_NAME && layer.kind === '3dtiles');
  const box = boxOf(buildings);
  const layer = await store.importLayer({ name: BUILDINGS_LAYER_NAME, kind: '3dtiles' }, (writer) => {
    writer.add('tileset.json', tilesetBytes, 'tileset.json');
    for (const file of builder.files) writer.add(file.path, file.glb, file.path);
    return {
      format: 'glb',
      encoding: 'identity',
      extent: { westDegrees: box.west, southDegrees: box.south, eastDegrees: box.east, northDegrees: box.north },
      minZoom: 0,
      maxZoom: builder.depth,
      attribution: '',
      source: 'the project\'s buildings',
      root: 'tileset.json',
    };
  });
  for (const old of previous) store.deleteLayer(old.id);
  project.setMeta(TILER_STAMP_KEY, stamp);
  project.setMeta(TILER_CATEGORIES_KEY, JSON.stringify([...new Set(buildings.map((b) => b.props.category))].sort()));
  return {
    layer,
    buildings: buildings.length,
    tiles: builder.files.length,
    bytes: builder.files.reduce((n, f) => n + f.glb.length, tilesetBytes.length),
    depth: builder.depth,
    durationMs: performance.now() - started,
  };
}
