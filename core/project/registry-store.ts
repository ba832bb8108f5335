/**
 * Writes registry records into a project. Rows are keyed by registry id, so writing a record again updates it
 * instead of duplicating it. Callers wrap a batch in ProjectFile.transaction so it lands whole.
 */
import type { Statement } from 'better-sqlite3';
import { foldForSearch } from '../search/fold.js';
import { blobEnvelope, encodeMultiPolygon, encodePoint } from './gpkg-geometry.js';
import { rtreeTriggerSuffixes, rtreeTriggersSql } from './migrations.js';
import type { ProjectFile } from './project-file.js';
import type { AddressRecord, BuildingRecord, FloorRecord, StairwellRecord, UnitRecord } from './records.js';

const WGS84 = 4326;

/**
 * Update-or-insert by registry id. Not an UPSERT: the GeoPackage R-tree triggers use INSERT OR REPLACE, and an
 * outer UPSERT overrides that conflict clause inside the trigger, which then fails on the R-tree's unique id.
 * Values are positional, in the order of the columns (registry_id first): binding by name costs more per row.
 */
interface Upsert {
  /**
   * Writes the row; `isNew` (when the caller knows) skips the lookup that decides between insert and update.
   * Returns the new rowid when the row was inserted, undefined when an existing row was updated.
   */
  run(values: unknown[], isNew?: boolean): number | undefined;
}

function upsert(db: ProjectFile['db'], table: string, columns: string[]): Upsert {
  if (columns[0] !== 'registry_id') throw new Error('upsert columns start with registry_id');
  // The update binds the other columns first and the registry id last, for its WHERE.
  const update = db.prepare(`UPDATE ${table} SET ${columns.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE registry_id = ?`);
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  return {
    run(values, isNew) {
      // Arrays bind as positional parameters (several are taken in order): no spread into an argument list per row.
      if (isNew !== true && update.run(values.slice(1), values[0]).changes > 0) return undefined;
      return Number(insert.run(values).lastInsertRowid);
    },
  };
}

/** The record tables a bulk write fills; their secondary indexes are rebuilt after the rows when they start empty. */
const registryTables = ['buildings', 'floors', 'stairwells', 'addresses', 'units'] as const;

const json = (value: object | undefined) => JSON.stringify(value ?? {});
const bool = (value: boolean | null | undefined) => (value == null ? null : value ? 1 : 0);

export class RegistryStore {
  private readonly building: Upsert;
  private readonly floor: Upsert;
  private readonly stairwell: Upsert;
  private readonly address: Upsert;
  private readonly unit: Upsert;
  private readonly addressFid: Statement;
  private readonly buildingFid: Statement;
  private readonly buildingIndex: { put: Statement; add: Statement; remove: Statement };
  private readonly addressIndex: { put: Statement; add: Statement; remove: Statement };
  private directIndex = false;
  private readonly searchDelete: Statement;
  private readonly searchInsert: Statement;

  constructor(private readonly project: ProjectFile) {
    const db = project.db;
    this.building = upsert(db, 'buildings', [
      'registry_id', 'footprint', 'name', 'address', 'use_code', 'use_label', 'use_category', 'year_built',
      'floor_count', 'dwelling_count', 'floor_area_m2', 'ground_height_m', 'height_m', 'height_source', 'attributes',
    ]);
    this.floor = upsert(db, 'floors', ['registry_id', 'building_id', 'level_index', 'label', 'base_height_m', 'height_m', 'area_m2', 'attributes']);
    this.stairwell = upsert(db, 'stairwells', ['registry_id', 'building_id', 'label', 'has_elevator', 'attributes']);
    this.address = upsert(db, 'addresses', [
      'registry_id', 'geom', 'building_id', 'street', 'house_number', 'floor_label', 'door', 'postcode', 'city',
      'full_text', 'attributes',
    ]);
    this.addressFid = db.prepare(`SELECT fid FROM addresses WHERE registry_id = ?`).pluck();
    this.buildingFid = db.prepare(`SELECT fid FROM buildings WHERE registry_id = ?`).pluck();
    const rtree = (name: string) => ({
      put: db.prepare(`INSERT OR REPLACE INTO ${name} (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)`),
      add: db.prepare(`INSERT INTO ${name} (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)`),
      remove: db.prepare(`DELETE FROM ${name} WHERE id = ?`),
    });
    this.buildingIndex = rtree('rtree_buildings_footprint');
    this.addressIndex = rtree('rtree_addresses_geom');
    this.searchDelete = db.prepare(`DELETE FROM storey_address_search WHERE rowid = ?`);
    this.searchInsert = db.prepare(`INSERT INTO storey_address_search (rowid, text) VALUES (?, ?)`);
    this.unit = upsert(db, 'units', [
      'registry_id', 'building_id', 'floor_id', 'stairwell_id', 'address_id', 'use_code', 'use_label', 'area_m2',
      'rooms', 'attributes',
    ]);
  }

