/**
 * Applies a staged generation in one transaction: layers, records and tiles land together or not at all, so the
 * project always shows one whole generation of the server's.
 */
import type { Statement } from 'better-sqlite3';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';
import { RegistryStore } from '../project/registry-store.js';
import { foldForSearch } from '../search/fold.js';
import { isRecordTable, jsonToSqlValue, recordTables, type RecordTable, type RowJson } from './wire.js';

export interface ApplySummary {
  records: { put: number; delete: number };
  tiles: { put: number; delete: number };
  layers: { put: number; delete: number };
}

interface StagedRow { tbl: string; key: string; op: 'put' | 'delete'; row_json: string | null; sha256: string | null }

class RecordWriter {
  private readonly columns = new Map<RecordTable, Set<string>>();
  private readonly statements = new Map<string, { update: Statement; insert: Statement }>();
  private readonly addressFid: Statement;
  private readonly searchDelete: Statement;
  private readonly searchInsert: Statement;

  constructor(private readonly project: ProjectFile) {
    const db = project.db;
    for (const tbl of recordTables) {
      this.columns.set(tbl, new Set((db.prepare(`PRAGMA table_info(${tbl})`).all() as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'fid')));
    }
    this.addressFid = db.prepare(`SELECT fid FROM addresses WHERE registry_id = ?`).pluck();
    this.searchDelete = db.prepare(`DELETE FROM storey_address_search WHERE rowid = ?`);
    this.searchInsert = db.prepare(`INSERT INTO storey_address_search (rowid, text) VALUES (?, ?)`);
  }

  put(tbl: RecordTable, key: string, row: RowJson): void {
    // Columns this version knows; a newer server may send more, which an older workstation cannot store.
    const known = this.columns.get(tbl)!;
    const columns = Object.keys(row).filter((c) => known.has(c) && c !== 'registry_id');
    const id = `${tbl}:${columns.join(',')}`;
    let statements = this.statements.get(id);
    if (!statements) {
      statements = {
        update: this.project.db.prepare(`UPDATE ${tbl} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE registry_id = ?`),
        insert: this.project.db.prepare(`INSERT INTO ${tbl} (registry_id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`),
      };
      this.statements.set(id, statements);
    }
    const values = columns.map((c) => jsonToSqlValue(row[c]));
    // Not an UPSERT: the GeoPackage R-tree triggers use INSERT OR REPLACE, which an outer UPSERT would override.
    if (statements.update.run(...values, key).changes === 0) statements.insert.run(key, ...values);
    if (tbl === 'addresses') {
      const fid = this.addressFid.get(key) as number;
      this.searchDelete.run(fid);
      this.searchInsert.run(fid, foldForSearch(String(row['full_text'] ?? '')));
    }
  }

  remove(tbl: RecordTable, key: string): boolean {
    if (tbl === 'addresses') {
      const fid = this.addressFid.get(key) as number | undefined;
      if (fid !== undefined) this.searchDelete.run(fid);
    }
    return this.project.db.prepare(`DELETE FROM ${tbl} WHERE registry_id = ?`).run(key).changes > 0;
  }
}

