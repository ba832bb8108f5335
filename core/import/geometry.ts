/**
 * Footprint geometry from input files: GeoJSON polygons checked for what breaks a 3D city (non-numbers, too few
 * points, self-intersections) and transformed to WGS 84; and footprints recovered from 3D solids (CityJSON), as
 * the outline of their downward-facing faces.
 */
import type { Polygon, Ring } from '../project/gpkg-geometry.js';
import type { Transform } from './crs.js';

export type Point3 = [number, number, number];

export class GeometryProblem extends Error {}

function asPosition(value: unknown): number[] {
  if (!Array.isArray(value) || value.length < 2) throw new GeometryProblem('a position is not an array of coordinates');
  for (const c of value) {
    if (typeof c !== 'number' || !Number.isFinite(c)) throw new GeometryProblem(`a coordinate is not a finite number (${JSON.stringify(c)})`);
  }
  return value as number[];
}

function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const ax = a[0]!, ay = a[1]!, bx = b[0]!, by = b[1]!, cx = c[0]!, cy = c[1]!, dx = d[0]!, dy = d[1]!;
  // Cheap rejection first: segments whose boxes do not overlap cannot cross.
  if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx)) return false;
  if (Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) return false;
  return orientation(ax, ay, bx, by, cx, cy) * orientation(ax, ay, bx, by, dx, dy) < 0 && orientation(cx, cy, dx, dy, ax, ay) * orientation(cx, cy, dx, dy, bx, by) < 0;
}

/** True when two non-adjacent edges of a closed ring cross. Rings of footprints are small, so O(n²) is fine. */
export function ringSelfIntersects(ring: number[][]): boolean {
  const n = ring.length - 1; // closed: last equals first
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // first and last edges share the closing vertex
      if (segmentsCross(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)) return true;
    }
  }
  return false;
}

export function signedArea(ring: Array<[number, number]> | number[][]): number {
  let area = 0;
  for (let i = 0; i < ring.length - 1; i++) area += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return area / 2;
}

export interface SourceFootprint {
  polygons: Polygon[];
  /** The highest Z value in the geometry (no-data values left out), or null when it has none. */
  topZ: number | null;
}

/** Reads a GeoJSON Polygon or MultiPolygon, checks it and transforms it; throws GeometryProblem with the reason. */
export function footprintFromGeoJson(geometry: { type: string; coordinates: unknown } | null | undefined, transform: Transform, noDataHeights: number[]): SourceFootprint {
  if (!geometry) throw new GeometryProblem('the feature has no geometry');
  let polygonsIn: unknown[];
  if (geometry.type === 'Polygon') polygonsIn = [geometry.coordinates];
  else if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates)) polygonsIn = geometry.coordinates;
  else throw new GeometryProblem(`a footprint must be a Polygon or MultiPolygon, not ${geometry.type}`);
  let topZ: number | null = null;
  const polygons: Polygon[] = [];
  for (const polygonIn of polygonsIn) {
    if (!Array.isArray(polygonIn) || polygonIn.length === 0) throw new GeometryProblem('a polygon has no rings');
    const polygon: Polygon = [];
    for (const ringIn of polygonIn) {
      if (!Array.isArray(ringIn)) throw new GeometryProblem('a ring is not an array of positions');
      // The file's own arrays are checked and read in place; only a ring left open is copied (to close it).
      for (let i = 0; i < ringIn.length; i++) asPosition(ringIn[i]);
      let positions = ringIn as number[][];
      const given = positions.length;
      const first = positions[0];
      const last = positions[given - 1];
      if (first && last && (first[0] !== last[0] || first[1] !== last[1])) positions = [...positions, first];
      if (positions.length < 4) throw new GeometryProblem(`a ring has ${given} positions; a closed polygon ring needs at least 4`);
      if (ringSelfIntersects(positions)) throw new GeometryProblem('a ring intersects itself');
      if (Math.abs(signedArea(positions)) === 0) throw new GeometryProblem('a ring has no area');
      const ring: Ring = [];
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i]!;
        if (p.length > 2 && !noDataHeights.includes(p[2]!) && (topZ === null || p[2]! > topZ)) topZ = p[2]!;
        ring.push(transform(p[0]!, p[1]!));
      }
      polygon.push(ring);
    }
    polygons.push(polygon);
  }
  return { polygons, topZ };
}

