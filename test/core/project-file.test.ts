import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreyError } from '../../common/errors.js';
import { HEIGHT_SOURCE_CHECK, latestSchemaVersion, rewriteTableSql } from '../../core/project/migrations.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { sha256Hex, TileStore } from '../../core/tiles/tile-store.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const samplePath = join(dir, 'sample.storey');
createSampleProject(samplePath).close();

/** Writes buildings' height_source check back as schemas 1 to 6 had it (an IN list), as those files have it on disk. */
function checkAsBefore7(db: Database.Database): void {
  rewriteTableSql(db, 'buildings', HEIGHT_SOURCE_CHECK, `CHECK (height_source IN ('measured', 'floors', 'default'))`);
  assert.match(db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'buildings'`).pluck().get() as string, /height_source IN \(/);
}

/** storey_blobs as schemas 1 to 5 had it: WITHOUT ROWID, keyed by the hash (rows kept). */
function blobsAsBefore6(db: Database.Database): void {
  db.pragma('foreign_keys = OFF');
  db.exec(`CREATE TABLE storey_blobs_old (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
           INSERT INTO storey_blobs_old SELECT sha256, bytes FROM storey_blobs;
           DROP TABLE storey_blobs;
           ALTER TABLE storey_blobs_old RENAME TO storey_blobs`);
}

const blobsSql = (db: Database.Database) => db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'storey_blobs'`).pluck().get() as string;

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function assertRefused(path: string, code: StoreyError['code'], messagePart: RegExp): void {
  const before = sha256(path);
  assert.throws(
    () => ProjectFile.open(path),
    (error: unknown) => {
      assert.ok(error instanceof StoreyError, `expected StoreyError, got ${String(error)}`);
      assert.equal(error.code, code, error.message);
      assert.match(error.message, messagePart);
      return true;
    },
  );
  assert.equal(sha256(path), before, 'a refused file must be left byte-for-byte as it was');
}

test('a new project is a GeoPackage at the latest schema version', () => {
  const path = join(dir, 'new.storey');
  const project = ProjectFile.create(path, { name: 'Test project' });
  assert.equal(project.schemaVersion, latestSchemaVersion);
  assert.equal(project.db.pragma('application_id', { simple: true }), 0x47504b47);
  assert.equal(project.db.pragma('user_version', { simple: true }), 10300);
  const tables = (project.db.prepare(`SELECT table_name, data_type FROM gpkg_contents ORDER BY table_name`).all() as Array<{ table_name: string; data_type: string }>)
    .map((r) => `${r.table_name}:${r.data_type}`);
  assert.deepEqual(tables, ['addresses:features', 'buildings:features', 'floors:attributes', 'stairwells:attributes', 'units:attributes']);
  project.close();
  const reopened = ProjectFile.open(path);
  assert.equal(reopened.getMeta('name'), 'Test project');
  assert.equal(reopened.getMeta('format'), 'storey');
  reopened.close();
});

test('create refuses to overwrite an existing file', () => {
  assert.throws(() => ProjectFile.create(samplePath, { name: 'x' }), (e: unknown) => e instanceof StoreyError && e.code === 'ALREADY_EXISTS');
});

test('a missing file is reported by path', () => {
  const missing = join(dir, 'nope.storey');
  assert.throws(() => ProjectFile.open(missing), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND' && e.message.includes(missing));
});

test('an empty file and a text file are not SQLite', () => {
  const empty = join(dir, 'empty.storey');
  writeFileSync(empty, '');
  assertRefused(empty, 'NOT_SQLITE', /empty.storey is empty/);
  const text = join(dir, 'notes.storey');
  writeFileSync(text, 'Ridehusgade 49, 2. th, 5000 Odense C\n'.repeat(50));
  assertRefused(text, 'NOT_SQLITE', /notes.storey is not a SQLite database/);
});

test('a SQLite database that is not a Storey project is refused', () => {
  const other = join(dir, 'other.storey');
  const db = new Database(other);
  db.exec(`CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO things (name) VALUES ('a')`);
  db.close();
  assertRefused(other, 'NOT_A_PROJECT', /other.storey is a SQLite database but not a Storey project/);
});

test('a project from a newer Storey is refused with both versions named, and not touched', () => {
  const newer = join(dir, 'newer.storey');
  copyFileSync(samplePath, newer);
  const db = new Database(newer);
  db.prepare(`UPDATE storey_meta SET value = ? WHERE key = 'schema_version'`).run(String(latestSchemaVersion + 7));
  db.close();
  assertRefused(newer, 'NEWER_VERSION', new RegExp(`schema ${latestSchemaVersion + 7}.*reads schema ${latestSchemaVersion}`));
});

test('a truncated project is reported as damaged, not opened', () => {
  for (const fraction of [0.1, 0.5, 0.9]) {
    const truncated = join(dir, `truncated-${fraction}.storey`);
    copyFileSync(samplePath, truncated);
    truncateSync(truncated, Math.floor(statSync(truncated).size * fraction));
    assertRefused(truncated, 'DAMAGED', /truncated-[0-9.]+\.storey is damaged/);
  }
});

test('an older project is upgraded on open: schema 1 gets the address search index of schema 2', () => {
  const old = join(dir, 'schema1.storey');
  copyFileSync(samplePath, old);
  // Turn a current file back into a schema-1 file: what migrations 2 and 3 add, removed.
  const db = new Database(old);
  db.exec(`DROP TABLE storey_address_search; DROP TABLE storey_imports; DROP TABLE storey_views; DROP TABLE storey_notes;
           DROP TABLE storey_changes; DROP TABLE storey_generations; DROP TABLE storey_sync_tokens; DROP TABLE storey_sync_audit;
           DROP TABLE storey_sync_items; DROP TABLE storey_sync_staging; DROP TABLE storey_sync_local; DROP TABLE storey_sync_conflicts; DROP INDEX storey_tiles_sha256;
           DROP TABLE storey_audit;
           UPDATE storey_meta SET value = '1' WHERE key = 'schema_version'`);
  blobsAsBefore6(db);
  assert.match(blobsSql(db), /WITHOUT ROWID/);
  checkAsBefore7(db);
  const addressCount = db.prepare('SELECT count(*) FROM addresses').pluck().get() as number;
  db.close();
  assert.throws(() => ProjectFile.open(old, { readOnly: true }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY' && /must be upgraded/.test(e.message));
  const project = ProjectFile.open(old);
  assert.equal(project.schemaVersion, latestSchemaVersion);
  assert.equal(project.db.prepare('SELECT count(*) FROM storey_address_search').pluck().get(), addressCount);
  assert.ok((project.db.prepare(`SELECT count(*) FROM storey_address_search WHERE storey_address_search MATCH '"sondergade"*'`).pluck().get() as number) > 0);
  assert.equal(project.db.prepare('SELECT count(*) FROM storey_views').pluck().get(), 0, 'schema 3 tables exist after the upgrade');
  assert.equal(project.db.prepare('SELECT count(*) FROM storey_changes').pluck().get(), 0, 'schema 4 sync tables exist after the upgrade');
  assert.equal(project.db.prepare('SELECT count(*) FROM storey_audit').pluck().get(), 0, 'schema 5 audit table exists after the upgrade');
  assert.doesNotMatch(blobsSql(project.db), /WITHOUT ROWID/, 'schema 6 keeps tile blobs in a rowid table');
  assert.deepEqual(project.db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE '%registry_id_lower'`).pluck().all(), [], 'schema 7 has no lower(registry_id) indexes');
  const buildingsSql = project.db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'buildings'`).pluck().get() as string;
  assert.ok(buildingsSql.includes(HEIGHT_SOURCE_CHECK) && !buildingsSql.includes(' IN ('), 'schema 7 checks height_source without an IN list');
  assert.throws(() => project.db.prepare(`UPDATE buildings SET height_source = 'guessed' WHERE fid = (SELECT min(fid) FROM buildings)`).run(), /CHECK constraint failed/);
  assert.deepEqual(project.db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  project.close();
});

test('schema 5 to 6: tile blobs move to a rowid table with the hash in an index, every tile keeping its bytes', async () => {
  const old = join(dir, 'schema5-tiles.storey');
  copyFileSync(samplePath, old);
  let project = ProjectFile.open(old);
  const imported = await importTiles(project, sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles'));
  const layerId = imported.id;
  const store = new TileStore(project);
  const before = new Map(store.tilePaths(layerId).map((path) => [path, sha256Hex(store.readTile(layerId, path)!.bytes)]));
  const blobCount = project.db.prepare('SELECT count(*) FROM storey_blobs').pluck().get() as number;
  project.close();
  assert.ok(before.size > 20 && blobCount > 10 && blobCount < before.size, `the sample gives tiles to carry over, some sharing bytes (${before.size} tiles, ${blobCount} blobs)`);

  const db = new Database(old);
  blobsAsBefore6(db);
  db.exec(`UPDATE storey_meta SET value = '5' WHERE key = 'schema_version'`);
  db.close();

  project = ProjectFile.open(old);
  assert.equal(project.schemaVersion, latestSchemaVersion);
  assert.doesNotMatch(blobsSql(project.db), /WITHOUT ROWID/);
  assert.equal(project.db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'storey_blobs_sha256'`).pluck().get(), 1);
  assert.equal(project.db.prepare('SELECT count(*) FROM storey_blobs').pluck().get(), blobCount);
  const after = new TileStore(project);
  for (const [path, hash] of before) assert.equal(sha256Hex(after.readTile(layerId, path)!.bytes), hash, `tile ${path} reads back as it was`);
  assert.deepEqual(project.db.pragma('foreign_key_check'), [], 'every tile still has its blob');
  assert.deepEqual(project.db.pragma('integrity_check', { simple: true }), 'ok');
  // The link from tiles to blobs and the one-row-per-hash rule hold in the new table.
  assert.throws(() => project.db.prepare(`INSERT INTO storey_tiles (layer_id, tile_path, sha256) VALUES (?, 'x', ?)`).run(layerId, '0'.repeat(64)), /FOREIGN KEY/);
  const anyHash = project.db.prepare('SELECT sha256 FROM storey_blobs LIMIT 1').pluck().get() as string;
  assert.throws(() => project.db.prepare(`INSERT INTO storey_blobs (sha256, bytes) VALUES (?, x'00')`).run(anyHash), /UNIQUE/);
  project.close();

  // A schema-5 file whose tile lost its blob (written without foreign keys) is refused, and left as it was.
  const broken = join(dir, 'schema5-broken.storey');
  copyFileSync(old, broken);
  const raw = new Database(broken);
  blobsAsBefore6(raw);
  raw.exec(`DELETE FROM storey_blobs WHERE sha256 = (SELECT sha256 FROM storey_tiles LIMIT 1); UPDATE storey_meta SET value = '5' WHERE key = 'schema_version'`);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  assertRefused(broken, 'DAMAGED', /cannot be upgraded to schema 6: 1 row\(s\) of storey_tiles refer to storey_blobs rows that are missing; nothing was changed/);
});

test('read-only open does not write and refuses writes', () => {
  const before = sha256(samplePath);
  const project = ProjectFile.open(samplePath, { readOnly: true });
  assert.equal(project.readOnly, true);
  assert.throws(() => project.setMeta('name', 'changed'), /readonly/i);
  project.close();
  assert.equal(sha256(samplePath), before);
});

test('a failing transaction leaves nothing behind', () => {
  const path = join(dir, 'tx.storey');
  const project = ProjectFile.create(path, { name: 'tx' });
  assert.throws(() =>
    project.transaction(() => {
      project.setMeta('name', 'half-written');
      throw new Error('import failed half way');
    }),
  );
  assert.equal(project.getMeta('name'), 'tx');
  project.close();
});
