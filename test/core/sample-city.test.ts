import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProjectApi } from '../../core/api/project-api.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject, generateSampleCity } from '../../core/sample/sample-city.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();

/** A digest of every registry row, in id order: equal digests mean equal records. */
function recordDigest(path: string): string {
  const project = ProjectFile.open(path, { readOnly: true });
  const hash = createHash('sha256');
  for (const table of ['buildings', 'floors', 'stairwells', 'addresses', 'units']) {
    for (const row of project.db.prepare(`SELECT * FROM ${table} ORDER BY registry_id`).raw().iterate()) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
    }
  }
  project.close();
  return hash.digest('hex');
}

test('the sample is deterministic: same seed, same records; another seed, another city', () => {
  assert.deepEqual(generateSampleCity(), generateSampleCity());
  const a = join(dir, 'a.storey');
  const b = join(dir, 'b.storey');
  const c = join(dir, 'c.storey');
  createSampleProject(a).close();
  createSampleProject(b).close();
  createSampleProject(c, 7).close();
  assert.equal(recordDigest(a), recordDigest(b));
  assert.notEqual(recordDigest(a), recordDigest(c));
});

test('the sample is a labelled synthetic district of 300+ buildings with floors, units, stairwells and addresses', async () => {
  const path = join(dir, 'sample.storey');
  const project = createSampleProject(path);
  const info = await new ProjectApi(project).getProjectInfo();
  assert.equal(info.synthetic, true);
  assert.match(info.name, /synthetic/i);
  assert.match(info.description, /invented/);
  assert.ok(info.counts.buildings >= 300, `${info.counts.buildings} buildings`);
  assert.ok(info.counts.floors > info.counts.buildings);
  assert.ok(info.counts.units > info.counts.buildings);
  assert.ok(info.counts.stairwells > 0 && info.counts.addresses > info.counts.stairwells);

  const db = project.db;
  const one = <T>(sql: string) => db.prepare(sql).get() as T;
  // Every building has its storeys, numbered without gaps from its lowest level.
  assert.equal(one<{ n: number }>(`SELECT count(*) AS n FROM buildings b WHERE NOT EXISTS (SELECT 1 FROM floors f WHERE f.building_id = b.registry_id)`).n, 0);
  assert.equal(
    one<{ n: number }>(`SELECT count(*) AS n FROM buildings b WHERE floor_count != (SELECT count(*) FROM floors f WHERE f.building_id = b.registry_id AND f.level_index >= 0)`).n,
    0,
  );
  // Units sit on floors of their own building and their addresses exist.
  assert.equal(one<{ n: number }>(`SELECT count(*) AS n FROM units u JOIN floors f ON f.registry_id = u.floor_id WHERE f.building_id != u.building_id`).n, 0);
  assert.equal(one<{ n: number }>(`SELECT count(*) AS n FROM units u LEFT JOIN addresses a ON a.registry_id = u.address_id WHERE a.registry_id IS NULL`).n, 0);
  // Varied heights and uses, as the city view needs to be recognisable.
  const heights = one<{ lo: number; hi: number; variety: number }>(`SELECT min(height_m) AS lo, max(height_m) AS hi, count(DISTINCT height_m) AS variety FROM buildings`);
  assert.ok(heights.lo < 10 && heights.hi > 40 && heights.variety > 20, JSON.stringify(heights));
  assert.ok(one<{ n: number }>(`SELECT count(DISTINCT use_category) AS n FROM buildings`).n >= 5);
  // Danish-style floor labels.
  const labels = (db.prepare(`SELECT DISTINCT label FROM floors`).all() as Array<{ label: string }>).map((r) => r.label);
  for (const label of ['kl', 'st', '1']) assert.ok(labels.includes(label), `floor label ${label}`);
  // Every footprint lies inside the extent, which lies around the sample origin.
  const e = info.extent!;
  assert.ok(e.westDegrees > 10.38 && e.eastDegrees < 10.42 && e.southDegrees > 55.39 && e.northDegrees < 55.41, JSON.stringify(e));
  const outside = one<{ n: number }>(
    `SELECT count(*) AS n FROM rtree_buildings_footprint WHERE minx < ${e.westDegrees} OR maxx > ${e.eastDegrees} OR miny < ${e.southDegrees} OR maxy > ${e.northDegrees}`,
  );
  assert.equal(outside.n, 0);
  assert.equal(one<{ n: number }>(`SELECT count(*) AS n FROM rtree_buildings_footprint`).n, info.counts.buildings);
  project.close();
});

test('GDAL reads the sample as a GeoPackage with the right layers and counts', () => {
  const path = join(dir, 'gdal.storey');
  createSampleProject(path).close();
  const project = ProjectFile.open(path, { readOnly: true });
  const expected = {
    buildings: (project.db.prepare('SELECT count(*) AS n FROM buildings').get() as { n: number }).n,
    addresses: (project.db.prepare('SELECT count(*) AS n FROM addresses').get() as { n: number }).n,
  };
  project.close();
  for (const [layer, count] of Object.entries(expected)) {
    const output = execFileSync('ogrinfo', ['-ro', '-so', path, layer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(output, /using driver `GPKG' successful/);
    assert.match(output, new RegExp(`Feature Count: ${count}\\b`), output);
    assert.match(output, /ID\["EPSG",4326\]/);
  }
  const all = execFileSync('ogrinfo', ['-ro', '-sql', 'SELECT count(*) AS n FROM units', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(all, /n \(Integer\) = \d+/);
});
