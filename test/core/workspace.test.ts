/**
 * The workspace: opening, creating, closing and copying projects as the File menu does it, what a person is offered
 * when a file does not open (read-only, the last good copy), and what is remembered between runs.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreyError } from '../../common/errors.js';
import { lockPathOf } from '../../core/project/lock.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { Workspace } from '../../core/workspace/workspace.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const stateFile = join(dir, 'state', 'workstation.json');
const sample = join(dir, 'odense.storey');
createSampleProject(sample).close();
const session = {
  view: {
    camera: { lonDegrees: 10.39, latDegrees: 55.4, heightMeters: 650, headingDegrees: 30, pitchDegrees: -40, rollDegrees: 0 },
    style: { level: 'buildings' as const, attribute: 'floorCount', method: 'equal' as const, classes: 4, ramp: 'yellow-blue' },
    filter: [{ attribute: 'floorCount', operator: '>=' as const, value: 3 }],
    selection: null,
  },
  panels: { table: true, explodeMeters: 6 },
};

function desktop(choose: string | null = null): Workspace {
  return new Workspace({ host: 'desktop', stateFile, acceptPaths: true, chooseFile: async () => choose });
}

test('a project is remembered: recent list, last project, and where the analyst left it', async () => {
  const first = desktop();
  const opened = await first.api.openProject({ ref: { kind: 'path', path: sample } });
  assert.ok(opened.opened);
  await first.api.saveSessionState({ state: session });
  first.close();

  const second = desktop();
  assert.equal(second.reopenLast(), true, 'the next run reopens the last project');
  assert.equal(second.project?.path, sample);
  assert.deepEqual((await second.api.getSessionState({})).state, session);
  const { recent } = await second.api.listProjects({});
  assert.deepEqual(recent.map((r) => [r.fileName, r.exists]), [['odense.storey', true]]);
  assert.ok(!JSON.stringify(recent).includes(dir), 'the renderer gets ids, not paths');
  await second.api.closeProject({});
  second.close();
  assert.equal(desktop().reopenLast(), false, 'after Close, the next run starts with the chooser');
});

test('a project locked by another workstation is offered read-only, and opens so', async () => {
  writeFileSync(lockPathOf(sample), JSON.stringify({ app: 'storey', pid: 1, host: 'analyst-laptop-7', user: 'mette', since: '2026-11-27T08:00:00Z' }));
  const workspace = desktop();
  try {
    const refused = await workspace.api.openProject({ ref: { kind: 'path', path: sample } });
    assert.ok(!refused.opened && refused.problem);
    assert.equal(refused.problem.code, 'LOCKED');
    assert.match(refused.problem.message, /mette on analyst-laptop-7/);
    assert.equal(refused.problem.canOpenReadOnly, true);
    const readOnly = await workspace.api.openProject({ ref: { kind: 'path', path: sample }, readOnly: true });
    assert.ok(readOnly.opened && readOnly.info.readOnly);
    await assert.rejects(workspace.api.setProjectProperties({ name: 'x', description: '', marking: '', areaOfInterest: null }), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY');
  } finally {
    workspace.close();
    rmSync(lockPathOf(sample));
  }
});

test('a damaged project offers the last good copy, and the damaged file is not touched', async () => {
  const project = join(dir, 'harbour.storey');
  createSampleProject(project).close();
  const copyPath = join(dir, 'harbour backup.storey');
  const workspace = desktop(copyPath);
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path: project } })).opened);
  const saved = await workspace.api.saveProjectCopy({});
  assert.deepEqual([saved.saved, saved.fileName], [true, 'harbour backup.storey']);
  await workspace.api.closeProject({});
  // Damage the file's header page: SQLite refuses it at open.
  const bytes = readFileSync(project);
  bytes.fill(0x77, 100, 4000);
  writeFileSync(project, bytes);
  const before = readFileSync(project);
  const refused = await workspace.api.openProject({ ref: { kind: 'path', path: project } });
  assert.ok(!refused.opened && refused.problem, JSON.stringify(refused));
  assert.equal(refused.problem.code, 'DAMAGED');
  assert.equal(refused.problem.canOpenReadOnly, false);
  assert.equal(refused.problem.lastGoodCopy?.fileName, 'harbour backup.storey');
  assert.deepEqual(readFileSync(project), before, 'the damaged file is byte-identical');
  const fallback = await workspace.api.openProject({ ref: { kind: 'path', path: project }, lastGoodCopy: true });
  assert.ok(fallback.opened);
  assert.equal(fallback.info.fileName, 'harbour backup.storey');
  workspace.close();
});

test('new project: properties are kept in the file, the dialog can be cancelled, nothing is overwritten', async () => {
  const target = join(dir, 'new', 'district.storey');
  rmSync(join(dir, 'new'), { recursive: true, force: true });
  const cancelled = await desktop(null).api.createProject({ properties: { name: 'District', description: '', marking: '', areaOfInterest: null } });
  assert.deepEqual(cancelled, { opened: false, cancelled: true, problem: null });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'new'));
  const workspace = desktop(target);
  const area = { westDegrees: 10.35, southDegrees: 55.38, eastDegrees: 10.42, northDegrees: 55.42 };
  const created = await workspace.api.createProject({ properties: { name: 'District', description: 'Ward 3', marking: 'CONFIDENTIAL', areaOfInterest: area } });
  assert.ok(created.opened);
  assert.equal(created.info.marking, 'CONFIDENTIAL');
  assert.deepEqual(created.info.areaOfInterest, area);
  assert.equal(created.info.counts.buildings, 0);
  workspace.close();
  await assert.rejects(desktop(target).api.createProject({ properties: { name: 'Again', description: '', marking: '', areaOfInterest: null } }), (e: unknown) => e instanceof StoreyError && e.code === 'ALREADY_EXISTS');
});

test('a state file that cannot be read is set aside, not fatal', async () => {
  const broken = join(dir, 'broken-state', 'workstation.json');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'broken-state'));
  writeFileSync(broken, '{"version": 1, "recent": [tru');
  const workspace = new Workspace({ host: 'web', stateFile: broken, folder: dir });
  assert.deepEqual((await workspace.api.listProjects({})).recent, []);
  assert.ok(readdirSync(join(dir, 'broken-state')).some((name) => name.startsWith('workstation.json.unreadable-')));
  assert.ok((await workspace.api.openProject({ ref: { kind: 'folder', fileName: 'odense' } })).opened, 'a name without the extension is enough');
  assert.ok(existsSync(broken));
  workspace.close();
});

test('without a project, project operations say so', async () => {
  const workspace = new Workspace({ host: 'web', stateFile: join(dir, 'none.json'), folder: dir });
  await assert.rejects(workspace.api.getProjectInfo({}), (e: unknown) => e instanceof StoreyError && e.code === 'NO_PROJECT' && /File menu/.test(e.message));
  assert.equal((await workspace.api.getHostInfo({})).projectOpen, false);
});

test('damaged pages found after opening are reported as a damaged file, not an internal error', async () => {
  const project = join(dir, 'pages.storey');
  createSampleProject(project).close();
  // Damage the leaf pages of the buildings table (not the header or the schema): the file opens, queries fail.
  const probe = new Database(project, { readonly: true });
  const pages = probe.prepare(`SELECT pageno FROM dbstat WHERE name = 'buildings' AND pagetype = 'leaf'`).pluck().all() as number[];
  probe.close();
  assert.ok(pages.length > 5);
  const bytes = readFileSync(project);
  const pageSize = bytes.readUInt16BE(16);
  for (const page of pages) bytes.fill(0x5a, (page - 1) * pageSize, page * pageSize);
  writeFileSync(project, bytes);
  const workspace = desktop();
  const opened = await workspace.api.openProject({ ref: { kind: 'path', path: project }, readOnly: true });
  assert.ok(opened.opened, 'opening does not read every page');
  const failures: unknown[] = [];
  for (const call of [() => workspace.api.listBuildingShapes({}), () => workspace.api.searchAddresses({ query: 'a' }), () => workspace.api.queryBuildings({ conditions: [] })]) {
    await call().catch((error: unknown) => failures.push(error));
  }
  assert.ok(failures.length > 0, 'some query reaches a damaged page');
  for (const error of failures) {
    assert.ok(error instanceof StoreyError && error.code === 'DAMAGED' && /pages\.storey is damaged/.test(error.message), String(error));
  }
  workspace.close();
});
