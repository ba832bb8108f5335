import { z } from 'zod';

/** Registry ids are kept exactly as the registry gives them (strings, often UUIDs). */
export const RegistryId = z.string().min(1).max(200);

export const Extent = z.object({
  westDegrees: z.number(),
  southDegrees: z.number(),
  eastDegrees: z.number(),
  northDegrees: z.number(),
});
export type Extent = z.infer<typeof Extent>;

export const LayerSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['imagery', 'terrain', '3dtiles']),
  tileCount: z.number().int().nonnegative(),
});
export type LayerSummary = z.infer<typeof LayerSummary>;

export const RecordCounts = z.object({
  buildings: z.number().int().nonnegative(),
  floors: z.number().int().nonnegative(),
  units: z.number().int().nonnegative(),
  stairwells: z.number().int().nonnegative(),
  addresses: z.number().int().nonnegative(),
});
export type RecordCounts = z.infer<typeof RecordCounts>;

export const ProjectInfo = z.object({
  /** File name only; the host never hands the renderer a full path. */
  fileName: z.string(),
  name: z.string(),
  description: z.string(),
  /** True for generated sample data: the UI labels it so nobody mistakes it for a registry. */
  synthetic: z.boolean(),
  schemaVersion: z.number().int(),
  readOnly: z.boolean(),
  counts: RecordCounts,
  layers: z.array(LayerSummary),
  extent: Extent.nullable(),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

/**
 * What the globe needs to draw one building: polygons of rings, each ring a flat [lon, lat, lon, lat, ...] array in
 * degrees (first ring outer, the rest holes), and its height above the ground.
 */
export const BuildingShape = z.object({
  id: RegistryId,
  polygons: z.array(z.array(z.array(z.number()))),
  heightMeters: z.number(),
  floorCount: z.number().int().nullable(),
  useCategory: z.string(),
});
export type BuildingShape = z.infer<typeof BuildingShape>;

export const AttributeValue = z.object({
  key: z.string(),
  label: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  unit: z.string().optional(),
});
export type AttributeValue = z.infer<typeof AttributeValue>;

export const FloorSummary = z.object({
  id: RegistryId,
  levelIndex: z.number().int(),
  label: z.string(),
  baseHeightMeters: z.number().nullable(),
  heightMeters: z.number().nullable(),
  areaSquareMeters: z.number().nullable(),
  unitCount: z.number().int().nonnegative(),
});
export type FloorSummary = z.infer<typeof FloorSummary>;

export const BuildingDetail = z.object({
  id: RegistryId,
  name: z.string().nullable(),
  address: z.string().nullable(),
  useCategory: z.string(),
  heightMeters: z.number(),
  heightSource: z.enum(['measured', 'floors', 'default']),
  attributes: z.array(AttributeValue),
  /** Storeys ordered from the lowest (basement) to the top. */
  floors: z.array(FloorSummary),
  stairwellCount: z.number().int().nonnegative(),
  unitCount: z.number().int().nonnegative(),
});
export type BuildingDetail = z.infer<typeof BuildingDetail>;

export const UnitSummary = z.object({
  id: RegistryId,
  floorId: RegistryId,
  address: z.string().nullable(),
  useLabel: z.string().nullable(),
  areaSquareMeters: z.number().nullable(),
  rooms: z.number().int().nullable(),
});
export type UnitSummary = z.infer<typeof UnitSummary>;
