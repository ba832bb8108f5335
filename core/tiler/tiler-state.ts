/**
 * What the last tiling left for the next one, in the project's meta table: the buildings layer it wrote, the
 * settings it used, and per tile path the digest of the tile's inputs with the heights its mesh reached (the
 * tileset.json needs them, and they cannot be known without triangulating). It describes one layer only: once that
 * layer is gone or replaced, the next tiling builds every tile. Anything unreadable here reads as no state (a full
 * tiling), never as an error: it is a cache of work done, and the tiles themselves are the truth.
 */
import type { ProjectFile } from '../project/project-file.js';

export const TILER_STATE_KEY = 'tiler.tiles';

export interface TileRecord {
  digest: string;
  /** Ellipsoid heights of the tile's mesh, metres; ±Infinity for a tile with no prism (kept as in the tileset). */
  minHeight: number;
  maxHeight: number;
}

export interface TilerState {
  layerId: string;
  settings: string;
  tiles: Map<string, TileRecord>;
}

interface StoredState {
  version: 1;
  layerId: string;
  settings: string;
  /** path → [digest, minHeight, maxHeight]; JSON writes ±Infinity as null. */
  tiles: Record<string, [string, number | null, number | null]>;
}

export function readTilerState(project: ProjectFile): TilerState | null {
  const text = project.getMeta(TILER_STATE_KEY);
  if (!text) return null;
  try {
    const stored = JSON.parse(text) as StoredState;
    if (stored.version !== 1 || typeof stored.layerId !== 'string' || typeof stored.settings !== 'string') return null;
    const tiles = new Map<string, TileRecord>();
    for (const [path, [digest, min, max]] of Object.entries(stored.tiles)) {
      if (typeof digest !== 'string') return null;
      tiles.set(path, { digest, minHeight: min ?? Infinity, maxHeight: max ?? -Infinity });
    }
    return { layerId: stored.layerId, settings: stored.settings, tiles };
  } catch {
    return null;
  }
}

export function writeTilerState(project: ProjectFile, state: TilerState): void {
  const stored: StoredState = {
    version: 1,
    layerId: state.layerId,
    settings: state.settings,
    tiles: Object.fromEntries([...state.tiles].map(([path, r]) => [path, [r.digest, r.minHeight, r.maxHeight]])),
  };
  project.setMeta(TILER_STATE_KEY, JSON.stringify(stored));
}
