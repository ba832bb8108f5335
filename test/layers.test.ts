/**
 * DESIGN.md's layers, checked from the source itself (ESLint checks the same while editing): electron only in
 * main/desktop and preload, Cesium only in renderer/globe, common/ free of Node, and no layer reaching upward.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { findPackageRoot } from '../core/paths.js';

const root = findPackageRoot(import.meta.dirname);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

const nodeModule = (spec: string) => spec.startsWith('node:') || spec === 'better-sqlite3';
const reaches = (spec: string, folder: string) => spec.startsWith('.') && new RegExp(`(^|/)${folder}/`).test(spec);

const rules: Array<{ folder: string; forbid: (spec: string, file: string) => boolean; why: string }> = [
  { folder: 'common', forbid: (s) => nodeModule(s) || s === 'electron' || s === 'cesium' || ['core', 'main', 'renderer', 'preload'].some((f) => reaches(s, f)), why: 'common/ is pure TypeScript' },
  { folder: 'core', forbid: (s) => s === 'electron' || s === 'cesium' || ['main', 'renderer', 'preload'].some((f) => reaches(s, f)), why: 'core/ knows nothing of Electron, the DOM or hosts' },
  { folder: 'main/web', forbid: (s) => s === 'electron' || s === 'cesium', why: 'only main/desktop imports electron' },
  { folder: 'cli', forbid: (s) => s === 'electron' || s === 'cesium', why: 'the CLI runs on plain Node' },
  { folder: 'server', forbid: (s) => s === 'electron' || s === 'cesium' || ['main', 'renderer', 'preload'].some((f) => reaches(s, f)), why: 'the sync server builds on core/ and common/ only' },
  { folder: 'main/desktop', forbid: (s) => s === 'cesium' || reaches(s, 'renderer'), why: 'the main process does not draw' },
  { folder: 'preload', forbid: (s) => nodeModule(s) || s === 'cesium' || ['core', 'main', 'renderer'].some((f) => reaches(s, f)), why: 'the preload only bridges the contract' },
  { folder: 'renderer', forbid: (s, f) => nodeModule(s) || s === 'electron' || (s === 'cesium' && !f.startsWith('renderer/globe/')) || ['core', 'main', 'preload'].some((x) => reaches(s, x)), why: 'only renderer/globe imports Cesium; the UI talks to hosts through StoreyApi' },
];

test('each layer imports only what DESIGN.md allows', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const rule of rules) {
    for (const file of sourceFiles(rule.folder)) {
      for (const spec of importsOf(file)) {
        checked++;
        if (rule.forbid(spec, file)) violations.push(`${file} imports ${spec}: ${rule.why}`);
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} imports were checked; is the import scanner broken?`);
  assert.deepEqual(violations, []);
});

test('Cesium is imported by renderer/globe and electron by main/desktop or preload', () => {
  const importers = (module: string) =>
    ['common', 'core', 'main', 'renderer', 'preload', 'cli', 'server'].flatMap(sourceFiles).filter((f) => importsOf(f).includes(module));
  assert.ok(importers('cesium').length > 0 && importers('cesium').every((f) => f.startsWith('renderer/globe/')), importers('cesium').join());
  assert.ok(importers('electron').every((f) => f.startsWith('main/desktop/') || f.startsWith('preload/')), importers('electron').join());
});
