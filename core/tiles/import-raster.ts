/**
 * Raster imagery sources: MBTiles, GeoPackage tile pyramids and XYZ/TMS folders. All are stored the same way: the
 * tile path is `z/x/y` with rows counted from the north (XYZ), and the bytes are the source's bytes unchanged.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import type { LayerFacts, LayerWriter } from './tile-store.js';
import { flipRow, parseBounds, TileRange, xyzExtent } from './tile-math.js';
import { sniffImageFormat, type ImageFormat } from './tile-format.js';
import type { ProgressCallback } from './import-tiles.js';

const MAX_ZOOM = 30;

function badInput(source: string, message: string): StoreyError {
  return new StoreyError('BAD_INPUT', `${source}: ${message}; nothing was imported.`);
}

function openSqlite(path: string, what: string): Database.Database {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    throw badInput(basename(path), `cannot be read as ${what} (${(error as Error).message})`);
  }
}

/** Checks one tile's address and bytes, and notes its format; shared by every raster source. */
class RasterTiles {
  readonly range = new TileRange();
  readonly formats = new Set<ImageFormat>();
  done = 0;

  constructor(
    private readonly writer: LayerWriter,
    private readonly source: string,
    private readonly total: number,
    private readonly onProgress?: ProgressCallback,
  ) {}

  add(zoom: number, x: number, yFromNorth: number, bytes: Uint8Array, where: string): void {
    if (!Number.isInteger(zoom) || zoom < 0 || zoom > MAX_ZOOM) throw badInput(this.source, `${where} has zoom level ${zoom}, outside 0–${MAX_ZOOM}`);
    const n = 2 ** zoom;
    if (!Number.isInteger(x) || !Number.isInteger(yFromNorth) || x < 0 || x >= n || yFromNorth < 0 || yFromNorth >= n) {
      throw badInput(this.source, `${where} lies outside the zoom ${zoom} grid (0–${n - 1})`);
    }
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw badInput(this.source, `${where} is empty`);
    const format = sniffImageFormat(bytes);
    if (!format) {
      const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
      throw badInput(this.source, `${where} is not a PNG, JPEG or WebP image${gz ? ' (it is gzipped, as vector tiles are; Storey imports raster imagery only)' : ''}`);
    }
    this.formats.add(format);
    this.range.add(zoom, x, yFromNorth);
    this.writer.add(`${zoom}/${x}/${yFromNorth}`, bytes, this.source);
    this.done += 1;
    this.onProgress?.({ done: this.done, total: this.total, detail: this.source });
  }

  facts(extra: { attribution?: string; bounds?: LayerFacts['extent'] }): LayerFacts {
    return {
      format: [...this.formats].sort().join('+') || 'png',
      encoding: 'identity',
      extent: extra.bounds ?? this.range.extent(xyzExtent),
      minZoom: this.range.minZoom,
      maxZoom: this.range.maxZoom,
      attribution: extra.attribution ?? '',
      source: this.source,
    };
  }
}

