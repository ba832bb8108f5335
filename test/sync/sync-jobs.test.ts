/**
 * The workstation's sync jobs (core/api/sync-jobs.ts) against a loopback TLS server with the Danish data: New project
 * from server and Sync now on a worker thread, progress, cancel, the summary, tokens kept or forgotten, the host's
 * operations held back while a sync runs, and note conflicts listed while both versions are there.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SyncJob } from '../../common/sync.js';
import { StoreyError } from '../../common/errors.js';
import { saveNote, deleteNote } from '../../core/api/views-notes.js';
import { spawnSyncWorker } from '../../core/api/sync-worker-url.js';
import { checkCaFile, listSyncConflicts, noTokenKeeper, SessionTokens, SyncJobs, withSync, type SyncHostContext } from '../../core/api/sync-jobs.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Area } from '../../core/sync/area.js';
import { createProjectFromServer, syncProject } from '../../core/sync/sync-client.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { tempDir } from '../support/temp.js';
import { buildingsTilesetState } from '../../core/tiler/stamp.js';
import { assertSameContent, content, makeCertificates, type Certificates, createDanishMaster } from './sync-support.js';

const dir = tempDir('storey-sync-jobs-');
const masterPath = join(dir, 'master.storey');
/** Central Odense: the multi-storey blocks. */
const odense: Area = { west: 10.36, south: 55.38, east: 10.41, north: 55.41 };
const odenseAoi = { westDegrees: odense.west, southDegrees: odense.south, eastDegrees: odense.east, northDegrees: odense.north };

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let serverUrl: string;
let token: string;
/** The workstation's open project, as a host holds it. */
let open: ProjectFile | undefined;
const tokens = new SessionTokens();

function host(extra: Partial<SyncHostContext> = {}): SyncHostContext {
  return {
    project: () => open,
    open: (path) => {
      open?.close();
      open = ProjectFile.open(path);
    },
    newProjectPath: async (fileName, suggested) => join(dir, `${fileName ?? suggested}.storey`),
    tokens,
    spawn: spawnSyncWorker,
    ...extra,
  };
}

/** Polls a job like the dialog does, keeping every progress seen. */
async function watch(jobs: SyncJobs, started: SyncJob): Promise<{ job: SyncJob; seen: SyncJob['progress'][] }> {
  const seen: SyncJob['progress'][] = [started.progress];
  let job = started;
  while (job.state === 'running') {
    await new Promise((r) => setTimeout(r, 5));
    job = jobs.get(started.id);
    seen.push(job.progress);
  }
  return { job, seen };
}

before(async () => {
  certs = makeCertificates(dir);
  master = await createDanishMaster(masterPath);
  assert.equal(captureGeneration(master).generation, 1);
  token = createToken(master, { name: 'analyst-odense', area: odense }).token;
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;
});

after(async () => {
  open?.close();
  await server?.close();
  master?.close();
});

