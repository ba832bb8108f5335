/**
 * Numbered schema migrations. Each runs in one transaction with the version bump, so a file is always at exactly
 * one version. Never edit a migration that has shipped: add the next one.
 */
import type { Database } from 'better-sqlite3';
import { foldForSearch } from '../search/fold.js';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
  /**
   * The migration rebuilds a table other tables reference (SQLite's way to change a table: make the new one, copy,
   * drop the old one, rename). It then runs with foreign keys off, as SQLite requires for that, and every link is
   * checked before its transaction commits.
   */
  rebuildsReferencedTable?: true;
}

export const rtreeTriggerSuffixes = ['insert', 'update1', 'update2', 'update3', 'update4', 'delete'] as const;

/** The triggers the GeoPackage spec defines to keep rtree_<table>_<column> in step with the table. */
export function rtreeTriggersSql(table: string, column: string, idColumn = 'fid'): string {
  const rtree = `rtree_${table}_${column}`;
  const bounds = (row: string) =>
    `${row}.${idColumn}, ST_MinX(${row}.${column}), ST_MaxX(${row}.${column}), ST_MinY(${row}.${column}), ST_MaxY(${row}.${column})`;
  return `
    CREATE TRIGGER ${rtree}_insert AFTER INSERT ON ${table}
      WHEN (NEW.${column} NOT NULL AND NOT ST_IsEmpty(NEW.${column}))
      BEGIN INSERT OR REPLACE INTO ${rtree} VALUES (${bounds('NEW')}); END;
    CREATE TRIGGER ${rtree}_update1 AFTER UPDATE OF ${column} ON ${table}
      WHEN OLD.${idColumn} = NEW.${idColumn} AND (NEW.${column} NOTNULL AND NOT ST_IsEmpty(NEW.${column}))
      BEGIN INSERT OR REPLACE INTO ${rtree} VALUES (${bounds('NEW')}); END;
    CREATE TRIGGER ${rtree}_update2 AFTER UPDATE OF ${column} ON ${table}
      WHEN OLD.${idColumn} = NEW.${idColumn} AND (NEW.${column} ISNULL OR ST_IsEmpty(NEW.${column}))
      BEGIN DELETE FROM ${rtree} WHERE id = OLD.${idColumn}; END;
    CREATE TRIGGER ${rtree}_update3 AFTER UPDATE ON ${table}
      WHEN OLD.${idColumn} != NEW.${idColumn} AND (NEW.${column} NOTNULL AND NOT ST_IsEmpty(NEW.${column}))
      BEGIN DELETE FROM ${rtree} WHERE id = OLD.${idColumn}; INSERT OR REPLACE INTO ${rtree} VALUES (${bounds('NEW')}); END;
    CREATE TRIGGER ${rtree}_update4 AFTER UPDATE ON ${table}
      WHEN OLD.${idColumn} != NEW.${idColumn} AND (NEW.${column} ISNULL OR ST_IsEmpty(NEW.${column}))
      BEGIN DELETE FROM ${rtree} WHERE id IN (OLD.${idColumn}, NEW.${idColumn}); END;
    CREATE TRIGGER ${rtree}_delete AFTER DELETE ON ${table}
      WHEN OLD.${column} NOT NULL
      BEGIN DELETE FROM ${rtree} WHERE id = OLD.${idColumn}; END;
  `;
}

