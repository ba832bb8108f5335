/**
 * Exports on record: every briefing (`storey brief`, the hosts' operations) and every CSV export writes a row to the
 * project's audit trail with time, OS user, machine, what went out and where to; `storey audit` lists them. A project
 * whose trail cannot be written (encrypted and open read-only) exports nothing, and its file stays as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { listAudit, type AuditEntry } from '../../core/project/audit.js';
import { saveCopy } from '../../core/project/copy.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const path = join(dir, 'odense.storey');
const storey = join(root, 'bin', 'storey.mjs');
/** Lærkeparken 74 and Østre Stationsvej 41C, as in briefing.test.ts. */
const LAERKEPARKEN = '09210067-82b9-4c4e-86f5-bddb6985ba4f';
const OESTRE = '63be47a1-636f-44de-b41b-1afd88f65d82';

const run = (args: string[]) => execFileSync(process.execPath, [storey, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function auditOf(file: string, passphrase?: string): AuditEntry[] {
  const project = ProjectFile.open(file, { readOnly: true, passphrase });
  try {
    return listAudit(project);
  } finally {
    project.close();
  }
}

before(async () => {
  const project = ProjectFile.create(path, { name: 'Odense (audit test)' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  project.close();
});

test('storey brief records the briefing (pages, buildings, filter, the file) and storey audit lists it', () => {
  const out = join(dir, 'audit check.pdf');
  const written = run(['brief', path, '--out', out, '--title', 'Audit check', '--marking', 'RESTRICTED', '--building', LAERKEPARKEN, '--building', OESTRE, '--filter', 'floorCount>=4']);
  assert.match(written, /recorded in the project's audit trail/);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [out], { encoding: 'utf8' }))![1]);

  const entries = JSON.parse(run(['audit', path, '--json'])) as AuditEntry[];
  assert.equal(entries.length, 1);
  const [entry] = entries;
  assert.deepEqual([entry!.action, entry!.target, entry!.user, entry!.host], ['briefing', out, userInfo().username, hostname()]);
  assert.ok(Math.abs(Date.parse(entry!.at) - Date.now()) < 10 * 60_000, `recorded at ${entry!.at}`);
  assert.deepEqual(entry!.detail, {
    via: 'cli',
    title: 'Audit check',
    pages,
    bytes: readFileSync(out).length,
    marking: 'RESTRICTED',
    paper: 'a4-landscape',
    views: [],
    buildings: [LAERKEPARKEN, OESTRE],
    table: 'floorCount >= 4',
    destination: 'file',
  });
  const listed = run(['audit', path]).trim().split('\n');
  assert.equal(listed.length, 1);
  assert.ok(listed[0]!.includes(`${userInfo().username}@${hostname()}  briefing  ${out}`), listed[0]);
  assert.match(listed[0]!, new RegExp(`"pages":${pages}`));
});

test('a briefing that fails records nothing and leaves no file', () => {
  const before = auditOf(path).length;
  const out = join(dir, 'failed.pdf');
  assert.throws(() => run(['brief', path, '--out', out, '--building', 'no-such-building']), /No building with registry id no-such-building/);
  assert.equal(auditOf(path).length, before);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial-')), []);
});

test('a CSV export is recorded with its row count, filter and file name, and storey audit lists it', async () => {
  const project = ProjectFile.open(path);
  let result;
  let expected: number;
  try {
    expected = project.db.prepare(`SELECT count(*) FROM buildings WHERE floor_count >= 4 AND year_built < 1960`).pluck().get() as number;
    result = await new ProjectApi(project).exportCsv({ conditions: [{ attribute: 'floorCount', operator: '>=', value: 4 }, { attribute: 'yearBuilt', operator: '<', value: 1960 }] });
  } finally {
    project.close();
  }
  assert.ok(expected > 0);
  assert.equal(result.rowCount, expected);
  assert.equal(result.fileName, 'odense-audit-test-buildings.csv');
  assert.equal(result.csv.trimEnd().split('\r\n').length, expected + 1);
  const [entry] = auditOf(path);
  assert.deepEqual([entry!.action, entry!.target, entry!.user, entry!.host], ['export', result.fileName, userInfo().username, hostname()]);
  assert.equal(entry!.detail['format'], 'csv');
  assert.equal(entry!.detail['rows'], expected);
  assert.equal(entry!.detail['filter'], 'floorCount >= 4 and yearBuilt < 1960');
  assert.equal(entry!.detail['bytes'], Buffer.byteLength(result.csv, 'utf8'));
  assert.match(run(['audit', path]).split('\n')[0]!, / {2}export {2}odense-audit-test-buildings\.csv {2}.*"rows":\d+/);
});

test('exports from a project open read-only are recorded too (a second connection appends the row)', async () => {
  const before = auditOf(path).length;
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    await new ProjectApi(project).exportCsv({ conditions: [] });
    const briefing = await new ProjectApi(project).exportBriefing({ title: 'Read-only', buildingIds: [OESTRE] });
    assert.ok(briefing.pageCount >= 3);
  } finally {
    project.close();
  }
  const entries = auditOf(path);
  assert.equal(entries.length, before + 2);
  assert.deepEqual(entries.slice(0, 2).map((e) => [e.action, e.target]), [['briefing', 'Read-only.pdf'], ['export', 'odense-audit-test-buildings.csv']]);
  assert.equal(entries[0]!.detail['via'], 'workstation');
  assert.equal(entries[1]!.detail['filter'], 'all buildings');
});

test('an encrypted project open read-only records its exports and copies with its own key', async () => {
  const encrypted = join(dir, 'sealed.storey');
  const passphrase = 'correct horse battery staple';
  const created = ProjectFile.create(encrypted, { name: 'Sealed', passphrase });
  created.close();
  const project = ProjectFile.open(encrypted, { readOnly: true, passphrase });
  try {
    const api = new ProjectApi(project);
    await api.exportCsv({ conditions: [] });
    await api.exportBriefing({ title: 'Sealed', includeTable: true });
    saveCopy(project, join(dir, 'sealed-copy.storey'));
  } finally {
    project.close();
  }
  const entries = auditOf(encrypted, passphrase);
  assert.deepEqual(entries.map((e) => e.action), ['copy', 'briefing', 'export']);
  assert.equal(entries[0]!.target, join(dir, 'sealed-copy.storey'));
  assert.equal(entries[0]!.user, userInfo().username);
  // The rows went in with the key: the file still opens only with it.
  assert.throws(() => ProjectFile.open(encrypted, { readOnly: true }), (e: unknown) => e instanceof StoreyError && e.code === 'ENCRYPTED');
});

test('storey copy of a project (opened read-only, so it can copy a file another workstation has open) is on record', () => {
  const source = join(dir, 'copy-audit.storey');
  ProjectFile.create(source, { name: 'Copied' }).close();
  const dest = join(dir, 'copy-audit-copy.storey');
  execFileSync(process.execPath, [join(root, 'bin', 'storey.mjs'), 'copy', source, dest], { env: { ...process.env, STOREY_HOME: dir } });
  assert.ok(existsSync(dest));
  const [entry] = auditOf(source);
  assert.deepEqual([entry!.action, entry!.target, entry!.detail['encrypted']], ['copy', dest, false]);
  assert.equal(entry!.host, hostname());
});
