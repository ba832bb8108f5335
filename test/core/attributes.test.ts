/** Styling and filtering data on the imported Danish registry, checked against SQL written here. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
let project: ProjectFile;
let api: ProjectApi;

before(async () => {
  project = ProjectFile.create(join(tempDir(), 'odense.storey'), { name: 'Odense' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  api = new ProjectApi(project);
});

test('the attribute catalogue has the registry columns and the profile attributes, typed', async () => {
  const { attributes } = await api.listAttributes();
  const byKey = new Map(attributes.map((a) => [a.key, a]));
  assert.equal(byKey.get('yearBuilt')?.kind, 'number');
  assert.equal(byKey.get('use')?.kind, 'category');
  assert.equal(byKey.get('attributes.kommunekode')?.label, 'Municipality code');
  assert.equal(byKey.get('attributes.byg041BebyggetAreal')?.kind, 'number');
});

test('attribute values line up with ids and treat missing as no data', async () => {
  const { ids, values } = await api.getAttributeValues({ attribute: 'floorCount' });
  assert.equal(ids.length, values.length);
  const expected = new Map(project.db.prepare('SELECT registry_id, floor_count FROM buildings').raw().all() as Array<[string, number | null]>);
  ids.forEach((id, i) => assert.equal(values[i], expected.get(id) ?? null));
  assert.ok(values.some((v) => v === null));
});

test('filter: floors ≥ 4 and year < 1960 and use = Block of flats, counted as SQL counts it', async () => {
  const result = await api.queryBuildings({
    conditions: [
      { attribute: 'floorCount', operator: '>=', value: 4 },
      { attribute: 'yearBuilt', operator: '<', value: 1960 },
      { attribute: 'use', operator: '=', value: 'Block of flats' },
    ],
  });
  const sql = project.db.prepare(`SELECT count(*) FROM buildings WHERE floor_count >= 4 AND year_built < 1960 AND use_label = 'Block of flats'`).pluck().get();
  assert.equal(result.count, sql);
  assert.ok(result.count > 0);
  assert.ok(result.rows.every((r) => r.floorCount! >= 4 && r.yearBuilt! < 1960 && r.use === 'Block of flats'));
  const floors4 = await api.queryBuildings({ conditions: [{ attribute: 'floorCount', operator: '>=', value: 4 }], sort: { column: 'heightMeters', descending: true }, limit: 5 });
  assert.equal(floors4.count, project.db.prepare('SELECT count(*) FROM buildings WHERE floor_count >= 4').pluck().get());
  const heights = floors4.rows.map((r) => r.heightMeters);
  assert.deepEqual(heights, [...heights].sort((a, b) => b - a));
});

test('filter on a JSON attribute and on "no data"', async () => {
  const odense = await api.queryBuildings({ conditions: [{ attribute: 'attributes.kommunekode', operator: '=', value: '0461' }] });
  assert.equal(odense.count, project.db.prepare(`SELECT count(*) FROM buildings WHERE json_extract(attributes, '$.kommunekode') = '0461'`).pluck().get());
  const noYear = await api.queryBuildings({ conditions: [{ attribute: 'yearBuilt', operator: '=', value: null }] });
  assert.equal(noYear.count, project.db.prepare('SELECT count(*) FROM buildings WHERE year_built IS NULL').pluck().get());
});

test('unknown attributes and mistyped values are refused with a typed error', async () => {
  await assert.rejects(api.queryBuildings({ conditions: [{ attribute: 'registry_id; DROP TABLE buildings', operator: '=', value: 1 }] }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
  await assert.rejects(api.queryBuildings({ conditions: [{ attribute: 'yearBuilt', operator: '<', value: 'old' }] }), (e: unknown) => e instanceof StoreyError && /is a number/.test(e.message));
  await assert.rejects(api.getAttributeValues({ attribute: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
});

test('an attribute only the last of many buildings has can still be filtered on', async () => {
  // Thousands of buildings without it, then one with it (as when a city model is imported into a big registry).
  const before = (await api.listAttributes({})).attributes.length;
  project.db.prepare(`UPDATE buildings SET attributes = json_set(attributes, '$.lateAttribute', 'x') WHERE fid = (SELECT max(fid) FROM buildings)`).run();
  const { attributes } = await api.listAttributes({});
  assert.equal(attributes.length, before + 1);
  const found = await api.queryBuildings({ conditions: [{ attribute: 'attributes.lateAttribute', operator: '=', value: 'x' }] });
  assert.equal(found.count, 1);
});
