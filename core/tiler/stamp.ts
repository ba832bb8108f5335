/**
 * Whether the buildings tileset still shows the project's buildings: the tiler records a stamp of the registry as
 * it tiled it, and any import or sync since changes the stamp. Cheap enough for every project open (no table scan
 * beyond a count on an indexed table).
 */
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import type { ProjectFile } from '../project/project-file.js';
import { TileStore, type LayerSummary } from '../tiles/tile-store.js';

export const TILER_STAMP_KEY = 'tiler.stamp';
/** The use categories of the buildings as tiled (JSON array). */
export const TILER_CATEGORIES_KEY = 'tiler.categories';

/**
 * Imports so far, the sync generation, the number of buildings and the highest building row ever given, as one
 * string. Read from indexes and sqlite_sequence only: opening a project reads this, and must not walk the buildings
 * table (a damaged page there is reported when a query needs it, not at open).
 */
export function buildingsStamp(project: ProjectFile): string {
  const db = project.db;
  const imports = db.prepare(`SELECT coalesce(max(id), 0) FROM storey_imports`).pluck().get() as number;
  const n = db.prepare(`SELECT count(*) FROM buildings`).pluck().get() as number;
  const top = (db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'buildings'`).pluck().get() as number | undefined) ?? 0;
  return `imports ${imports}; generation ${project.getMeta('sync.generation') ?? 0}; buildings ${n}; last ${top}`;
}

/** The buildings tileset layer and whether it is up to date, or null when the buildings were never tiled. */
export function buildingsTilesetState(project: ProjectFile, layers: LayerSummary[] = new TileStore(project).listLayers()): { layerId: string; current: boolean; categories: string[] } | null {
  const layer = layers.find((l) => l.name === BUILDINGS_TILESET_NAME && l.kind === '3dtiles');
  if (!layer) return null;
  let categories: string[] = [];
  try {
    categories = JSON.parse(project.getMeta(TILER_CATEGORIES_KEY) ?? '[]') as string[];
  } catch {
    // Written by the tiler as JSON; anything else reads as none.
  }
  return { layerId: layer.id, current: project.getMeta(TILER_STAMP_KEY) === buildingsStamp(project), categories };
}
