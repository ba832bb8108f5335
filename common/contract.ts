/**
 * The one contract between the UI and its hosts. Every operation has an input and an output schema; hosts validate
 * input with zod before touching the project, the renderer gets the derived types. The Electron preload and the web
 * host are two transports of the same StoreyApi.
 */
import { z } from 'zod';
import {
  AddressMatch,
  StyleLevel,
  Note,
  SavedView,
  ViewState,
  AttributeInfo,
  BuildingRow,
  FilterCondition,
  ImportJob,
  ImportProfileSummary,
  BuildingDetail,
  BuildingShape,
  LayerSummary,
  ProjectInfo,
  RegistryId,
  UnitSummary,
  HostInfo,
  ProjectListEntry,
  RecentProject,
  ProjectRef,
  OpenResult,
  ProjectProperties,
  SessionState,
  AreaOfInterest,
} from './domain.js';
import { syncOperationNames, workspaceOperationNames, type OperationName } from './operations.js';
import { BriefingJob, BriefingResult, BriefingSpec, CsvExport } from './briefing.js';
import { TileImportJob, TileSourceListing } from './tiles.js';
import { HostPath, StartSyncFromServerInput, SyncJob, SyncServerOffer, SyncServerUrl, SyncState, SyncToken } from './sync.js';

