import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeFootprintParts } from '../../core/import/geometry.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Polygon } from '../../core/project/gpkg-geometry.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const square = (x: number, y: number, size = 1): Polygon => [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]];

test('parts sharing an edge dissolve into one outline', () => {
  const { polygons, dropped } = mergeFootprintParts([square(0, 0), square(1, 0)]);
  assert.equal(dropped, 0);
  assert.equal(polygons.length, 1);
  const xs = polygons[0]![0]!.map(([x]) => x);
  assert.deepEqual([Math.min(...xs), Math.max(...xs)], [0, 2]);
});

test('an overlapping part is dropped, a separate one kept', () => {
  assert.deepEqual(mergeFootprintParts([square(0, 0, 2), square(1, 1, 2)]).dropped, 1);
  const apart = mergeFootprintParts([square(0, 0), square(5, 5)]);
  assert.equal(apart.polygons.length, 2);
  assert.equal(apart.dropped, 0);
});

test('every Danish footprint is a valid geometry for GDAL/SpatiaLite', async () => {
  const path = join(tempDir(), 'valid.storey');
  const project = ProjectFile.create(path, { name: 'valid' });
  await importRegistry(project, loadProfile(join(findPackageRoot(import.meta.dirname), 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  project.close();
  const out = execFileSync('ogrinfo', ['-ro', '-q', path, '-dialect', 'SQLite', '-sql', 'SELECT count(*) AS invalid FROM buildings WHERE footprint IS NOT NULL AND NOT ST_IsValid(footprint)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /invalid \(Integer\) = 0\b/, out);
});
