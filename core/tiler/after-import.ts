/**
 * Tiling after a registry import or sync: the city view draws the buildings from the tileset only while it is
 * current (core/tiler/stamp.ts), so whatever changes the registry tiles it again. The tiler builds only the tiles
 * whose buildings changed and carries the others over (core/tiler/tiler.ts), so a small change costs little. A project without
 * buildings has nothing to tile; a failure to tile loses nothing (the import stands, the view draws the registry).
 */
import type { ProjectFile } from '../project/project-file.js';
import { buildingsTilesetState } from './stamp.js';
import { tileBuildings, type TilerReport } from './tiler.js';

/**
 * Tiles the project's buildings unless the tileset is already current. `shouldCancel` is polled between tiles: a
 * cancelled run throws CANCELLED and leaves the previous tileset (and what the import or sync wrote) as it was.
 */
export async function tileAfterChange(project: ProjectFile, onProgress?: (done: number, total: number) => void, shouldCancel?: () => boolean): Promise<TilerReport | null> {
  const buildings = project.db.prepare(`SELECT count(*) FROM buildings WHERE footprint IS NOT NULL`).pluck().get() as number;
  if (buildings === 0 || buildingsTilesetState(project)?.current) return null;
  return tileBuildings(project, { onProgress, ...(shouldCancel ? { shouldCancel } : {}) });
}