function pointInRing(point: [number, number], ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Groups closed rings into polygons: a ring inside another (and not inside one of its holes) is a hole. */
export function ringsToPolygons(rings: Ring[]): Polygon[] {
  const sorted = [...rings].sort((a, b) => Math.abs(signedArea(b)) - Math.abs(signedArea(a)));
  const polygons: Polygon[] = [];
  for (const ring of sorted) {
    const probe = ring[0]!;
    const owner = polygons.find((p) => pointInRing(probe, p[0]!) && !p.slice(1).some((hole) => pointInRing(probe, hole)));
    const area = signedArea(ring);
    if (owner) owner.push(area > 0 ? [...ring].reverse() : ring); // holes clockwise
    else polygons.push([area < 0 ? [...ring].reverse() : ring]); // outer rings counter-clockwise
  }
  return polygons;
}

/**
 * The footprint of a solid given as faces (each an outer ring of 3D points): the plan outline of its floor faces
 * or, for models without floors (3dfier's LoD1 has none), of its roof faces. Edges shared by two faces cancel in
 * plan; what is left is the outline, chained into rings in the solid's own coordinates.
 */
export function footprintOutline(faces: Point3[][]): Array<Array<[number, number]>> {
  const down = outlineOfFaces(faces, (nz) => nz < -0.7);
  return down.length ? down : outlineOfFaces(faces, (nz) => nz > 0.2);
}

function outlineOfFaces(faces: Point3[][], facing: (normalZ: number) => boolean): Array<Array<[number, number]>> {
  const key = (p: Point3) => `${p[0].toFixed(4)},${p[1].toFixed(4)}`;
  const edges = new Map<string, { from: string; to: string }>();
  const points = new Map<string, [number, number]>();
  const bottom = faces.filter((face) => {
    let nx = 0;
    let ny = 0;
    let nz = 0;
    for (let i = 0; i < face.length; i++) {
      const a = face[i]!;
      const b = face[(i + 1) % face.length]!;
      nx += (a[1] - b[1]) * (a[2] + b[2]);
      ny += (a[2] - b[2]) * (a[0] + b[0]);
      nz += (a[0] - b[0]) * (a[1] + b[1]);
    }
    const length = Math.hypot(nx, ny, nz);
    return length > 0 && facing(nz / length);
  });
  for (const face of bottom) {
    for (let i = 0; i < face.length; i++) {
      const a = face[i]!;
      const b = face[(i + 1) % face.length]!;
      const ka = key(a);
      const kb = key(b);
      if (ka === kb) continue;
      points.set(ka, [a[0], a[1]]);
      points.set(kb, [b[0], b[1]]);
      const reverse = `${kb}>${ka}`;
      if (edges.has(reverse)) edges.delete(reverse); // an inner edge: shared by two faces in opposite directions
      else edges.set(`${ka}>${kb}`, { from: ka, to: kb });
    }
  }
  const next = new Map<string, string[]>();
  for (const { from, to } of edges.values()) next.set(from, [...(next.get(from) ?? []), to]);
  const rings: Array<Array<[number, number]>> = [];
  for (;;) {
    const start = [...next.entries()].find(([, targets]) => targets.length > 0)?.[0];
    if (start === undefined) break;
    const ring: Array<[number, number]> = [points.get(start)!];
    let at = start;
    for (let guard = 0; guard <= edges.size; guard++) {
      const targets = next.get(at)!;
      const to = targets.shift();
      if (to === undefined) break;
      ring.push(points.get(to)!);
      at = to;
      if (at === start) break;
    }
    if (ring.length >= 4 && at === start) rings.push(ring);
  }
  return rings;
}

function boxOf(polygon: Polygon): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of polygon[0]!) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

/** True when two polygons' interiors overlap: edges cross, or one has a vertex strictly inside the other. */
function partsOverlap(a: Polygon, b: Polygon): boolean {
  const [ax0, ay0, ax1, ay1] = boxOf(a);
  const [bx0, by0, bx1, by1] = boxOf(b);
  if (ax1 <= bx0 || bx1 <= ax0 || ay1 <= by0 || by1 <= ay0) return false;
  const ra = a[0]!;
  const rb = b[0]!;
  for (let i = 0; i < ra.length - 1; i++) {
    for (let j = 0; j < rb.length - 1; j++) if (segmentsCross(ra[i]!, ra[i + 1]!, rb[j]!, rb[j + 1]!)) return true;
  }
  const onBoundary = (p: [number, number], ring: Ring) => ring.some(([x, y]) => x === p[0] && y === p[1]);
  return ra.some((p) => !onBoundary(p, rb) && pointInRing(p, rb)) || rb.some((p) => !onBoundary(p, ra) && pointInRing(p, ra));
}

/**
 * Several footprint parts of one building as a valid multipolygon: a part overlapping another is dropped (and
 * counted), parts sharing an edge are dissolved into one outline (edges shared in opposite directions cancel), so
 * the GeoPackage holds no self-intersecting multipolygon.
 */
export function mergeFootprintParts(parts: Polygon[]): { polygons: Polygon[]; dropped: number } {
  const kept: Polygon[] = [];
  let dropped = 0;
  for (const part of parts) {
    if (kept.some((k) => partsOverlap(k, part))) dropped++;
    else kept.push(part);
  }
  if (kept.length < 2 || kept.some((p) => p.length > 1)) return { polygons: kept, dropped };
  // Dissolve along shared edges (outer rings only: parts with courtyards are kept as they are).
  const key = ([x, y]: [number, number]) => `${x.toFixed(9)},${y.toFixed(9)}`;
  const edges = new Map<string, [[number, number], [number, number]]>();
  let cancelled = 0;
  for (const part of kept) {
    const ring = signedArea(part[0]!) > 0 ? part[0]! : [...part[0]!].reverse();
    for (let i = 0; i < ring.length - 1; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      const reverse = `${key(b)}>${key(a)}`;
      if (edges.has(reverse)) {
        edges.delete(reverse);
        cancelled++;
      } else edges.set(`${key(a)}>${key(b)}`, [a, b]);
    }
  }
  if (cancelled === 0) return { polygons: kept, dropped };
  const next = new Map<string, Array<[number, number]>>();
  for (const [a, b] of edges.values()) next.set(key(a), [...(next.get(key(a)) ?? []), b]);
  const rings: Ring[] = [];
  for (;;) {
    const startKey = [...next.entries()].find(([, targets]) => targets.length > 0)?.[0];
    if (startKey === undefined) break;
    const start = [...edges.values()].find(([a]) => key(a) === startKey)![0];
    const ring: Ring = [start];
    let at = start;
    for (let guard = 0; guard <= edges.size; guard++) {
      const target = next.get(key(at))!.shift();
      if (!target) break;
      ring.push(target);
      at = target;
      if (key(at) === startKey) break;
    }
    if (ring.length >= 4 && key(at) === startKey) rings.push(ring);
  }
  return { polygons: ringsToPolygons(rings), dropped };
}
