/**
 * Tile layers inside the project file. Tile bytes are content-addressed: storey_blobs holds each distinct tile once
 * under its SHA-256, storey_tiles maps (layer, path) to a hash, storey_layers holds the layer and, in its settings
 * JSON, what was learnt at import (format, extent, zooms, counts, attribution) and what the user set (visible, order,
 * opacity). Every read checks the bytes against their hash: SQLite's integrity_check cannot see a flipped bit inside
 * a blob, so this is the only place damage can be caught before it is served as good data.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';
import type { LayerKind, LayerSummary, TileExtent } from './layer-types.js';

export type { LayerKind, LayerSummary, TileExtent };

/** What an importer learnt about a layer, stored in the layer's settings. */
export interface LayerFacts {
  format: string;
  /** identity, gzip, or mixed (terrain tiles may come either way; stored bytes are kept as they were). */
  encoding: 'identity' | 'gzip' | 'mixed';
  extent: TileExtent | null;
  minZoom: number | null;
  maxZoom: number | null;
  attribution: string;
  /** Where it came from (a file name, never a full path). */
  source: string;
  /** The root document for terrain (layer.json) and 3D Tiles (tileset.json). */
  root?: string;
}

export interface LayerSettings {
  visible: boolean;
  order: number;
  opacity: number;
}

interface StoredSettings extends LayerFacts, LayerSettings {
  tileCount: number;
  byteSize: number;
}

export interface StoredTile {
  bytes: Buffer;
  sha256: string;
}

/** Layer ids appear in URLs: lower-case letters, digits and dashes only. */
export const LAYER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function newLayerId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'layer'}-${randomBytes(3).toString('hex')}`;
}

export class TileStore {
  private readonly readStatement: Statement<[string, string]>;
  private readonly hashStatement: Statement<[string, string]>;

  constructor(readonly project: ProjectFile) {
    this.readStatement = project.db.prepare(
      `SELECT b.sha256 AS sha256, b.bytes AS bytes FROM storey_tiles t JOIN storey_blobs b ON b.sha256 = t.sha256
        WHERE t.layer_id = ? AND t.tile_path = ?`,
    );
    this.hashStatement = project.db.prepare(`SELECT sha256 FROM storey_tiles WHERE layer_id = ? AND tile_path = ?`).pluck();
  }

  listLayers(): LayerSummary[] {
    const rows = this.project.db.prepare(`SELECT id, name, kind, settings FROM storey_layers`).all() as Array<{ id: string; name: string; kind: LayerKind; settings: string }>;
    return rows.map(toSummary).sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  }

  getLayer(id: string): LayerSummary | undefined {
    const row = this.project.db.prepare(`SELECT id, name, kind, settings FROM storey_layers WHERE id = ?`).get(id) as
      | { id: string; name: string; kind: LayerKind; settings: string }
      | undefined;
    return row ? toSummary(row) : undefined;
  }

  /**
   * Changes what the user controls: visibility, opacity, and place in the draw order (the layer moves to that index
   * and the others are renumbered 0..n-1). Unknown id: NOT_FOUND.
   */
  updateSettings(id: string, change: Partial<LayerSettings>): LayerSummary {
    if (this.project.readOnly) throw new StoreyError('READ_ONLY', `${this.project.fileName} is open read-only; layer settings cannot be changed.`);
    return this.project.transaction(() => {
      const layers = this.listLayers();
      const layer = layers.find((l) => l.id === id);
      if (!layer) throw new StoreyError('NOT_FOUND', `There is no tile layer "${id}" in this project.`);
      const write = this.project.db.prepare(`UPDATE storey_layers SET settings = json_patch(settings, ?) WHERE id = ?`);
      const { order, ...rest } = change;
      if (Object.keys(rest).length) write.run(JSON.stringify(rest), id);
      if (order !== undefined) {
        const others = layers.filter((l) => l.id !== id);
        others.splice(Math.min(order, others.length), 0, layer);
        others.forEach((l, index) => write.run(JSON.stringify({ order: index }), l.id));
      }
      return this.getLayer(id)!;
    });
  }

  /** Removes a layer and the blobs no other layer uses. */
  deleteLayer(id: string): boolean {
    return this.project.transaction(() => {
      const removed = this.project.db.prepare(`DELETE FROM storey_layers WHERE id = ?`).run(id).changes > 0;
      this.project.db.exec(`DELETE FROM storey_blobs WHERE sha256 NOT IN (SELECT sha256 FROM storey_tiles)`);
      return removed;
    });
  }

  /**
   * The stored bytes of one tile, checked against their hash; undefined when the layer has no such tile. A tile
   * whose bytes no longer match throws DAMAGED: it is never handed out as good data.
   */
  readTile(layerId: string, tilePath: string): StoredTile | undefined {
    const row = this.readStatement.get(layerId, tilePath) as { sha256: string; bytes: Buffer } | undefined;
    if (!row) return undefined;
    if (sha256Hex(row.bytes) !== row.sha256) {
      throw new StoreyError(
        'DAMAGED',
        `Tile ${tilePath} of layer ${layerId} is damaged: its stored bytes no longer match their SHA-256 (${row.sha256.slice(0, 12)}…).`,
      );
    }
    return row;
  }

  /** The hash a tile is stored under, without reading its bytes (for If-None-Match). */
  tileHash(layerId: string, tilePath: string): string | undefined {
    return this.hashStatement.get(layerId, tilePath) as string | undefined;
  }

  /** Every tile path of a layer, in path order. */
  tilePaths(layerId: string): string[] {
    return this.project.db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ? ORDER BY tile_path`).pluck().all(layerId) as string[];
  }

  /** Walks a layer's tiles with verified bytes (export). */
  *tiles(layerId: string): Generator<{ path: string; bytes: Buffer }> {
    for (const path of this.tilePaths(layerId)) {
      const tile = this.readTile(layerId, path);
      if (tile) yield { path, bytes: tile.bytes };
    }
  }

  /**
   * Writes a whole layer in one transaction: the layer lands with all its tiles or not at all. `fill` adds tiles
   * through the writer; anything it throws rolls the import back and leaves the project as it was. Async sources
   * (zip archives) are awaited inside the transaction, so nothing else may write through this connection meanwhile.
   */
  async importLayer(
    header: { name: string; kind: LayerKind },
    fill: (writer: LayerWriter) => Promise<LayerFacts> | LayerFacts,
    options: { shouldCancel?: () => boolean } = {},
  ): Promise<LayerSummary> {
    if (this.project.readOnly) throw new StoreyError('READ_ONLY', `${this.project.fileName} is open read-only; tiles cannot be imported.`);
    const db = this.project.db;
    const id = newLayerId(header.name);
    const order = (db.prepare(`SELECT count(*) FROM storey_layers`).pluck().get() as number) ?? 0;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare(`INSERT INTO storey_layers (id, name, kind, settings) VALUES (?, ?, ?, '{}')`).run(id, header.name, header.kind);
      const writer = new LayerWriter(this.project, id, options.shouldCancel);
      const facts = await fill(writer);
      writer.checkCancelled(facts.source);
      if (writer.tileCount === 0) throw new StoreyError('BAD_INPUT', `${facts.source} holds no tiles to import.`);
      const settings: StoredSettings = { ...facts, tileCount: writer.tileCount, byteSize: writer.byteSize, visible: true, order, opacity: 1 };
      db.prepare(`UPDATE storey_layers SET settings = ? WHERE id = ?`).run(JSON.stringify(settings), id);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return this.getLayer(id)!;
  }
}

