/** One writer per project across processes, consistent copies of open projects, and the integrity check. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { checkProject, saveCopy } from '../../core/project/copy.js';
import { lockPathOf } from '../../core/project/lock.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { findPackageRoot } from '../../core/paths.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const path = join(dir, 'shared.storey');
createSampleProject(path).close();

test('a second writer in another process is refused with who holds the file; readers are not', async () => {
  // A child process that opens the project for writing and holds it until told to stop.
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { ProjectFile } = await import(${JSON.stringify(join(root, 'core/project/project-file.ts'))});
    const p = ProjectFile.open(${JSON.stringify(path)});
    console.log('open');
    process.stdin.once('data', () => { p.close(); process.exit(0); });
  `], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  try {
    assert.throws(
      () => ProjectFile.open(path),
      (e: unknown) => e instanceof StoreyError && e.code === 'LOCKED' && e.message.includes(`process ${child.pid}`) && /Open it read-only/.test(e.message),
    );
    const reader = ProjectFile.open(path, { readOnly: true });
    assert.ok((reader.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number) > 300);
    reader.close();
  } finally {
    child.stdin.write('x');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  assert.equal(existsSync(lockPathOf(path)), false, 'a clean close removes the lock');
  ProjectFile.open(path).close();
});

test('a lock left by a process that died is taken over', () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
  writeFileSync(lockPathOf(path), JSON.stringify({ app: 'storey', pid: dead, host: hostname(), user: 'x', since: '2026-01-01T00:00:00Z' }));
  const project = ProjectFile.open(path);
  assert.equal((JSON.parse(readFileSync(lockPathOf(path), 'utf8')) as { pid: number }).pid, process.pid);
  project.close();
});

test('a lock held on another machine is respected', () => {
  writeFileSync(lockPathOf(path), JSON.stringify({ app: 'storey', pid: 1, host: 'analyst-laptop-7', user: 'mette', since: '2026-11-27T08:00:00Z' }));
  try {
    assert.throws(() => ProjectFile.open(path), (e: unknown) => e instanceof StoreyError && e.code === 'LOCKED' && /mette on analyst-laptop-7/.test(e.message));
  } finally {
    rmSync(lockPathOf(path));
  }
});

test('save a copy: consistent while the project is written, checked, never over an existing file', () => {
  const project = ProjectFile.open(path);
  const copyPath = join(dir, 'copy.storey');
  // Another connection writes while the copy is made: the copy holds one consistent snapshot.
  project.setMeta('name', 'before copy');
  saveCopy(project, copyPath);
  project.setMeta('name', 'after copy');
  const copy = ProjectFile.open(copyPath, { readOnly: true });
  assert.equal(copy.getMeta('name'), 'before copy');
  assert.equal(copy.db.prepare('SELECT count(*) FROM buildings').pluck().get(), project.db.prepare('SELECT count(*) FROM buildings').pluck().get());
  assert.deepEqual(checkProject(copy), { ok: true, problems: [] });
  copy.close();
  assert.throws(() => saveCopy(project, copyPath), (e: unknown) => e instanceof StoreyError && e.code === 'ALREADY_EXISTS');
  assert.throws(() => saveCopy(project, join(dir, 'no-such-folder', 'x.storey')), (e: unknown) => e instanceof StoreyError && e.code === 'READ_ONLY' && /x\.storey/.test(e.message));
  assert.equal(existsSync(join(dir, 'no-such-folder')), false);
  project.close();
});

test('storey check reports a damaged file', () => {
  const damaged = join(dir, 'damaged.storey');
  createSampleProject(damaged).close();
  // Corrupt an index page in the middle of the file (not the header): the integrity check must see it.
  const bytes = readFileSync(damaged);
  const pageSize = bytes.readUInt16BE(16);
  for (let page = Math.floor(bytes.length / pageSize / 2); page < Math.floor(bytes.length / pageSize / 2) + 4; page++) bytes.fill(0x5a, page * pageSize + 100, page * pageSize + pageSize - 100);
  writeFileSync(damaged, bytes);
  const result = spawnSync(process.execPath, [join(root, 'bin', 'storey.mjs'), 'check', damaged], { encoding: 'utf8' });
  assert.notEqual(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout + result.stderr, /damaged/);
  const ok = spawnSync(process.execPath, [join(root, 'bin', 'storey.mjs'), 'check', path], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /shared\.storey: ok/);
});
