/**
 * The buildings tileset and sync: the master's own tileset (made by `storey import` or `storey tile`) is never
 * served, since its tiles carry buildings and fields a token may not see; `storey sync` tiles the records the
 * workstation was given, so its city view is drawn from 3D Tiles after the sync.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Area } from '../../core/sync/area.js';
import { buildingsTilesetState } from '../../core/tiler/stamp.js';
import { tileBuildings } from '../../core/tiler/tiler.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';
import { content, makeCertificates, type Certificates } from './sync-support.js';

const dir = tempDir('storey-sync-tiling-');
const root = findPackageRoot(import.meta.dirname);
const cli = join(root, 'bin', 'storey.mjs');
const masterPath = join(dir, 'master.storey');
/** Central Odense: a part of the master's buildings. */
const odense: Area = { west: 10.36, south: 55.38, east: 10.41, north: 55.41 };

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let token: string;
let masterTilesetLayer: string;

before(async () => {
  certs = makeCertificates(dir);
  master = ProjectFile.create(masterPath, { name: 'Master' });
  await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  // As `storey import` leaves a master: with a buildings tileset of all its buildings and their properties.
  masterTilesetLayer = (await tileBuildings(master)).layer.id;
  captureGeneration(master);
  token = createToken(master, { name: 'analyst', area: odense, fields: ['use_code'] }).token;
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
});

after(async () => {
  await server?.close();
  master?.close();
});

/** `storey sync ARGS` as a child process; asynchronously, since the server answers from this process. */
function sync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'sync', ...args], { cwd: dir, env: { ...process.env, STOREY_HOME: dir, STOREY_SYNC_TOKEN: token } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const tilesetLayers = (project: ProjectFile) =>
  project.db.prepare(`SELECT id FROM storey_layers WHERE name = ? AND kind = '3dtiles'`).pluck().all(BUILDINGS_TILESET_NAME) as string[];

test('the master\'s buildings tileset is never sent: the generation log holds neither the layer nor its tiles', () => {
  const logged = master.db.prepare(`SELECT count(*) FROM storey_changes WHERE (tbl = 'layers' AND key = ?) OR (tbl = 'tiles' AND key LIKE ? || '/%')`).pluck().get(masterTilesetLayer, masterTilesetLayer);
  assert.equal(logged, 0);
  assert.ok((master.db.prepare(`SELECT count(*) FROM storey_tiles WHERE layer_id = ?`).pluck().get(masterTilesetLayer) as number) > 1, 'the master does have the tileset');
});

test('storey sync tiles the synced buildings for the city view; --no-tile leaves that for later', async () => {
  const url = `https://127.0.0.1:${server.port}`;
  const laptop = join(dir, 'laptop.storey');
  const init = await sync(['--init', laptop, '--server', url, '--ca', certs.caPath]);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /Tiled (\d+) buildings into \d+ tiles for the city view/);
  const tiledCount = Number(/Tiled (\d+) buildings/.exec(init.stdout)![1]);

  const project = ProjectFile.open(laptop, { readOnly: true });
  try {
    // The same records and tiles as the area holds (their values are cut to the token's fields).
    assert.deepEqual([...content(project).keys()].sort(), [...content(master, odense).keys()].sort());
    assert.equal(project.db.prepare(`SELECT count(*) FROM buildings WHERE year_built IS NOT NULL`).pluck().get(), 0, 'no field the token may not see');
    const withFootprints = project.db.prepare(`SELECT count(*) FROM buildings WHERE footprint IS NOT NULL`).pluck().get() as number;
    const allOfMaster = master.db.prepare(`SELECT count(*) FROM buildings WHERE footprint IS NOT NULL`).pluck().get() as number;
    assert.ok(withFootprints > 50 && withFootprints < allOfMaster, `the area holds a part of the master's buildings (${withFootprints} of ${allOfMaster})`);
    assert.equal(tiledCount, withFootprints, 'every building of the area, and none from outside it, is tiled');
    const layers = tilesetLayers(project);
    assert.equal(layers.length, 1);
    assert.notEqual(layers[0], masterTilesetLayer, 'the tileset is the workstation\'s own');
    assert.equal(buildingsTilesetState(project)?.current, true, 'and current: the city view draws from it');
  } finally {
    project.close();
  }

  const other = join(dir, 'later.storey');
  const untiled = await sync(['--init', other, '--server', url, '--ca', certs.caPath, '--no-tile']);
  assert.equal(untiled.status, 0, untiled.stderr);
  assert.doesNotMatch(untiled.stdout, /Tiled/);
  const later = ProjectFile.open(other, { readOnly: true });
  try {
    assert.deepEqual(tilesetLayers(later), []);
  } finally {
    later.close();
  }
  // Nothing new on the server: the sync applies nothing and the tileset, still current, is left alone.
  const again = await sync([laptop]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /Already at generation/);
  assert.doesNotMatch(again.stdout, /Tiled/);
});
