/**
 * Contract tests: every StoreyApi operation through the web host's HTTP transport, with good and bad arguments, and
 * the host's guards (token, Host header, paths).
 */
import assert from 'node:assert/strict';
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import { copyFileSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApiClient } from '../../common/client.js';
import { operations, operationNames, type ApiResult, type OperationName, type StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { tempDir } from '../support/temp.js';
import { sharedData } from '../support/shared-data.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { listAudit } from '../../core/project/audit.js';
import { hostname, userInfo } from 'node:os';
import type { SyncJob } from '../../common/sync.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { makeCertificates, type Certificates } from '../sync/sync-support.js';

/**
 * The layers imported as tile layers, without the buildings tileset that the registry import (run by another case,
 * in the background) makes when it finishes: whether it is there yet depends on timing.
 */
const imported = <T extends { name: string; kind: string }>(layers: T[]) => layers.filter((l) => !(l.kind === '3dtiles' && l.name === BUILDINGS_TILESET_NAME));

const dir = tempDir();
const projectPath = join(dir, 'sample.storey');
const staticRoot = join(dir, 'static');
let host: WebHost;
let api: StoreyApi;
let writableHost: WebHost;
let writableApi: StoreyApi;
let importJobId = '';
let tileJobId = '';
let briefingJobId = '';
/** A host on a folder of projects, for the operations that open, create, copy and close them. */
let folderHost: WebHost;
let folderApi: StoreyApi;
const folder = join(dir, 'projects');
const folderApiOf = () => folderApi;
const writable = () => writableApi;
/** The project's audit trail as another reader sees it, newest first. */
const auditOf = (path: string) => {
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    return listAudit(project);
  } finally {
    project.close();
  }
};
/** A sync server on the sample project for the sync operations (loopback TLS, a throwaway CA). */
let syncServer: SyncServer;
let syncCerts: Certificates;
let syncUrl = '';
let syncToken = '';
let syncMasterBuildings = 0;
let syncJobId = '';
async function syncDone(started: SyncJob) {
  let job = started;
  for (let i = 0; job.state === 'running' && i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    job = await folderApiOf().getSyncJob({ jobId: started.id });
  }
  return job;
}
async function briefingDone(jobId: string) {
  let job = await api.getBriefingJob({ jobId });
  for (let i = 0; job.state === 'running' && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    job = await api.getBriefingJob({ jobId });
  }
  return job;
}
const viewState = {
  camera: { lonDegrees: 10.4, latDegrees: 55.39, heightMeters: 800, headingDegrees: 20, pitchDegrees: -38, rollDegrees: 0 },
  style: { level: 'buildings' as const, attribute: 'yearBuilt', method: 'quantile' as const, classes: 5, ramp: 'yellow-blue' },
  filter: [],
  selection: null,
};
const delft = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (fetch would not let us forge Host). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: host.port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${host.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = () => ({ Authorization: `Bearer ${host.token}` });

async function call(operation: string, input: unknown): Promise<{ status: number; result: ApiResult }> {
  const response = await raw(`/api/${operation}`, {
    method: 'POST',
    headers: { ...auth(), 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: response.status, result: JSON.parse(response.body) as ApiResult };
}

before(async () => {
  createSampleProject(projectPath).close();
  mkdirSync(join(staticRoot, 'cesium'), { recursive: true });
  writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><title>Storey</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static root');
  host = await startWebHost({ projectPath, staticRoot, readOnly: true, stateFile: join(dir, 'state-readonly.json') });
  api = createApiClient(async (operation, input) => (await call(operation, input)).result);
  const emptyPath = join(dir, 'empty.storey');
  ProjectFile.create(emptyPath, { name: 'empty' }).close();
  writableHost = await startWebHost({ projectPath: emptyPath, staticRoot, stateFile: join(dir, 'state-writable.json') });
  mkdirSync(folder);
  createSampleProject(join(folder, 'alpha.storey')).close();
  ProjectFile.create(join(folder, 'beta.storey'), { name: 'Beta' }).close();
  writeFileSync(join(folder, 'notes.storey'), 'these are not a project\n');
  folderHost = await startWebHost({ folder, staticRoot, stateFile: join(dir, 'state-folder.json') });
  const syncDir = join(dir, 'sync-server');
  mkdirSync(syncDir);
  syncCerts = makeCertificates(syncDir);
  const syncMaster = createSampleProject(join(syncDir, 'master.storey'));
  captureGeneration(syncMaster);
  syncToken = createToken(syncMaster, { name: 'web-host test' }).token;
  syncMasterBuildings = syncMaster.db.prepare(`SELECT count(*) FROM buildings`).pluck().get() as number;
  syncMaster.close();
  syncServer = await startSyncServer({ dataPath: join(syncDir, 'master.storey'), cert: syncCerts.serverCert, key: syncCerts.serverKey });
  syncUrl = `https://127.0.0.1:${syncServer.port}`;
  folderApi = createApiClient(async (operation, input) => {
    const response = await fetch(`${folderHost.origin}/api/${operation}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${folderHost.token}` },
      body: JSON.stringify(input),
    });
    return (await response.json()) as ApiResult;
  });
  writableApi = createApiClient(async (operation, input) => {
    const response = await fetch(`${writableHost.origin}/api/${operation}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${writableHost.token}` },
      body: JSON.stringify(input),
    });
    return (await response.json()) as ApiResult;
  });
});
after(async () => {
  await host.close();
  await writableHost.close();
  await folderHost.close();
  await syncServer?.close();
});

