/**
 * Writes registry records into a project. Rows are keyed by registry id, so writing a record again updates it
 * instead of duplicating it. Callers wrap a batch in ProjectFile.transaction so it lands whole.
 */
import type { Statement } from 'better-sqlite3';
import { foldForSearch } from '../search/fold.js';
import { encodeMultiPolygon, encodePoint } from './gpkg-geometry.js';
import type { ProjectFile } from './project-file.js';
import type { AddressRecord, BuildingRecord, FloorRecord, StairwellRecord, UnitRecord } from './records.js';

const WGS84 = 4326;

/**
 * Update-or-insert by registry id. Not an UPSERT: the GeoPackage R-tree triggers use INSERT OR REPLACE, and an
 * outer UPSERT overrides that conflict clause inside the trigger, which then fails on the R-tree's unique id.
 */
function upsert(db: ProjectFile['db'], table: string, columns: string[]): { run(values: Record<string, unknown>): void } {
  const update = db.prepare(
    `UPDATE ${table} SET ${columns.filter((c) => c !== 'registry_id').map((c) => `${c} = @${c}`).join(', ')} WHERE registry_id = @registry_id`,
  );
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
  return {
    run(values) {
      if (update.run(values).changes === 0) insert.run(values);
    },
  };
}

const json = (value: object | undefined) => JSON.stringify(value ?? {});
const bool = (value: boolean | null | undefined) => (value == null ? null : value ? 1 : 0);

export class RegistryStore {
  private readonly building: { run(values: Record<string, unknown>): void };
  private readonly floor: { run(values: Record<string, unknown>): void };
  private readonly stairwell: { run(values: Record<string, unknown>): void };
  private readonly address: { run(values: Record<string, unknown>): void };
  private readonly unit: { run(values: Record<string, unknown>): void };
  private readonly addressFid: Statement;
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
    this.searchDelete = db.prepare(`DELETE FROM storey_address_search WHERE rowid = ?`);
    this.searchInsert = db.prepare(`INSERT INTO storey_address_search (rowid, text) VALUES (?, ?)`);
    this.unit = upsert(db, 'units', [
      'registry_id', 'building_id', 'floor_id', 'stairwell_id', 'address_id', 'use_code', 'use_label', 'area_m2',
      'rooms', 'attributes',
    ]);
  }

  putBuilding(b: BuildingRecord): void {
    this.building.run({
      registry_id: b.registryId,
      footprint: b.footprint.length ? encodeMultiPolygon(b.footprint, WGS84) : null,
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
    });
  }

  putFloor(f: FloorRecord): void {
    this.floor.run({
      registry_id: f.registryId,
      building_id: f.buildingId,
      level_index: f.levelIndex,
      label: f.label,
      base_height_m: f.baseHeightMeters ?? null,
      height_m: f.heightMeters ?? null,
      area_m2: f.areaSquareMeters ?? null,
      attributes: json(f.attributes),
    });
  }

  putStairwell(s: StairwellRecord): void {
    this.stairwell.run({
      registry_id: s.registryId,
      building_id: s.buildingId,
      label: s.label ?? null,
      has_elevator: bool(s.hasElevator),
      attributes: json(s.attributes),
    });
  }

  putAddress(a: AddressRecord): void {
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
    });
    // The search index is kept here rather than by triggers, so other GeoPackage tools can still edit the table.
    const fid = this.addressFid.get(a.registryId) as number;
    this.searchDelete.run(fid);
    this.searchInsert.run(fid, foldForSearch(a.fullText));
  }

  putUnit(u: UnitRecord): void {
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
    });
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