  /**
   * Runs a bulk write (inside a transaction) with the R-tree triggers lifted: their ST_* calls into JavaScript cost
   * more than the row itself, so the index is kept directly, then the triggers go back before the commit. Other
   * GeoPackage tools editing the file later find the triggers as the spec wants them.
   */
  bulk<T>(fn: () => T): T {
    const db = this.project.db;
    if (!db.inTransaction) throw new Error('RegistryStore.bulk must run inside a transaction');
    const tables = [['buildings', 'footprint'], ['addresses', 'geom']] as const;
    for (const [table, column] of tables) {
      for (const suffix of rtreeTriggerSuffixes) db.exec(`DROP TRIGGER IF EXISTS rtree_${table}_${column}_${suffix}`);
    }
    // A table that starts empty (a new project) gets its secondary indexes built once from the finished rows,
    // which costs less than keeping them row by row. Dropped and rebuilt inside the caller's transaction, so a
    // failed import rolls this back with the rows.
    const deferred: string[] = [];
    for (const table of registryTables) {
      if (db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined) continue;
      const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(table) as Array<{ name: string; sql: string }>;
      for (const index of indexes) {
        db.exec(`DROP INDEX "${index.name}"`);
        deferred.push(index.sql);
      }
    }
    this.directIndex = true;
    try {
      return fn();
    } finally {
      this.directIndex = false;
      for (const sql of deferred) db.exec(sql);
      for (const [table, column] of tables) db.exec(rtreeTriggersSql(table, column));
    }
  }

  /**
   * `inserted`: the row is new, so its fid is too (AUTOINCREMENT never hands one out twice) and no entry can exist
   * for it: a plain insert, and nothing to remove when it has no geometry.
   */
  private indexGeometry(table: 'buildings' | 'addresses', fid: number, envelope: { minX: number; maxX: number; minY: number; maxY: number } | null, inserted: boolean): void {
    if (!this.directIndex) return;
    const statements = table === 'buildings' ? this.buildingIndex : this.addressIndex;
    if (envelope) (inserted ? statements.add : statements.put).run(fid, envelope.minX, envelope.maxX, envelope.minY, envelope.maxY);
    else if (!inserted) statements.remove.run(fid);
  }

  putBuilding(b: BuildingRecord, isNew?: boolean): void {
    const footprint = b.footprint instanceof Uint8Array ? b.footprint : b.footprint.length ? encodeMultiPolygon(b.footprint, WGS84) : null;
    const inserted = this.building.run([
      b.registryId,
      footprint,
      b.name ?? null,
      b.address ?? null,
      b.useCode ?? null,
      b.useLabel ?? null,
      b.useCategory,
      b.yearBuilt ?? null,
      b.floorCount ?? null,
      b.dwellingCount ?? null,
      b.floorAreaSquareMeters ?? null,
      b.groundHeightMeters ?? null,
      b.heightMeters,
      b.heightSource,
      json(b.attributes),
    ], isNew);
    if (this.directIndex) {
      const fid = inserted ?? (this.buildingFid.get(b.registryId) as number);
      this.indexGeometry('buildings', fid, footprint ? blobEnvelope(footprint) : null, inserted !== undefined);
    }
  }

  putFloor(f: FloorRecord, isNew?: boolean): void {
    this.floor.run([
      f.registryId,
      f.buildingId,
      f.levelIndex,
      f.label,
      f.baseHeightMeters ?? null,
      f.heightMeters ?? null,
      f.areaSquareMeters ?? null,
      json(f.attributes),
    ], isNew);
  }

  putStairwell(s: StairwellRecord, isNew?: boolean): void {
    this.stairwell.run([s.registryId, s.buildingId, s.label ?? null, bool(s.hasElevator), json(s.attributes)], isNew);
  }

  putAddress(a: AddressRecord, isNew?: boolean): void {
    const hasPoint = a.lonDegrees != null && a.latDegrees != null;
    const inserted = this.address.run([
      a.registryId,
      hasPoint ? encodePoint(a.lonDegrees!, a.latDegrees!, WGS84) : null,
      a.buildingId ?? null,
      a.street ?? null,
      a.houseNumber ?? null,
      a.floorLabel ?? null,
      a.door ?? null,
      a.postcode ?? null,
      a.city ?? null,
      a.fullText,
      json(a.attributes),
    ], isNew);
    // The search index is kept here rather than by triggers, so other GeoPackage tools can still edit the table.
    const fid = inserted ?? (this.addressFid.get(a.registryId) as number);
    this.indexGeometry('addresses', fid, hasPoint ? { minX: a.lonDegrees!, maxX: a.lonDegrees!, minY: a.latDegrees!, maxY: a.latDegrees! } : null, inserted !== undefined);
    if (inserted === undefined) this.searchDelete.run(fid);
    this.searchInsert.run(fid, foldForSearch(a.fullText));
  }

  putUnit(u: UnitRecord, isNew?: boolean): void {
    this.unit.run([
      u.registryId,
      u.buildingId,
      u.floorId ?? null,
      u.stairwellId ?? null,
      u.addressId ?? null,
      u.useCode ?? null,
      u.useLabel ?? null,
      u.areaSquareMeters ?? null,
      u.rooms ?? null,
      json(u.attributes),
    ], isNew);
  }

  /** Refreshes the extents GeoPackage readers show for the feature tables, from their R-tree indexes. */
  refreshExtents(): void {
    const db = this.project.db;
    for (const [table, column] of [['buildings', 'footprint'], ['addresses', 'geom']] as const) {
      db.prepare(
        `UPDATE gpkg_contents SET (min_x, max_x, min_y, max_y, last_change) =
           (SELECT min(minx), max(maxx), min(miny), max(maxy), strftime('%Y-%m-%dT%H:%M:%fZ','now')
              FROM rtree_${table}_${column})
         WHERE table_name = ?`,
      ).run(table);
    }
  }
}
