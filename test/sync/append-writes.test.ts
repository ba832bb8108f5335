/**
 * The first sync of a new project writes with a rollback journal (core/project/append-writes.ts): only while its
 * connection is the file's only one, back to WAL at the end, and a writer killed mid-commit leaves a hot journal that
 * the next open, read-only included, rolls back to the last commit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { findPackageRoot } from '../../core/paths.js';
import { appendWithRollbackJournal } from '../../core/project/append-writes.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('storey-append-writes-');
const root = findPackageRoot(import.meta.dirname);

test('a project alone on its file switches to a rollback journal and back to WAL', () => {
  const path = join(dir, 'alone.storey');
  const project = ProjectFile.create(path, { name: 'alone' });
  try {
    const end = appendWithRollbackJournal(project.db);
    assert.ok(end, 'the switch is made');
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'truncate');
    project.transaction(() => project.setMeta('probe', 'x'));
    end();
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(existsSync(`${path}-journal`), false, 'no journal file is left');
    assert.equal(project.getMeta('probe'), 'x');
  } finally {
    project.close();
  }
});

test('a project another connection has open keeps WAL', () => {
  const path = join(dir, 'shared.storey');
  const project = ProjectFile.create(path, { name: 'shared' });
  const reader = new Database(path, { readonly: true });
  try {
    reader.prepare(`SELECT count(*) FROM storey_meta`).get();
    assert.equal(appendWithRollbackJournal(project.db), undefined);
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(project.db.pragma('busy_timeout', { simple: true }), 5000, 'the busy timeout is put back');
  } finally {
    reader.close();
    project.close();
  }
});

// A child writes a large transaction in rollback mode, with a cache so small that pages reach the file before the
// commit, and kills itself: the file is left with a hot journal.
function killMidCommit(path: string, passphrase?: string): void {
  const script = `
    const Database = require(${JSON.stringify(passphrase === undefined ? 'better-sqlite3' : 'better-sqlite3-multiple-ciphers')});
    const db = new Database(${JSON.stringify(path)});
    ${passphrase === undefined ? '' : `db.pragma("hexkey = '${Buffer.from(passphrase).toString('hex')}'");`}
    db.pragma('journal_mode = TRUNCATE');
    db.pragma('cache_size = 2');
    db.exec('BEGIN');
    db.prepare("UPDATE storey_meta SET value = 'changed' WHERE key = 'name'").run();
    const insert = db.prepare('INSERT INTO storey_meta (key, value) VALUES (?, ?)');
    for (let i = 0; i < 2000; i++) insert.run('filler ' + i, 'x'.repeat(2000));
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.ok(statSync(`${path}-journal`).size > 0, 'the killed writer left a hot journal');
}

test('a writer killed mid-commit in rollback mode: a read-only open shows the last commit', () => {
  const path = join(dir, 'killed.storey');
  ProjectFile.create(path, { name: 'before' }).close();
  killMidCommit(path);
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    assert.equal(project.getMeta('name'), 'before');
    assert.equal(project.getMeta('filler 0'), undefined);
    assert.equal(project.db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    project.close();
  }
  assert.equal(existsSync(`${path}-journal`) && statSync(`${path}-journal`).size > 0, false, 'the journal was rolled back');
});

test('an encrypted project killed mid-commit in rollback mode opens with its passphrase at the last commit', () => {
  const path = join(dir, 'killed-encrypted.storey');
  ProjectFile.create(path, { name: 'before', passphrase: 'correct horse battery' }).close();
  killMidCommit(path, 'correct horse battery');
  const project = ProjectFile.open(path, { passphrase: 'correct horse battery' });
  try {
    assert.equal(project.getMeta('name'), 'before');
    assert.equal(project.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(project.db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    project.close();
  }
});
