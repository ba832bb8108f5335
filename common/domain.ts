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

export const LayerKind = z.enum(['imagery', 'terrain', '3dtiles']);
export type LayerKind = z.infer<typeof LayerKind>;

/** A tile layer stored in the project: what its import found, and what the user set (visible, order, opacity). */
export const LayerSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: LayerKind,
  /** png, jpg, webp, quantized-mesh, 3dtiles. */
  format: z.string(),
  /** gzip when the stored bytes are gzipped (terrain often is); mixed when only some are. */
  encoding: z.enum(['identity', 'gzip', 'mixed']),
  tileCount: z.number().int().nonnegative(),
  byteSize: z.number().int().nonnegative(),
  extent: Extent.nullable(),
  minZoom: z.number().int().nullable(),
  maxZoom: z.number().int().nullable(),
  attribution: z.string(),
  /** The file or folder name it was imported from. */
  source: z.string(),
  /** The root document a viewer starts from: layer.json (terrain) or the tileset JSON (3D Tiles). */
  root: z.string().nullable(),
  visible: z.boolean(),
  /** Draw order, lowest first (imagery lower in the list is drawn under imagery above it). */
  order: z.number().int(),
  opacity: z.number().min(0).max(1),
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
  /** Data sources to credit, as the import profiles give them. */
  attribution: z.string(),
  /** Classification marking the briefings print on every page ('' when none is set). */
  marking: z.string(),
  /** The area the project is about, as set when it was created or in its properties. */
  areaOfInterest: Extent.nullable(),
  /**
   * The buildings as 3D Tiles, when the project has them: `current` when they were tiled after the last import or
   * sync (the city view then draws the tileset instead of one primitive per building).
   */
  buildingsTileset: z
    .object({
      layerId: z.string(),
      current: z.boolean(),
      /** The use categories of the tiled buildings (the legend's rows when buildings are coloured by use). */
      categories: z.array(z.string()),
    })
    .nullable(),
  /** Whether the file is encrypted (it opened with a passphrase). */
  encrypted: z.boolean().optional(),
  /** The most recent registry import, if any. */
  lastImport: z
    .object({ startedAt: z.string(), profile: z.string(), buildingsImported: z.number().int(), buildingsUpdated: z.number().int() })
    .nullable(),
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

export const AddressMatch = z.object({
  id: RegistryId,
  text: z.string(),
  buildingId: RegistryId.nullable(),
  lonDegrees: z.number().nullable(),
  latDegrees: z.number().nullable(),
});
export type AddressMatch = z.infer<typeof AddressMatch>;

const Tally = z.object({ reason: z.string(), count: z.number().int(), examples: z.array(z.string()) });

