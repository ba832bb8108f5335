/**
 * The desktop's passphrase flow with the OS keychain: the workspace as main/desktop/main.ts builds it, with the real
 * ProjectKeychain over a stand-in for Electron's safeStorage (Electron's binary cannot run in CI). An encrypted
 * project whose passphrase is kept opens without asking; a stale one is forgotten and the person asked; "Remember"
 * keeps it only when it opened the file; Forget drops it; a project can be created encrypted with its passphrase kept.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProjectKeychain } from '../../main/desktop/keychain.js';
import { encryptProject, changeProjectKey } from '../../core/project/convert.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { Workspace } from '../../core/workspace/workspace.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();
const passphrase = 'harbour lights 1906';
const project = join(dir, 'odense.storey');
createSampleProject(project).close();
encryptProject(project, passphrase);

/** safeStorage as the OS gives it: sealing that is not the identity, and a backend name (Linux). */
function safeStorage(backend: string, available = true) {
  const seal = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x3c)).reverse();
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => seal(Buffer.from(text, 'utf8')),
    decryptString: (sealed: Buffer) => Buffer.from(Buffer.from(sealed).reverse().map((b) => b ^ 0x3c)).toString('utf8'),
  };
}

let runs = 0;
function desktop(backend = 'gnome_libsecret', available = true, state?: string): { workspace: Workspace; keychain: ProjectKeychain; file: string } {
  const file = join(dir, `passphrases-${backend}.json`);
  const keychain = new ProjectKeychain(file, safeStorage(backend, available));
  runs += 1;
  const workspace = new Workspace({ host: 'desktop', stateFile: join(dir, state ?? `state-${runs}.json`), acceptPaths: true, keychain, chooseFile: async () => join(dir, `created-${runs}.storey`) });
  return { workspace, keychain, file };
}

test('the passphrase dialog is offered "Remember" only where a real keychain is', async () => {
  const real = desktop().workspace;
  assert.deepEqual((await real.api.getHostInfo({})).keychain, { available: true, reason: null, remembersOpenProject: false });
  for (const [backend, available] of [['basic_text', true], ['unknown', false]] as const) {
    const { workspace } = desktop(backend, available);
    const { keychain } = await workspace.api.getHostInfo({});
    assert.equal(keychain.available, false, backend);
    assert.match(keychain.reason ?? '', /keychain/i, backend);
    // Asking anyway is refused, and the project does not open (nothing half-done).
    await assert.rejects(workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase, rememberPassphrase: true }), /keychain/i);
    assert.equal(workspace.project, undefined);
  }
});

test('a remembered passphrase opens the project without asking; without "Remember" nothing is kept', async () => {
  const first = desktop();
  const asked = await first.workspace.api.openProject({ ref: { kind: 'path', path: project } });
  assert.ok(!asked.opened && asked.problem?.code === 'ENCRYPTED', 'nothing kept yet: the passphrase is asked');
  const typed = await first.workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase });
  assert.ok(typed.opened);
  assert.equal(first.keychain.has(project), false, 'not kept unless asked for');
  assert.equal((await first.workspace.api.getHostInfo({})).keychain.remembersOpenProject, false);
  const remembered = await first.workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase, rememberPassphrase: true });
  assert.ok(remembered.opened);
  assert.equal((await first.workspace.api.getHostInfo({})).keychain.remembersOpenProject, true);
  assert.ok(!readFileSync(first.file, 'utf8').includes(passphrase), 'only sealed bytes reach the keychain file');
  first.workspace.close();

  // The next run of the app: the last project reopens by itself, and so does an explicit open.
  const second = desktop('gnome_libsecret', true, 'restart.json');
  const again = await second.workspace.api.openProject({ ref: { kind: 'path', path: project } });
  assert.ok(again.opened, 'opens without asking');
  assert.equal(second.workspace.project?.encrypted, true);
  second.workspace.close();
  const third = desktop('gnome_libsecret', true, 'restart.json');
  assert.equal(third.workspace.reopenLast(), true, 'the last project reopens at start with the kept passphrase');
  third.workspace.close();
});

