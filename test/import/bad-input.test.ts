/**
 * Bad input never crashes an import and never half-writes a project: each file in test/fixtures/bad-input either
 * stops the import with an error naming the file and the place, or is skipped row by row with counted reasons.
 * fast-check then throws random text at the readers with the same rule.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { StoreyError, type ErrorCode } from '../../common/errors.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { tempDir } from '../support/temp.js';

const fixtures = join(findPackageRoot(import.meta.dirname), 'test', 'fixtures', 'bad-input');
const profile = loadProfile(join(fixtures, 'profile.json'));
const dir = tempDir();
const projectPath = join(dir, 'target.storey');
createSampleProject(projectPath).close();
const sha = () => createHash('sha256').update(readFileSync(projectPath)).digest('hex');

/** Runs an import that must fail, and checks the failure and that the project file did not change. */
async function expectRefused(files: string[], code: ErrorCode, message: RegExp): Promise<void> {
  const before = sha();
  const project = ProjectFile.open(projectPath);
  try {
    await assert.rejects(importRegistry(project, profile, files), (error: unknown) => {
      assert.ok(error instanceof StoreyError, `expected a StoreyError, got ${String(error)}`);
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    });
  } finally {
    project.close();
  }
  assert.equal(sha(), before, 'the project file must be byte-for-byte unchanged');
}

test('malformed JSON: the file, line and column are named', async () => {
  await expectRefused([join(fixtures, 'malformed.geojson')], 'BAD_INPUT', /malformed\.geojson is not valid JSON: the text ends in the middle of a value \(at line 5, the end of the file\)/);
});

test('a CSV with a broken quote: the file and line are named', async () => {
  await expectRefused([join(fixtures, 'broken-quote.csv')], 'BAD_INPUT', /broken-quote\.csv is not valid CSV at line 3: a quote opened there is never closed/);
});

test('an unknown CRS is named with the file it came from', async () => {
  await expectRefused([join(fixtures, 'unknown-crs.geojson')], 'BAD_ARGUMENT', /unknown-crs\.geojson.*EPSG:99999 is not supported/);
});

test('a missing column is named, with the columns the file does have', async () => {
  await expectRefused([join(fixtures, 'missing-column.csv')], 'BAD_INPUT', /missing-column\.csv has no column "floors".*Its columns are: id, use/);
});

test('an error in a later file rolls back what earlier files brought', async () => {
  await expectRefused([join(fixtures, 'colliding-ids.csv'), join(fixtures, 'missing-column.csv')], 'BAD_INPUT', /missing-column\.csv/);
});

test('files of 2 GB: whole-document formats are refused by size, line formats by their line length', async () => {
  for (const name of ['huge.geojson', 'huge.ndjson']) {
    const fd = openSync(join(dir, name), 'w');
    ftruncateSync(fd, 2 * 1024 ** 3 + 1); // sparse: costs no disk
    closeSync(fd);
  }
  await expectRefused([join(dir, 'huge.geojson')], 'FILE_TOO_LARGE', /huge\.geojson is 2\.0 GiB; GeoJSON files are read whole/);
  await expectRefused([join(dir, 'huge.ndjson')], 'BAD_INPUT', /huge\.ndjson line 1 is longer than 16 MiB/);
});

