/**
 * Exports a layer so other tools can read it: imagery as MBTiles (TMS rows, metadata with bounds, zooms, format and
 * attribution), 3D Tiles as a .3dtiles package (SQLite, media(key, content)). The file is written beside its target
 * and renamed into place, so a failed export leaves nothing half-written.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';
import { flipRow } from './tile-math.js';
import { TileStore } from './tile-store.js';

export interface ExportResult {
  path: string;
  tileCount: number;
  format: 'mbtiles' | '3dtiles';
}

export function exportLayer(project: ProjectFile, layerId: string, outPath: string, options: { overwrite?: boolean } = {}): ExportResult {
  const store = new TileStore(project);
  const layer = store.getLayer(layerId) ?? store.listLayers().find((l) => l.name === layerId);
  if (!layer) throw new StoreyError('NOT_FOUND', `There is no tile layer "${layerId}" in ${project.fileName}.`);
  if (layer.kind === 'terrain') throw new StoreyError('BAD_ARGUMENT', `Layer "${layer.name}" is terrain; Storey exports imagery (MBTiles) and 3D Tiles (.3dtiles) layers.`);
  if (existsSync(outPath) && !options.overwrite) throw new StoreyError('ALREADY_EXISTS', `${outPath} already exists; choose another name or allow overwriting.`);
  const partial = `${outPath}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  let db: Database.Database;
  try {
    db = new Database(partial);
  } catch (error) {
    throw new StoreyError('NOT_FOUND', `Cannot create ${outPath}: ${(error as Error).message}`, { cause: error });
  }
  let count = 0;
  try {
    db.pragma('journal_mode = OFF');
    db.transaction(() => {
      if (layer.kind === 'imagery') {
        db.exec(`CREATE TABLE metadata (name TEXT, value TEXT); CREATE UNIQUE INDEX metadata_name ON metadata (name);
                 CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                 CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);`);
        const e = layer.extent;
        const meta: Record<string, string> = {
          name: layer.name,
          format: layer.format.split('+')[0]!,
          type: 'baselayer',
          version: '1.0',
          attribution: layer.attribution,
          ...(layer.minZoom !== null ? { minzoom: String(layer.minZoom) } : {}),
          ...(layer.maxZoom !== null ? { maxzoom: String(layer.maxZoom) } : {}),
          ...(e ? { bounds: [e.westDegrees, e.southDegrees, e.eastDegrees, e.northDegrees].join(',') } : {}),
        };
        const putMeta = db.prepare(`INSERT INTO metadata (name, value) VALUES (?, ?)`);
        for (const [k, v] of Object.entries(meta)) putMeta.run(k, v);
        const put = db.prepare(`INSERT INTO tiles VALUES (?, ?, ?, ?)`);
        for (const { path, bytes } of store.tiles(layer.id)) {
          const [z, x, y] = path.split('/').map(Number) as [number, number, number];
          put.run(z, x, flipRow(z, y), bytes);
          count += 1;
        }
      } else {
        db.exec(`CREATE TABLE media (key TEXT PRIMARY KEY, content BLOB)`);
        const put = db.prepare(`INSERT INTO media (key, content) VALUES (?, ?)`);
        for (const { path, bytes } of store.tiles(layer.id)) {
          put.run(path, bytes);
          count += 1;
        }
      }
    })();
    db.close();
    renameSync(partial, outPath);
  } catch (error) {
    if (db.open) db.close();
    rmSync(partial, { force: true });
    if (error instanceof StoreyError) throw error;
    throw new StoreyError('INTERNAL', `Exporting layer "${layer.name}" to ${basename(outPath)} failed: ${(error as Error).message}`, { cause: error });
  }
  return { path: outPath, tileCount: count, format: layer.kind === 'imagery' ? 'mbtiles' : '3dtiles' };
}
