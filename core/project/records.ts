/** Registry records as the project file stores them; importers and the sample generator produce these. */
import type { Polygon } from './gpkg-geometry.js';

export type HeightSource = 'measured' | 'floors' | 'default';

/** Broad use classes the city view colours by; registries' own use codes stay in useCode/useLabel. */
export const useCategories = ['housing', 'mixed', 'office', 'retail', 'industry', 'public', 'garage', 'unknown'] as const;
export type UseCategory = (typeof useCategories)[number];

export type Attributes = Record<string, string | number | boolean | null>;

export interface BuildingRecord {
  registryId: string;
  /**
   * Polygons in WGS 84 degrees, rings closed, outer ring first; or the same already encoded as a GeoPackage
   * (multi)polygon blob in EPSG:4326 (an import encodes each footprint as it reads it, so thousands of small point
   * arrays need not stay alive until the write).
   */
  footprint: Polygon[] | Uint8Array;
  name?: string | null;
  address?: string | null;
  useCode?: string | null;
  useLabel?: string | null;
  useCategory: UseCategory;
  yearBuilt?: number | null;
  floorCount?: number | null;
  dwellingCount?: number | null;
  floorAreaSquareMeters?: number | null;
  groundHeightMeters?: number | null;
  heightMeters: number;
  heightSource: HeightSource;
  attributes?: Attributes;
}

export interface FloorRecord {
  registryId: string;
  buildingId: string;
  levelIndex: number;
  label: string;
  baseHeightMeters?: number | null;
  heightMeters?: number | null;
  areaSquareMeters?: number | null;
  attributes?: Attributes;
}

export interface StairwellRecord {
  registryId: string;
  buildingId: string;
  label?: string | null;
  hasElevator?: boolean | null;
  attributes?: Attributes;
}

export interface AddressRecord {
  registryId: string;
  lonDegrees?: number | null;
  latDegrees?: number | null;
  buildingId?: string | null;
  street?: string | null;
  houseNumber?: string | null;
  floorLabel?: string | null;
  door?: string | null;
  postcode?: string | null;
  city?: string | null;
  fullText: string;
  attributes?: Attributes;
}

export interface UnitRecord {
  registryId: string;
  buildingId: string;
  floorId?: string | null;
  stairwellId?: string | null;
  addressId?: string | null;
  useCode?: string | null;
  useLabel?: string | null;
  areaSquareMeters?: number | null;
  rooms?: number | null;
  attributes?: Attributes;
}