test('a stale kept passphrase (the key was changed) is forgotten and the person is asked', async () => {
  const { workspace, keychain } = desktop();
  const other = 'a different passphrase';
  changeProjectKey(project, { from: passphrase, to: other });
  try {
    assert.equal(keychain.has(project), true);
    const refused = await workspace.api.openProject({ ref: { kind: 'path', path: project } });
    assert.ok(!refused.opened && refused.problem);
    assert.equal(refused.problem.code, 'ENCRYPTED', 'asked for the passphrase, as if none had been kept');
    assert.match(refused.problem.message, /kept in the OS keychain no longer opens odense\.storey, so it was forgotten/);
    assert.equal(keychain.has(project), false);
    assert.equal(workspace.project, undefined);
    // Typed and remembered again, it opens and is kept.
    assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase: other, rememberPassphrase: true })).opened);
    assert.equal(keychain.recall(project), other);
    // A wrong typed one is WRONG_KEY and is not kept.
    workspace.close();
    const wrong = await workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase: 'not the passphrase', rememberPassphrase: true });
    assert.equal(wrong.opened ? null : wrong.problem?.code, 'WRONG_KEY');
    assert.equal(keychain.recall(project), other);
  } finally {
    workspace.close();
    changeProjectKey(project, { from: other, to: passphrase });
  }
});

test('Forget drops the kept passphrase of the open project', async () => {
  const { workspace, keychain } = desktop();
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path: project }, passphrase, rememberPassphrase: true })).opened);
  assert.deepEqual(await workspace.api.forgetPassphrase({}), { forgotten: true });
  assert.equal(keychain.has(project), false);
  assert.equal((await workspace.api.getHostInfo({})).keychain.remembersOpenProject, false);
  assert.deepEqual(await workspace.api.forgetPassphrase({}), { forgotten: false });
  workspace.close();
  const asked = await workspace.api.openProject({ ref: { kind: 'path', path: project } });
  assert.ok(!asked.opened && asked.problem?.code === 'ENCRYPTED');
});

test('New project: created encrypted from the start, its passphrase kept by the keychain', async () => {
  const { workspace, keychain } = desktop();
  const properties = { name: 'Harbour', description: '', marking: 'RESTRICTED', areaOfInterest: null };
  const created = await workspace.api.createProject({ properties, passphrase, rememberPassphrase: true });
  assert.ok(created.opened);
  const path = workspace.project!.path;
  assert.equal(workspace.project?.encrypted, true);
  assert.equal(keychain.recall(path), passphrase);
  assert.ok(!readFileSync(path).includes(Buffer.from('SQLite format 3')), 'the file is not plain SQLite');
  workspace.close();
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path } })).opened, 'and reopens without asking');
  workspace.close();
  // Too short a passphrase is refused before any file is made.
  const { workspace: next } = desktop();
  await assert.rejects(next.api.createProject({ properties, passphrase: 'short', rememberPassphrase: true }), /too short/);
  assert.equal(existsSync(join(dir, `created-${runs}.storey`)), false);
  // "Remember" without a passphrase has nothing to keep.
  await assert.rejects(next.api.createProject({ properties, rememberPassphrase: true }), /give one/);
});

test('the open project converted to encrypted from the workstation, its passphrase kept; changed; made plain again', async () => {
  const { workspace, keychain } = desktop();
  const path = join(dir, 'convert-me.storey');
  createSampleProject(path).close();
  const plainBytes = readFileSync(path);
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path } })).opened);
  assert.equal((await workspace.api.getProjectInfo({})).encrypted, false);
  // Refusals leave the project open and the file as it was.
  await assert.rejects(workspace.api.setProjectPassphrase({ passphrase: 'short' }), /too short/);
  await assert.rejects(workspace.api.setProjectPassphrase({ passphrase: null }), /not encrypted/);
  assert.equal(workspace.project?.path, path);

  const info = await workspace.api.setProjectPassphrase({ passphrase, rememberPassphrase: true });
  assert.equal(info.encrypted, true);
  assert.equal(workspace.project?.encrypted, true, 'reopened encrypted');
  assert.equal(keychain.recall(path), passphrase);
  assert.ok(!readFileSync(path).subarray(0, 16).equals(plainBytes.subarray(0, 16)), 'no longer a plain SQLite file');
  workspace.close();
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path } })).opened, 'reopens from the keychain');

  // A new passphrase without "Remember": the old kept one is forgotten rather than left stale.
  const next = 'another passphrase 2';
  assert.equal((await workspace.api.setProjectPassphrase({ passphrase: next })).encrypted, true);
  assert.equal(keychain.has(path), false);
  workspace.close();
  const asked = await workspace.api.openProject({ ref: { kind: 'path', path } });
  assert.ok(!asked.opened && asked.problem?.code === 'ENCRYPTED');
  assert.ok((await workspace.api.openProject({ ref: { kind: 'path', path }, passphrase: next })).opened);

  assert.equal((await workspace.api.setProjectPassphrase({ passphrase: null })).encrypted, false);
  assert.ok(readFileSync(path).subarray(0, 16).equals(plainBytes.subarray(0, 16)), 'plain SQLite again');
  workspace.close();
});
