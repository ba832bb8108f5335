/** The desktop keychain module with a stand-in for Electron's safeStorage: only sealed bytes reach the file. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProjectKeychain } from '../../main/desktop/keychain.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
/** Seals by reversing and XOR-ing: enough to see that the file never holds the passphrase as given. */
function standIn(backend: string, available = true) {
  const seal = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x5a)).reverse();
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => seal(Buffer.from(text, 'utf8')),
    decryptString: (sealed: Buffer) => Buffer.from(Buffer.from(sealed).reverse().map((b) => b ^ 0x5a)).toString('utf8'),
  };
}

test('passphrases are kept sealed by the OS keychain, recalled and forgotten per project', () => {
  const file = join(dir, 'keychain.json');
  const keychain = new ProjectKeychain(file, standIn('gnome_libsecret'));
  assert.equal(keychain.remember('/p/odense.storey', 'sekret passphrase'), true);
  assert.ok(!readFileSync(file, 'utf8').includes('sekret'));
  assert.equal(keychain.recall('/p/odense.storey'), 'sekret passphrase');
  assert.equal(keychain.recall('/p/other.storey'), undefined);
  keychain.forget('/p/odense.storey');
  assert.equal(keychain.recall('/p/odense.storey'), undefined);
});

test('nothing is remembered without a real keychain (Linux basic_text, or none)', () => {
  for (const keychain of [new ProjectKeychain(join(dir, 'a.json'), standIn('basic_text')), new ProjectKeychain(join(dir, 'b.json'), standIn('unknown', false))]) {
    assert.equal(keychain.available, false);
    assert.equal(keychain.remember('/p/x.storey', 'passphrase here'), false);
    assert.equal(keychain.recall('/p/x.storey'), undefined);
  }
});
