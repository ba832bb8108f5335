/**
 * A GeoJSON footprint file read, each polygon checked, transformed to WGS 84 and encoded as the GeoPackage geometry
 * it is stored as: the part of the footprints that needs no other input. An import into a new project has this
 * done on its writer thread, which has nothing to write yet at the start (build-writer.ts), while the import
 * thread reads the other inputs; the joins take the result as rows with their geometry ready.
 */
import { encodeMultiPolygon } from '../project/gpkg-geometry.js';
import { transformToWgs84 } from './crs.js';
import { footprintFromGeoJson, GeometryProblem } from './geometry.js';
import { readGeoJson } from './readers.js';

/** A feature's footprint made ready, or why it cannot be used. */
export type PreparedFootprint = { blob: Uint8Array; zMax: number | null } | { problem: string };

export interface FootprintFileRequest {
  path: string;
  /** The columns the profile uses (the rest of each feature's properties is left out). */
  columns: string[];
  /** The CRS when the file declares none. */
  crs?: string;
  noDataHeights: number[];
  /** How the file is named in an error about its CRS. */
  label: string;
}

export interface FootprintFile {
  crs: string;
  /** The property names the features have (for the missing-column check). */
  seen: string[];
  /** One per feature, in file order (feature N is at N - 1). */
  features: Array<{ values: Record<string, unknown>; footprint: PreparedFootprint }>;
}

export async function readFootprintFile(request: FootprintFileRequest): Promise<FootprintFile> {
  const seen = new Set<string>();
  const doc = await readGeoJson(request.path, { columns: request.columns, seen });
  const crs = doc.crs ?? request.crs ?? 'EPSG:4326';
  const transform = transformToWgs84(crs, request.label);
  const features = doc.rows.map((row) => ({ values: row.values, footprint: prepare(row.geometry) }));
  return { crs, seen: [...seen], features };

  function prepare(geometry: Parameters<typeof footprintFromGeoJson>[0]): PreparedFootprint {
    try {
      const shape = footprintFromGeoJson(geometry, transform, request.noDataHeights);
      let zMax: number | null = null;
      for (const z of shape.zValues) if (zMax === null || z > zMax) zMax = z;
      return { blob: encodeMultiPolygon(shape.polygons, WGS84), zMax };
    } catch (error) {
      if (!(error instanceof GeometryProblem)) throw error;
      return { problem: error.message };
    }
  }
}

const WGS84 = 4326;
