/**
 * Contract types for syncing with the organisation's server from the workstation (docs/sync-protocol.md): what the
 * server offers a token, the sync settings of the open project, and a sync job's progress and summary.
 * Pure TypeScript and zod, like the rest of common/. A token never appears in an output.
 */
import { z } from 'zod';
import { AreaOfInterest } from './domain.js';

/** A sync token as the server prints it; never stored in the project, never echoed back. */
export const SyncToken = z.string().trim().min(8).max(512).regex(/^[\x21-\x7e]+$/, 'a token is one word of printable characters');

/** The server's address: https only (the protocol has no plain-HTTP mode). */
export const SyncServerUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  // common/ has no URL (no DOM, no Node): the host parses the address again before it connects.
  .regex(/^https:\/\/[^\s/?#@]+(:\d+)?(\/[^\s]*)?$/i, 'the sync server must be an https:// address, e.g. https://storey.example:8443');

/** A path on the host's disk (the organisation's CA file). */
export const HostPath = z.string().trim().min(1).max(4000);

/** Where a host keeps sync tokens: the OS keychain (desktop), the host's memory for this session (web), nowhere. */
export const TokenStorage = z.enum(['keychain', 'session', 'ask']);
export type TokenStorage = z.infer<typeof TokenStorage>;

const Zoom = z.number().int().min(0).max(30);

/**
 * What a project takes from its server (protocol 2): registry records or not, which tile layers (by id; null =
 * every layer, also ones the server adds later), and zoom bounds per imagery or terrain layer (a null bound falls
 * back to the choice's own, then to none). Kept in the project; a changed choice brings and drops what it changes.
 */
export const SyncChoice = z
  .object({
    records: z.boolean(),
    layers: z.array(z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/), minZoom: Zoom.nullable(), maxZoom: Zoom.nullable() }).strict()).max(500).nullable(),
    minZoom: Zoom.nullable(),
    maxZoom: Zoom.nullable(),
  })
  .strict();
export type SyncChoice = z.infer<typeof SyncChoice>;

/** What the server offers a token (its manifest). */
export const SyncServerOffer = z.object({
  protocol: z.number().int(),
  /** The server's current generation. */
  generation: z.number().int().nonnegative(),
  /** The token's name on the server (e.g. "analyst 1"). */
  tokenName: z.string(),
  /** The effective area: the token's, narrowed by the area asked for; null = everything. */
  area: AreaOfInterest.nullable(),
  /** Fields the token may see; null = all. */
  fields: z.array(z.string()).nullable(),
  layers: z.array(z.object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    /** Protocol 2: the layer's tiles in the area, per zoom level ("12": n), its zooms, and a size estimate in bytes. */
    tiles: z.number().int().nonnegative().optional(),
    zooms: z.record(z.string(), z.number().int().nonnegative()).optional(),
    minZoom: z.number().int().nullable().optional(),
    maxZoom: z.number().int().nullable().optional(),
    bytesEstimate: z.number().nonnegative().optional(),
  })),
  counts: z.object({ records: z.number().int().nonnegative(), tiles: z.number().int().nonnegative() }),
});
export type SyncServerOffer = z.infer<typeof SyncServerOffer>;

/** A note or view changed here and on the server: the server's version keeps the id, ours is kept as a copy. */
export const SyncConflict = z.object({
  kind: z.enum(['note', 'view']),
  /** The item with the server's version. */
  id: z.string(),
  /** The copy with this workstation's version. */
  copyId: z.string(),
  detectedAt: z.string(),
});
export type SyncConflict = z.infer<typeof SyncConflict>;

export const SyncPhase = z.enum(['starting', 'manifest', 'changes', 'tiles', 'apply', 'items', 'tiling', 'done']);
export type SyncPhase = z.infer<typeof SyncPhase>;

export const SyncJobProgress = z.object({
  phase: SyncPhase,
  /** Done in this phase: changes staged, tiles fetched, or buildings tiled for the city view. */
  items: z.number().int().nonnegative(),
  itemsTotal: z.number().int().nonnegative().nullable(),
  /** Bytes received from the server so far (compressed, as sent). */
  bytes: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  /** While tiles arrive: seconds left at the rate so far; null when not known. */
  secondsLeft: z.number().nonnegative().nullable(),
});
export type SyncJobProgress = z.infer<typeof SyncJobProgress>;

