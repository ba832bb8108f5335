/**
 * Imports one tile source into a project as a new layer: MBTiles, GeoPackage tile pyramids, XYZ/TMS folders,
 * quantized-mesh terrain folders, and 3D Tiles as a folder, .3tz or .3dtiles. One transaction per import: the layer
 * lands whole or the project stays as it was.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';
import { importGpkgTiles, importMbtiles, importTileFolder } from './import-raster.js';
import { importTerrainFolder, isTerrainFolder } from './import-terrain.js';
import { import3dTilesFolder, import3dTilesPackage, import3tz, isTilesetFolder } from './import-3dtiles.js';
import { TileStore, type LayerKind, type LayerSummary, type LayerWriter } from './tile-store.js';

/** `bytes`: tile bytes written so far (importTiles adds it; the source importers leave it out). */
export type ProgressCallback = (progress: { done: number; total: number; detail: string; bytes?: number }) => void;

/** Importers report every tile; people and workers need a few updates a second, plus the last one. */
const PROGRESS_INTERVAL_MS = 100;

export interface TileImportOptions {
  /** Layer name; defaults to the file or folder name without its extension. */
  name?: string;
  /** Row order of a z/x/y folder (default: xyz, or tms when the folder has tilemapresource.xml). */
  scheme?: 'xyz' | 'tms';
  /** The tile table of a GeoPackage with several. */
  table?: string;
  onProgress?: ProgressCallback;
  /** Asked before every tile; true stops the import, which rolls back (CANCELLED) and leaves the project as it was. */
  shouldCancel?: () => boolean;
}

function throttled(onProgress: ProgressCallback | undefined, writer: LayerWriter): ProgressCallback | undefined {
  if (!onProgress) return undefined;
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - last < PROGRESS_INTERVAL_MS && p.done !== p.total && p.done !== 1) return;
    last = now;
    onProgress({ ...p, bytes: writer.byteSize });
  };
}

export type TileSourceType = 'mbtiles' | 'gpkg' | '3tz' | '3dtiles' | 'terrain-folder' | '3dtiles-folder' | 'xyz-folder';

const fileTypes: Record<string, TileSourceType> = { '.mbtiles': 'mbtiles', '.gpkg': 'gpkg', '.3tz': '3tz', '.3dtiles': '3dtiles' };

/** What kind of tile source a path is, or undefined when it is none Storey knows (for the CLI to tell registries apart). */
export function tileSourceType(path: string): TileSourceType | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return fileTypes[extname(path).toLowerCase()];
  }
  if (!isDirectory) return fileTypes[extname(path).toLowerCase()];
  if (isTerrainFolder(path)) return 'terrain-folder';
  if (isTilesetFolder(path)) return '3dtiles-folder';
  // A z/x/y folder starts with zoom-level folders; anything else (a folder of registry files) is not a tile source.
  return readdirSync(path, { withFileTypes: true }).some((e) => e.isDirectory() && /^\d{1,2}$/.test(e.name)) ? 'xyz-folder' : undefined;
}

const kinds: Record<TileSourceType, LayerKind> = {
  mbtiles: 'imagery',
  gpkg: 'imagery',
  'xyz-folder': 'imagery',
  'terrain-folder': 'terrain',
  '3dtiles-folder': '3dtiles',
  '3tz': '3dtiles',
  '3dtiles': '3dtiles',
};

/** Checks that a path is a tile source Storey imports, before a worker starts: FILE_NOT_FOUND or BAD_INPUT otherwise. */
export function checkTileSource(path: string): TileSourceType {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new StoreyError('FILE_NOT_FOUND', `There is no file or folder at ${path}.`);
  }
  const type = tileSourceType(path);
  if (!type) {
    throw new StoreyError(
      'BAD_INPUT',
      `${basename(path)} (in ${resolve(path, '..')}) is not a tile source Storey knows: choose an .mbtiles, .gpkg, .3tz or .3dtiles file, or a folder with layer.json (terrain), tileset.json (3D Tiles) or z/x/y tile folders.`,
    );
  }
  if (isFile === type.endsWith('-folder')) throw new StoreyError('BAD_INPUT', `${basename(path)} is not a ${type.endsWith('-folder') ? 'folder' : 'file'}.`);
  return type;
}

export async function importTiles(project: ProjectFile, path: string, options: TileImportOptions = {}): Promise<LayerSummary> {
  const type = checkTileSource(path);
  // A folder called just "tiles" says little; its parent (nl-heuvelrug-terrain/tiles) names the data.
  const base = /^tiles?$/i.test(basename(path)) ? basename(dirname(resolve(path))) : basename(path);
  const name = options.name?.trim() || base.replace(/\.(mbtiles|gpkg|3tz|3dtiles)$/i, '');
  const store = new TileStore(project);
  return store.importLayer({ name, kind: kinds[type] }, (writer) => {
    const onProgress = throttled(options.onProgress, writer);
    switch (type) {
      case 'mbtiles':
        return importMbtiles(path, writer, onProgress);
      case 'gpkg':
        return importGpkgTiles(path, writer, { table: options.table }, onProgress);
      case 'xyz-folder':
        return importTileFolder(path, writer, { scheme: options.scheme }, onProgress);
      case 'terrain-folder':
        return importTerrainFolder(path, writer, onProgress);
      case '3dtiles-folder':
        return import3dTilesFolder(path, writer, onProgress);
      case '3dtiles':
        return import3dTilesPackage(path, writer, onProgress);
      case '3tz':
        return import3tz(path, writer, onProgress);
    }
  }, { shouldCancel: options.shouldCancel });
}
