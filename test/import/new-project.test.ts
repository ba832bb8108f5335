/**
 * An import into a new project (storey import --create, bench/import): the file is built under a temporary name
 * without a journal or fsyncs and appears only once the import has landed. It must hold exactly what creating the
 * project and importing into it writes, be a WAL project like any other, and leave nothing behind when it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ImportReport } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { importIntoNewProject, importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { searchAddresses } from '../../core/search/address-search.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dk = sharedData('dk-odense');
const profile = loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json'));
const dir = tempDir();

/** Every table's rows, sorted, as one digest per table (timestamps masked), and the schema. */
function tableDigests(project: ProjectFile): Map<string, string> {
  const out = new Map<string, string>();
  const objects = project.db.prepare(`SELECT type, name, sql FROM sqlite_master ORDER BY type, name`).all() as Array<{ type: string; name: string; sql: string | null }>;
  out.set('(schema)', JSON.stringify(objects));
  for (const { type, name } of objects) {
    if (type !== 'table') continue;
    const rows = (project.db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][]).map((row) =>
      JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value))
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
        .replace(/\\"durationMs\\":\d+/g, 'DURATION'),
    );
    rows.sort();
    out.set(name, `${rows.length} ${createHash('sha256').update(rows.join('\n')).digest('hex')}`);
  }
  return out;
}

const leftovers = (folder: string) => readdirSync(folder).filter((name) => name.includes('.building'));

