/**
 * Whether the buildings tileset still shows the project's buildings: the tiler records a stamp of the registry as
 * it tiled it, and any import or sync since changes the stamp. Cheap enough for every project open (no table scan
 * beyond a count on an indexed table).
 */
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import type { ProjectFile } from '../project/project-file.js';
import { TileStore } from '../tiles/tile-store.js';

export const TILER_STAMP_KEY = 'tiler.stamp';

/** Imports so far, the sync generation and the number and highest row of buildings, as one string. */
export function buildingsStamp(project: ProjectFile): string {
  const db = project.db;
  const imports = db.prepare(`SELECT coalesce(max(id), 0) FROM storey_imports`).pluck().get() as number;
  const { n, top } = db.prepare(`SELECT count(*) AS n, coalesce(max(fid), 0) AS top FROM buildings`).get() as { n: number; top: number };
  return `imports ${imports}; generation ${project.getMeta('sync.generation') ?? 0}; buildings ${n}; last ${top}`;
}

/** The buildings tileset layer and whether it is up to date, or null when the buildings were never tiled. */
export function buildingsTilesetState(project: ProjectFile, store = new TileStore(project)): { layerId: string; current: boolean } | null {
  const layer = store.listLayers().find((l) => l.name === BUILDINGS_TILESET_NAME && l.kind === '3dtiles');
  if (!layer) return null;
  return { layerId: layer.id, current: project.getMeta(TILER_STAMP_KEY) === buildingsStamp(project) };
}
