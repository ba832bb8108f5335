/**
 * Building footprints to triangles: each polygon becomes a flat roof (earcut, holes kept) and vertical walls, from
 * the ground (ellipsoid height 0, as the city view draws them) up to the building's height. Coordinates are Earth-
 * centred (ECEF, metres) relative to a tile centre, so float32 keeps millimetres; normals are flat per face.
 */
import earcut from 'earcut';

const WGS84_A = 6378137;
const WGS84_E2 = 6.69437999014e-3;
const RAD = Math.PI / 180;

/** Geodetic (degrees, metres above the ellipsoid) to ECEF metres. */
export function toEcef(lonDegrees: number, latDegrees: number, height: number): [number, number, number] {
  const lon = lonDegrees * RAD;
  const lat = latDegrees * RAD;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat);
  return [(n + height) * cosLat * Math.cos(lon), (n + height) * cosLat * Math.sin(lon), (n * (1 - WGS84_E2) + height) * sinLat];
}

/** The outward normal of the ellipsoid (the local "up") at a place. */
export function upAt(lonDegrees: number, latDegrees: number): [number, number, number] {
  const lon = lonDegrees * RAD;
  const lat = latDegrees * RAD;
  return [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
}

/** A footprint as rings of [lon, lat] pairs (first ring outer, the rest holes). */
export type Footprint = Array<Array<[number, number]>>;

/** Growing vertex and index arrays of one tile's mesh, with a feature id per vertex. */
export class MeshBuilder {
  positions: number[] = [];
  normals: number[] = [];
  featureIds: number[] = [];
  indices: number[] = [];
  /** Lowest and highest ellipsoid height written, for the tile's bounding region. */
  minHeight = Infinity;
  maxHeight = -Infinity;

  constructor(readonly centre: [number, number, number]) {}

  get vertexCount(): number {
    return this.positions.length / 3;
  }

  private vertex(ecef: [number, number, number], normal: [number, number, number], feature: number): number {
    const [cx, cy, cz] = this.centre;
    this.positions.push(ecef[0] - cx, ecef[1] - cy, ecef[2] - cz);
    this.normals.push(normal[0], normal[1], normal[2]);
    this.featureIds.push(feature);
    return this.vertexCount - 1;
  }

  /** A prism: the footprint extruded from base to top (ellipsoid heights, metres). */
  addPrism(footprint: Footprint, base: number, top: number, feature: number): void {
    if (footprint.length === 0 || footprint[0]!.length < 3) return;
    const height = Math.max(top, base + 0.1);
    this.minHeight = Math.min(this.minHeight, base);
    this.maxHeight = Math.max(this.maxHeight, height);
    const rings = footprint.map((ring) => {
      // Drop the closing vertex; earcut and the walls want each corner once.
      const last = ring[ring.length - 1]!;
      const first = ring[0]!;
      return last[0] === first[0] && last[1] === first[1] ? ring.slice(0, -1) : ring;
    }).filter((ring) => ring.length >= 3);
    if (rings.length === 0) return;
    const [lon0, lat0] = rings[0]![0]!;
    const up = upAt(lon0, lat0);

    // Roof: earcut in a local plane (metres east/north of the first corner, good enough within a building).
    const cosLat = Math.cos(lat0 * RAD);
    const flat: number[] = [];
    const holes: number[] = [];
    const corners: Array<[number, number]> = [];
    for (const [r, ring] of rings.entries()) {
      if (r > 0) holes.push(corners.length);
      for (const [lon, lat] of ring) {
        flat.push((lon - lon0) * cosLat * 111320, (lat - lat0) * 110540);
        corners.push([lon, lat]);
      }
    }
    const triangles = earcut(flat, holes, 2);
    const roofStart = this.vertexCount;
    for (const [lon, lat] of corners) this.vertex(toEcef(lon, lat, height), up, feature);
    for (let i = 0; i < triangles.length; i += 3) {
      // earcut's winding follows the ring; make every roof triangle face up.
      const a = triangles[i]!;
      const b = triangles[i + 1]!;
      const c = triangles[i + 2]!;
      const area = (flat[2 * b]! - flat[2 * a]!) * (flat[2 * c + 1]! - flat[2 * a + 1]!) - (flat[2 * c]! - flat[2 * a]!) * (flat[2 * b + 1]! - flat[2 * a + 1]!);
      if (area >= 0) this.indices.push(roofStart + a, roofStart + b, roofStart + c);
      else this.indices.push(roofStart + a, roofStart + c, roofStart + b);
    }

    // Walls: one quad per edge with its own flat normal, facing away from the inside of its ring.
    for (const [r, ring] of rings.entries()) {
      // edge × up points to the right of travel: outside for a counter-clockwise outer ring, into the building
      // for a counter-clockwise hole.
      const counterClockwise = signedArea(ring) > 0;
      const outwardSign = counterClockwise === (r === 0) ? 1 : -1;
      for (let i = 0; i < ring.length; i++) {
        const p = ring[i]!;
        const q = ring[(i + 1) % ring.length]!;
        const p0 = toEcef(p[0], p[1], base);
        const q0 = toEcef(q[0], q[1], base);
        const p1 = toEcef(p[0], p[1], height);
        const q1 = toEcef(q[0], q[1], height);
        const edge = [q0[0] - p0[0], q0[1] - p0[1], q0[2] - p0[2]];
        let normal: [number, number, number] = [edge[1]! * up[2] - edge[2]! * up[1], edge[2]! * up[0] - edge[0]! * up[2], edge[0]! * up[1] - edge[1]! * up[0]];
        const length = Math.hypot(...normal) || 1;
        normal = [(normal[0] / length) * outwardSign, (normal[1] / length) * outwardSign, (normal[2] / length) * outwardSign];
        const a = this.vertex(p0, normal, feature);
        const b = this.vertex(q0, normal, feature);
        const c = this.vertex(q1, normal, feature);
        const d = this.vertex(p1, normal, feature);
        // Counter-clockwise as seen from the side the normal points to.
        if (outwardSign > 0) this.indices.push(a, b, c, a, c, d);
        else this.indices.push(a, c, b, a, d, c);
      }
    }
  }
}

/** Twice the signed area of a lon/lat ring (positive: counter-clockwise). */
function signedArea(ring: Array<[number, number]>): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}
