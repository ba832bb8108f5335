/**
 * A UI import whose tiling step fails: the import stands, and the job says the tiling failed and why (the import
 * dialog shows it), instead of only the log. The failure is real: the project refuses new tiles (a trigger standing in
 * for a full disk), the import worker runs as the hosts run it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ImportJob } from '../../common/contract.js';
import { ImportJobs } from '../../core/import/import-jobs.js';
import { loadProfile } from '../../core/import/profile.js';
import { spawnImportWorker } from '../../core/import/worker-url.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { buildingsTilesetState } from '../../core/tiler/stamp.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const delft = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');
const profile = loadProfile(join(root, 'resources', 'profiles', 'cityjson.json'));

async function importInto(path: string): Promise<ImportJob> {
  const jobs = new ImportJobs(path, spawnImportWorker);
  let job = jobs.start(profile, [delft]);
  for (let i = 0; job.state === 'running' && i < 2400; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    job = jobs.get(job.id);
  }
  return job;
}

test('tiling fails after the import: the import stands and the job says why', { timeout: 180_000 }, async () => {
  const path = join(dir, 'no-room-for-tiles.storey');
  const project = ProjectFile.create(path, { name: 'No room for tiles' });
  project.db.exec(`CREATE TRIGGER no_room BEFORE INSERT ON storey_tiles BEGIN SELECT RAISE(ABORT, 'no room left for tiles'); END`);
  try {
    const job = await importInto(path);
    assert.equal(job.state, 'done', JSON.stringify(job.error));
    assert.ok(job.report && job.report.records['buildings']!.imported > 0);
    assert.match(job.tilingError ?? '', /no room left for tiles/);
    const buildings = project.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number;
    assert.equal(buildings, job.report.records['buildings']!.imported, 'the imported buildings are in the project');
    assert.ok(!buildingsTilesetState(project)?.current, 'no current tileset: the city is drawn from the registry');
  } finally {
    project.close();
  }
});

test('an import whose tiling works says nothing about tiling', { timeout: 180_000 }, async () => {
  const path = join(dir, 'tiled.storey');
  ProjectFile.create(path, { name: 'Tiled' }).close();
  const job = await importInto(path);
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  assert.equal(job.tilingError, null);
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    assert.equal(buildingsTilesetState(project)?.current, true);
  } finally {
    project.close();
  }
});
