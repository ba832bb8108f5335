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
 */
interface Upsert {
  /** Writes the row; `isNew` (when the caller knows) skips the lookup that decides between insert and update. */
  run(values: Record<string, unknown>, isNew?: boolean): void;
}

function upsert(db: ProjectFile['db'], table: string, columns: string[]): Upsert {
  const update = db.prepare(
    `UPDATE ${table} SET ${columns.filter((c) => c !== 'registry_id').map((c) => `${c} = @${c}`).join(', ')} WHERE registry_id = @registry_id`,
  );
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
  return {
    run(values, isNew) {
      if (isNew === true) insert.run(values);
      else if (update.run(values).changes === 0) insert.run(values);
    },
  };
}

const json = (value: object | undefined) => JSON.stringify(value ?? {});
const bool = (value: boolean | null | undefined) => (value == null ? null : value ? 1 : 0);

export class RegistryStore {
  private readonly building: Upsert;
  private readonly floor: Upsert;
  private readonly stairwell: Upsert;
  private readonly address: Upsert;
  private readonly unit: Upsert;
  private readonly addressFid: Statement;
  private readonly lastRowid: Statement;
  private readonly buildingFid: Statement;
  private readonly buildingIndex: { put: Statement; remove: Statement };
  private readonly addressIndex: { put: Statement; remove: Statement };
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
    this.lastRowid = db.prepare('SELECT last_insert_rowid()').pluck();
    this.buildingFid = db.prepare(`SELECT fid FROM buildings WHERE registry_id = ?`).pluck();
    const rtree = (name: string) => ({
      put: db.prepare(`INSERT OR REPLACE INTO ${name} (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)`),
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
    this.directIndex = true;
    try {
      return fn();
    } finally {
      this.directIndex = false;
      for (const [table, column] of tables) db.exec(rtreeTriggersSql(table, column));
    }
  }

  private indexGeometry(table: 'buildings' | 'addresses', fid: number, envelope: { minX: number; maxX: number; minY: number; maxY: number } | null): void {
    if (!this.directIndex) return;
    const statements = table === 'buildings' ? this.buildingIndex : this.addressIndex;
    if (envelope) statements.put.run(fid, envelope.minX, envelope.maxX, envelope.minY, envelope.maxY);
    else statements.remove.run(fid);
  }

  putBuilding(b: BuildingRecord, isNew?: boolean): void {
    const footprint = b.footprint.length ? encodeMultiPolygon(b.footprint, WGS84) : null;
    this.building.run({
      registry_id: b.registryId,
      footprint,
      name: b.name ?? null,
      address: b.address ?? null,
      use_code: b.useCode ?? null,
      use_label: b.useLabel ?? null,
      use_category: b.useCategory,
      year_built: b.yearBuilt ?? null,
      floor_count: b.floorCount ?? null,
      dwelling_count: b.dwellingCount ?? null,
      floor_area_m2: b.floorAreaSquareMeters ?? null,
      ground_height_m: b.groundHeightMeters ?? null,
      height_m: b.heightMeters,
      height_source: b.heightSource,
      attributes: json(b.attributes),
    }, isNew);
    if (this.directIndex) {
      const fid = (isNew ? this.lastRowid.get() : this.buildingFid.get(b.registryId)) as number;
      this.indexGeometry('buildings', fid, footprint ? blobEnvelope(footprint) : null);
    }
  }

  putFloor(f: FloorRecord, isNew?: boolean): void {
    this.floor.run({
      registry_id: f.registryId,
      building_id: f.buildingId,
      level_index: f.levelIndex,
      label: f.label,
      base_height_m: f.baseHeightMeters ?? null,
      height_m: f.heightMeters ?? null,
      area_m2: f.areaSquareMeters ?? null,
      attributes: json(f.attributes),
    }, isNew);
  }

  putStairwell(s: StairwellRecord, isNew?: boolean): void {
    this.stairwell.run({
      registry_id: s.registryId,
      building_id: s.buildingId,
      label: s.label ?? null,
      has_elevator: bool(s.hasElevator),
      attributes: json(s.attributes),
    }, isNew);
  }

  putAddress(a: AddressRecord, isNew?: boolean): void {
    const hasPoint = a.lonDegrees != null && a.latDegrees != null;
    this.address.run({
      registry_id: a.registryId,
      geom: hasPoint ? encodePoint(a.lonDegrees!, a.latDegrees!, WGS84) : null,
      building_id: a.buildingId ?? null,
      street: a.street ?? null,
      house_number: a.houseNumber ?? null,
      floor_label: a.floorLabel ?? null,
      door: a.door ?? null,
      postcode: a.postcode ?? null,
      city: a.city ?? null,
      full_text: a.fullText,
      attributes: json(a.attributes),
    }, isNew);
    // The search index is kept here rather than by triggers, so other GeoPackage tools can still edit the table.
    const fid = (isNew ? this.lastRowid.get() : this.addressFid.get(a.registryId)) as number;
    this.indexGeometry('addresses', fid, hasPoint ? { minX: a.lonDegrees!, maxX: a.lonDegrees!, minY: a.latDegrees!, maxY: a.latDegrees! } : null);
    if (!isNew) this.searchDelete.run(fid);
    this.searchInsert.run(fid, foldForSearch(a.fullText));
  }

  putUnit(u: UnitRecord, isNew?: boolean): void {
    this.unit.run({
      registry_id: u.registryId,
      building_id: u.buildingId,
      floor_id: u.floorId ?? null,
      stairwell_id: u.stairwellId ?? null,
      address_id: u.addressId ?? null,
      use_code: u.useCode ?? null,
      use_label: u.useLabel ?? null,
      area_m2: u.areaSquareMeters ?? null,
      rooms: u.rooms ?? null,
      attributes: json(u.attributes),
    }, isNew);
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