const PutDelete = z.object({ put: z.number().int().nonnegative(), delete: z.number().int().nonnegative() });

export const SyncJobSummary = z.object({
  generationBefore: z.number().int().nonnegative(),
  generation: z.number().int().nonnegative(),
  /** False when the project was at the server's generation already (records and tiles unchanged). */
  applied: z.boolean(),
  /** Records, tiles and layers written (added or changed) and deleted by the applied generation. */
  records: PutDelete,
  tiles: PutDelete,
  layers: PutDelete,
  blobsFetched: z.number().int().nonnegative(),
  bytesReceived: z.number().nonnegative(),
  /** Notes and saved views: received from the server, sent to it, and in conflict (both versions kept). */
  items: z.object({ pulled: z.number().int().nonnegative(), pushed: z.number().int().nonnegative(), conflicts: z.number().int().nonnegative() }),
  durationMs: z.number().nonnegative(),
  /**
   * The buildings tiled for the city view after records changed (the server never sends its own tileset), null when
   * nothing needed tiling; `tilingError` says why tiling failed (the sync stands, the view draws the registry).
   */
  tiled: z
    .object({
      buildings: z.number().int().nonnegative(),
      tiles: z.number().int().nonnegative(),
      /** Of those tiles, built now (their buildings changed) and carried over unchanged from the previous tiling. */
      rebuilt: z.number().int().nonnegative().optional(),
      kept: z.number().int().nonnegative().optional(),
    })
    .nullable()
    .optional(),
  tilingError: z.string().nullable().optional(),
});
export type SyncJobSummary = z.infer<typeof SyncJobSummary>;
/** What tiling after a sync did (null: nothing needed tiling). */
export type SyncTiled = NonNullable<SyncJobSummary['tiled']> | null;

export const SyncJob = z.object({
  id: z.string(),
  /** 'create': New project from server; 'sync': Sync now on the open project. */
  kind: z.enum(['create', 'sync']),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  /** The server's host and port (never a token). */
  server: z.string(),
  /** The project's file name (never its full path). */
  fileName: z.string(),
  progress: SyncJobProgress,
  summary: SyncJobSummary.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Whether the token is now kept (keychain or session) for the next sync of this project. */
  tokenKept: z.boolean(),
  /** 'create' once done: the new project is the open one now. */
  opened: z.boolean(),
});
export type SyncJob = z.infer<typeof SyncJob>;

export const SyncState = z.object({
  /** Whether the open project syncs with a server (made by New project from server or storey sync --init). */
  configured: z.boolean(),
  /** The server's address, the CA file the project names, the area it takes. */
  server: z.string().nullable(),
  caPath: z.string().nullable(),
  area: AreaOfInterest.nullable(),
  /** The records, layers and zooms the project takes; null = everything. */
  filter: SyncChoice.nullable().optional(),
  generation: z.number().int().nonnegative(),
  /** Where this host keeps tokens, and whether it keeps one for the open project. */
  tokenStorage: TokenStorage,
  tokenKept: z.boolean(),
  /** The sync running now on this host, if any. */
  running: SyncJob.nullable(),
  conflicts: z.array(SyncConflict),
});
export type SyncState = z.infer<typeof SyncState>;

export const StartSyncFromServerInput = z
  .object({
    server: SyncServerUrl,
    caPath: HostPath,
    token: SyncToken,
    /** Keep the token for the next syncs (where the host can: keychain or session memory). */
    rememberToken: z.boolean(),
    /** The area to take offline; null = all the token may see. */
    area: AreaOfInterest.nullable(),
    /** What to take (protocol 2); left out: everything the token may see. */
    filter: SyncChoice.optional(),
    name: z.string().trim().min(1).max(200),
    /** Web host: the file name in its folder; desktop: the save dialog asks when left out. */
    fileName: z.string().trim().min(1).max(255).optional(),
  })
  .strict();
