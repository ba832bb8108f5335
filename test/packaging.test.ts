/** The installer configuration (electron-builder) declares what the desktop app needs once installed. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { test } from 'node:test';
import { findPackageRoot } from '../core/paths.js';

const root = findPackageRoot(import.meta.dirname);
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  build: {
    fileAssociations: Array<{ ext: string; role?: string }>;
    asarUnpack: string[];
    files: string[];
    asar?: boolean;
    afterPack?: string;
    directories?: { buildResources?: string };
    linux: { target: string[]; icon?: string };
    win: { target: string[]; icon?: string };
    mac: { target: string[]; icon?: string };
  };
};

test('.storey files open in Storey', () => {
  const association = manifest.build.fileAssociations.find((a) => a.ext === 'storey');
  assert.ok(association, 'a .storey file association');
  assert.equal(association.role, 'Editor');
});

test('the native SQLite module is unpacked from the asar, and the app ships its build and resources', () => {
  assert.ok(manifest.build.asarUnpack.some((p) => p.includes('better-sqlite3')));
  assert.ok(manifest.build.files.includes('dist/**/*') && manifest.build.files.includes('resources/**/*'));
  assert.equal(manifest.main, 'dist/desktop/main.cjs');
});

test('installers: Linux AppImage and deb, Windows NSIS, macOS dmg', () => {
  assert.deepEqual([...manifest.build.linux.target].sort(), ['AppImage', 'deb']);
  assert.deepEqual(manifest.build.win.target, ['nsis']);
  assert.deepEqual(manifest.build.mac.target, ['dmg']);
});

test('the app is packed into an asar with every native module (both SQLite builds) unpacked', () => {
  assert.notEqual(manifest.build.asar, false);
  for (const pattern of ['**/*.node', 'node_modules/better-sqlite3/**/*', 'node_modules/better-sqlite3-multiple-ciphers/**/*']) {
    assert.ok(manifest.build.asarUnpack.includes(pattern), pattern);
  }
});

test('icons exist for every platform, square and large enough for .icns and .ico', () => {
  for (const icon of [manifest.build.win.icon, manifest.build.mac.icon]) {
    assert.ok(icon, 'an icon is set');
    const png = PNG.sync.read(readFileSync(join(root, icon)));
    assert.equal(png.width, png.height);
    assert.ok(png.width >= 512, `${icon} is ${png.width} px`);
  }
  assert.equal(manifest.build.linux.icon, 'build/icons');
  for (const size of [16, 32, 48, 128, 256, 512]) {
    const png = PNG.sync.read(readFileSync(join(root, 'build', 'icons', `${size}x${size}.png`)));
    assert.deepEqual([png.width, png.height], [size, size]);
    // Not blank: the corner is transparent, the middle is drawn.
    const centre = ((size / 2) * size + size / 2) * 4;
    assert.equal(png.data[3], 0, `${size}: corner`);
    assert.equal(png.data[centre + 3], 255, `${size}: centre`);
  }
});

test('the afterPack hook sets the fuses: no RunAsNode, NODE_OPTIONS or --inspect; asar only and checked; no file:// extras; cookies encrypted', () => {
  assert.equal(manifest.build.afterPack, 'build/fuses.cjs');
  assert.ok(existsSync(join(root, manifest.build.afterPack)));
  const hook = createRequire(import.meta.url)(join(root, manifest.build.afterPack)) as {
    storeyFuses(options: Record<string, string>): Record<string, boolean>;
    electronBinaryPath(context: unknown): string;
  };
  // Stand-in for @electron/fuses' FuseV1Options enum: each option maps to its own name, so the result reads plainly.
  const names = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges'];
  const fuses = hook.storeyFuses(Object.fromEntries(names.map((n) => [n, n])));
  assert.deepEqual(fuses, {
    RunAsNode: false,
    EnableNodeOptionsEnvironmentVariable: false,
    EnableNodeCliInspectArguments: false,
    EnableEmbeddedAsarIntegrityValidation: true,
    OnlyLoadAppFromAsar: true,
    GrantFileProtocolExtraPrivileges: false,
    EnableCookieEncryption: true,
  });
  const context = (platform: string) => ({ appOutDir: '/out', electronPlatformName: platform, packager: { appInfo: { productFilename: 'Storey' }, executableName: 'storey' } });
  assert.equal(hook.electronBinaryPath(context('linux')), '/out/storey');
  assert.equal(hook.electronBinaryPath(context('win32')), '/out/Storey.exe');
  assert.equal(hook.electronBinaryPath(context('darwin')), '/out/Storey.app');
  assert.throws(() => hook.electronBinaryPath(context('plan9')), /no fuse rule/);
});
