/**
 * Sync now on an encrypted project, as the workstation runs it (core/api/sync-jobs.ts): the worker thread opens the
 * file with the key the host opened it with, the project ends equal to the server's area and stays encrypted, and
 * the passphrase appears in no job, state or message the host hands out. Loopback TLS, the Danish data.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { spawnSyncWorker } from '../../core/api/sync-worker-url.js';
import { SessionTokens, SyncJobs, type SyncHostContext } from '../../core/api/sync-jobs.js';
import type { SyncWorkerData } from '../../core/api/sync-worker.js';
import { isEncryptedFile } from '../../core/project/encryption.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Area } from '../../core/sync/area.js';
import { writeSyncSettings } from '../../core/sync/sync-client.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { tempDir } from '../support/temp.js';
import { assertSameContent, content, makeCertificates, type Certificates, createDanishMaster } from './sync-support.js';

const dir = tempDir('storey-sync-jobs-encrypted-');
const masterPath = join(dir, 'master.storey');
const odense: Area = { west: 10.36, south: 55.38, east: 10.41, north: 55.41 };
const passphrase = 'a passphrase nobody logs';

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let serverUrl: string;
let token: string;
let open: ProjectFile | undefined;

before(async () => {
  certs = makeCertificates(dir);
  master = await createDanishMaster(masterPath);
  captureGeneration(master);
  token = createToken(master, { name: 'analyst-encrypted', area: odense }).token;
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;
});

after(async () => {
  open?.close();
  await server?.close();
  master?.close();
});

test('Sync now on an encrypted project: the worker opens it with the host\'s key; equal to the server\'s area, still encrypted', async () => {
  const path = join(dir, 'encrypted.storey');
  const created = ProjectFile.create(path, { name: 'Encrypted', passphrase });
  writeSyncSettings(created, { server: serverUrl, caPath: certs.caPath, area: odense });
  created.close();
  // The host holds the project open for writing, with its lock, as a workstation does.
  open = ProjectFile.open(path, { passphrase });
  const spawned: SyncWorkerData[] = [];
  const context: SyncHostContext = {
    project: () => open,
    open: () => assert.fail('Sync now opens no other project'),
    newProjectPath: async () => null,
    tokens: new SessionTokens(),
    spawn: (data) => {
      spawned.push(data);
      return spawnSyncWorker(data);
    },
  };
  const jobs = new SyncJobs(context);
  const started = jobs.startSync({ token, rememberToken: false });
  const job = await jobs.wait(started.id);
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  assert.equal(spawned[0]?.mode, 'sync');
  assert.equal(spawned[0]?.mode === 'sync' ? spawned[0].passphrase : undefined, passphrase, 'the worker was given the key in memory');
  const summary = job.summary!;
  assert.deepEqual([summary.generationBefore, summary.generation, summary.applied], [0, 1, true]);
  assert.ok(summary.records.put > 100 && summary.tiles.put > 0 && summary.blobsFetched > 0, JSON.stringify(summary));
  assertSameContent(content(open), content(master, odense));
  assert.equal(open.db.prepare(`PRAGMA integrity_check`).pluck().get(), 'ok');
  // What the host hands out never carries the key (nor the token).
  const shown = JSON.stringify([job, jobs.state()]);
  assert.ok(!shown.includes(passphrase) && !shown.includes(token), 'no secret in the job or the state');
  open.close();
  open = undefined;
  assert.ok(isEncryptedFile(path), 'still encrypted after the sync');
  const reopened = ProjectFile.open(path, { passphrase });
  try {
    assertSameContent(content(reopened), content(master, odense), 'reopened: ');
  } finally {
    reopened.close();
  }
});
