/** Tile-grid arithmetic for the two grids Storey stores: Web Mercator XYZ (imagery) and geographic TMS (terrain). */
import type { TileExtent } from './layer-types.js';

/** TMS rows count from the south, XYZ rows from the north; the same flip turns one into the other. */
export function flipRow(zoom: number, row: number): number {
  return 2 ** zoom - 1 - row;
}

function mercatorLatDegrees(zoom: number, rowFromNorth: number): number {
  const n = Math.PI - (2 * Math.PI * rowFromNorth) / 2 ** zoom;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** The lon/lat extent of a block of XYZ (Web Mercator, rows from the north) tiles at one zoom. */
export function xyzExtent(zoom: number, minX: number, maxX: number, minRow: number, maxRow: number): TileExtent {
  const n = 2 ** zoom;
  return {
    westDegrees: (minX / n) * 360 - 180,
    eastDegrees: ((maxX + 1) / n) * 360 - 180,
    northDegrees: mercatorLatDegrees(zoom, minRow),
    southDegrees: mercatorLatDegrees(zoom, maxRow + 1),
  };
}

/** The lon/lat extent of a block of geographic TMS tiles (2×1 at zoom 0, rows from the south), as Cesium terrain uses. */
export function geographicTmsExtent(zoom: number, minX: number, maxX: number, minRow: number, maxRow: number): TileExtent {
  const size = 180 / 2 ** zoom;
  return {
    westDegrees: -180 + minX * size,
    eastDegrees: -180 + (maxX + 1) * size,
    southDegrees: -90 + minRow * size,
    northDegrees: -90 + (maxRow + 1) * size,
  };
}

/** Keeps the smallest and largest column and row seen per zoom, to work out an extent after a walk over tiles. */
export class TileRange {
  private readonly byZoom = new Map<number, { minX: number; maxX: number; minY: number; maxY: number }>();

  add(zoom: number, x: number, y: number): void {
    const r = this.byZoom.get(zoom);
    if (!r) this.byZoom.set(zoom, { minX: x, maxX: x, minY: y, maxY: y });
    else {
      r.minX = Math.min(r.minX, x);
      r.maxX = Math.max(r.maxX, x);
      r.minY = Math.min(r.minY, y);
      r.maxY = Math.max(r.maxY, y);
    }
  }

  get minZoom(): number | null {
    return this.byZoom.size ? Math.min(...this.byZoom.keys()) : null;
  }

  get maxZoom(): number | null {
    return this.byZoom.size ? Math.max(...this.byZoom.keys()) : null;
  }

  /** The extent of the deepest zoom's tiles (the most precise), in the grid `toExtent` describes. */
  extent(toExtent: typeof xyzExtent): TileExtent | null {
    const zoom = this.maxZoom;
    if (zoom === null) return null;
    const r = this.byZoom.get(zoom)!;
    return toExtent(zoom, r.minX, r.maxX, r.minY, r.maxY);
  }
}

export function parseBounds(text: string | undefined): TileExtent | null {
  if (!text) return null;
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p))) return null;
  const [west, south, east, north] = parts as [number, number, number, number];
  if (west < -180 || east > 180 || south < -90 || north > 90 || west >= east || south >= north) return null;
  return { westDegrees: west, southDegrees: south, eastDegrees: east, northDegrees: north };
}