export const operations = {
  /** Which host the UI runs on and what it can offer (file dialogs, a project folder); whether a project is open. */
  getHostInfo: {
    input: z.object({}).strict(),
    output: HostInfo,
  },
  /** The projects in the web host's folder (empty on the desktop) and the recently opened ones. */
  listProjects: {
    input: z.object({}).strict(),
    output: z.object({ projects: z.array(ProjectListEntry), recent: z.array(RecentProject) }),
  },
  /**
   * Closes the open project and opens another. A file that cannot be opened is not an exception here: the result
   * says what is wrong and what can be done (read-only, the last good copy); the open project stays open then.
   */
  openProject: {
    input: z
      .object({
        ref: ProjectRef,
        readOnly: z.boolean().optional(),
        lastGoodCopy: z.boolean().optional(),
        /** The passphrase of an encrypted project, asked after a first try answered with the ENCRYPTED problem. */
        passphrase: z.string().min(1).max(1024).optional(),
        /** Keep the passphrase in the OS keychain once it opens the project (hosts whose keychain is available). */
        rememberPassphrase: z.boolean().optional(),
      })
      .strict(),
    output: OpenResult,
  },
  /**
   * Creates a project (in the web host's folder, or where the desktop's save dialog says) and opens it; with a
   * passphrase it is encrypted from the start (and with rememberPassphrase its passphrase goes to the OS keychain).
   */
  createProject: {
    input: z
      .object({
        fileName: z.string().trim().min(1).max(255).optional(),
        properties: ProjectProperties,
        passphrase: z.string().min(1).max(1024).optional(),
        rememberPassphrase: z.boolean().optional(),
      })
      .strict(),
    output: OpenResult,
  },
  /**
   * Encrypts the open project with a passphrase, gives an encrypted one a new passphrase, or (null) makes it plain
   * again. The file is rewritten beside itself, checked, renamed over the original and reopened; a failure leaves the
   * original as it was and open. rememberPassphrase keeps the new passphrase in the OS keychain (desktop); a kept old
   * one is forgotten. Read-only: READ_ONLY; an import running: BUSY.
   */
  setProjectPassphrase: {
    input: z.object({ passphrase: z.string().min(1).max(1024).nullable(), rememberPassphrase: z.boolean().optional() }).strict(),
    output: ProjectInfo,
  },
  /** Forgets the open project's passphrase kept in the OS keychain (it is asked at the next open). */
  forgetPassphrase: {
    input: z.object({}).strict(),
    output: z.object({ forgotten: z.boolean() }),
  },
  /** Closes the open project; the UI shows the project chooser. */
  closeProject: {
    input: z.object({}).strict(),
    output: z.object({ closed: z.boolean() }),
  },
  /** Writes a consistent copy of the open project (web host: into its folder; desktop: where the dialog says). */
  saveProjectCopy: {
    input: z.object({ fileName: z.string().trim().min(1).max(255).optional() }).strict(),
    output: z.object({ saved: z.boolean(), fileName: z.string().nullable(), sizeBytes: z.number().nonnegative() }),
  },
  /** Name, description, classification marking and area of interest of the open project. */
  setProjectProperties: {
    input: ProjectProperties,
    output: ProjectInfo,
  },
  /** Where the analyst left the open project, or null the first time. */
  getSessionState: {
    input: z.object({}).strict(),
    output: z.object({ state: SessionState.nullable() }),
  },
  /** Remembers where the analyst is in the open project (kept by the workstation, not in the project file). */
  saveSessionState: {
    input: z.object({ state: SessionState }).strict(),
    output: z.object({ saved: z.boolean() }),
  },
  /** What the open project holds: name, counts, layers, extent, schema version. */
  getProjectInfo: {
    input: z.object({}).strict(),
    output: ProjectInfo,
  },
  /**
   * Footprints and heights of all buildings, for drawing them as one batched primitive; with `ids`, of just those
   * (a city drawn from its tileset fetches shapes as buildings are opened). Unknown ids are left out.
   */
  listBuildingShapes: {
    input: z.object({ ids: z.array(RegistryId).max(5000).optional() }).strict(),
    output: z.object({ buildings: z.array(BuildingShape) }),
  },
  /** One building's registry attributes and its storeys, basement first. Unknown id: NOT_FOUND. */
  getBuilding: {
    input: z.object({ id: RegistryId }).strict(),
    output: BuildingDetail,
  },
  /** The units on one floor of a building, ordered by address. Unknown floor: NOT_FOUND. */
  listFloorUnits: {
    input: z.object({ floorId: RegistryId }).strict(),
    output: z.object({ units: z.array(UnitSummary) }),
  },
  /** Addresses matching the query (every word a prefix; accents and case ignored), best first. */
  searchAddresses: {
    input: z.object({ query: z.string().max(500), limit: z.number().int().min(1).max(100).optional() }).strict(),
    output: z.object({ matches: z.array(AddressMatch) }),
  },
  /** The import profiles shipped with Storey (resources/profiles). */
  listImportProfiles: {
    input: z.object({}).strict(),
    output: z.object({ profiles: z.array(ImportProfileSummary) }),
  },
  /**
   * Starts importing files or folders on the host's disk with a shipped profile (its id) or a profile file path.
   * Runs off the host's event loop; poll getImportJob. One import at a time: BUSY otherwise.
   */
  startImport: {
    input: z.object({ profile: z.string().min(1).max(1000), inputs: z.array(z.string().min(1).max(4000)).min(1).max(1000) }).strict(),
    output: ImportJob,
  },
  /** Progress, and at the end the report or the error, of an import job. */
  getImportJob: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: ImportJob,
  },
  /** Asks a running import to stop; it rolls back and the project stays as it was. */
  cancelImport: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: ImportJob,
  },
  /** Attributes of the buildings that can style and filter the city. */
  listAttributes: {
    input: z.object({ level: StyleLevel.optional() }).strict(),
    output: z.object({ attributes: z.array(AttributeInfo) }),
  },
  /**
   * One attribute's value for every record of a level (buildings by default), for thematic styling: ids, values,
   * and for floors and units the building (and floor) each record belongs to, all in the same order.
   */
  getAttributeValues: {
    input: z.object({ attribute: z.string().min(1).max(300), level: StyleLevel.optional() }).strict(),
    output: z.object({
      attribute: AttributeInfo,
      ids: z.array(RegistryId),
      values: z.array(z.union([z.number(), z.string(), z.null()])),
      buildingIds: z.array(RegistryId),
      floorIds: z.array(RegistryId.nullable()),
    }),
  },
  /** Buildings matching all conditions: how many, their ids, and a sorted table of up to `limit` rows. */
  queryBuildings: {
    input: z
      .object({
        conditions: z.array(FilterCondition).max(20),
        sort: z.object({ column: z.enum(['address', 'use', 'yearBuilt', 'floorCount', 'heightMeters', 'dwellingCount']), descending: z.boolean() }).optional(),
        limit: z.number().int().min(0).max(100000).optional(),
      })
      .strict(),
    output: z.object({ count: z.number().int(), ids: z.array(RegistryId), rows: z.array(BuildingRow) }),
  },
  /** Saved views of the project, newest first. */
  listViews: {
    input: z.object({}).strict(),
    output: z.object({ views: z.array(SavedView) }),
  },
  /** Saves a view under a name (a view with the same name is replaced). */
  saveView: {
    input: z.object({ name: z.string().trim().min(1).max(200), state: ViewState }).strict(),
    output: SavedView,
  },
  deleteView: {
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    output: z.object({ deleted: z.boolean() }),
  },
  /** Notes pinned to buildings or points, newest first. */
  listNotes: {
    input: z.object({}).strict(),
    output: z.object({ notes: z.array(Note) }),
  },
  /** Creates a note, or updates the one with this id. */
  saveNote: {
    input: z
      .object({
        id: z.string().min(1).max(100).optional(),
        text: z.string().trim().min(1).max(5000),
        buildingId: RegistryId.nullable(),
        lonDegrees: z.number().min(-180).max(180),
        latDegrees: z.number().min(-90).max(90),
        heightMeters: z.number().min(-1000).max(10000),
      })
      .strict(),
    output: Note,
  },
  deleteNote: {
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    output: z.object({ deleted: z.boolean() }),
  },
  /** The project's tile layers (imagery, terrain, 3D Tiles) in draw order, with what their import found. */
  listLayers: {
    input: z.object({}).strict(),
    output: z.object({ layers: z.array(LayerSummary) }),
  },
  /**
   * Shows or hides a layer, moves it to a place in the draw order (0 = drawn first, the others renumbered) or changes
   * its opacity. Unknown id: NOT_FOUND; a read-only project: READ_ONLY.
   */
  setLayerSettings: {
    input: z
      .object({
        id: z.string().min(1).max(100),
        visible: z.boolean().optional(),
        order: z.number().int().min(0).max(10000).optional(),
        opacity: z.number().min(0).max(1).optional(),
      })
      .strict(),
    output: LayerSummary,
  },
  /**
   * The project folder (the folder the open project is in) for choosing a tile source: folders, and which entries are
   * tile sources. `folder` is relative to the project folder; a way out of it (.., absolute, a link leading outside)
   * is BAD_ARGUMENT.
   */
  listTileSources: {
    input: z.object({ folder: z.string().max(4000).optional() }).strict(),
    output: TileSourceListing,
  },
  /** Desktop: the native open dialog for a tile file or folder; null when the person cancelled. Web: NOT_SUPPORTED. */
  chooseTileSource: {
    input: z.object({ kind: z.enum(['file', 'folder']) }).strict(),
    output: z.object({ path: z.string().nullable() }),
  },
  /**
   * Starts importing a tile source (a path on the host: absolute, or relative to the project folder) as a new layer,
   * on a worker thread; poll getTileImportJob. Not a tile source: BAD_INPUT; missing: FILE_NOT_FOUND; an import of
   * any kind already running: BUSY.
   */
  startTileImport: {
    input: z
      .object({
        source: z.string().trim().min(1).max(4000),
        name: z.string().trim().max(200).optional(),
        scheme: z.enum(['xyz', 'tms']).optional(),
        table: z.string().min(1).max(200).optional(),
      })
      .strict(),
    output: TileImportJob,
  },
  /** Progress (tiles done / total, bytes), and at the end the new layer or the error, of a tile import. */
  getTileImportJob: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: TileImportJob,
  },
  /** Asks a running tile import to stop; it rolls back and the project stays as it was. */
  cancelTileImport: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: TileImportJob,
  },
  /**
   * A PDF briefing: cover, a map page per chosen saved view (rendered by the host at print resolution), a page per
   * chosen building with its floors and units, the summary and attribute table of a filter, provenance. A host that
   * cannot render maps answers NOT_SUPPORTED when views are chosen. One briefing at a time: BUSY otherwise.
   */
  exportBriefing: {
    input: BriefingSpec.strict(),
    output: BriefingResult,
  },
  /**
   * The same briefing as a job, for the dialog: runs off the request, reports its stage (rendering map k of n,
   * composing, writing) through getBriefingJob, and stops on cancelBriefing. One briefing at a time: BUSY otherwise.
   */
  startBriefing: {
    input: BriefingSpec.strict(),
    output: BriefingJob,
  },
  /** Progress, and at the end the PDF or the error, of a briefing job. */
  getBriefingJob: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: BriefingJob,
  },
  /** Stops a running briefing: Chromium is closed, no PDF is made and nothing is recorded as exported. */
  cancelBriefing: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: BriefingJob,
  },
  /**
   * Opens a finished briefing's PDF in the system's PDF viewer (desktop: written into the user's temporary folder
   * first, as the window lets no page open new windows) and says where it is. A host whose page opens the PDF itself
   * (the web host: the browser) answers NOT_SUPPORTED.
   */
  openBriefingPdf: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: z.object({ path: z.string() }),
  },
  /**
   * The attribute table of the buildings matching the conditions as CSV (every matching row), recorded in the
   * project's audit trail with the row count and the filter.
   */
  exportCsv: {
    input: z
      .object({
        conditions: z.array(FilterCondition).max(20),
        sort: z.object({ column: z.enum(['address', 'use', 'yearBuilt', 'floorCount', 'heightMeters', 'dwellingCount']), descending: z.boolean() }).optional(),
      })
      .strict(),
    output: CsvExport,
  },
  /**
   * The open project's sync: its server, CA file and area, generation, where this host keeps tokens and whether it
   * keeps one for the project, the sync running now, and note and view conflicts (both versions kept). Without an
   * open project: configured false.
   */
  getSyncState: {
    input: z.object({}).strict(),
    output: SyncState,
  },
  /** What a server offers a token (its manifest): generation, the token's area and fields, layers, counts. */
  probeSyncServer: {
    input: z.object({ server: SyncServerUrl, caPath: HostPath, token: SyncToken, area: AreaOfInterest.nullable() }).strict(),
    output: SyncServerOffer,
  },
  /**
   * New project from server: creates the file (web host: in its folder; desktop: where the save dialog says) and
   * runs its first sync on a worker thread; poll getSyncJob. When done, the new project is the open one. One sync at
   * a time: BUSY otherwise; the file exists: ALREADY_EXISTS (unless it was started from the same server: continued).
   */
  startSyncFromServer: {
    input: StartSyncFromServerInput,
    output: SyncJob,
  },
  /**
   * Sync now: brings the open project up to its server's generation and syncs notes and views, on a worker thread.
   * The token is the one given, else the one the host keeps for the project (UNAUTHORIZED when there is none).
   */
  startSync: {
    input: z.object({ token: SyncToken.optional(), rememberToken: z.boolean().optional() }).strict(),
    output: SyncJob,
  },
  /** Progress (phase, items, bytes, rate, time left), and at the end the summary or the error, of a sync. */
  getSyncJob: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: SyncJob,
  },
  /** Stops a running sync: the project keeps its last whole generation, and the next sync continues from there. */
  cancelSync: {
    input: z.object({ jobId: z.string().min(1).max(100) }).strict(),
    output: SyncJob,
  },
  /** Forgets the token kept for the open project (keychain or session); the next sync asks for one. */
  forgetSyncToken: {
    input: z.object({}).strict(),
    output: z.object({ forgotten: z.boolean() }),
  },
} as const satisfies Record<OperationName, { input: z.ZodType; output: z.ZodType }>;

// Compile-time check that operations.ts lists exactly the operations defined here.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Exact<keyof typeof operations, OperationName> = true;
void namesMatch;

export type OperationInput<K extends OperationName> = z.input<(typeof operations)[K]['input']>;
export type OperationOutput<K extends OperationName> = z.output<(typeof operations)[K]['output']>;

/** The API the renderer programs against; each host implements it over core/. */
export type StoreyApi = {
  [K in OperationName]: (input: OperationInput<K>) => Promise<OperationOutput<K>>;
};

export type WorkspaceOperationName = (typeof workspaceOperationNames)[number];

export type SyncOperationName = (typeof syncOperationNames)[number];

/** The operations one open project answers (the workspace and the host's sync jobs answer the rest). */
export type ProjectScopedApi = Omit<StoreyApi, WorkspaceOperationName | SyncOperationName>;

export { operationNames, workspaceOperationNames, syncOperationNames, type OperationName, type ApiResult, apiChannel } from './operations.js';
export * from './domain.js';
export * from './errors.js';
export * from './briefing.js';
export * from './tiles.js';
export * from './sync.js';