/** `alsoInTransaction` runs last inside the apply's transaction (the sync's audit entry lands with the generation). */
export function applyStaged(project: ProjectFile, generation: number, alsoInTransaction?: () => void): ApplySummary {
  const db = project.db;
  const summary: ApplySummary = { records: { put: 0, delete: 0 }, tiles: { put: 0, delete: 0 }, layers: { put: 0, delete: 0 } };
  const apply = () => project.transaction(() => {
    // Parents and children of one generation arrive in any order: links are checked at the commit. That check also
    // proves every tile has its fetched bytes (storey_tiles.sha256 references storey_blobs, through its hash index).
    db.pragma('defer_foreign_keys = ON');
    const staged = (tbl: string, op: 'put' | 'delete') => db.prepare(`SELECT tbl, key, op, row_json, sha256 FROM storey_sync_staging WHERE tbl = ? AND op = ?`).all(tbl, op) as StagedRow[];

    const layerSettings = db.prepare(`SELECT settings FROM storey_layers WHERE id = ?`).pluck();
    const layerCount = db.prepare(`SELECT count(*) FROM storey_layers`).pluck();
    const putLayer = db.prepare(`INSERT INTO storey_layers (id, name, kind, settings) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, settings = excluded.settings`);
    for (const row of staged('layers', 'put')) {
      const layer = JSON.parse(row.row_json!) as { name: string; kind: string; settings: Record<string, unknown> };
      const before = layerSettings.get(row.key) as string | undefined;
      // What the analyst set here (shown, order, opacity) stays; the server's facts replace the rest.
      const own = before ? (JSON.parse(before) as Record<string, unknown>) : { visible: true, order: layerCount.get(), opacity: 1 };
      putLayer.run(row.key, layer.name, layer.kind, JSON.stringify({ ...layer.settings, visible: own['visible'] ?? true, order: own['order'] ?? 0, opacity: own['opacity'] ?? 1 }));
      summary.layers.put++;
    }

    const writer = new RecordWriter(project);
    for (const tbl of recordTables) {
      for (const row of staged(tbl, 'put')) {
        writer.put(tbl, row.key, JSON.parse(row.row_json!) as RowJson);
        summary.records.put++;
      }
    }
    for (const tbl of [...recordTables].reverse()) {
      for (const row of staged(tbl, 'delete')) if (isRecordTable(row.tbl) && writer.remove(tbl, row.key)) summary.records.delete++;
    }

    // Blobs that tiles stop using here: dropped below when no other tile needs them (a scan of every blob would
    // read the whole tile store).
    const tileHash = db.prepare(`SELECT sha256 FROM storey_tiles WHERE layer_id = ? AND tile_path = ?`).pluck();
    const released = new Set<string>();
    const putTile = db.prepare(`INSERT OR REPLACE INTO storey_tiles (layer_id, tile_path, sha256) VALUES (?, ?, ?)`);
    const deleteTile = db.prepare(`DELETE FROM storey_tiles WHERE layer_id = ? AND tile_path = ?`);
    const split = (key: string) => [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] as const;
    // In hash order: each tile's link to its blob is looked up in storey_blobs' hash index (the foreign key), and
    // neighbouring hashes share the index pages that lookup reads.
    const tilePuts = db.prepare(`SELECT tbl, key, op, row_json, sha256 FROM storey_sync_staging WHERE tbl = 'tiles' AND op = 'put' ORDER BY sha256`).all() as StagedRow[];
    for (const row of tilePuts) {
      const before = tileHash.get(...split(row.key)) as string | undefined;
      if (before && before !== row.sha256) released.add(before);
      putTile.run(...split(row.key), row.sha256!);
      summary.tiles.put++;
    }
    for (const row of staged('tiles', 'delete')) {
      const before = tileHash.get(...split(row.key)) as string | undefined;
      if (before) released.add(before);
      summary.tiles.delete += deleteTile.run(...split(row.key)).changes;
    }
    for (const row of staged('layers', 'delete')) {
      for (const sha of db.prepare(`SELECT DISTINCT sha256 FROM storey_tiles WHERE layer_id = ?`).pluck().all(row.key) as string[]) released.add(sha);
      summary.layers.delete += db.prepare(`DELETE FROM storey_layers WHERE id = ?`).run(row.key).changes;
    }
    // The tile count of what this area holds; byteSize stays the server's figure for the layer (summing blob
    // lengths here would read every tile's bytes again).
    for (const layer of db.prepare(`SELECT id FROM storey_layers`).pluck().all() as string[]) {
      const n = db.prepare(`SELECT count(*) FROM storey_tiles WHERE layer_id = ?`).pluck().get(layer) as number;
      db.prepare(`UPDATE storey_layers SET settings = json_patch(settings, ?) WHERE id = ?`).run(JSON.stringify({ tileCount: n }), layer);
    }
    const dropBlob = db.prepare(`DELETE FROM storey_blobs WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM storey_tiles WHERE sha256 = ?)`);
    for (const sha of released) dropBlob.run(sha, sha);
    if (summary.records.put + summary.records.delete > 0) new RegistryStore(project).refreshExtents();
    db.exec(`DELETE FROM storey_sync_staging`);
    db.prepare(`DELETE FROM storey_meta WHERE key = 'sync.staging'`).run();
    project.setMeta('sync.generation', String(generation));
    alsoInTransaction?.();
  });
  try {
    apply();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new StoreyError('INTERNAL', `Generation ${generation} does not hold together: a tile without its fetched bytes, or a record without its parent; nothing of it was applied. Sync again.`, { cause: error });
    }
    throw error;
  }
  return summary;
}