/** Adds tiles to the layer being imported; identical bytes are stored once across all layers. */
export class LayerWriter {
  tileCount = 0;
  byteSize = 0;
  gzipped = 0;
  private readonly insertBlob: Statement<[string, Buffer]>;
  private readonly insertTile: Statement<[string, string, string]>;

  /** @param shouldCancel asked before every tile; true rolls the import back (CANCELLED) */
  constructor(
    project: ProjectFile,
    readonly layerId: string,
    private readonly shouldCancel?: () => boolean,
  ) {
    this.insertBlob = project.db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`);
    this.insertTile = project.db.prepare(`INSERT INTO storey_tiles (layer_id, tile_path, sha256) VALUES (?, ?, ?)`);
  }

  /** Throws CANCELLED when the import was asked to stop; the caller's transaction then rolls back. */
  checkCancelled(source: string): void {
    if (this.shouldCancel?.()) throw new StoreyError('CANCELLED', `The import of ${source} was cancelled; the project is as it was before.`);
  }

  add(tilePath: string, bytes: Uint8Array, sourceForErrors: string): void {
    this.checkCancelled(sourceForErrors);
    if (!isSafeTilePath(tilePath)) {
      throw new StoreyError('BAD_INPUT', `${sourceForErrors}: the tile path "${tilePath.slice(0, 200)}" is not a plain relative path; nothing was imported.`);
    }
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hash = sha256Hex(buffer);
    this.insertBlob.run(hash, buffer);
    try {
      this.insertTile.run(this.layerId, tilePath, hash);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreyError('BAD_INPUT', `${sourceForErrors}: the tile ${tilePath} appears twice; nothing was imported.`);
      }
      throw error;
    }
    this.tileCount += 1;
    this.byteSize += buffer.length;
    if (isGzip(buffer)) this.gzipped += 1;
  }

  get encoding(): LayerFacts['encoding'] {
    return this.gzipped === 0 ? 'identity' : this.gzipped === this.tileCount ? 'gzip' : 'mixed';
  }
}

/** A relative path of plain segments: no dot segments, backslashes, NUL, empty segments or absolute roots. */
export function isSafeTilePath(path: string): boolean {
  if (path.length === 0 || path.length > 512) return false;
  if (/[\\\0?#%]/.test(path) || path.startsWith('/')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/^[a-zA-Z]:$/.test(s) && ![...s].some((c) => c.charCodeAt(0) < 0x20));
}

function toSummary(row: { id: string; name: string; kind: LayerKind; settings: string }): LayerSummary {
  const s = JSON.parse(row.settings) as Partial<StoredSettings>;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    format: s.format ?? 'unknown',
    encoding: s.encoding ?? 'identity',
    tileCount: s.tileCount ?? 0,
    byteSize: s.byteSize ?? 0,
    extent: s.extent ?? null,
    minZoom: s.minZoom ?? null,
    maxZoom: s.maxZoom ?? null,
    attribution: s.attribution ?? '',
    source: s.source ?? '',
    root: s.root ?? null,
    visible: s.visible ?? true,
    order: s.order ?? 0,
    opacity: s.opacity ?? 1,
  };
}
