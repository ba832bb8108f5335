/**
 * Importing into an encrypted project from the UI: the web host opens the project with its passphrase, and the
 * import workers (registry and tiles) open the file with the same key. What they write lands encrypted: the imported
 * registry ids are nowhere in the file's bytes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApiClient } from '../../common/client.js';
import type { ApiResult, StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const folder = join(dir, 'projects');
const staticRoot = join(dir, 'static');
const passphrase = 'a passphrase for the sealed project';
const delft = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');
const world = sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles');

let host: WebHost;
let api: StoreyApi;

async function finished<T extends { state: string }>(poll: () => Promise<T>): Promise<T> {
  let job = await poll();
  for (let i = 0; job.state === 'running' && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    job = await poll();
  }
  return job;
}

before(async () => {
  mkdirSync(folder);
  mkdirSync(staticRoot);
  writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><title>Storey</title>');
  ProjectFile.create(join(folder, 'sealed.storey'), { name: 'Sealed', passphrase }).close();
  host = await startWebHost({ folder, staticRoot, stateFile: join(dir, 'state.json') });
  api = createApiClient(async (operation, input) => {
    const response = await fetch(`${host.origin}/api/${operation}`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}` }, body: JSON.stringify(input) });
    return (await response.json()) as ApiResult;
  });
});

after(async () => {
  await host?.close();
});

test('registry and tile imports into an encrypted project opened with its passphrase land, encrypted', async () => {
  const opened = await api.openProject({ ref: { kind: 'folder', fileName: 'sealed.storey' }, passphrase });
  assert.equal(opened.opened, true, JSON.stringify(opened));
  assert.equal(host.project.encrypted, true);

  const job = await api.startImport({ profile: 'cityjson', inputs: [delft] });
  const done = await finished(() => api.getImportJob({ jobId: job.id }));
  assert.equal(done.state, 'done', JSON.stringify(done.error));
  assert.equal(done.report!.records['buildings']!.imported, 160);
  assert.equal((await api.getProjectInfo({})).counts.buildings, 160, 'the host reads what the worker wrote');

  const tiles = await api.startTileImport({ source: world, name: 'World' });
  const layer = await finished(() => api.getTileImportJob({ jobId: tiles.id }));
  assert.equal(layer.state, 'done', JSON.stringify(layer.error));
  assert.equal(layer.layer?.tileCount, 5);

  const ids = (await api.queryBuildings({ conditions: [], limit: 20 })).rows.map((r) => r.id);
  assert.equal(ids.length, 20);
  await api.closeProject({});

  // The control: the ids are plain text in the CityJSON that was imported.
  const source = readFileSync(delft);
  assert.ok(ids.every((id) => source.includes(id)), 'the ids are in the input');
  const path = join(folder, 'sealed.storey');
  const bytes = Buffer.concat(['', '-wal', '-shm'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));
  for (const id of ids) assert.equal(bytes.indexOf(id), -1, `${id} in the project's bytes`);
  const project = ProjectFile.open(path, { readOnly: true, passphrase });
  try {
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings`).pluck().get(), 160);
    assert.equal(project.db.prepare(`SELECT count(*) FROM storey_tiles WHERE layer_id = ?`).pluck().get(layer.layer!.id), 5);
    // The import worker also tiled the buildings (their glb property tables hold the registry ids): encrypted too.
    assert.ok((project.db.prepare(`SELECT count(*) FROM storey_tiles t JOIN storey_layers l ON l.id = t.layer_id WHERE l.name = 'Buildings (3D Tiles)'`).pluck().get() as number) > 0);
  } finally {
    project.close();
  }
  assert.throws(() => ProjectFile.open(path, { readOnly: true }), (e: unknown) => e instanceof StoreyError && e.code === 'ENCRYPTED');
});