describe('every operation through the web host', () => {
  // One entry per operation: the type makes a new operation without a contract test a compile error.
  const cases: Record<OperationName, { good: () => Promise<unknown>; bad: unknown }> = {
    getHostInfo: {
      good: async () => {
        const info = await api.getHostInfo({});
        assert.deepEqual({ ...info, keychain: undefined }, { host: 'web', canChooseFiles: false, projectFolder: dir.split('/').pop(), projectOpen: true, keychain: undefined });
        // The browser workstation keeps no passphrases, and says why.
        assert.equal(info.keychain.available, false);
        assert.equal(info.keychain.remembersOpenProject, false);
        assert.match(info.keychain.reason ?? '', /keeps no passphrases/);
        await folderApiOf().closeProject({});
        assert.equal((await folderApiOf().getHostInfo({})).projectOpen, false);
        assert.equal((await folderApiOf().getHostInfo({})).projectFolder, 'projects');
      },
      bad: { verbose: 1 },
    },
    listProjects: {
      good: async () => {
        const { projects } = await folderApiOf().listProjects({});
        assert.deepEqual(projects.map((p) => p.fileName).filter((n) => n !== 'gamma.storey' && !n.includes('copy')), ['alpha.storey', 'beta.storey', 'notes.storey']);
        assert.ok(projects.every((p) => p.sizeBytes > 0 && !Number.isNaN(Date.parse(p.modifiedAt))));
      },
      bad: { folder: '/etc' },
    },
    openProject: {
      good: async () => {
        const opened = await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'beta.storey' } });
        assert.ok(opened.opened && opened.info.name === 'Beta');
        const { projects, recent } = await folderApiOf().listProjects({});
        assert.equal(projects.find((p) => p.current)?.fileName, 'beta.storey');
        assert.equal(recent[0]?.fileName, 'beta.storey');
        const junk = await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'notes.storey' } });
        assert.ok(!junk.opened && junk.problem?.code === 'NOT_SQLITE' && junk.problem.fileName === 'notes.storey' && !junk.problem.canOpenReadOnly);
        assert.equal((await folderApiOf().getProjectInfo({})).name, 'Beta', 'a file that did not open leaves the open project open');
        const again = await folderApiOf().openProject({ ref: { kind: 'recent', id: recent[0]!.id } });
        assert.ok(again.opened && again.info.fileName === 'beta.storey');
        for (const fileName of ['../sample.storey', '..', 'a/b.storey', '.hidden.storey']) {
          await assert.rejects(folderApiOf().openProject({ ref: { kind: 'folder', fileName } }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT', fileName);
        }
        await assert.rejects(folderApiOf().openProject({ ref: { kind: 'path', path: projectPath } }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
        await assert.rejects(folderApiOf().openProject({ ref: { kind: 'dialog' } }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
      },
      bad: { ref: { kind: 'folder' } },
    },
    createProject: {
      good: async () => {
        const properties = { name: 'Gamma', description: 'Harbour area', marking: 'RESTRICTED', areaOfInterest: { westDegrees: 10.37, southDegrees: 55.39, eastDegrees: 10.41, northDegrees: 55.41 } };
        const created = await folderApiOf().createProject({ fileName: 'gamma', properties });
        assert.ok(created.opened);
        assert.equal(created.info.fileName, 'gamma.storey');
        assert.equal(created.info.marking, 'RESTRICTED');
        assert.deepEqual(created.info.areaOfInterest, properties.areaOfInterest);
        await assert.rejects(folderApiOf().createProject({ fileName: 'gamma.storey', properties }), (e: unknown) => e instanceof StoreyError && e.code === 'ALREADY_EXISTS');
        await assert.rejects(api.createProject({ fileName: 'x', properties }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
      },
      bad: { fileName: 'x', properties: { name: 'x', description: '', marking: '', areaOfInterest: { westDegrees: 11, southDegrees: 55, eastDegrees: 10, northDegrees: 56 } } },
    },
    closeProject: {
      good: async () => {
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'alpha.storey' } });
        assert.deepEqual(await folderApiOf().closeProject({}), { closed: true });
        await assert.rejects(folderApiOf().getProjectInfo({}), (e: unknown) => e instanceof StoreyError && e.code === 'NO_PROJECT');
        assert.deepEqual(await folderApiOf().closeProject({}), { closed: false });
      },
      bad: { force: true },
    },
    saveProjectCopy: {
      good: async () => {
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'alpha.storey' } });
        const copy = await folderApiOf().saveProjectCopy({ fileName: 'alpha copy' });
        assert.equal(copy.fileName, 'alpha copy.storey');
        assert.ok(copy.saved && copy.sizeBytes > 100_000);
        const reopened = ProjectFile.open(join(folder, 'alpha copy.storey'), { readOnly: true });
        assert.equal(reopened.getMeta('name'), ProjectFile.open(join(folder, 'alpha.storey'), { readOnly: true }).getMeta('name'));
        reopened.close();
        await assert.rejects(folderApiOf().saveProjectCopy({ fileName: 'alpha copy' }), (e: unknown) => e instanceof StoreyError && e.code === 'ALREADY_EXISTS');
        await assert.rejects(folderApiOf().saveProjectCopy({ fileName: '../escape' }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
      },
      bad: { fileName: 12 },
    },
    setProjectProperties: {
      good: async () => {
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'beta.storey' } });
        const info = await folderApiOf().setProjectProperties({ name: 'Beta district', description: 'Renamed', marking: 'OFFICIAL', areaOfInterest: null });
        assert.equal(info.name, 'Beta district');
        assert.equal(info.marking, 'OFFICIAL');
        assert.equal((await folderApiOf().getProjectInfo({})).description, 'Renamed');
        await assert.rejects(api.setProjectProperties({ name: 'x', description: '', marking: '', areaOfInterest: null }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
      },
      bad: { name: '', description: '', marking: '', areaOfInterest: null },
    },
    getSessionState: {
      good: async () => {
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'alpha.storey' } });
        const session = { view: viewState, panels: { table: true, explodeMeters: 4 } };
        await folderApiOf().saveSessionState({ state: session });
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'beta.storey' } });
        assert.notDeepEqual((await folderApiOf().getSessionState({})).state, session, 'sessions are per project');
        await folderApiOf().openProject({ ref: { kind: 'folder', fileName: 'alpha.storey' } });
        assert.deepEqual((await folderApiOf().getSessionState({})).state, session);
      },
      bad: { project: 'alpha' },
    },
    setProjectPassphrase: {
      good: async () => {
        // Encrypted and made plain again through the host; "remember" is not offered here.
        const properties = { name: 'Sealed', description: '', marking: '', areaOfInterest: null };
        assert.ok((await folderApiOf().createProject({ fileName: 'sealed', properties })).opened);
        await assert.rejects(folderApiOf().setProjectPassphrase({ passphrase: 'a passphrase here', rememberPassphrase: true }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
        assert.equal((await folderApiOf().setProjectPassphrase({ passphrase: 'a passphrase here' })).encrypted, true);
        assert.equal((await folderApiOf().setProjectPassphrase({ passphrase: null })).encrypted, false);
      },
      bad: { passphrase: 12345678 },
    },
    forgetPassphrase: {
      good: async () => {
        assert.deepEqual(await api.forgetPassphrase({}), { forgotten: false });
        // Nothing can be remembered here in the first place.
        const properties = { name: 'Kept', description: '', marking: '', areaOfInterest: null };
        await assert.rejects(api.createProject({ fileName: 'kept', properties, passphrase: 'a passphrase here', rememberPassphrase: true }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED' && /keeps no passphrases/.test(e.message));
      },
      bad: { path: '/p/x.storey' },
    },
    saveSessionState: {
      good: async () => {
        await folderApiOf().closeProject({});
        await assert.rejects(folderApiOf().saveSessionState({ state: { view: viewState, panels: { table: false, explodeMeters: 0 } } }), (e: unknown) => e instanceof StoreyError && e.code === 'NO_PROJECT');
      },
      bad: { state: { view: viewState } },
    },
    getProjectInfo: {
      good: async () => {
        const info = await api.getProjectInfo({});
        assert.equal(info.fileName, 'sample.storey');
        assert.equal(info.synthetic, true);
        assert.ok(info.counts.buildings >= 300);
        assert.equal(info.readOnly, true);
      },
      bad: { verbose: true },
    },
    listBuildingShapes: {
      good: async () => {
        const { buildings } = await api.listBuildingShapes({});
        const info = await api.getProjectInfo({});
        assert.equal(buildings.length, info.counts.buildings);
        const ring = buildings[0]!.polygons[0]![0]!;
        assert.ok(ring.length >= 8 && ring.length % 2 === 0);
        assert.deepEqual(ring.slice(0, 2), ring.slice(-2), 'rings are closed');
        assert.ok(buildings.every((b) => b.heightMeters > 0));
        // Just some buildings (a city drawn from its tileset loads shapes as buildings are opened); unknown ids left out.
        const some = await api.listBuildingShapes({ ids: [buildings[3]!.id, 'no-such-building', buildings[0]!.id] });
        assert.deepEqual(some.buildings.map((b) => b.id).sort(), [buildings[0]!.id, buildings[3]!.id].sort());
        assert.deepEqual(some.buildings.find((b) => b.id === buildings[3]!.id), buildings[3]);
      },
      bad: { ids: 'b1' },
    },
    getBuilding: {
      good: async () => {
        const { buildings } = await api.listBuildingShapes({});
        const tallest = [...buildings].sort((a, b) => b.heightMeters - a.heightMeters)[0]!;
        const detail = await api.getBuilding({ id: tallest.id });
        assert.equal(detail.id, tallest.id);
        assert.equal(detail.heightMeters, tallest.heightMeters);
        assert.equal(detail.floors.filter((f) => f.levelIndex >= 0).length, tallest.floorCount);
        const levels = detail.floors.map((f) => f.levelIndex);
        assert.deepEqual(levels, [...levels].sort((a, b) => a - b), 'storeys come basement first');
        assert.equal(detail.attributes.find((a) => a.key === 'registryId')?.value, tallest.id);
        await assert.rejects(api.getBuilding({ id: 'no-such-building' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { id: 42 },
    },
    listFloorUnits: {
      good: async () => {
        const { buildings } = await api.listBuildingShapes({});
        const detail = await api.getBuilding({ id: buildings.find((b) => (b.floorCount ?? 0) >= 4)!.id });
        const floor = detail.floors.find((f) => f.unitCount > 0)!;
        const { units } = await api.listFloorUnits({ floorId: floor.id });
        assert.equal(units.length, floor.unitCount);
        assert.ok(units.every((u) => u.floorId === floor.id && u.address));
        await assert.rejects(api.listFloorUnits({ floorId: 'missing' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { floorId: '' },
    },
    searchAddresses: {
      good: async () => {
        const { matches } = await api.searchAddresses({ query: 'sondergade', limit: 5 });
        assert.equal(matches.length, 5);
        assert.ok(matches.every((m) => m.text.startsWith('Søndergade')), 'accent-free typing finds Søndergade');
        assert.ok(matches.every((m) => m.buildingId), 'sample addresses belong to buildings');
        assert.deepEqual((await api.searchAddresses({ query: 'zzzz nothing' })).matches, []);
      },
      bad: { query: 7 },
    },
    listAttributes: {
      good: async () => {
        const { attributes } = await api.listAttributes({});
        assert.ok(attributes.some((a) => a.key === 'yearBuilt' && a.kind === 'number'));
        assert.ok(attributes.some((a) => a.key === 'attributes.roofType' && a.kind === 'category'));
      },
      bad: { extra: 1 },
    },
    getAttributeValues: {
      good: async () => {
        const { ids, values, attribute } = await api.getAttributeValues({ attribute: 'yearBuilt' });
        assert.equal(attribute.kind, 'number');
        assert.equal(ids.length, (await api.getProjectInfo({})).counts.buildings);
        assert.ok(values.every((v) => typeof v === 'number' && v >= 1880 && v <= 2021));
      },
      bad: { attribute: '' },
    },
    queryBuildings: {
      good: async () => {
        const all = await api.queryBuildings({ conditions: [] });
        const tall = await api.queryBuildings({ conditions: [{ attribute: 'floorCount', operator: '>=', value: 8 }], sort: { column: 'floorCount', descending: true }, limit: 3 });
        assert.ok(tall.count > 0 && tall.count < all.count);
        assert.equal(tall.rows.length, 3);
        assert.ok(tall.rows[0]!.floorCount! >= tall.rows[2]!.floorCount!);
      },
      bad: { conditions: [{ attribute: 'yearBuilt', operator: 'LIKE', value: 1 }] },
    },
    listViews: {
      good: async () => {
        await writable().saveView({ name: 'Overview', state: viewState });
        const { views } = await writable().listViews({});
        assert.equal(views.length, 1);
        assert.deepEqual(views[0]!.state, viewState);
        await assert.rejects(api.saveView({ name: 'x', state: viewState }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
      },
      bad: { sort: 'name' },
    },
    saveView: {
      good: async () => {
        const first = await writable().saveView({ name: 'Block A', state: viewState });
        const again = await writable().saveView({ name: 'Block A', state: { ...viewState, filter: [{ attribute: 'floorCount', operator: '>=', value: 4 }] } });
        assert.equal(again.id, first.id, 'saving under the same name replaces the view');
        assert.equal((await writable().listViews({})).views.filter((v) => v.name === 'Block A').length, 1);
      },
      bad: { name: '   ', state: viewState },
    },
    deleteView: {
      good: async () => {
        const view = await writable().saveView({ name: 'Temporary', state: viewState });
        assert.deepEqual(await writable().deleteView({ id: view.id }), { deleted: true });
        assert.deepEqual(await writable().deleteView({ id: view.id }), { deleted: false });
      },
      bad: { id: '' },
    },
    listNotes: {
      good: async () => {
        const note = await writable().saveNote({ text: 'Check the roof', buildingId: null, lonDegrees: 4.36, latDegrees: 52.01, heightMeters: 0 });
        assert.deepEqual((await writable().listNotes({})).notes.map((n) => n.id), [note.id]);
      },
      bad: { all: true },
    },
    saveNote: {
      good: async () => {
        const { notes } = await writable().listNotes({});
        const updated = await writable().saveNote({ id: notes[0]!.id, text: 'Roof checked', buildingId: null, lonDegrees: 4.36, latDegrees: 52.01, heightMeters: 3 });
        assert.equal(updated.text, 'Roof checked');
        assert.equal(updated.createdAt, notes[0]!.createdAt);
        await assert.rejects(writable().saveNote({ text: 'x', buildingId: 'no-such-building', lonDegrees: 0, latDegrees: 0, heightMeters: 0 }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { text: 'x', buildingId: null, lonDegrees: 200, latDegrees: 0, heightMeters: 0 },
    },
    deleteNote: {
      good: async () => {
        const { notes } = await writable().listNotes({});
        assert.deepEqual(await writable().deleteNote({ id: notes[0]!.id }), { deleted: true });
        assert.deepEqual((await writable().listNotes({})).notes, []);
      },
      bad: {},
    },
    listLayers: {
      good: async () => {
        const world = await importTiles(writableHost.project, sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'), { name: 'World' });
        const layers = imported((await writable().listLayers({})).layers);
        assert.deepEqual(layers.map((l) => [l.id, l.kind, l.format, l.tileCount, l.minZoom, l.maxZoom, l.visible]), [[world.id, 'imagery', 'png', 5, 0, 1, true]]);
        assert.deepEqual((await api.listLayers({})).layers, []);
      },
      bad: { kind: 'imagery' },
    },
    setLayerSettings: {
      good: async () => {
        await importTiles(writableHost.project, sharedData('tiles-samples', '3dbag-3dtiles11'), { name: 'Buildings' });
        const buildings = (await writable().listLayers({})).layers.find((l) => l.name === 'Buildings')!;
        const moved = await writable().setLayerSettings({ id: buildings.id, order: 0, visible: false, opacity: 0.5 });
        assert.deepEqual([moved.order, moved.visible, moved.opacity], [0, false, 0.5]);
        const after = imported((await writable().listLayers({})).layers);
        assert.deepEqual(after.map((l) => l.name), ['Buildings', 'World']);
        assert.equal(after[0]!.order, 0);
        await assert.rejects(writable().setLayerSettings({ id: 'no-such-layer', visible: true }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { id: 'x', opacity: 2 },
    },
    listTileSources: {
      good: async () => {
        copyFileSync(sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'), join(dir, 'world.mbtiles'));
        symlinkSync(sharedData('tiles-samples'), join(dir, 'projects', 'outside'));
        const top = await writable().listTileSources({});
        assert.equal(top.rootName, dir.split('/').pop());
        assert.equal(top.path, '');
        assert.equal(top.parent, null);
        const byName = new Map(top.entries.map((e) => [e.name, e]));
        assert.deepEqual(byName.get('world.mbtiles'), { name: 'world.mbtiles', path: 'world.mbtiles', folder: false, sizeBytes: statSync(join(dir, 'world.mbtiles')).size, sourceType: 'mbtiles' });
        assert.equal(byName.get('secret.txt')?.sourceType, null);
        assert.equal(byName.get('projects')?.folder, true);
        const projects = await writable().listTileSources({ folder: 'projects' });
        assert.deepEqual([projects.path, projects.parent], ['projects', '']);
        assert.ok(!projects.entries.some((e) => e.name === 'outside'), 'a link leading out of the project folder is not listed');
        for (const folder of ['..', '../..', '/etc', 'projects/../..', 'projects/outside', '.hidden']) {
          await assert.rejects(writable().listTileSources({ folder }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT', folder);
        }
        await assert.rejects(writable().listTileSources({ folder: 'no-such-folder' }), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
      },
      bad: { folder: 5 },
    },
    chooseTileSource: {
      good: async () => {
        await assert.rejects(writable().chooseTileSource({ kind: 'file' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
        await assert.rejects(api.chooseTileSource({ kind: 'folder' }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
      },
      bad: { kind: 'both' },
    },
    startTileImport: {
      good: async () => {
        await assert.rejects(api.startTileImport({ source: 'world.mbtiles' }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
        await assert.rejects(writable().startTileImport({ source: '/no/such/tiles.mbtiles' }), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
        await assert.rejects(writable().startTileImport({ source: 'secret.txt' }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_INPUT' && /secret\.txt .*is not a tile source/.test(e.message));
        await assert.rejects(writable().startTileImport({ source: '../outside.mbtiles' }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
        const job = await writable().startTileImport({ source: 'world.mbtiles', name: 'World again' });
        assert.deepEqual([job.state, job.source, job.sourceType], ['running', 'world.mbtiles', 'mbtiles']);
        tileJobId = job.id;
      },
      bad: { source: '' },
    },
    getTileImportJob: {
      good: async () => {
        let job = await writable().getTileImportJob({ jobId: tileJobId });
        for (let i = 0; job.state === 'running' && i < 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          job = await writable().getTileImportJob({ jobId: tileJobId });
        }
        assert.equal(job.state, 'done', JSON.stringify(job.error));
        assert.deepEqual([job.layer?.name, job.layer?.tileCount, job.progress.done, job.progress.total], ['World again', 5, 5, 5]);
        assert.ok(job.progress.bytes > 0 && job.progress.bytes === job.layer?.byteSize);
        assert.ok((await writable().listLayers({})).layers.some((l) => l.id === job.layer!.id), 'the host sees the layer the worker wrote');
        await assert.rejects(writable().getTileImportJob({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: {},
    },
    cancelTileImport: {
      good: async () => {
        const before = (await writable().listLayers({})).layers;
        const job = await writable().startTileImport({ source: sharedData('nl-heuvelrug-terrain', 'tiles') });
        await writable().cancelTileImport({ jobId: job.id });
        let state = await writable().getTileImportJob({ jobId: job.id });
        for (let i = 0; state.state === 'running' && i < 200; i++) {
          await new Promise((r) => setTimeout(r, 50));
          state = await writable().getTileImportJob({ jobId: job.id });
        }
        assert.equal(state.state, 'cancelled');
        assert.equal(state.error?.code, 'CANCELLED');
        assert.deepEqual((await writable().listLayers({})).layers, before, 'the cancelled import left no layer');
        await assert.rejects(writable().cancelTileImport({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { jobId: 5 },
    },
    exportBriefing: {
      good: async () => {
        // Composition only here (this host serves a stub UI); test/brief renders maps with the real one.
        const { rows } = await api.queryBuildings({ conditions: [], limit: 1 });
        const result = await api.exportBriefing({ title: 'Contract check', buildingIds: [rows[0]!.id], includeTable: true });
        const pdf = Buffer.from(result.pdfBase64, 'base64');
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
        assert.equal(result.fileName, 'Contract-check.pdf');
        assert.ok(result.pageCount >= 4, `${result.pageCount} pages`);
        await assert.rejects(api.exportBriefing({ title: 'x', viewIds: ['no such view'] }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
        await assert.rejects(api.exportBriefing({ title: 'x', buildingIds: ['no-such-building'] }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { title: '', paper: 'a5' },
    },
    listImportProfiles: {
      good: async () => {
        const { profiles } = await writable().listImportProfiles({});
        assert.deepEqual(profiles.map((p) => p.id).sort(), ['cityjson', 'dk-bbr']);
        assert.ok(profiles.find((p) => p.id === 'dk-bbr')!.patterns.includes('bbr_enhed*.csv'));
      },
      bad: { all: true },
    },
    startImport: {
      good: async () => {
        await assert.rejects(api.startImport({ profile: 'cityjson', inputs: [delft] }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
        await assert.rejects(writable().startImport({ profile: 'no-such-profile', inputs: [delft] }), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
        await assert.rejects(writable().startImport({ profile: 'cityjson', inputs: ['/no/such/file.city.json'] }), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
        const job = await writable().startImport({ profile: 'cityjson', inputs: [delft] });
        assert.equal(job.state, 'running');
        importJobId = job.id;
      },
      bad: { profile: 'cityjson', inputs: [] },
    },
    getImportJob: {
      good: async () => {
        let job = await writable().getImportJob({ jobId: importJobId });
        for (let i = 0; job.state === 'running' && i < 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          job = await writable().getImportJob({ jobId: importJobId });
        }
        assert.equal(job.state, 'done', JSON.stringify(job.error));
        assert.equal(job.report!.records['buildings']!.imported, 160);
        assert.equal((await writable().getProjectInfo({})).counts.buildings, 160, 'the host sees what the worker wrote');
        await assert.rejects(writable().getImportJob({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: {},
    },
    cancelImport: {
      good: async () => {
        const job = await writable().startImport({ profile: 'cityjson', inputs: [delft] });
        await writable().cancelImport({ jobId: job.id });
        let state = await writable().getImportJob({ jobId: job.id });
        for (let i = 0; state.state === 'running' && i < 200; i++) {
          await new Promise((r) => setTimeout(r, 50));
          state = await writable().getImportJob({ jobId: job.id });
        }
        assert.equal(state.state, 'cancelled');
        assert.equal(state.error?.code, 'CANCELLED');
        assert.equal((await writable().getProjectInfo({})).lastImport?.buildingsUpdated, 0, 'the cancelled re-import left no trace');
      },
      bad: { jobId: 5 },
    },
    startBriefing: {
      good: async () => {
        // The read-only host: the briefing is still recorded in the project's audit trail (a second connection).
        const { rows } = await api.queryBuildings({ conditions: [], limit: 2 });
        const before = auditOf(projectPath).length;
        const started = await api.startBriefing({ title: 'Job check', buildingIds: rows.map((r) => r.id), includeTable: true, filter: [{ attribute: 'floorCount', operator: '>=', value: 3 }] });
        assert.equal(started.state, 'running');
        assert.equal(started.progress.total, 2 + 1 + 1, 'a step per building, the table and writing');
        await assert.rejects(api.startBriefing({ title: 'Second', buildingIds: [rows[0]!.id] }), (e: unknown) => e instanceof StoreyError && e.code === 'BUSY');
        const job = await briefingDone(started.id);
        assert.equal(job.state, 'done', JSON.stringify(job.error));
        assert.deepEqual([job.progress.stage, job.progress.done], ['done', job.progress.total]);
        assert.equal(Buffer.from(job.result!.pdfBase64, 'base64').subarray(0, 5).toString('latin1'), '%PDF-');
        const audit = auditOf(projectPath);
        assert.equal(audit.length, before + 1);
        const entry = audit[0]!;
        assert.deepEqual([entry.action, entry.target, entry.user, entry.host], ['briefing', 'Job-check.pdf', userInfo().username, hostname()]);
        assert.equal(entry.detail['pages'], job.result!.pageCount);
        assert.deepEqual(entry.detail['buildings'], rows.map((r) => r.id));
        assert.equal(entry.detail['table'], 'floorCount >= 3');
        assert.equal(entry.detail['via'], 'web host');
        briefingJobId = started.id;
      },
      bad: { title: 'x', viewIds: 'all' },
    },
    getBriefingJob: {
      good: async () => {
        const job = await api.getBriefingJob({ jobId: briefingJobId });
        assert.equal(job.state, 'done');
        await assert.rejects(api.getBriefingJob({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: {},
    },
    cancelBriefing: {
      good: async () => {
        const { rows } = await api.queryBuildings({ conditions: [], limit: 50 });
        const before = auditOf(projectPath).length;
        const started = await api.startBriefing({ title: 'Cancelled', buildingIds: rows.map((r) => r.id), includeTable: true });
        const asked = await api.cancelBriefing({ jobId: started.id });
        assert.match(asked.progress.detail, /cancelling/);
        const job = await briefingDone(started.id);
        assert.equal(job.state, 'cancelled');
        assert.equal(job.error?.code, 'CANCELLED');
        assert.equal(job.result, null, 'no PDF');
        assert.equal(auditOf(projectPath).length, before, 'nothing recorded as exported');
        await assert.rejects(api.cancelBriefing({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { jobId: '' },
    },
    openBriefingPdf: {
      good: async () => {
        // The web host leaves opening the PDF to the browser: the dialog opens the blob itself on this answer.
        await assert.rejects(api.openBriefingPdf({ jobId: briefingJobId }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
      },
      bad: { jobId: 7 },
    },
    exportCsv: {
      good: async () => {
        const conditions = [{ attribute: 'floorCount', operator: '>=' as const, value: 4 }];
        const { count } = await api.queryBuildings({ conditions, limit: 0 });
        const result = await api.exportCsv({ conditions, sort: { column: 'floorCount', descending: true } });
        assert.ok(count > 0);
        assert.equal(result.rowCount, count);
        const lines = result.csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
        assert.equal(lines[0], 'id,address,use,yearBuilt,floorCount,heightMeters,dwellingCount');
        assert.equal(lines.length - 1, count);
        // Fields as RFC 4180 reads them: quoted ones may hold commas (addresses do).
        const fields = (line: string) => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'));
        assert.ok(lines.every((l) => fields(l).length === 7), 'seven fields on every line');
        const floors = lines.slice(1).map((l) => Number(fields(l)[4]));
        assert.ok(floors.every((f, i) => f >= 4 && (i === 0 || f <= floors[i - 1]!)), 'filtered and sorted as asked');
        const [entry] = auditOf(projectPath);
        assert.deepEqual([entry!.action, entry!.target], ['export', result.fileName]);
        assert.deepEqual([entry!.detail['format'], entry!.detail['rows'], entry!.detail['filter']], ['csv', count, 'floorCount >= 4']);
        await assert.rejects(api.exportCsv({ conditions: [{ attribute: 'noSuchAttribute', operator: '=', value: 1 }] }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
      },
      bad: { conditions: 'floorCount>=4' },
    },
    getSyncState: {
      good: async () => {
        const state = await api.getSyncState({});
        assert.deepEqual(state, { configured: false, server: null, caPath: null, area: null, filter: null, generation: 0, tokenStorage: 'session', tokenKept: false, running: null, conflicts: [] });
      },
      bad: { project: 'x' },
    },
    probeSyncServer: {
      good: async () => {
        const offer = await folderApiOf().probeSyncServer({ server: syncUrl, caPath: syncCerts.caPath, token: syncToken, area: null });
        assert.deepEqual([offer.tokenName, offer.generation, offer.area], ['web-host test', 1, null]);
        assert.ok(offer.counts.records > 400, `${offer.counts.records} records offered`);
        await assert.rejects(folderApiOf().probeSyncServer({ server: syncUrl, caPath: syncCerts.caPath, token: 'sty_wrong-token-here', area: null }), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED');
        await assert.rejects(folderApiOf().probeSyncServer({ server: syncUrl, caPath: join(dir, 'no-ca.pem'), token: syncToken, area: null }), (e: unknown) => e instanceof StoreyError && e.code === 'FILE_NOT_FOUND');
      },
      bad: { server: 'http://plain.example', caPath: 'ca.pem', token: 'sty_abcdefgh', area: null },
    },
    startSyncFromServer: {
      good: async () => {
        // Records and no tile layers (protocol 2's choice), kept in the project.
        const filter = { records: true, layers: [], minZoom: null, maxZoom: null };
        const input = { server: syncUrl, caPath: syncCerts.caPath, token: syncToken, rememberToken: true, area: null, filter, name: 'Synced sample', fileName: 'synced.storey' };
        await assert.rejects(api.startSyncFromServer(input), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
        await assert.rejects(folderApiOf().startSyncFromServer({ ...input, filter: { ...filter, maxZoom: 31 } }), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_ARGUMENT');
        const job = await syncDone(await folderApiOf().startSyncFromServer(input));
        assert.equal(job.state, 'done', JSON.stringify(job.error));
        assert.deepEqual([job.kind, job.fileName, job.opened, job.tokenKept, job.summary?.generation], ['create', 'synced.storey', true, true, 1]);
        const info = await folderApiOf().getProjectInfo({});
        assert.equal(info.fileName, 'synced.storey');
        assert.equal(info.counts.buildings, syncMasterBuildings);
        const state = await folderApiOf().getSyncState({});
        assert.deepEqual([state.configured, state.server, state.generation, state.tokenKept, state.filter], [true, syncUrl, 1, true, filter]);
        // An existing file that syncs with no server is not taken over.
        const taken = await syncDone(await folderApiOf().startSyncFromServer({ ...input, fileName: 'beta.storey' }));
        assert.deepEqual([taken.state, taken.error?.code], ['failed', 'ALREADY_EXISTS']);
      },
      bad: { server: 'https://storey.example', caPath: '', token: 'sty_abcdefgh', rememberToken: true, area: null, name: 'x' },
    },
    startSync: {
      good: async () => {
        await assert.rejects(api.startSync({}), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
        const job = await syncDone(await folderApiOf().startSync({}));
        assert.equal(job.state, 'done', JSON.stringify(job.error));
        assert.deepEqual([job.kind, job.summary?.applied, job.summary?.generation], ['sync', false, 1]);
        syncJobId = job.id;
      },
      bad: { token: 'two words' },
    },
    getSyncJob: {
      good: async () => {
        assert.equal((await folderApiOf().getSyncJob({ jobId: syncJobId })).state, 'done');
        await assert.rejects(folderApiOf().getSyncJob({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: {},
    },
    cancelSync: {
      good: async () => {
        // A finished sync stays as it ended; cancelling a running one is in test/sync/sync-jobs.test.ts.
        assert.equal((await folderApiOf().cancelSync({ jobId: syncJobId })).state, 'done');
        await assert.rejects(folderApiOf().cancelSync({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
      },
      bad: { jobId: '' },
    },
    forgetSyncToken: {
      good: async () => {
        assert.deepEqual(await folderApiOf().forgetSyncToken({}), { forgotten: true });
        assert.equal((await folderApiOf().getSyncState({})).tokenKept, false);
        await assert.rejects(folderApiOf().startSync({}), (e: unknown) => e instanceof StoreyError && e.code === 'UNAUTHORIZED');
      },
      bad: { everything: true },
    },
  };

  for (const name of operationNames) {
    test(`${name}: answers, and its output matches the contract`, async () => {
      await cases[name].good();
      // Operations without required arguments: the raw HTTP answer must parse with the contract's output schema.
      const input = ({ getProjectInfo: {}, listBuildingShapes: {}, searchAddresses: { query: 'Ahornvej' }, listImportProfiles: {}, listAttributes: {}, queryBuildings: { conditions: [] } } as Partial<Record<OperationName, unknown>>)[name];
      if (input) {
        const { status, result } = await call(name, input);
        assert.equal(status, 200);
        assert.ok(result.ok);
        operations[name].output.parse(result.value);
      }
    });
    test(`${name}: bad arguments give a typed BAD_ARGUMENT error`, async () => {
      const { status, result } = await call(name, cases[name].bad);
      assert.equal(status, 400);
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'BAD_ARGUMENT');
      assert.match(result.error.message, new RegExp(`Bad arguments for ${name}`));
    });
  }

  test('an unknown operation is refused by name', async () => {
    const { status, result } = await call('dropAllTables', {});
    assert.equal(status, 404);
    assert.ok(!result.ok && result.error.code === 'UNKNOWN_OPERATION' && result.error.message.includes('dropAllTables'));
  });

  test('a body that is not JSON is a BAD_ARGUMENT', async () => {
    const response = await raw('/api/getProjectInfo', { method: 'POST', headers: auth(), body: '{not json' });
    assert.equal(response.status, 400);
    assert.equal((JSON.parse(response.body) as ApiResult & { ok: false }).error.code, 'BAD_ARGUMENT');
  });

  test('API calls need POST', async () => {
    assert.equal((await raw('/api/getProjectInfo', { headers: auth() })).status, 405);
  });
});

describe('web host guards', () => {
  test('no token, no answer: pages, API and assets alike', async () => {
    for (const path of ['/', '/index.html', '/api/getProjectInfo', '/cesium/Assets/x.png']) {
      const response = await raw(path, { method: path.startsWith('/api') ? 'POST' : 'GET' });
      assert.equal(response.status, 401, path);
      assert.match(response.body, /needs its token/);
    }
    assert.equal((await raw('/', { headers: { Authorization: 'Bearer wrong-token' } })).status, 401);
    assert.equal((await raw('/?token=wrong')).status, 401);
  });

  test('the token URL sets a same-site, HttpOnly cookie that then works', async () => {
    const response = await raw(`/?token=${host.token}`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.location, '/');
    const cookie = String(response.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await raw('/', { headers: { Cookie: cookie.split(';')[0]! } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Storey<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  });

  test('requests addressed to another host name are refused (DNS rebinding)', async () => {
    const response = await raw('/', { headers: { ...auth(), Host: `evil.example:${host.port}` } });
    assert.equal(response.status, 403);
  });

  test('requests from another origin are refused', async () => {
    const response = await raw('/api/getProjectInfo', { method: 'POST', headers: { ...auth(), Origin: 'http://127.0.0.1:1' }, body: '{}' });
    assert.equal(response.status, 403);
  });

  test('no path leaves the static root', async () => {
    const hostile = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/cesium/..%5c..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/cesium/%00/index.html',
      '/%E0%A4%A',
      '/' + 'a/'.repeat(600),
      "/index.html'%20OR%201=1%20--",
    ];
    for (const path of hostile) {
      const response = await raw(path, { headers: auth() });
      assert.ok(response.status >= 400 && response.status < 500, `${path} gave ${response.status}`);
      assert.doesNotMatch(response.body, /outside the static root/);
    }
  });
});