test('bad geometries, colliding ids and broken lines are skipped with counted reasons', async () => {
  const project = ProjectFile.open(projectPath);
  try {
    const report = await importRegistry(project, profile, [
      join(fixtures, 'bad-geometry.geojson'),
      join(fixtures, 'colliding-ids.csv'),
      join(fixtures, 'broken-lines.ndjson'),
    ]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.reason, s]));
    assert.equal(reasons['footprint geometry rejected: a coordinate is not a finite number (null)']?.examples[0], 'bad-geometry.geojson feature 2');
    assert.equal(reasons['footprint geometry rejected: a coordinate is not a finite number ("NaN")']?.count, 1);
    assert.equal(reasons['footprint geometry rejected: a ring intersects itself']?.examples[0], 'bad-geometry.geojson feature 4');
    assert.equal(reasons['footprint geometry rejected: a ring has 2 positions; a closed polygon ring needs at least 4']?.count, 1);
    assert.equal(reasons['footprint geometry rejected: a footprint must be a Polygon or MultiPolygon, not LineString']?.count, 1);
    assert.equal(reasons['footprint geometry rejected: the feature has no geometry']?.count, 1);
    assert.equal(reasons['building id seen before in this import (first row kept)']?.examples[0], 'colliding-ids.csv line 3');
    assert.equal(reasons['building without an id']?.examples[0], 'colliding-ids.csv line 5');
    assert.match(Object.keys(reasons).find((r) => r.startsWith('not valid JSON')) ?? '', /not valid JSON/);
    assert.equal(reasons['not a JSON object']?.examples[0], 'broken-lines.ndjson line 3');
    // What could be imported was: the good footprint, b1 (first row), b2, b3 and two addresses.
    const ids = project.db.prepare(`SELECT registry_id FROM buildings WHERE registry_id IN ('good', 'b1', 'b2', 'b3', 'bow-tie')`).pluck().all();
    assert.deepEqual(ids.sort(), ['b1', 'b2', 'b3', 'good']);
    const b1 = project.db.prepare(`SELECT use_code, floor_count FROM buildings WHERE registry_id = 'b1'`).get();
    assert.deepEqual(b1, { use_code: '120', floor_count: 2 });
    assert.equal(project.db.prepare(`SELECT floor_count FROM buildings WHERE registry_id = 'b3'`).pluck().get(), null, 'a non-numeric floor count is no data');
    assert.equal(report.records['addresses']!.imported, 2);
  } finally {
    project.close();
  }
});

test('a stray quote inside a field costs that one row, not the rows after it', async () => {
  const project = ProjectFile.open(projectPath);
  try {
    const report = await importRegistry(project, profile, [join(fixtures, 'stray-quotes.csv')]);
    assert.deepEqual(report.skipped, [{ reason: 'malformed CSV row (a stray quote)', count: 1, examples: ['stray-quotes.csv line 3'] }]);
    const rows = project.db.prepare(`SELECT registry_id, use_code, floor_count FROM buildings WHERE registry_id IN ('b4', 'b5,x', 'b6', 'b7') ORDER BY registry_id`).all();
    assert.deepEqual(rows, [
      { registry_id: 'b4', use_code: '1"40', floor_count: 3 },
      { registry_id: 'b5,x', use_code: '140', floor_count: 2 },
      { registry_id: 'b6', use_code: 'multi\nline', floor_count: 7 },
      { registry_id: 'b7', use_code: '140', floor_count: 1 },
    ]);
  } finally {
    project.close();
  }
});

test('fuzz: random files either import or fail with a typed error, and a failure changes nothing', async () => {
  const codes = new Set<ErrorCode>(['BAD_INPUT', 'BAD_ARGUMENT', 'FILE_TOO_LARGE']);
  const project = ProjectFile.open(projectPath);
  const buildingCount = () => project.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number;
  const csvCell = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('"', '""', ',', ';', '\n', '\r\n', 'ø', 'b1', '3'));
  const csvText = fc.array(fc.array(csvCell, { maxLength: 5 }), { maxLength: 8 }).map((rows) => 'id,use,floors\n' + rows.map((r) => r.join(',')).join('\n'));
  const jsonish = fc.oneof(
    fc.json(),
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'x' }, geometry: { type: 'Polygon', coordinates: v } }] })),
  );
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('fuzz.csv', 'fuzz.geojson', 'fuzz.ndjson'), csvText, jsonish, async (name, csv, json) => {
        const file = join(dir, name);
        writeFileSync(file, name.endsWith('.csv') ? csv : json);
        const before = buildingCount();
        try {
          await importRegistry(project, profile, [file]);
        } catch (error) {
          assert.ok(error instanceof StoreyError && codes.has(error.code), `untyped failure on ${name}: ${String(error)}`);
          assert.equal(buildingCount(), before);
        }
      }),
      { numRuns: 150, seed: 1127 },
    );
  } finally {
    project.close();
  }
});
