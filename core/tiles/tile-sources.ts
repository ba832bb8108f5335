/**
 * Choosing a tile source on the host: a listing of the project folder (the folder the open project is in) that says
 * which entries are tile sources, and the resolution of what the UI sends back. Relative paths stay inside the project
 * folder: plain segments only (no .., no hidden names, no backslashes or NUL), and the real path after links must
 * still be inside it, so a link cannot lead the listing elsewhere. Absolute paths are taken as typed, as the registry
 * import takes them: the person at the workstation names files on their own machine.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TileSourceEntry, TileSourceListing } from '../../common/tiles.js';
import { StoreyError } from '../../common/errors.js';
import { checkTileSource, tileSourceType } from './import-tiles.js';

export { checkTileSource };

const MAX_ENTRIES = 2000;

/** The segments of a relative path in the project folder, refusing anything that could lead out of it. */
function plainSegments(path: string): string[] {
  if (isAbsolute(path.trim())) throw new StoreyError('BAD_ARGUMENT', `"${path.slice(0, 200)}" is not a path inside the project folder.`);
  const trimmed = path.trim().replace(/\/+$/, '');
  if (trimmed === '') return [];
  const segments = trimmed.split('/');
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0') || /^[a-zA-Z]:$/.test(s));
  if (bad !== undefined) {
    throw new StoreyError('BAD_ARGUMENT', `"${path.slice(0, 200)}" is not a plain path inside the project folder (no .., hidden or absolute parts).`);
  }
  return segments;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** A relative path in the project folder as a checked absolute path (it need not exist). */
export function resolveInProjectFolder(root: string, path: string): string {
  const realRoot = realpathSync(root);
  const target = join(realRoot, ...plainSegments(path));
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    return target; // does not exist: the caller says so with the name the person gave
  }
  if (!isInside(realRoot, real)) throw new StoreyError('BAD_ARGUMENT', `"${path.slice(0, 200)}" leads outside the project folder.`);
  return real;
}

/** Where a tile source the UI names is: an absolute path on the host, or a path relative to the project folder. */
export function resolveTileSourcePath(projectFolder: string, source: string): string {
  const given = source.trim();
  if (given.includes('\0')) throw new StoreyError('BAD_ARGUMENT', 'A tile source path cannot contain NUL characters.');
  return isAbsolute(given) ? resolve(given) : resolveInProjectFolder(projectFolder, given);
}

/** One folder of the project folder: sub-folders and files, each marked with the tile source it is, if any. */
export function listTileSources(projectFolder: string, folder = ''): TileSourceListing {
  const realRoot = realpathSync(projectFolder);
  const segments = plainSegments(folder);
  const dir = resolveInProjectFolder(projectFolder, folder);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new StoreyError('BAD_ARGUMENT', `"${folder}" is a file, not a folder.`);
    names = readdirSync(dir);
  } catch (error) {
    if (error instanceof StoreyError) throw error;
    throw new StoreyError('FILE_NOT_FOUND', `There is no folder "${folder}" in the project folder.`);
  }
  const entries: TileSourceEntry[] = [];
  for (const name of names.sort((a, b) => a.localeCompare(b))) {
    // Hidden files and SQLite's companions of an open project (its WAL, shared memory, journal, Storey's lock) are
    // never tile sources and only crowd the list.
    if (name.startsWith('.') || /-(wal|shm|journal)$|\.lock$/.test(name) || entries.length >= MAX_ENTRIES) continue;
    const full = join(dir, name);
    try {
      // A link that leads out of the project folder is left out of the listing, as it would be refused when chosen.
      if (!isInside(realRoot, realpathSync(full))) continue;
      const stat = statSync(full);
      if (!stat.isDirectory() && !stat.isFile()) continue;
      entries.push({
        name,
        path: [...segments, name].join('/'),
        folder: stat.isDirectory(),
        sizeBytes: stat.isFile() ? stat.size : null,
        sourceType: tileSourceType(full) ?? null,
      });
    } catch {
      continue; // gone meanwhile, or unreadable: not something to offer
    }
  }
  // Folders first, then files; names within each.
  entries.sort((a, b) => Number(b.folder) - Number(a.folder) || a.name.localeCompare(b.name));
  return {
    rootName: basename(realRoot),
    path: segments.join('/'),
    parent: segments.length === 0 ? null : segments.slice(0, -1).join('/'),
    entries,
  };
}