/** SQL for a GeoPackage R*Tree spatial index on table.column, with its triggers and extension row. */
function rtreeIndexSql(table: string, column: string, idColumn = 'fid'): string {
  return `
    CREATE VIRTUAL TABLE rtree_${table}_${column} USING rtree(id, minx, maxx, miny, maxy);
    ${rtreeTriggersSql(table, column, idColumn)}
    INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
      VALUES ('${table}', '${column}', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
  `;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'GeoPackage core, registry records, tiles',
    up(db) {
      db.exec(`
        CREATE TABLE gpkg_spatial_ref_sys (
          srs_name TEXT NOT NULL,
          srs_id INTEGER NOT NULL PRIMARY KEY,
          organization TEXT NOT NULL,
          organization_coordsys_id INTEGER NOT NULL,
          definition TEXT NOT NULL,
          description TEXT
        );
        INSERT INTO gpkg_spatial_ref_sys VALUES
          ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
          ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
          ('WGS 84 geodetic', 4326, 'EPSG', 4326,
           'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
           'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
        CREATE TABLE gpkg_contents (
          table_name TEXT NOT NULL PRIMARY KEY,
          data_type TEXT NOT NULL,
          identifier TEXT UNIQUE,
          description TEXT DEFAULT '',
          last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
          min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
          srs_id INTEGER,
          CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
        );
        CREATE TABLE gpkg_geometry_columns (
          table_name TEXT NOT NULL,
          column_name TEXT NOT NULL,
          geometry_type_name TEXT NOT NULL,
          srs_id INTEGER NOT NULL,
          z TINYINT NOT NULL,
          m TINYINT NOT NULL,
          CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
          CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
          CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
        );
        CREATE TABLE gpkg_extensions (
          table_name TEXT,
          column_name TEXT,
          extension_name TEXT NOT NULL,
          definition TEXT NOT NULL,
          scope TEXT NOT NULL,
          CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
        );

        CREATE TABLE buildings (
          fid INTEGER PRIMARY KEY AUTOINCREMENT,
          footprint MULTIPOLYGON,
          registry_id TEXT NOT NULL UNIQUE,
          name TEXT,
          address TEXT,
          use_code TEXT,
          use_label TEXT,
          use_category TEXT NOT NULL DEFAULT 'unknown',
          year_built INTEGER,
          floor_count INTEGER,
          dwelling_count INTEGER,
          floor_area_m2 REAL,
          ground_height_m REAL,
          height_m REAL NOT NULL,
          height_source TEXT NOT NULL CHECK (height_source IN ('measured', 'floors', 'default')),
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE floors (
          fid INTEGER PRIMARY KEY AUTOINCREMENT,
          registry_id TEXT NOT NULL UNIQUE,
          building_id TEXT NOT NULL REFERENCES buildings(registry_id) ON DELETE CASCADE,
          level_index INTEGER NOT NULL,
          label TEXT NOT NULL,
          base_height_m REAL,
          height_m REAL,
          area_m2 REAL,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX floors_building ON floors(building_id, level_index);
        CREATE TABLE stairwells (
          fid INTEGER PRIMARY KEY AUTOINCREMENT,
          registry_id TEXT NOT NULL UNIQUE,
          building_id TEXT NOT NULL REFERENCES buildings(registry_id) ON DELETE CASCADE,
          label TEXT,
          has_elevator INTEGER,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX stairwells_building ON stairwells(building_id);
        CREATE TABLE addresses (
          fid INTEGER PRIMARY KEY AUTOINCREMENT,
          geom POINT,
          registry_id TEXT NOT NULL UNIQUE,
          building_id TEXT,
          street TEXT,
          house_number TEXT,
          floor_label TEXT,
          door TEXT,
          postcode TEXT,
          city TEXT,
          full_text TEXT NOT NULL,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX addresses_building ON addresses(building_id);
        CREATE TABLE units (
          fid INTEGER PRIMARY KEY AUTOINCREMENT,
          registry_id TEXT NOT NULL UNIQUE,
          building_id TEXT NOT NULL REFERENCES buildings(registry_id) ON DELETE CASCADE,
          floor_id TEXT REFERENCES floors(registry_id) ON DELETE SET NULL,
          stairwell_id TEXT REFERENCES stairwells(registry_id) ON DELETE SET NULL,
          address_id TEXT,
          use_code TEXT,
          use_label TEXT,
          area_m2 REAL,
          rooms INTEGER,
          attributes TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX units_floor ON units(floor_id);
        CREATE INDEX units_building ON units(building_id);

        CREATE TABLE storey_layers (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('imagery', 'terrain', '3dtiles')),
          settings TEXT NOT NULL DEFAULT '{}'
        );
        -- Tile bytes live once per SHA-256: integrity_check cannot see damaged blob bytes, the hash can.
        CREATE TABLE storey_blobs (
          sha256 TEXT PRIMARY KEY,
          bytes BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE storey_tiles (
          layer_id TEXT NOT NULL REFERENCES storey_layers(id) ON DELETE CASCADE,
          tile_path TEXT NOT NULL,
          sha256 TEXT NOT NULL REFERENCES storey_blobs(sha256),
          PRIMARY KEY (layer_id, tile_path)
        ) WITHOUT ROWID;

        INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
          VALUES ('buildings', 'features', 'Buildings', 'Building footprints with registry attributes', 4326),
                 ('addresses', 'features', 'Addresses', 'Address points', 4326),
                 ('floors', 'attributes', 'Floors', 'Storeys of buildings', NULL),
                 ('units', 'attributes', 'Units', 'Units (dwellings, businesses) on floors', NULL),
                 ('stairwells', 'attributes', 'Stairwells', 'Stairwells of buildings', NULL);
        INSERT INTO gpkg_geometry_columns VALUES
          ('buildings', 'footprint', 'MULTIPOLYGON', 4326, 0, 0),
          ('addresses', 'geom', 'POINT', 4326, 0, 0);
      `);
      db.exec(rtreeIndexSql('buildings', 'footprint'));
      db.exec(rtreeIndexSql('addresses', 'geom'));
    },
  },
];

