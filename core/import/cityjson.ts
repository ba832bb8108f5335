/**
 * CityJSON 1.1/2.0 city models: Building and BuildingPart objects reduced to what Storey keeps, a footprint and the
 * heights of ground and roof. Vertices are decoded with the file's transform; the footprint comes from LoD0 where
 * the model has it, else from the downward faces of the lowest LoD solid or surface.
 */
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import type { Polygon } from '../project/gpkg-geometry.js';
import { transformToWgs84 } from './crs.js';
import { footprintOutline, ringsToPolygons, type Point3 } from './geometry.js';
import { readJsonDocument, type RowProblem } from './readers.js';

export interface CityBuilding {
  /** The CityObject key. */
  key: string;
  where: string;
  attributes: Record<string, unknown>;
  polygons: Polygon[];
  groundZ: number | null;
  roofZ: number | null;
}

interface CityGeometry {
  type: string;
  lod?: string | number;
  boundaries: unknown;
}

interface CityObject {
  type: string;
  attributes?: Record<string, unknown>;
  geometry?: CityGeometry[];
  children?: string[];
  parents?: string[];
}

/** The faces of a geometry (each its rings as vertex indices, outer first), whatever its nesting depth. */
function surfacesOf(geometry: CityGeometry): number[][][] {
  const faces: number[][][] = [];
  const surfaces = (shell: unknown) => {
    for (const surface of shell as number[][][]) if (Array.isArray(surface) && Array.isArray(surface[0])) faces.push(surface);
  };
  const b = geometry.boundaries;
  switch (geometry.type) {
    case 'MultiSurface':
    case 'CompositeSurface':
      surfaces(b);
      break;
    case 'Solid':
      for (const shell of b as unknown[]) surfaces(shell);
      break;
    case 'MultiSolid':
    case 'CompositeSolid':
      for (const solid of b as unknown[][]) for (const shell of solid) surfaces(shell);
      break;
    default:
      break;
  }
  return faces;
}

/** Outer rings only: enough for heights and for outlines of solids (holes of a floor face do not change the outline). */
function facesOf(geometry: CityGeometry): number[][] {
  return surfacesOf(geometry).map((surface) => surface[0]!);
}

/** A footprint geometry: LoD 0 given explicitly (a geometry without a lod, such as an instance, is not one). */
function isLod0(geometry: CityGeometry): boolean {
  return geometry.lod !== undefined && Number(geometry.lod) < 1;
}

export async function readCityJson(path: string, fallbackCrs: string | undefined, problems: RowProblem[]): Promise<CityBuilding[]> {
  const name = basename(path);
  const doc = (await readJsonDocument(path, 'CityJSON')) as Record<string, unknown>;
  if (doc['type'] !== 'CityJSON') throw new StoreyError('BAD_INPUT', `${name} is not a CityJSON file (its type is ${JSON.stringify(doc['type'])}).`);
  const version = String(doc['version'] ?? '');
  if (!/^(1\.1|2\.0)(\.\d+)?$/.test(version)) {
    throw new StoreyError('BAD_INPUT', `${name} is CityJSON ${version || '(no version)'}; Storey reads CityJSON 1.1 and 2.0.`);
  }
  const metadata = (doc['metadata'] ?? {}) as { referenceSystem?: string };
  const crs = metadata.referenceSystem ?? fallbackCrs;
  if (!crs) throw new StoreyError('BAD_INPUT', `${name} declares no reference system and the profile gives none.`);
  const toWgs84 = transformToWgs84(crs, name);
  const transform = doc['transform'] as { scale: number[]; translate: number[] } | undefined;
  const rawVertices = doc['vertices'];
  if (!Array.isArray(rawVertices)) throw new StoreyError('BAD_INPUT', `${name} has no vertices array.`);
  const vertex = (index: number): Point3 => {
    const v = rawVertices[index] as number[] | undefined;
    if (!v || v.length < 3 || !v.every(Number.isFinite)) throw new Error(`vertex ${index} is missing or not numeric`);
    if (!transform) return [v[0]!, v[1]!, v[2]!];
    return [v[0]! * transform.scale[0]! + transform.translate[0]!, v[1]! * transform.scale[1]! + transform.translate[1]!, v[2]! * transform.scale[2]! + transform.translate[2]!];
  };
  const objects = (doc['CityObjects'] ?? {}) as Record<string, CityObject>;
  const buildings: CityBuilding[] = [];
  for (const [key, object] of Object.entries(objects)) {
    if (object.type !== 'Building') continue;
    const where = `${name} CityObject ${key}`;
    try {
      // A building's geometry is its own plus that of its parts.
      const members = [object, ...(object.children ?? []).map((child) => objects[child]).filter((c): c is CityObject => c?.type === 'BuildingPart')];
      const geometries = members.flatMap((m) => m.geometry ?? []);
      if (geometries.length === 0) {
        buildings.push({ key, where, attributes: object.attributes ?? {}, polygons: [], groundZ: null, roofZ: null });
        continue;
      }
      const lodOf = (g: CityGeometry) => Number(g.lod ?? 0);
      const lod0 = geometries.filter((g) => isLod0(g) && facesOf(g).length > 0);
      const lowest = Math.min(...geometries.filter((g) => lodOf(g) >= 1).map(lodOf));
      const solids = geometries.filter((g) => lodOf(g) === lowest);
      let zMin = Infinity;
      let zMax = -Infinity;
      for (const g of solids.length ? solids : lod0) {
        for (const face of facesOf(g)) {
          for (const index of face) {
            const z = vertex(index)[2];
            if (z < zMin) zMin = z;
            if (z > zMax) zMax = z;
          }
        }
      }
      let outline: Array<Array<[number, number]>>;
      if (lod0.length) {
        // LoD0 footprint surfaces are the outline already, courtyards (inner rings) included.
        outline = lod0.flatMap(surfacesOf).flatMap((surface) =>
          surface.map((ringIndexes) => {
            const ring = ringIndexes.map((i) => vertex(i)).map(([x, y]) => [x, y] as [number, number]);
            return [...ring, ring[0]!];
          }),
        );
      } else {
        outline = footprintOutline(solids.flatMap(facesOf).map((face) => face.map(vertex)));
      }
      const polygons = ringsToPolygons(outline.map((ring) => ring.map(([x, y]) => toWgs84(x, y))));
      if (polygons.length === 0) problems.push({ where, reason: 'no footprint could be derived from its geometry' });
      buildings.push({
        key,
        where,
        attributes: object.attributes ?? {},
        polygons,
        groundZ: Number.isFinite(zMin) ? zMin : null,
        roofZ: Number.isFinite(zMax) ? zMax : null,
      });
    } catch (error) {
      problems.push({ where, reason: `unreadable geometry (${(error as Error).message})` });
    }
  }
  return buildings;
}