/** MBTiles: a SQLite file whose `tiles` table (or view) has TMS rows (counted from the south). */
export function importMbtiles(path: string, writer: LayerWriter, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  const db = openSqlite(path, 'an MBTiles file');
  try {
    const hasTiles = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tiles' AND type IN ('table', 'view')`).get();
    if (!hasTiles) throw badInput(source, 'is a SQLite file without a "tiles" table, so it is not MBTiles');
    const metadata = new Map<string, string>();
    const hasMetadata = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'metadata'`).get();
    if (hasMetadata) {
      for (const row of db.prepare(`SELECT name, value FROM metadata`).all() as Array<{ name: unknown; value: unknown }>) {
        if (typeof row.name === 'string' && row.value !== null) metadata.set(row.name, String(row.value));
      }
    }
    const format = metadata.get('format');
    if (format === 'pbf' || format === 'mvt') throw badInput(source, 'holds vector tiles (format pbf); Storey imports raster imagery only');
    const total = db.prepare(`SELECT count(*) FROM tiles`).pluck().get() as number;
    const tiles = new RasterTiles(writer, source, total, onProgress);
    const rows = db.prepare(`SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles`).raw().iterate() as IterableIterator<[number, number, number, Buffer]>;
    for (const [zoom, column, tmsRow, data] of rows) {
      const where = `tile z${zoom} column ${column} row ${tmsRow}`;
      tiles.add(zoom, column, Number.isInteger(zoom) && zoom >= 0 && zoom <= MAX_ZOOM ? flipRow(zoom, tmsRow) : tmsRow, data, where);
    }
    return tiles.facts({ attribution: metadata.get('attribution'), bounds: parseBounds(metadata.get('bounds')) });
  } finally {
    db.close();
  }
}

const WEB_MERCATOR_HALF_WIDTH = 20037508.342789244;

/**
 * A GeoPackage tile pyramid in Web Mercator (EPSG:3857) whose tiles line up with the global XYZ grid, as GDAL writes
 * with TILING_SCHEME=GoogleMapsCompatible. Other grids are refused with the command that makes one.
 */
export function importGpkgTiles(path: string, writer: LayerWriter, options: { table?: string } = {}, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  const db = openSqlite(path, 'a GeoPackage');
  try {
    const hasContents = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'gpkg_contents'`).get();
    if (!hasContents) throw badInput(source, 'has no gpkg_contents table, so it is not a GeoPackage');
    const tables = db.prepare(`SELECT table_name FROM gpkg_contents WHERE data_type IN ('tiles', '2d-gridded-coverage')`).pluck().all() as string[];
    if (tables.length === 0) throw badInput(source, 'holds no tile pyramid (no "tiles" entry in gpkg_contents)');
    const table = options.table ?? tables[0]!;
    if (!tables.includes(table)) throw badInput(source, `has no tile table "${table}" (it has ${tables.join(', ')})`);
    if (tables.length > 1 && options.table === undefined) {
      throw badInput(source, `holds ${tables.length} tile pyramids (${tables.join(', ')}); choose one with --table`);
    }
    const set = db
      .prepare(
        `SELECT s.min_x, s.min_y, s.max_x, s.max_y, r.organization, r.organization_coordsys_id AS code
           FROM gpkg_tile_matrix_set s JOIN gpkg_spatial_ref_sys r ON r.srs_id = s.srs_id WHERE s.table_name = ?`,
      )
      .get(table) as { min_x: number; min_y: number; max_x: number; max_y: number; organization: string; code: number } | undefined;
    if (!set) throw badInput(source, `has no tile matrix set for "${table}"`);
    if (set.organization.toUpperCase() !== 'EPSG' || set.code !== 3857) {
      throw badInput(
        source,
        `"${table}" uses ${set.organization}:${set.code}; Storey takes Web Mercator pyramids (make one with gdal_translate -of GPKG -co TILING_SCHEME=GoogleMapsCompatible)`,
      );
    }
    const matrices = db.prepare(`SELECT zoom_level, matrix_width, matrix_height FROM gpkg_tile_matrix WHERE table_name = ?`).all(table) as Array<{ zoom_level: number; matrix_width: number; matrix_height: number }>;
    const grid = new Map<number, { zoom: number; x0: number; y0: number }>();
    for (const m of matrices) {
      const span = (set.max_x - set.min_x) / m.matrix_width;
      const zoom = Math.round(Math.log2((2 * WEB_MERCATOR_HALF_WIDTH) / span));
      const x0 = (set.min_x + WEB_MERCATOR_HALF_WIDTH) / span;
      const y0 = (WEB_MERCATOR_HALF_WIDTH - set.max_y) / span;
      const aligned = Math.abs((2 * WEB_MERCATOR_HALF_WIDTH) / 2 ** zoom - span) < 1e-6 * span && Math.abs(x0 - Math.round(x0)) < 1e-3 && Math.abs(y0 - Math.round(y0)) < 1e-3;
      if (!aligned) {
        throw badInput(source, `zoom level ${m.zoom_level} of "${table}" does not line up with the Web Mercator tile grid (regrid with gdal_translate -co TILING_SCHEME=GoogleMapsCompatible)`);
      }
      grid.set(m.zoom_level, { zoom, x0: Math.round(x0), y0: Math.round(y0) });
    }
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const total = db.prepare(`SELECT count(*) FROM ${quoted}`).pluck().get() as number;
    const tiles = new RasterTiles(writer, source, total, onProgress);
    const rows = db.prepare(`SELECT zoom_level, tile_column, tile_row, tile_data FROM ${quoted}`).raw().iterate() as IterableIterator<[number, number, number, Buffer]>;
    for (const [level, column, row, data] of rows) {
      const g = grid.get(level);
      const where = `tile zoom_level ${level} column ${column} row ${row} of "${table}"`;
      if (!g) throw badInput(source, `${where} has no tile matrix`);
      tiles.add(g.zoom, g.x0 + column, g.y0 + row, data, where);
    }
    return tiles.facts({});
  } finally {
    db.close();
  }
}

const TILE_FILE = /^(\d{1,10})\.(png|jpe?g|webp)$/i;
const NUMBER_DIR = /^\d{1,10}$/;

/**
 * A folder of z/x/y.png|jpg|webp tiles. XYZ unless told otherwise or the folder has gdal2tiles' tilemapresource.xml,
 * which marks TMS rows (counted from the south). Files that are not tiles (readme, viewer pages) are left out.
 */
export function importTileFolder(path: string, writer: LayerWriter, options: { scheme?: 'xyz' | 'tms' } = {}, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  const scheme = options.scheme ?? (readdirSync(path).includes('tilemapresource.xml') ? 'tms' : 'xyz');
  const found: Array<{ zoom: number; x: number; y: number; file: string }> = [];
  for (const z of readdirSync(path, { withFileTypes: true })) {
    if (!z.isDirectory() || !NUMBER_DIR.test(z.name)) continue;
    for (const x of readdirSync(join(path, z.name), { withFileTypes: true })) {
      if (!x.isDirectory() || !NUMBER_DIR.test(x.name)) continue;
      for (const y of readdirSync(join(path, z.name, x.name), { withFileTypes: true })) {
        const match = TILE_FILE.exec(y.name);
        if (!y.isFile() || !match) continue;
        found.push({ zoom: Number(z.name), x: Number(x.name), y: Number(match[1]), file: join(z.name, x.name, y.name) });
      }
    }
  }
  if (found.length === 0) throw badInput(source, 'has no z/x/y tile images (PNG, JPEG or WebP)');
  const tiles = new RasterTiles(writer, source, found.length, onProgress);
  for (const t of found) {
    const row = scheme === 'tms' && t.zoom <= MAX_ZOOM ? flipRow(t.zoom, t.y) : t.y;
    tiles.add(t.zoom, t.x, row, readFileSync(join(path, t.file)), t.file);
  }
  return tiles.facts({});
}