function foldedAddressRows(db: Database): Array<{ fid: number; text: string }> {
  return (db.prepare(`SELECT fid, full_text FROM addresses`).all() as Array<{ fid: number; full_text: string }>).map((row) => ({
    fid: row.fid,
    text: foldForSearch(row.full_text),
  }));
}

migrations.push({
  version: 2,
  name: 'address search (FTS5) and the import log',
  up(db) {
    db.exec(`
      -- rowid = addresses.fid; the text is folded (accents off, ø→o) so plain typing finds Danish and Dutch names.
      -- Prefix indexes for 1-3 characters keep "as you type" queries fast on a million addresses.
      CREATE VIRTUAL TABLE storey_address_search USING fts5(text, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
      CREATE TABLE storey_imports (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        profile TEXT NOT NULL,
        files TEXT NOT NULL,
        report TEXT NOT NULL
      );
    `);
    const insert = db.prepare(`INSERT INTO storey_address_search (rowid, text) VALUES (?, ?)`);
    for (const row of foldedAddressRows(db)) insert.run(row.fid, row.text);
  },
});

migrations.push({
  version: 3,
  name: 'saved views and notes; case-insensitive id indexes',
  up(db) {
    db.exec(`
      CREATE TABLE storey_views (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE storey_notes (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        building_id TEXT,
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        height_m REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX storey_notes_building ON storey_notes(building_id);
      -- Registers spell ids in either case; imports match them case-insensitively, through these indexes.
      CREATE INDEX buildings_registry_id_lower ON buildings(lower(registry_id));
      CREATE INDEX floors_registry_id_lower ON floors(lower(registry_id));
      CREATE INDEX stairwells_registry_id_lower ON stairwells(lower(registry_id));
      CREATE INDEX units_registry_id_lower ON units(lower(registry_id));
      CREATE INDEX addresses_registry_id_lower ON addresses(lower(registry_id));
    `);
  },
});

migrations.push({
  version: 4,
  name: 'sync: change log by generation, tokens and audit (server); staging and item state (workstation)',
  up(db) {
    db.exec(`
      -- Server: the latest served state of every record, tile and layer, and the generation of its last change.
      CREATE TABLE storey_changes (
        tbl TEXT NOT NULL,
        key TEXT NOT NULL,
        generation INTEGER NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
        row_hash TEXT,
        row_json TEXT,
        sha256 TEXT,
        minx REAL, miny REAL, maxx REAL, maxy REAL,
        ever_minx REAL, ever_miny REAL, ever_maxx REAL, ever_maxy REAL,
        PRIMARY KEY (tbl, key)
      ) WITHOUT ROWID;
      CREATE INDEX storey_changes_generation ON storey_changes(generation);
      CREATE INDEX storey_changes_sha256 ON storey_changes(sha256) WHERE sha256 IS NOT NULL;
      -- Which tiles use a blob: a sync drops the blobs no tile uses any more without scanning the tile store.
      CREATE INDEX storey_tiles_sha256 ON storey_tiles(sha256);
      CREATE TABLE storey_generations (generation INTEGER PRIMARY KEY, created_at TEXT NOT NULL, summary TEXT NOT NULL);
      CREATE TABLE storey_sync_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        area TEXT,
        fields TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
      );
      CREATE TABLE storey_sync_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        token_id TEXT,
        token_name TEXT,
        remote TEXT,
        route TEXT NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE storey_sync_items (
        owner TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('note', 'view')),
        id TEXT NOT NULL,
        rev INTEGER NOT NULL,
        body TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (owner, kind, id)
      ) WITHOUT ROWID;
      -- Workstation: rows fetched for the next generation, applied in one transaction.
      CREATE TABLE storey_sync_staging (
        tbl TEXT NOT NULL,
        key TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
        row_json TEXT,
        sha256 TEXT,
        PRIMARY KEY (tbl, key)
      ) WITHOUT ROWID;
      -- Workstation: what each note and view looked like when it last synced (revision and content hash).
      CREATE TABLE storey_sync_local (kind TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
      CREATE TABLE storey_sync_conflicts (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        copy_id TEXT NOT NULL,
        server_rev INTEGER NOT NULL,
        detected_at TEXT NOT NULL,
        PRIMARY KEY (kind, copy_id)
      ) WITHOUT ROWID;
    `);
  },
});

