/**
 * Contract types for importing tile layers from the UI: the tile sources a host offers, and the progress of a tile
 * import job. Pure TypeScript and zod, like the rest of common/.
 */
import { z } from 'zod';
import { LayerSummary } from './domain.js';

/** The kinds of tile source Storey imports (what `storey import --tiles` accepts). */
export const TileSourceType = z.enum(['mbtiles', 'gpkg', '3tz', '3dtiles', 'terrain-folder', '3dtiles-folder', 'xyz-folder']);
export type TileSourceType = z.infer<typeof TileSourceType>;

/** One entry of a folder listing in the project folder. */
export const TileSourceEntry = z.object({
  name: z.string(),
  /** Relative to the project folder, with forward slashes; what startTileImport and listTileSources take back. */
  path: z.string(),
  folder: z.boolean(),
  /** Files only. */
  sizeBytes: z.number().int().nonnegative().nullable(),
  /** What kind of tile source this entry is, or null when it is none (a folder may still hold sources). */
  sourceType: TileSourceType.nullable(),
});
export type TileSourceEntry = z.infer<typeof TileSourceEntry>;

export const TileSourceListing = z.object({
  /** The project folder's own name (never its full path). */
  rootName: z.string(),
  /** The listed folder relative to the project folder; '' is the project folder itself. */
  path: z.string(),
  /** The folder above, or null at the project folder. */
  parent: z.string().nullable(),
  entries: z.array(TileSourceEntry),
});
export type TileSourceListing = z.infer<typeof TileSourceListing>;

export const TileImportProgress = z.object({
  /** Tiles (or tileset files) written so far, and how many the source holds (0 until the importer knows). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Tile bytes written so far. */
  bytes: z.number().int().nonnegative(),
  detail: z.string(),
});
export type TileImportProgress = z.infer<typeof TileImportProgress>;

export const TileImportJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  /** The file or folder name being imported (never a full path). */
  source: z.string(),
  sourceType: TileSourceType,
  progress: TileImportProgress,
  /** The new layer, once the import landed. */
  layer: LayerSummary.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type TileImportJob = z.infer<typeof TileImportJob>;
