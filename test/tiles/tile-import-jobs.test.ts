/**
 * Tile imports as the UI runs them: progress with bytes, cancel that rolls back, the project-folder listing's
 * guards, and a whole job on the import worker thread (the same module the registry import uses).
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { ImportJobs } from '../../core/import/import-jobs.js';
import { spawnImportWorker } from '../../core/import/worker-url.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { checkTileSource, listTileSources, resolveTileSourcePath } from '../../core/tiles/tile-sources.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const terrainDir = sharedData('nl-heuvelrug-terrain', 'tiles');
const dcMbtiles = sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles');

function contents(project: ProjectFile): string {
  const db = project.db;
  return JSON.stringify([
    db.prepare(`SELECT id, name, kind, settings FROM storey_layers ORDER BY id`).all(),
    db.prepare(`SELECT layer_id, tile_path, sha256 FROM storey_tiles ORDER BY layer_id, tile_path`).all(),
    db.prepare(`SELECT sha256 FROM storey_blobs ORDER BY sha256`).pluck().all(),
  ]);
}

test('progress reports tiles done of total and the bytes written, ending at the layer totals', async () => {
  const project = ProjectFile.create(join(dir, 'progress.storey'), { name: 'progress' });
  const seen: Array<{ done: number; total: number; bytes?: number }> = [];
  const layer = await importTiles(project, terrainDir, { onProgress: (p) => seen.push(p) });
  project.close();
  assert.ok(seen.length >= 2, `${seen.length} progress reports`);
  assert.equal(seen[0]!.done, 1);
  const last = seen.at(-1)!;
  // layer.json is stored too, so the layer holds one file more than the tiles counted.
  assert.deepEqual([last.done, last.total], [419, 419]);
  assert.equal(layer.tileCount, 420);
  assert.ok(seen.every((p, i) => i === 0 || (p.done >= seen[i - 1]!.done && p.bytes! >= seen[i - 1]!.bytes!)), 'progress only goes forward');
  assert.equal(last.bytes, layer.byteSize, 'the last report counts every byte stored, layer.json included');
});

test('a cancelled tile import rolls back: the project holds exactly what it held', async () => {
  const project = ProjectFile.create(join(dir, 'cancel.storey'), { name: 'cancel' });
  await importTiles(project, dcMbtiles);
  const before = contents(project);
  let asked = 0;
  await assert.rejects(
    importTiles(project, terrainDir, { shouldCancel: () => ++asked > 200 }),
    (e: unknown) => e instanceof StoreyError && e.code === 'CANCELLED' && /tiles was cancelled/.test(e.message),
  );
  assert.ok(asked > 200, 'the import ran until it was told to stop');
  assert.equal(contents(project), before);
  project.close();
});

test('the project-folder listing marks tile sources and never leads outside', () => {
  const root = join(dir, 'folder');
  mkdirSync(join(root, 'maps', 'z'), { recursive: true });
  writeFileSync(join(root, 'maps', 'broken.mbtiles'), 'not sqlite');
  writeFileSync(join(root, 'notes.txt'), 'hello');
  for (const companion of ['p.storey-wal', 'p.storey-shm', 'p.storey.lock']) writeFileSync(join(root, companion), '');
  writeFileSync(join(root, '.hidden.mbtiles'), '');
  symlinkSync(terrainDir, join(root, 'terrain-link'));
  symlinkSync(root, join(root, 'maps', 'back-to-root'));
  const top = listTileSources(root);
  assert.deepEqual(top.entries.map((e) => [e.name, e.folder, e.sourceType]), [['maps', true, null], ['notes.txt', false, null]]);
  const maps = listTileSources(root, 'maps/');
  assert.deepEqual(maps.entries.map((e) => [e.path, e.sourceType]), [['maps/back-to-root', null], ['maps/z', null], ['maps/broken.mbtiles', 'mbtiles']]);
  assert.equal(maps.parent, '');
  assert.throws(() => listTileSources(root, 'terrain-link'), /leads outside the project folder/);
  assert.throws(() => listTileSources(root, '/'), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
  for (const bad of ['..', 'maps/../..', '.hidden.mbtiles', 'maps\\..\\..', 'C:']) {
    assert.throws(() => resolveTileSourcePath(root, bad), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT', bad);
  }
  assert.equal(resolveTileSourcePath(root, dcMbtiles), dcMbtiles, 'an absolute path on the host is taken as typed');
  assert.throws(() => checkTileSource(join(root, 'notes.txt')), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_INPUT' && /notes\.txt .*is not a tile source/.test(e.message));
  assert.throws(() => checkTileSource(join(root, 'nothing.mbtiles')), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
});

test('a tile import job on the worker thread: a damaged file fails naming it, a good one lands, one import at a time', async () => {
  const projectPath = join(dir, 'jobs.storey');
  const project = ProjectFile.create(projectPath, { name: 'jobs' });
  const jobs = new ImportJobs(projectPath, spawnImportWorker);
  const until = async (id: string) => {
    let job = jobs.tiles.get(id);
    for (let i = 0; job.state === 'running' && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = jobs.tiles.get(id);
    }
    return job;
  };
  const damaged = join(dir, 'damaged.mbtiles');
  writeFileSync(damaged, Buffer.alloc(8192, 0x5a));
  const failed = await until(jobs.tiles.start(damaged, 'mbtiles').id);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error?.code, 'BAD_INPUT');
  assert.match(failed.error!.message, /damaged\.mbtiles: cannot be read as an MBTiles file/);
  const job = jobs.tiles.start(dcMbtiles, 'mbtiles', { name: 'Washington' });
  assert.throws(() => jobs.tiles.start(terrainDir, 'terrain-folder'), (e: unknown) => e instanceof StoreyError && e.code === 'BUSY');
  assert.equal(jobs.busy, true, 'the workspace sees a tile import as an import');
  const done = await until(job.id);
  assert.equal(done.state, 'done', JSON.stringify(done.error));
  assert.deepEqual([done.layer?.name, done.layer?.tileCount, done.layer?.minZoom, done.layer?.maxZoom], ['Washington', 32, 7, 12]);
  assert.deepEqual(project.db.prepare(`SELECT name FROM storey_layers`).pluck().all(), ['Washington'], 'the host connection sees the worker\'s layer');
  project.close();
});
