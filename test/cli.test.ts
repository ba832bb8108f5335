/** The `storey` command as a user runs it: the installed bin script over the built CLI bundle. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProjectInfo } from '../common/domain.js';
import { findPackageRoot } from '../core/paths.js';
import { latestSchemaVersion } from '../core/project/migrations.js';
import { ProjectFile } from '../core/project/project-file.js';
import { buildingsTilesetState } from '../core/tiler/stamp.js';
import { tempDir } from './support/temp.js';
import { sharedData } from './support/shared-data.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();

function storey(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'storey.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, STOREY_HOME: dir } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--help lists the commands', () => {
  const { code, stdout } = storey('--help');
  assert.equal(code, 0);
  for (const command of ['storey sample', 'storey info', 'storey serve']) assert.match(stdout, new RegExp(command));
});

test('sample writes a project that info describes, as text and as JSON', () => {
  const out = join(dir, 'district.storey');
  const made = storey('sample', out);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /Wrote .*district\.storey: \d+ buildings/);

  const json = storey('info', out, '--json');
  assert.equal(json.code, 0, json.stderr);
  const info = ProjectInfo.parse(JSON.parse(json.stdout));
  assert.ok(info.counts.buildings >= 300);
  assert.equal(info.schemaVersion, latestSchemaVersion);

  const text = storey('info', out);
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`buildings\\s+${info.counts.buildings}\\b`));
  assert.match(text.stdout, new RegExp(`units\\s+${info.counts.units}\\b`));
  assert.match(text.stdout, /synthetic sample data/);

  const again = storey('sample', out);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
});

test('info on something that is not a project says what and where, with exit code 1', () => {
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'not a database');
  const { code, stderr } = storey('info', notes);
  assert.equal(code, 1);
  assert.match(stderr, /notes\.txt is not a SQLite database.*\[NOT_SQLITE\]/);
});

test('usage mistakes exit with code 2 and point to --help', () => {
  for (const args of [['info'], ['frobnicate'], ['serve', '--port', 'abc']]) {
    const { code, stderr } = storey(...args);
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /storey --help/);
  }
});

test('tile layers: import --tiles, layers, info and export-layer; a bad source names the file', () => {
  const file = join(dir, 'tiles.storey');
  const mbtiles = sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles');
  const imported = storey('import', file, '--tiles', mbtiles, sharedData('nl-heuvelrug-terrain', 'tiles'), '--create', 'Tiles');
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /Imported open-streets-dc .*imagery, webp, 32 tiles.*zoom 7–12/);
  assert.match(imported.stdout, /Imported nl-heuvelrug-terrain .*terrain, quantized-mesh, 420 tiles/);
  const layers = JSON.parse(storey('layers', file, '--json').stdout) as Array<{ id: string; name: string; tileCount: number }>;
  assert.deepEqual(layers.map((l) => [l.name, l.tileCount]), [['open-streets-dc', 32], ['nl-heuvelrug-terrain', 420]]);
  assert.match(storey('info', file).stdout, /tile layers\s+\n\s+open-streets-dc/);
  const out = join(dir, 'dc.mbtiles');
  const exported = storey('export-layer', file, layers[0]!.id, '--out', out);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /32 tiles \(mbtiles\)/);
  const terrain = storey('export-layer', file, 'nl-heuvelrug-terrain', '--out', join(dir, 't.mbtiles'));
  assert.equal(terrain.code, 1);
  assert.match(terrain.stderr, /is terrain/);
  const junk = join(dir, 'junk.mbtiles');
  writeFileSync(junk, 'not tiles');
  const bad = storey('import', file, '--tiles', junk);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /junk\.mbtiles: cannot be read as an MBTiles file.*\[BAD_INPUT\]/);
  assert.equal((JSON.parse(storey('layers', file, '--json').stdout) as unknown[]).length, 2);
});

test('a registry import tiles the buildings for the city view; --no-tile leaves that for storey tile', () => {
  const file = join(dir, 'odense-cli.storey');
  const profile = join(findPackageRoot(import.meta.dirname), 'resources', 'profiles', 'dk-bbr.json');
  const imported = storey('import', file, '--profile', profile, sharedData('dk-odense'), '--create', 'Odense');
  assert.equal(imported.code, 0, imported.stderr);
  const tiledCount = Number(imported.stdout.match(/Tiled (\d+) buildings into \d+ tiles/)?.[1]);
  const layers = JSON.parse(storey('layers', file, '--json').stdout) as Array<{ name: string; kind: string }>;
  assert.deepEqual(layers.map((l) => [l.name, l.kind]), [['Buildings (3D Tiles)', '3dtiles']]);
  const project = ProjectFile.open(file, { readOnly: true });
  assert.equal(tiledCount, project.db.prepare('SELECT count(*) FROM buildings WHERE footprint IS NOT NULL').pluck().get(), 'every building with a footprint is tiled');
  assert.equal(buildingsTilesetState(project)?.current, true);
  project.close();
  // Importing again without tiling: the tileset is stale until storey tile runs.
  const again = storey('import', file, '--profile', profile, sharedData('dk-odense'), '--no-tile');
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /Tiled/);
  const stale = ProjectFile.open(file, { readOnly: true });
  assert.equal(buildingsTilesetState(stale)?.current, false);
  stale.close();
  assert.equal(storey('tile', file).code, 0);
  const fresh = ProjectFile.open(file, { readOnly: true });
  assert.equal(buildingsTilesetState(fresh)?.current, true);
  fresh.close();
});
