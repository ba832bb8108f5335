/**
 * Encrypted projects: known registry strings are in a plain project's bytes (the control) and nowhere in the bytes of
 * the encrypted file, its WAL while open, or any file left beside it; no or a wrong passphrase is refused with the
 * file unchanged; a copy for a colleague opens with its own passphrase only; decrypting gives a plain GeoPackage that
 * GDAL reads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { saveCopy } from '../../core/project/copy.js';
import { listAudit } from '../../core/project/audit.js';
import { changeProjectKey, decryptProject, encryptProject } from '../../core/project/convert.js';
import { isEncryptedFile } from '../../core/project/encryption.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const passphrase = 'correct horse battery staple';
/** Registry strings seeded into the project, and some the sample city already has. */
const seeded = ['Kærlighedsstien 17, 3. tv', 'Registry-Record-7f3a9c-unit', 'Højbrohus bolig 0042'];
const plainPath = join(dir, 'plain.storey');
let known: string[] = [];

function seedProject(path: string): void {
  const project = createSampleProject(path);
  project.transaction(() => {
    seeded.forEach((text, i) => {
      project.db.prepare(`INSERT INTO addresses (registry_id, street, house_number, city, full_text) VALUES (?, ?, ?, ?, ?)`).run(`seed-${i}`, text, String(i), 'Aarhus', text);
    });
  });
  const sample = project.db.prepare(`SELECT DISTINCT full_text FROM addresses WHERE length(full_text) > 12 LIMIT 20`).all() as Array<{ full_text: string }>;
  known = [...seeded, ...sample.map((r) => r.full_text)];
  project.close();
}
seedProject(plainPath);

/** Every file in the folder whose name starts with the project's, as [name, bytes]. */
function filesOf(path: string): Array<[string, Buffer]> {
  const base = path.split('/').pop()!;
  return readdirSync(dir).filter((f) => f.startsWith(base)).map((f) => [f, readFileSync(join(dir, f))]);
}

