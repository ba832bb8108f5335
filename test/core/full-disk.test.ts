/**
 * A full disk: an import into a project on a nearly full file system fails with DISK_FULL and leaves the project
 * exactly as it was; a copy saved onto a full disk fails cleanly and leaves no partial file. Uses a small tmpfs,
 * which needs root (as in CI); elsewhere the test is skipped and says why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { checkProject, saveCopy } from '../../core/project/copy.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const sample = join(dir, 'sample.storey');
createSampleProject(sample).close();
// Outside tempDir(): its clean-up must not meet the mount point before it is unmounted.
const small = mkdtempSync(join(tmpdir(), 'storey-small-disk-'));

// Room for the project and a little more: the Danish import needs several megabytes it will not get.
const sizeKb = Math.ceil(statSync(sample).size / 1024) + 1024;
let mounted = false;
let whyNot = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', small], { stdio: 'pipe' });
  mounted = true;
} catch (error) {
  whyNot = `cannot mount a small tmpfs here (${(error as Error).message.split('\n')[0]}); run as root to test a full disk`;
}
after(() => {
  if (mounted) execFileSync('umount', [small]);
  rmSync(small, { recursive: true, force: true });
});

function snapshot(path: string): unknown {
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    const count = (table: string) => project.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    return { name: project.getMeta('name'), buildings: count('buildings'), units: count('units'), addresses: count('addresses'), imports: count('storey_imports') };
  } finally {
    project.close();
  }
}

test('an import that fills the disk fails with DISK_FULL and the project is as it was', { skip: !mounted && whyNot }, async () => {
  const path = join(small, 'project.storey');
  copyFileSync(sample, path);
  const before = snapshot(path);
  const project = ProjectFile.open(path);
  await assert.rejects(
    importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]),
    (e: unknown) => e instanceof StoreyError && e.code === 'DISK_FULL' && /project\.storey/.test(e.message) && /as it was/.test(e.message),
  );
  // The same connection goes on working: a small change fits again once the failed one is gone.
  project.setMeta('after_full_disk', 'still writable');
  project.close();
  assert.deepEqual(snapshot(path), before);
  const reopened = ProjectFile.open(path, { readOnly: true });
  assert.deepEqual(checkProject(reopened), { ok: true, problems: [] });
  assert.equal(reopened.getMeta('after_full_disk'), 'still writable');
  reopened.close();
});

test('a copy saved onto a full disk fails cleanly and leaves nothing behind', { skip: !mounted && whyNot }, () => {
  const project = ProjectFile.open(sample, { readOnly: true });
  const filler = join(small, 'filler.bin');
  // Fill what the first test left free.
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
  } catch {
    // dd stops with an error when the disk is full: that is the point
  }
  assert.throws(() => saveCopy(project, join(small, 'copy.storey')), (e: unknown) => e instanceof StoreyError && e.code === 'DISK_FULL' && /copy\.storey/.test(e.message));
  project.close();
  assert.deepEqual(readdirSync(small).filter((name) => name.startsWith('copy')), [], 'no partial copy is left');
  assert.equal(existsSync(join(small, 'copy.storey')), false);
});
