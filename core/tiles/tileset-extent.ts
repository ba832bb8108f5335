/**
 * The lon/lat extent of a 3D Tiles tileset from its root bounding volume (region, box or sphere, under the root
 * transform), for the layer list and for flying to a layer. Boxes and spheres are in Earth-centred coordinates.
 */
import type { TileExtent } from './layer-types.js';
import type { TilesetJson } from './import-3dtiles.js';

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const DEG = 180 / Math.PI;

/** Earth-centred x, y, z (metres) to longitude and latitude in degrees on WGS 84. */
export function ecefToLonLat(x: number, y: number, z: number): [number, number] {
  const lon = Math.atan2(y, x);
  const p = Math.hypot(x, y);
  let lat = Math.atan2(z, p * (1 - E2));
  for (let i = 0; i < 5; i += 1) {
    const n = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
    const h = p / Math.cos(lat) - n;
    lat = Math.atan2(z, p * (1 - (E2 * n) / (n + h)));
  }
  return [lon * DEG, lat * DEG];
}

function applyTransform(m: number[] | undefined, [x, y, z]: [number, number, number]): [number, number, number] {
  if (!m || m.length !== 16) return [x, y, z];
  // Column-major 4×4, as glTF and 3D Tiles store it.
  return [m[0]! * x + m[4]! * y + m[8]! * z + m[12]!, m[1]! * x + m[5]! * y + m[9]! * z + m[13]!, m[2]! * x + m[6]! * y + m[10]! * z + m[14]!];
}

function fromPoints(points: Array<[number, number, number]>): TileExtent | null {
  const lonLats = points.map(([x, y, z]) => ecefToLonLat(x, y, z));
  if (lonLats.some(([lon, lat]) => !Number.isFinite(lon) || !Number.isFinite(lat))) return null;
  return {
    westDegrees: Math.min(...lonLats.map((p) => p[0])),
    eastDegrees: Math.max(...lonLats.map((p) => p[0])),
    southDegrees: Math.min(...lonLats.map((p) => p[1])),
    northDegrees: Math.max(...lonLats.map((p) => p[1])),
  };
}

export function tilesetExtent(tileset: TilesetJson): TileExtent | null {
  const volume = tileset.root?.boundingVolume;
  const transform = tileset.root?.transform;
  const finite = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (finite(volume?.region, 6)) {
    const [w, s, e, n] = volume.region as [number, number, number, number];
    return { westDegrees: w * DEG, southDegrees: s * DEG, eastDegrees: e * DEG, northDegrees: n * DEG };
  }
  if (finite(volume?.box, 12)) {
    const b = volume.box;
    const corners: Array<[number, number, number]> = [];
    for (const i of [-1, 1]) for (const j of [-1, 1]) for (const k of [-1, 1]) {
      corners.push(applyTransform(transform, [
        b[0]! + i * b[3]! + j * b[6]! + k * b[9]!,
        b[1]! + i * b[4]! + j * b[7]! + k * b[10]!,
        b[2]! + i * b[5]! + j * b[8]! + k * b[11]!,
      ]));
    }
    return fromPoints(corners);
  }
  if (finite(volume?.sphere, 4)) {
    const [x, y, z, r] = volume.sphere as [number, number, number, number];
    const points: Array<[number, number, number]> = [];
    for (const [dx, dy, dz] of [[r, 0, 0], [-r, 0, 0], [0, r, 0], [0, -r, 0], [0, 0, r], [0, 0, -r]] as const) points.push(applyTransform(transform, [x + dx, y + dy, z + dz]));
    return fromPoints(points);
  }
  return null;
}
