/** The desktop's sync token store with a stand-in for Electron's safeStorage: only sealed bytes reach the file. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SyncTokenStore } from '../../main/desktop/token-store.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
/** Seals by reversing and XOR-ing: enough to see that the file never holds the token as given. */
function standIn(backend: string, available = true) {
  const seal = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x5a)).reverse();
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => seal(Buffer.from(text, 'utf8')),
    decryptString: (sealed: Buffer) => Buffer.from(Buffer.from(sealed).reverse().map((b) => b ^ 0x5a)).toString('utf8'),
  };
}
const token = 'sty_Q2xhcmEgd291bGQgbm90IGJlIGluIHRoZSBmaWxl';

test('sync tokens are kept sealed by the OS keychain, per project, and forgotten', () => {
  const file = join(dir, 'sync-tokens.json');
  const store = new SyncTokenStore(file, standIn('gnome_libsecret'));
  assert.equal(store.storage, 'keychain');
  assert.equal(store.remember('/p/odense.storey', token), true);
  assert.ok(!readFileSync(file, 'utf8').includes('sty_'), 'only sealed bytes in the file');
  assert.equal(store.recall('/p/odense.storey'), token);
  assert.equal(store.recall('/p/other.storey'), undefined);
  store.forget('/p/odense.storey');
  assert.equal(store.recall('/p/odense.storey'), undefined);
});

test('no token is stored where safeStorage falls back to basic_text or has no keychain: asked each time', () => {
  for (const [name, keychain] of [['basic_text', standIn('basic_text')], ['none', standIn('unknown', false)]] as const) {
    const file = join(dir, `${name}.json`);
    const store = new SyncTokenStore(file, keychain);
    assert.equal(store.storage, 'ask', name);
    assert.equal(store.remember('/p/x.storey', token), false);
    assert.equal(existsSync(file), false, `${name}: nothing written`);
    assert.equal(store.recall('/p/x.storey'), undefined);
  }
});

test('a token sealed where the keychain was real is not handed out once it falls back to basic_text', () => {
  const file = join(dir, 'moved.json');
  assert.equal(new SyncTokenStore(file, standIn('kwallet5')).remember('/p/y.storey', token), true);
  assert.equal(new SyncTokenStore(file, standIn('basic_text')).recall('/p/y.storey'), undefined);
});