test('the CA file is checked before anything is sent: missing, not a file of certificates', () => {
  assert.throws(() => checkCaFile(join(dir, 'no-such-ca.pem')), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND' && e.message.includes('no-such-ca.pem'));
  const notPem = join(dir, 'not-a-ca.txt');
  writeFileSync(notPem, 'hello\n');
  assert.throws(() => checkCaFile(notPem), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_INPUT' && e.message.includes('not-a-ca.txt'));
  assert.equal(checkCaFile(certs.caPath), certs.caPath);
});

test('the server\'s offer for a token: its name, area, layers and counts; a wrong token or an untrusted server is refused', async () => {
  const jobs = new SyncJobs(host());
  const offer = await jobs.probe({ server: serverUrl, caPath: certs.caPath, token, area: null });
  assert.equal(offer.tokenName, 'analyst-odense');
  assert.equal(offer.generation, 1);
  assert.deepEqual(offer.area, odenseAoi);
  assert.ok(offer.counts.records > 100, `${offer.counts.records} records in the area`);
  assert.ok(offer.layers.some((l) => l.kind === 'imagery'), JSON.stringify(offer.layers));
  await assert.rejects(jobs.probe({ server: serverUrl, caPath: certs.caPath, token: 'sty_not-a-real-token-at-all', area: null }), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED');
  await assert.rejects(jobs.probe({ server: serverUrl, caPath: certs.rogueCaPath, token, area: null }), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED' && /not trusted/.test(e.message));
});

test('New project from server runs on a worker with progress; the project opens equal to the server\'s area; the token is kept for the session only when asked', async () => {
  const jobs = new SyncJobs(host({ paceMs: 2 }));
  const dispatch = withSync(async () => ({ ok: true, value: 'passed through' }), jobs);
  const started = await jobs.startFromServer({ server: serverUrl, caPath: certs.caPath, token, rememberToken: true, area: odenseAoi, name: 'Odense centre', fileName: 'odense' });
  assert.equal(started.state, 'running');
  assert.equal(started.fileName, 'odense.storey');
  assert.equal(started.server, `127.0.0.1:${server.port}`);
  // While it runs: one sync at a time, and the project is neither switched, closed nor imported into.
  assert.throws(() => jobs.startSync({}), (e: unknown) => e instanceof StoreyError && e.code === 'BUSY');
  for (const operation of ['openProject', 'closeProject', 'createProject', 'startImport']) {
    const answer = await dispatch(operation, {});
    assert.ok(!answer.ok && answer.error.code === 'BUSY', `${operation} while syncing: ${JSON.stringify(answer)}`);
  }
  assert.deepEqual(await dispatch('listNotes', {}), { ok: true, value: 'passed through' });
  const { job, seen } = await watch(jobs, started);
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  assert.ok(job.opened, 'the new project is the open one');
  assert.ok(seen.some((p) => p.phase === 'tiles' && p.itemsTotal !== null && p.itemsTotal > 0), 'tiles counted against their total');
  assert.ok(seen.some((p) => p.bytes > 0 && p.bytesPerSecond > 0), 'bytes and rate reported');
  assert.equal(job.progress.phase, 'done');
  const summary = job.summary!;
  assert.deepEqual([summary.generationBefore, summary.generation, summary.applied], [0, 1, true]);
  assert.ok(summary.records.put > 100 && summary.tiles.put > 0 && summary.blobsFetched > 0, JSON.stringify(summary));
  // Then the synced buildings are tiled for the city view, with progress in buildings.
  const footprinted = open!.db.prepare(`SELECT count(*) FROM buildings WHERE footprint IS NOT NULL`).pluck().get() as number;
  assert.equal(summary.tiled?.buildings, footprinted, JSON.stringify(summary));
  assert.deepEqual([summary.tiled?.rebuilt, summary.tiled?.kept], [summary.tiled?.tiles, 0], 'a new project builds every tile');
  assert.equal(summary.tilingError, null);
  assert.equal(buildingsTilesetState(open!)?.current, true);
  assert.equal(open?.path, join(dir, 'odense.storey'));
  assertSameContent(content(open!), content(master, odense));
  assert.equal(job.tokenKept, true);
  assert.equal(tokens.recall(open!.path), token);
  const state = jobs.state();
  assert.deepEqual([state.configured, state.server, state.generation, state.tokenStorage, state.tokenKept], [true, serverUrl, 1, 'session', true]);
  assert.deepEqual(state.area, odenseAoi);
  // The token is never written into the project.
  open!.db.pragma('wal_checkpoint(TRUNCATE)');
  assert.ok(!readFileSync(open!.path).includes(token), 'no token in the project file');
});

test('Sync now: a change on the server arrives and the summary counts it; a cancelled sync keeps the last whole generation and the next one completes', async () => {
  const building = open!.db.prepare(`SELECT registry_id FROM buildings ORDER BY registry_id LIMIT 1`).pluck().get() as string;
  const unit = open!.db.prepare(`SELECT registry_id FROM units ORDER BY registry_id LIMIT 1`).pluck().get() as string;
  master.transaction(() => {
    master.db.prepare(`UPDATE buildings SET year_built = 1902, name = 'Changed for Sync now' WHERE registry_id = ?`).run(building);
    master.db.prepare(`DELETE FROM units WHERE registry_id = ?`).run(unit);
  });
  assert.equal(captureGeneration(master).generation, 2);

  const slow = new SyncJobs(host({ paceMs: 300 }));
  const started = slow.startSync({});
  while (slow.get(started.id).progress.phase === 'starting') await new Promise((r) => setTimeout(r, 5));
  slow.cancel(started.id);
  const cancelled = await slow.wait(started.id);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal(cancelled.error?.code, 'CANCELLED');
  assert.equal(open!.getMeta('sync.generation'), '1', 'still the last whole generation');
  assert.notEqual(open!.db.prepare(`SELECT name FROM buildings WHERE registry_id = ?`).pluck().get(building), 'Changed for Sync now');

  const jobs = new SyncJobs(host());
  const { job } = await watch(jobs, jobs.startSync({}));
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  const summary = job.summary!;
  assert.deepEqual([summary.generationBefore, summary.generation, summary.applied], [1, 2, true]);
  assert.deepEqual(summary.records, { put: 1, delete: 1 });
  assert.deepEqual(summary.tiles, { put: 0, delete: 0 });
  assert.ok(summary.tiled && buildingsTilesetState(open!)?.current, 'the changed records are tiled again');
  // One building deleted: its leaf (here the area's only tile) is built again; the summary says built and kept.
  const { tiles, rebuilt, kept } = summary.tiled;
  assert.ok(rebuilt! >= 1 && rebuilt! + kept! === tiles, `tiles built and kept: ${JSON.stringify(summary.tiled)}`);
  assert.equal(open!.db.prepare(`SELECT name FROM buildings WHERE registry_id = ?`).pluck().get(building), 'Changed for Sync now', 'the host\'s connection sees the applied generation');
  assertSameContent(content(open!), content(master, odense));

  // Nothing new: the summary says so.
  const idle = await watch(jobs, jobs.startSync({}));
  assert.equal(idle.job.summary?.applied, false);
  assert.deepEqual(idle.job.summary?.records, { put: 0, delete: 0 });
  assert.equal(idle.job.summary?.tiled, null, 'nothing changed, nothing tiled');
});

test('a kept token the server refuses is forgotten; a host without a keychain asks for the token each time', async () => {
  const path = open!.path;
  tokens.remember(path, 'sty_revoked-or-expired-token');
  const jobs = new SyncJobs(host());
  const { job } = await watch(jobs, jobs.startSync({}));
  assert.equal(job.state, 'failed');
  assert.equal(job.error?.code, 'UNAUTHORIZED');
  assert.ok(!job.error!.message.includes('sty_revoked'), 'the token is not in the message');
  assert.equal(tokens.recall(path), undefined, 'forgotten');
  assert.throws(() => jobs.startSync({}), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED');

  const asking = new SyncJobs(host({ tokens: noTokenKeeper }));
  assert.equal(asking.state().tokenStorage, 'ask');
  const given = await watch(asking, asking.startSync({ token, rememberToken: true }));
  assert.equal(given.job.state, 'done', JSON.stringify(given.job.error));
  assert.equal(given.job.tokenKept, false, 'not kept where there is no keychain');
  assert.throws(() => asking.startSync({}), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED' && /keeps none/.test(e.message));
  // Given once without asking to keep it: not kept.
  const once = await watch(jobs, jobs.startSync({ token, rememberToken: false }));
  assert.equal(once.job.tokenKept, false);
  assert.equal(tokens.recall(path), undefined);
});

test('a note changed here and on the server: both versions are kept and listed as a conflict until one is deleted', async () => {
  const jobs = new SyncJobs(host());
  const note = saveNote(open!, { text: 'Fire door blocked', buildingId: null, lonDegrees: 10.39, latDegrees: 55.4, heightMeters: 0 });
  assert.equal((await watch(jobs, jobs.startSync({ token }))).job.summary?.items.pushed, 1);
  const other = (await createProjectFromServer(join(dir, 'second-laptop.storey'), { name: 'o', server: serverUrl, caPath: certs.caPath, area: null }, { token })).project;
  try {
    saveNote(other, { ...note, text: 'Fire door cleared' });
    await syncProject(other, { token });
  } finally {
    other.close();
  }
  saveNote(open!, { ...note, text: 'Fire door blocked again' });
  const { job } = await watch(jobs, jobs.startSync({ token }));
  assert.equal(job.summary?.items.conflicts, 1);
  const conflicts = jobs.state().conflicts;
  assert.equal(conflicts.length, 1);
  assert.deepEqual([conflicts[0]!.kind, conflicts[0]!.id], ['note', note.id]);
  const texts = new Map((open!.db.prepare(`SELECT id, text FROM storey_notes`).all() as Array<{ id: string; text: string }>).map((r) => [r.id, r.text]));
  assert.equal(texts.get(note.id), 'Fire door cleared', 'the server\'s version under its id');
  assert.equal(texts.get(conflicts[0]!.copyId), 'Fire door blocked again', 'ours as the copy');
  deleteNote(open!, conflicts[0]!.copyId);
  assert.deepEqual(listSyncConflicts(open!), [], 'settled once one version is deleted');
});