test('a new project built by the import holds what create-then-import writes, table by table, and is a WAL project', async () => {
  const viaCreate = join(dir, 'via-create.storey');
  const created = ProjectFile.create(viaCreate, { name: 'Odense' });
  const expectedReport = await importRegistry(created, profile, [dk]);
  const expected = tableDigests(created);
  created.close();

  const folder = join(dir, 'built');
  mkdirSync(folder);
  const path = join(folder, 'odense.storey');
  const phases = new Set<string>();
  const report = await importIntoNewProject(path, { name: 'Odense' }, profile, [dk], { onProgress: (p) => phases.add(p.phase) });
  assert.deepEqual(readdirSync(folder), ['odense.storey'], 'only the project: no temporary file, journal, WAL or lock left');
  const strip = (r: ImportReport) => ({ ...r, startedAt: '', durationMs: 0 });
  assert.deepEqual(strip(report), strip(expectedReport));
  assert.ok(report.records['buildings']!.imported > 3000);
  assert.deepEqual([...phases].filter((p) => p !== 'joining'), ['reading', 'writing', 'done']);

  const project = ProjectFile.open(path);
  try {
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(project.db.pragma('page_size', { simple: true }), 16384);
    assert.equal(project.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(project.db.pragma('foreign_key_check'), []);
    const actual = tableDigests(project);
    assert.deepEqual([...actual.keys()], [...expected.keys()]);
    for (const [table, digest] of expected) assert.equal(actual.get(table), digest, `table ${table}`);
    assert.equal(project.getMeta('name'), 'Odense');
    assert.equal(searchAddresses(project, 'rugardsvej 10')[0]?.text.startsWith('Rugårdsvej 10'), true);
    // A re-import into it is the ordinary one-transaction update.
    const again = await importRegistry(project, profile, [dk]);
    assert.equal(again.records['buildings']!.imported, 0);
    assert.equal(again.records['buildings']!.updated, report.records['buildings']!.imported);
  } finally {
    project.close();
  }
});

test('a failed or cancelled import into a new project leaves no file at all', async () => {
  const folder = join(dir, 'failing');
  mkdirSync(folder);
  // A CSV whose quote never closes stops the import (after the footprints have been read and joined).
  const inputs = join(folder, 'inputs');
  mkdirSync(inputs);
  copyFileSync(join(dk, 'bygninger.json'), join(inputs, 'bygninger.json'));
  writeFileSync(join(inputs, 'bbr_bygning_current.csv'), `${readFileSync(join(dk, 'derived', 'bbr_bygning_current.csv'), 'utf8').split('\n').slice(0, 40).join('\n')}\n"broken,1,2\n`);
  const path = join(folder, 'broken.storey');
  await assert.rejects(importIntoNewProject(path, { name: 'Broken' }, profile, [inputs]), (error: unknown) => {
    assert.ok(error instanceof StoreyError);
    assert.equal(error.code, 'BAD_INPUT');
    assert.match(error.message, /bbr_bygning_current\.csv .*quote/);
    return true;
  });
  assert.equal(existsSync(path), false);
  assert.deepEqual(leftovers(folder), []);

  // Cancelled inside the write transaction (polled every 5,000 rows).
  const cancelled = join(folder, 'cancelled.storey');
  let writing = false;
  await assert.rejects(
    importIntoNewProject(cancelled, { name: 'Cancelled' }, profile, [dk], { onProgress: (p) => (writing ||= p.phase === 'writing'), shouldCancel: () => writing }),
    (error: unknown) => error instanceof StoreyError && error.code === 'CANCELLED',
  );
  assert.ok(writing, 'the cancel came while rows were being written');
  assert.equal(existsSync(cancelled), false);
  assert.deepEqual(readdirSync(folder).sort(), ['inputs']);
});

test('an existing file is never overwritten, also when it appears while the project is built', async () => {
  const folder = join(dir, 'existing');
  mkdirSync(folder);
  const path = join(folder, 'taken.storey');
  writeFileSync(path, 'not mine');
  await assert.rejects(importIntoNewProject(path, { name: 'Taken' }, profile, [dk]), (error: unknown) => error instanceof StoreyError && error.code === 'ALREADY_EXISTS');
  assert.equal(readFileSync(path, 'utf8'), 'not mine');

  const late = join(folder, 'late.storey');
  await assert.rejects(
    ProjectFile.build(late, { name: 'Late' }, () => writeFileSync(late, 'arrived first')),
    (error: unknown) => error instanceof StoreyError && error.code === 'ALREADY_EXISTS' && /appeared/.test(error.message),
  );
  assert.equal(readFileSync(late, 'utf8'), 'arrived first');
  assert.deepEqual(readdirSync(folder).sort(), ['late.storey', 'taken.storey']);
});

test('a folder that cannot be written: the error names the project asked for, not a temporary file', async () => {
  const path = join(dir, 'no-such-folder', 'odense.storey');
  await assert.rejects(importIntoNewProject(path, { name: 'Nowhere' }, profile, [dk]), (error: unknown) => {
    assert.ok(error instanceof StoreyError);
    assert.match(error.message, /^Cannot create .*no-such-folder\/odense\.storey: /);
    assert.doesNotMatch(error.message, /\.building/);
    return true;
  });
});

test('the temporary file of a build whose process died is removed by the next build of the same project', async () => {
  const folder = join(dir, 'killed');
  mkdirSync(folder);
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  const stale = `.odense.storey.${hostname()}-${gone}-0123abcd.building`;
  const live = `.odense.storey.${hostname()}-${process.ppid}-0123abcd.building`;
  const elsewhere = `.odense.storey.another-computer-${gone}-0123abcd.building`;
  for (const name of [stale, `${stale}-journal`, live, elsewhere, '.other.storey.x-1-0123abcd.building']) writeFileSync(join(folder, name), 'left by a build');
  await ProjectFile.build(join(folder, 'odense.storey'), { name: 'Odense' }, () => undefined);
  assert.deepEqual(readdirSync(folder).sort(), [live, elsewhere, '.other.storey.x-1-0123abcd.building', 'odense.storey'].sort());
});

test('links are checked once when the build is done: a row whose building is missing fails it, leaving no file', async () => {
  const folder = join(dir, 'links');
  mkdirSync(folder);
  const path = join(folder, 'orphan.storey');
  await assert.rejects(
    ProjectFile.build(path, { name: 'Orphan' }, (project) => {
      project.db.prepare(`INSERT INTO floors (registry_id, building_id, level_index, label) VALUES ('f1', 'no-such-building', 0, 'st')`).run();
    }),
    (error: unknown) => error instanceof StoreyError && /1 row\(s\) of floors refer to buildings rows that are missing/.test(error.message),
  );
  assert.deepEqual(readdirSync(folder), []);
});

test('a new encrypted project built by the import opens only with its passphrase and holds the records', async () => {
  const folder = join(dir, 'encrypted');
  mkdirSync(folder);
  const path = join(folder, 'sealed.storey');
  const passphrase = 'a passphrase for the new project';
  const report = await importIntoNewProject(path, { name: 'Sealed', passphrase }, profile, [dk]);
  assert.deepEqual(readdirSync(folder), ['sealed.storey']);
  assert.equal(readFileSync(path).includes(Buffer.from('SQLite format 3')), false, 'no plain SQLite header');
  assert.throws(() => ProjectFile.open(path), (error: unknown) => error instanceof StoreyError && error.code === 'ENCRYPTED');
  const project = ProjectFile.open(path, { passphrase });
  try {
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(project.db.prepare('SELECT count(*) FROM buildings').pluck().get(), report.records['buildings']!.imported);
    assert.equal(project.db.prepare('SELECT count(*) FROM addresses').pluck().get(), report.records['addresses']!.imported);
    assert.equal(project.db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    project.close();
  }
});
