/** The installer configuration (electron-builder) declares what the desktop app needs once installed. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findPackageRoot } from '../core/paths.js';

const manifest = JSON.parse(readFileSync(join(findPackageRoot(import.meta.dirname), 'package.json'), 'utf8')) as {
  main: string;
  build: { fileAssociations: Array<{ ext: string; role?: string }>; asarUnpack: string[]; files: string[] };
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