/** What an import did: per file, per record kind, and every row it skipped or join it could not make, with why. */
export const ImportReport = z.object({
  profile: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  files: z.array(
    z.object({ file: z.string(), kind: z.string(), rowsRead: z.number().int(), rowsFiltered: z.number().int(), rowsSkipped: z.number().int() }),
  ),
  ignoredFiles: z.array(z.string()),
  records: z.record(z.string(), z.object({ imported: z.number().int(), updated: z.number().int() })),
  heights: z.object({ measured: z.number().int(), floors: z.number().int(), default: z.number().int() }),
  skipped: z.array(Tally),
  joins: z.array(Tally),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportProgress = z.object({
  phase: z.enum(['reading', 'joining', 'writing', 'done', 'tiling']),
  detail: z.string(),
  done: z.number(),
  total: z.number(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

export const ImportJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  profile: z.string(),
  progress: ImportProgress,
  report: ImportReport.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /**
   * A registry import that landed but whose tiling step (the buildings as 3D Tiles for the city view) failed: why.
   * The import stands and the city is drawn from the registry until the buildings are tiled again.
   */
  tilingError: z.string().nullable().optional(),
});
export type ImportJob = z.infer<typeof ImportJob>;

export const ImportProfileSummary = z.object({ id: z.string(), name: z.string(), description: z.string(), patterns: z.array(z.string()) });
export type ImportProfileSummary = z.infer<typeof ImportProfileSummary>;

/** What styling classifies: buildings, or floors and units (shown on buildings as their mean or most common value). */
export const StyleLevel = z.enum(['buildings', 'floors', 'units']);
export type StyleLevel = z.infer<typeof StyleLevel>;

export const AttributeInfo = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(['number', 'category']),
  unit: z.string().optional(),
});
export type AttributeInfo = z.infer<typeof AttributeInfo>;

export const FilterCondition = z.object({
  attribute: z.string().min(1).max(300),
  operator: z.enum(['=', '!=', '<', '<=', '>', '>=']),
  /** null means "no data". */
  value: z.union([z.number(), z.string().max(500), z.null()]),
});
export type FilterCondition = z.infer<typeof FilterCondition>;

export const BuildingRow = z.object({
  id: RegistryId,
  address: z.string().nullable(),
  use: z.string().nullable(),
  yearBuilt: z.number().nullable(),
  floorCount: z.number().nullable(),
  heightMeters: z.number(),
  dwellingCount: z.number().nullable(),
});
export type BuildingRow = z.infer<typeof BuildingRow>;

export const CameraState = z.object({
  lonDegrees: z.number().min(-180).max(180),
  latDegrees: z.number().min(-90).max(90),
  heightMeters: z.number().min(-1000).max(1e8),
  headingDegrees: z.number(),
  pitchDegrees: z.number(),
  rollDegrees: z.number(),
});
export type CameraState = z.infer<typeof CameraState>;

export const StyleState = z.object({
  level: StyleLevel,
  attribute: z.string().max(300),
  method: z.enum(['quantile', 'equal']),
  classes: z.number().int().min(2).max(7),
  ramp: z.string().max(40),
});
export type StyleState = z.infer<typeof StyleState>;

/** Everything a saved view brings back. */
export const ViewState = z.object({
  camera: CameraState,
  style: StyleState.nullable(),
  filter: z.array(FilterCondition).max(20),
  selection: z.object({ buildingId: RegistryId, floorId: RegistryId.nullable() }).nullable(),
});
export type ViewState = z.infer<typeof ViewState>;

export const SavedView = z.object({ id: z.string(), name: z.string(), state: ViewState, createdAt: z.string(), updatedAt: z.string() });
export type SavedView = z.infer<typeof SavedView>;

export const Note = z.object({
  id: z.string(),
  text: z.string(),
  buildingId: RegistryId.nullable(),
  lonDegrees: z.number(),
  latDegrees: z.number(),
  heightMeters: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Note = z.infer<typeof Note>;

/** Where the UI runs, and so what it can offer: the desktop has native file dialogs, the browser a project folder. */
export const HostInfo = z.object({
  host: z.enum(['desktop', 'web']),
  /** Native open/save dialogs (desktop only). */
  canChooseFiles: z.boolean(),
  /** The folder of projects the web host was started on (its name only), or null. */
  projectFolder: z.string().nullable(),
  /** Whether a project is open now. */
  projectOpen: z.boolean(),
  /**
   * The OS keychain for passphrases of encrypted projects: whether this host can keep one ("Remember on this
   * computer"), why not when it cannot, and whether it keeps the open project's.
   */
  keychain: z.object({ available: z.boolean(), reason: z.string().nullable(), remembersOpenProject: z.boolean() }),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const ProjectListEntry = z.object({
  fileName: z.string(),
  sizeBytes: z.number().nonnegative(),
  modifiedAt: z.string(),
  current: z.boolean(),
});
export type ProjectListEntry = z.infer<typeof ProjectListEntry>;

/** A recently opened project. The id stands for its path, which stays on the host. */
export const RecentProject = z.object({
  id: z.string(),
  fileName: z.string(),
  /** The folder it is in, for telling same-named files apart. */
  folder: z.string(),
  openedAt: z.string(),
  exists: z.boolean(),
});
export type RecentProject = z.infer<typeof RecentProject>;

/** Which project to open: one from the web host's folder, a recent one, a native dialog, or a dropped file (desktop). */
export const ProjectRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), fileName: z.string().min(1).max(255) }),
  z.object({ kind: z.literal('recent'), id: z.string().min(1).max(100) }),
  z.object({ kind: z.literal('dialog') }),
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4000) }),
]);
export type ProjectRef = z.infer<typeof ProjectRef>;

/** What a person can do about a project that did not open. */
export const OpenProblem = z.object({
  code: z.string(),
  message: z.string(),
  fileName: z.string(),
  canOpenReadOnly: z.boolean(),
  /** A copy saved earlier that passes its check, to open instead. */
  lastGoodCopy: z.object({ fileName: z.string(), savedAt: z.string() }).nullable(),
});
export type OpenProblem = z.infer<typeof OpenProblem>;

export const OpenResult = z.discriminatedUnion('opened', [
  z.object({ opened: z.literal(true), info: ProjectInfo }),
  z.object({ opened: z.literal(false), cancelled: z.boolean(), problem: OpenProblem.nullable() }),
]);
export type OpenResult = z.infer<typeof OpenResult>;

/** A bounding box typed or drawn by a person: on the globe, west of east, south of north. */
export const AreaOfInterest = z
  .object({
    westDegrees: z.number().min(-180).max(180),
    southDegrees: z.number().min(-90).max(90),
    eastDegrees: z.number().min(-180).max(180),
    northDegrees: z.number().min(-90).max(90),
  })
  .refine((e) => e.westDegrees < e.eastDegrees && e.southDegrees < e.northDegrees, {
    message: 'the area must have west < east and south < north',
  });
export type AreaOfInterest = z.infer<typeof AreaOfInterest>;

export const ProjectProperties = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000),
  marking: z.string().max(200),
  areaOfInterest: AreaOfInterest.nullable(),
});
export type ProjectProperties = z.infer<typeof ProjectProperties>;

/** Where the analyst left a project: the view plus the UI around it. Restored when the project is opened again. */
export const SessionState = z.object({
  view: ViewState,
  panels: z.object({
    table: z.boolean(),
    explodeMeters: z.number().min(0).max(100),
    /** Tool sections of the side panel that were open, by their title. */
    openTools: z.array(z.string().max(100)).max(30).optional(),
  }),
});
export type SessionState = z.infer<typeof SessionState>;