// Schema 5: the audit trail of what left the project (copies, briefings, exports) and key changes, with time and user.
migrations.push({
  version: 5,
  name: 'audit trail',
  up(db) {
    db.exec(`
      CREATE TABLE storey_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        host TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
      );
    `);
  },
});

// Schema 6: storey_blobs as a rowid table with the hash in an index of its own. As a WITHOUT ROWID table keyed by
// the hash, each row (a whole tile) was its own b-tree key: an inner page held a few of them, and SQLite reads a key
// that overflows its page whole before comparing it, so every lookup, insert and foreign-key check by hash read
// tens of kB per level of the tree. The index now holds only hashes and row ids; the bytes are read once, when asked
// for. The columns stay sha256 and bytes, and storey_tiles.sha256 still references storey_blobs(sha256).
migrations.push({
  version: 6,
  name: 'tile blobs in a rowid table, the hash in an index',
  rebuildsReferencedTable: true,
  up(db) {
    db.exec(`
      CREATE TABLE storey_blobs_v6 (
        sha256 TEXT NOT NULL,
        bytes BLOB NOT NULL
      );
      -- In hash order: the rows then lie in the order syncs ask for them.
      INSERT INTO storey_blobs_v6 (sha256, bytes) SELECT sha256, bytes FROM storey_blobs ORDER BY sha256;
      DROP TABLE storey_blobs;
      ALTER TABLE storey_blobs_v6 RENAME TO storey_blobs;
      -- Tile bytes live once per SHA-256: integrity_check cannot see damaged blob bytes, the hash can.
      CREATE UNIQUE INDEX storey_blobs_sha256 ON storey_blobs(sha256);
    `);
  },
});

// Two costs of every import, gone:
// - Schema 3 added an index on lower(registry_id) to each record table, for the case-insensitive id matching of a
//   re-import. The import now matches ids through maps it reads from the tables when it first needs them (one scan,
//   as it already made to tell new rows from updates), so the indexes only cost: five index builds and about a tenth
//   of the pages of every newly imported project, kept up to date on every later write.
// - buildings.height_source was checked with IN ('measured', 'floors', 'default'). SQLite evaluates an IN list of
//   three or more constants through a small table it builds once per run of the statement, and an import runs its
//   insert once per building: about 1 µs a row. The same check written with OR builds nothing. A CHECK constraint
//   changes nothing stored, so the table's SQL is rewritten in place, as SQLite documents for such changes
//   (writable_schema, and the schema version bumped so every connection reads the new SQL).
export const HEIGHT_SOURCE_CHECK = `CHECK (height_source = 'measured' OR height_source = 'floors' OR height_source = 'default')`;
migrations.push({
  version: 7,
  name: 'registry-id lookup indexes dropped; the height-source check without an IN list',
  up(db) {
    for (const table of ['buildings', 'floors', 'stairwells', 'units', 'addresses']) db.exec(`DROP INDEX IF EXISTS ${table}_registry_id_lower`);
    rewriteTableSql(db, 'buildings', `CHECK (height_source IN ('measured', 'floors', 'default'))`, HEIGHT_SOURCE_CHECK);
  },
});

/**
 * Replaces `from` with `to` in a table's CREATE statement, in place: only for changes that leave what is stored as
 * it is (a CHECK written another way), as SQLite documents for writable_schema. A table whose SQL does not hold
 * `from` is left alone. The schema version is bumped so every connection reads the new SQL.
 */
export function rewriteTableSql(db: Database, table: string, from: string, to: string): void {
  const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(table) as string | undefined;
  if (!sql?.includes(from)) return;
  const version = db.pragma('schema_version', { simple: true }) as number;
  // Defensive mode forbids writing sqlite_master; it is lifted for this one statement only.
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare(`UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?`).run(sql.replace(from, to), table);
    db.pragma(`schema_version = ${version + 1}`);
  } finally {
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
  }
}

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
