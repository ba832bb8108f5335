/**
 * `storey encrypt`, `storey decrypt`, `storey copy --encrypt` and reading an encrypted project from the command line:
 * passphrases come from the environment (never an argument), a missing or wrong one fails with the file named.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findPackageRoot } from '../../core/paths.js';
import { isEncryptedFile } from '../../core/project/encryption.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const file = join(dir, 'city.storey');
createSampleProject(file).close();

function storey(args: string[], env: Record<string, string> = {}) {
  const clean: NodeJS.ProcessEnv = { ...process.env, STOREY_HOME: dir };
  delete clean['STOREY_PASSPHRASE'];
  delete clean['STOREY_NEW_PASSPHRASE'];
  return spawnSync(process.execPath, [join(root, 'bin', 'storey.mjs'), ...args], { encoding: 'utf8', env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('encrypt, read with the passphrase, refuse without it or with a wrong one, copy for a colleague, decrypt', () => {
  const noKey = storey(['encrypt', file]);
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /city\.storey.*STOREY_PASSPHRASE/);
  assert.equal(storey(['encrypt', file, '--passphrase', 'x']).status, 2, 'no passphrase as an argument');

  const encrypt = storey(['encrypt', file], { STOREY_PASSPHRASE: 'our team passphrase' });
  assert.equal(encrypt.status, 0, encrypt.stderr);
  assert.equal(isEncryptedFile(file), true);
  assert.ok(!readFileSync(file).includes(Buffer.from('storey_meta')));

  const locked = storey(['info', file]);
  assert.equal(locked.status, 1);
  assert.match(locked.stderr, /city\.storey is encrypted.*\[ENCRYPTED\]/);
  const wrong = storey(['info', file], { STOREY_PASSPHRASE: 'not the passphrase' });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /does not open city\.storey.*\[WRONG_KEY\]/);
  const info = storey(['info', file], { STOREY_PASSPHRASE: 'our team passphrase' });
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /encrypted\s+yes/);
  assert.match(info.stdout, /buildings\s+[1-9]/);
  const search = storey(['search', file, 'a', '--limit', '1'], { STOREY_PASSPHRASE: 'our team passphrase' });
  assert.equal(search.status, 0, search.stderr);

  const copy = join(dir, 'for-kim.storey');
  const copied = storey(['copy', file, copy, '--encrypt'], { STOREY_PASSPHRASE: 'our team passphrase', STOREY_NEW_PASSPHRASE: 'kims own passphrase' });
  assert.equal(copied.status, 0, copied.stderr);
  assert.equal(storey(['info', copy], { STOREY_PASSPHRASE: 'our team passphrase' }).status, 1);
  assert.match(storey(['info', copy], { STOREY_PASSPHRASE: 'kims own passphrase' }).stdout, /encrypted\s+yes/);

  assert.equal(storey(['decrypt', file], { STOREY_PASSPHRASE: 'wrong wrong wrong' }).status, 1);
  assert.equal(isEncryptedFile(file), true);
  const decrypt = storey(['decrypt', file], { STOREY_PASSPHRASE: 'our team passphrase' });
  assert.equal(decrypt.status, 0, decrypt.stderr);
  assert.match(storey(['info', file]).stdout, /encrypted\s+no/);
  // The audit trail in the file records both key changes and the copy for Kim (made from the project open read-only,
  // recorded through a second connection with its key), with the user and machine.
  const audit = storey(['audit', file, '--json']);
  assert.equal(audit.status, 0, audit.stderr);
  const entries = JSON.parse(audit.stdout) as Array<{ action: string; user: string; host: string; at: string }>;
  assert.deepEqual(entries.map((e) => e.action), ['decrypt', 'copy', 'encrypt']);
  assert.ok(entries.every((e) => e.user.length > 0 && e.host.length > 0 && !Number.isNaN(Date.parse(e.at))));
  assert.match(storey(['audit', file]).stdout, /decrypt/);
});
