/** Delft's CityJSON 2.0 model (EPSG:7415, transformed integer vertices) through the shipped CityJSON profile. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { decodePolygons } from '../../core/project/gpkg-geometry.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { ImportReport } from '../../common/contract.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const file = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');
const root = findPackageRoot(import.meta.dirname);
const path = join(tempDir(), 'delft.storey');
let project: ProjectFile;
let report: ImportReport;

interface CityDoc {
  transform: { scale: number[]; translate: number[] };
  vertices: number[][];
  CityObjects: Record<string, { type: string; attributes: Record<string, unknown>; geometry: Array<{ boundaries: number[][][][] }> }>;
}
const doc = JSON.parse(readFileSync(file, 'utf8')) as CityDoc;
const vertex = (i: number) => doc.vertices[i]!.map((v, k) => v * doc.transform.scale[k]! + doc.transform.translate[k]!);
const buildings = Object.entries(doc.CityObjects).filter(([, o]) => o.type === 'Building');

before(async () => {
  project = ProjectFile.create(path, { name: 'Delft' });
  report = await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'cityjson.json')), [file]);
});

test('all 160 buildings come in, and only the buildings', () => {
  assert.equal(buildings.length, 160);
  assert.equal(report.records['buildings']!.imported, 160);
  assert.equal((project.db.prepare('SELECT count(*) AS n FROM buildings WHERE footprint IS NOT NULL').get() as { n: number }).n, 160);
  assert.deepEqual(report.skipped, []);
});

test('heights are roof minus ground of each solid, in metres', () => {
  for (const [key, object] of buildings) {
    const zs = object.geometry.flatMap((g) => g.boundaries.flat(3)).map((i) => vertex(i)[2]!);
    const expected = Math.max(...zs) - Math.min(...zs);
    const row = project.db.prepare(`SELECT height_m, height_source, attributes FROM buildings WHERE registry_id = ?`).get(key) as { height_m: number; height_source: string; attributes: string };
    assert.ok(Math.abs(row.height_m - expected) < 0.01, `${key}: ${row.height_m} vs ${expected}`);
    assert.equal(row.height_source, 'measured');
    assert.equal(JSON.parse(row.attributes).identificatiebagpnd, object.attributes['identificatiebagpnd']);
  }
});

test('positions agree with GDAL within a metre', () => {
  const sample = buildings.filter((_, i) => i % 16 === 0);
  const points = sample.map(([, object]) => vertex(object.geometry[0]!.boundaries[0]![0]![0]![0]!));
  // GDAL's own transformation of the same RD New vertices, as the independent reference.
  const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:28992', '-t_srs', 'EPSG:4326', '-output_xy'], {
    input: points.map((p) => `${p[0]} ${p[1]}`).join('\n') + '\n',
    encoding: 'utf8',
  });
  const reference = out.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
  sample.forEach(([key], i) => {
    const blob = project.db.prepare('SELECT footprint FROM buildings WHERE registry_id = ?').pluck().get(key) as Uint8Array;
    const [lon, lat] = reference[i]!;
    const metresPerDegreeLat = 111_320;
    const metresPerDegreeLon = 111_320 * Math.cos((lat! * Math.PI) / 180);
    const nearest = Math.min(
      ...decodePolygons(blob).flat(2).map(([x, y]) => Math.hypot((x - lon!) * metresPerDegreeLon, (y - lat!) * metresPerDegreeLat)),
    );
    // The vertex is a wall or roof corner; the footprint keeps the same corner in plan.
    assert.ok(nearest < 1, `${key}: nearest footprint corner is ${nearest.toFixed(2)} m from GDAL's position`);
  });
});