function plaintextFound(files: Array<[string, Buffer]>): string[] {
  const found: string[] = [];
  for (const [name, bytes] of files) {
    for (const text of known) {
      for (const encoding of ['utf8', 'utf16le'] as const) if (bytes.includes(Buffer.from(text, encoding))) found.push(`${name}: ${text}`);
    }
  }
  return found;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function refusal(fn: () => unknown): StoreyError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StoreyError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

test('control: the plain project holds the registry strings in its bytes', () => {
  assert.ok(known.length >= 10);
  const found = plaintextFound(filesOf(plainPath));
  for (const text of known) assert.ok(found.some((f) => f.endsWith(`: ${text}`)), text);
});

test('an encrypted project has no registry string in its file, its WAL while open, or any file beside it', () => {
  const path = join(dir, 'secret.storey');
  copyFileSync(plainPath, path);
  encryptProject(path, passphrase);
  assert.equal(isEncryptedFile(path), true);
  assert.deepEqual(filesOf(path).map(([name]) => name), ['secret.storey'], 'no temporary or journal file left');
  assert.deepEqual(plaintextFound(filesOf(path)), []);

  // Open, write more registry text, and look at the WAL while the project is still open.
  const project = ProjectFile.open(path, { passphrase });
  assert.equal(project.encrypted, true);
  const more = 'Nyt register Ærøskøbing 99';
  known.push(more);
  project.transaction(() => project.db.prepare(`INSERT INTO addresses (registry_id, full_text) VALUES ('seed-more', ?)`).run(more));
  assert.ok(existsSync(`${path}-wal`), 'the WAL is in use');
  assert.ok(readFileSync(`${path}-wal`).length > 0);
  assert.deepEqual(plaintextFound(filesOf(path)), []);
  // The data is all there through the key.
  const rows = project.db.prepare(`SELECT full_text FROM addresses WHERE full_text IN (${known.map(() => '?').join(',')})`).all(...known) as unknown[];
  assert.equal(rows.length, new Set(known).size);
  // A big sort spills nothing to a temporary file (temp_store is memory for encrypted projects).
  assert.equal(project.db.pragma('temp_store', { simple: true }), 2);
  project.close();
  assert.deepEqual(plaintextFound(filesOf(path)), []);
});

test('no passphrase or a wrong one is refused with a clear error naming the file, and the file is not changed', () => {
  const path = join(dir, 'secret.storey');
  const before = sha(path);
  const names = readdirSync(dir).sort();
  const missing = refusal(() => ProjectFile.open(path));
  assert.equal(missing.code, 'ENCRYPTED');
  assert.match(missing.message, /secret\.storey is encrypted/);
  for (const wrong of ['correct horse battery stapler', 'Correct horse battery staple', "'); DROP TABLE addresses; --"]) {
    const error = refusal(() => ProjectFile.open(path, { passphrase: wrong }));
    assert.equal(error.code, 'WRONG_KEY');
    assert.match(error.message, /does not open secret\.storey/);
  }
  assert.equal(refusal(() => ProjectFile.open(path, { passphrase: 'wrong one', readOnly: true })).code, 'WRONG_KEY');
  assert.equal(sha(path), before);
  assert.deepEqual(readdirSync(dir).sort(), names);
  assert.equal(refusal(() => ProjectFile.open(join(dir, 'no-such.storey'), { passphrase })).code, 'FILE_NOT_FOUND');
});

test('a copy for a colleague opens with its own passphrase only, and holds no plaintext', () => {
  const source = ProjectFile.open(join(dir, 'secret.storey'), { passphrase });
  const colleague = join(dir, 'colleague.storey');
  saveCopy(source, colleague, { passphrase: 'another passphrase for Kim' });
  // The same project's plain copy on request, and a same-key copy by default.
  const sameKey = join(dir, 'backup.storey');
  saveCopy(source, sameKey);
  const audit = listAudit(source);
  source.close();
  assert.deepEqual(audit.map((e) => [e.action, e.target?.split('/').pop(), e.detail['ownPassphrase']]), [['copy', 'backup.storey', false], ['copy', 'colleague.storey', true], ['encrypt', undefined, undefined]]);
  assert.deepEqual(plaintextFound(filesOf(colleague)), []);
  assert.deepEqual(plaintextFound(filesOf(sameKey)), []);
  assert.equal(refusal(() => ProjectFile.open(colleague, { passphrase })).code, 'WRONG_KEY');
  const copy = ProjectFile.open(colleague, { passphrase: 'another passphrase for Kim', readOnly: true });
  assert.equal((copy.db.prepare(`SELECT count(*) AS n FROM addresses WHERE registry_id LIKE 'seed-%'`).get() as { n: number }).n, seeded.length + 1);
  copy.close();
  ProjectFile.open(sameKey, { passphrase, readOnly: true }).close();
  const backup = ProjectFile.open(sameKey, { passphrase, readOnly: true });
  assert.equal(refusal(() => saveCopy(backup, join(dir, 'weak.storey'), { passphrase: 'short' })).code, 'BAD_ARGUMENT');
  backup.close();
  assert.equal(existsSync(join(dir, 'weak.storey')), false);
});

test('a new project can be created encrypted; short passphrases are refused', () => {
  const path = join(dir, 'fresh.storey');
  assert.equal(refusal(() => ProjectFile.create(path, { name: 'Fresh', passphrase: '1234' })).code, 'BAD_ARGUMENT');
  assert.equal(existsSync(path), false);
  const project = ProjectFile.create(path, { name: 'Kærlighedsstien project', passphrase });
  project.close();
  assert.equal(isEncryptedFile(path), true);
  const reopened = ProjectFile.open(path, { passphrase });
  assert.equal(reopened.getMeta('name'), 'Kærlighedsstien project');
  reopened.close();
});

test('re-keying and decrypting: the old passphrase stops working; the decrypted file is a GeoPackage GDAL reads', () => {
  const path = join(dir, 'rekey.storey');
  copyFileSync(plainPath, path);
  assert.equal(refusal(() => decryptProject(path, passphrase)).code, 'BAD_ARGUMENT');
  encryptProject(path, passphrase);
  // GDAL cannot read it without the key.
  assert.throws(() => execFileSync('ogrinfo', ['-ro', '-so', path], { stdio: 'pipe' }));
  changeProjectKey(path, { from: passphrase, to: 'a new passphrase 2' });
  assert.equal(refusal(() => ProjectFile.open(path, { passphrase })).code, 'WRONG_KEY');
  // A wrong passphrase to decrypt leaves the file as it was.
  const before = sha(path);
  assert.equal(refusal(() => decryptProject(path, passphrase)).code, 'WRONG_KEY');
  assert.equal(sha(path), before);
  decryptProject(path, 'a new passphrase 2');
  assert.equal(isEncryptedFile(path), false);
  const info = execFileSync('ogrinfo', ['-ro', '-so', path], { encoding: 'utf8' });
  assert.match(info, /addresses/);
  assert.match(info, /buildings/);
  const plain = ProjectFile.open(path, { readOnly: true });
  assert.equal(plain.encrypted, false);
  plain.close();
});
