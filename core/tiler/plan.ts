/**
 * Where each building goes in the buildings tileset: a quadtree over fixed cells of the globe, and what each tile
 * is made of. The subdivision must not move when one building changes, or one edit would reshuffle every tile:
 * cells are those of one global grid (level z splits 360° of longitude and 180° of latitude into 2^z parts each,
 * so at mid latitudes a cell is about as wide as it is tall), and a building belongs to the cell holding the centre
 * of its footprint's bounding box. A cell with more than `leafSize` buildings splits into its four quarters; a
 * cell whose buildings all lie in one quarter is skipped (no tile), so the root is the smallest cell that holds the
 * whole city and a chain of one-child tiles never appears. Tile paths name the cell (`tiles/z/x/y.glb`, y counted
 * northwards), so a tile keeps its path while its buildings stay in it, whatever happens elsewhere.
 *
 * Each tile's content is a list of buildings, and the glb is a pure function of that list: a leaf holds its
 * buildings, a node above holds the `lodSize` heaviest (footprint × height) of all its buildings. The digest of a
 * tile is a hash over the rows of that list (and the settings), so a rerun can tell which tiles would come out
 * the same without triangulating them.
 */
import { createHash } from 'node:crypto';

/** Bump when the tiler writes different bytes for the same buildings: every stored digest then misses. */
export const TILER_OUTPUT_VERSION = 2;
/** Deeper than this the tree stops splitting (e.g. many buildings on one spot): the tile becomes a leaf. */
const MAX_DEPTH = 20;
/** 2^-40 of the globe is well under a millimetre; building centres closer than that are one point. */
const MAX_LEVEL = 40;

export interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface TiledBuilding extends Box {
  /** The row's content as tiled, one JSON line: registry id, floors, use, category, year, height. */
  key: string;
  /** The stored footprint blob: hashed as stored, decoded only when its tile is built. */
  footprint: Uint8Array;
  /** Place in registry id order: who comes first among equal weights. */
  order: number;
  /** Centre of the bounding box as a fraction of the globe: u = (lon + 180) / 360, v = (lat + 90) / 180. */
  u: number;
  v: number;
  /** Footprint size × height: who shows first from afar. */
  weight: number;
}

export interface PlannedTile {
  path: string;
  depth: number;
  /** The bounding box of every building below this tile (its own content is a part of them). */
  box: Box;
  /** What this tile's glb shows, in feature order. */
  content: TiledBuilding[];
  children: PlannedTile[];
  digest: string;
}

export function boxOf(buildings: Box[]): Box {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const b of buildings) {
    if (b.west < box.west) box.west = b.west;
    if (b.south < box.south) box.south = b.south;
    if (b.east > box.east) box.east = b.east;
    if (b.north > box.north) box.north = b.north;
  }
  return box;
}

/** The cell index of a fraction of the globe at a level; the far edge (u = 1) belongs to the last cell. */
function cellIndex(fraction: number, level: number): number {
  const cells = 2 ** level;
  return Math.min(cells - 1, Math.floor(fraction * cells));
}

/** Which quarter (0..3: +1 east, +2 north) of its cell at `level` a building lies in, from its cell at level + 1. */
function quarter(b: TiledBuilding, level: number): number {
  return (cellIndex(b.u, level + 1) % 2) + 2 * (cellIndex(b.v, level + 1) % 2);
}

/** The tiler settings that shape tile bytes, as the string every digest starts with. */
export function settingsKey(leafSize: number, lodSize: number): string {
  return `storey tiler ${TILER_OUTPUT_VERSION}; leaf ${leafSize}; lod ${lodSize}`;
}

/** SHA-256 over the settings and, per building, its row line, the footprint's length and the footprint. */
function digestOf(settings: string, content: TiledBuilding[]): string {
  // One buffer and one update: a hash update per field costs more than the hashing at 100,000 buildings.
  let size = 0;
  for (const b of content) size += Buffer.byteLength(b.key) + 5 + b.footprint.length;
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const b of content) {
    at += bytes.write(b.key, at);
    at = bytes.writeUInt8(10, at);
    at = bytes.writeUInt32LE(b.footprint.length, at);
    bytes.set(b.footprint, at);
    at += b.footprint.length;
  }
  return createHash('sha256').update(settings).update('\n').update(bytes).digest('hex');
}

/** Heaviest first; among equal weights, registry id order (what a stable sort of a subtree's buildings gives). */
const heavierFirst = (a: TiledBuilding, b: TiledBuilding) => b.weight - a.weight || a.order - b.order;

/**
 * The quadtree of the buildings (in registry id order; content keeps that order, LOD picks keep it among equal
 * weights). Null for no buildings.
 */
export function planTiles(buildings: TiledBuilding[], leafSize: number, lodSize: number): PlannedTile | null {
  if (buildings.length === 0) return null;
  const settings = settingsKey(leafSize, lodSize);
  const node = (members: TiledBuilding[], level: number, x: number, y: number, depth: number): PlannedTile => {
    const box = boxOf(members);
    if (members.length <= leafSize || depth >= MAX_DEPTH || level >= MAX_LEVEL) {
      return { path: `tiles/${level}/${x}/${y}.glb`, depth, box, content: members, children: [], digest: digestOf(settings, members) };
    }
    // Skip cells whose buildings all lie in one quarter: the tile is the smallest cell that still splits them. Cell
    // indices grow with u and v, so the buildings share a cell exactly when the extreme ones do.
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const b of members) {
      if (b.u < minU) minU = b.u;
      if (b.u > maxU) maxU = b.u;
      if (b.v < minV) minV = b.v;
      if (b.v > maxV) maxV = b.v;
    }
    while (level + 1 < MAX_LEVEL && cellIndex(minU, level + 1) === cellIndex(maxU, level + 1) && cellIndex(minV, level + 1) === cellIndex(maxV, level + 1)) level += 1;
    x = cellIndex(minU, level);
    y = cellIndex(minV, level);
    const quarters: TiledBuilding[][] = [[], [], [], []];
    for (const b of members) quarters[quarter(b, level)]!.push(b);
    const children: PlannedTile[] = [];
    for (const [i, q] of quarters.entries()) {
      if (q.length) children.push(node(q, level + 1, 2 * x + (i % 2), 2 * y + (i >> 1), depth + 1));
    }
    // The heaviest of a subtree are among the heaviest of each child: pick from the children's picks.
    const lod = children.flatMap((child) => (child.children.length ? child.content : [...child.content].sort(heavierFirst).slice(0, lodSize))).sort(heavierFirst).slice(0, lodSize);
    return { path: `tiles/${level}/${x}/${y}.glb`, depth, box, content: lod, children, digest: digestOf(settings, lod) };
  };
  // Start from the whole globe: the skipping above walks down to the city's own cell.
  return node(buildings, 0, 0, 0, 0);
}

/** Every planned tile, children before their parent. */
export function* tilesOf(tile: PlannedTile): Generator<PlannedTile> {
  for (const child of tile.children) yield* tilesOf(child);
  yield tile;
}
