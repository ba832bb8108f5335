/**
 * A process killed (SIGKILL) in the middle of an import or a copy leaves files that open with either the old or the
 * new content, never a mix: 200 kills at random moments, each followed by an integrity check and a content check.
 * (`npm run soak:kill` runs the same with 2,000 kills each.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findPackageRoot } from '../../core/paths.js';
import { checkProject } from '../../core/project/copy.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const storey = join(root, 'bin', 'storey.mjs');
const delft = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');
const profile = join(root, 'resources', 'profiles', 'cityjson.json');
const dir = tempDir();
const KILLS = Number(process.env['STOREY_KILLS'] ?? 100);

// Deterministic "random" kill times, so a failure can be replayed.
let seed = 20261127;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

/** Runs the CLI and kills it after `afterMs`; resolves with whether it finished first. */
function runAndKill(args: string[], afterMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [storey, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

test(`${KILLS} kills during imports: every file opens whole, with the import fully in or fully out`, { timeout: 600_000 }, async () => {
  const path = join(dir, 'import-target.storey');
  createSampleProject(path).close();
  const open = () => ProjectFile.open(path, { readOnly: true });
  let p = open();
  const sampleCount = p.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number;
  p.close();
  let completed = 0;
  let killedMidway = 0;
  for (let i = 0; i < KILLS; i++) {
    const finished = await runAndKill(['import', path, '--profile', profile, delft], 40 + random() * 600);
    if (finished) completed++;
    else killedMidway++;
    p = open();
    try {
      assert.deepEqual(checkProject(p), { ok: true, problems: [] }, `kill ${i}`);
      const buildings = p.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number;
      const imports = p.db.prepare('SELECT count(*) FROM storey_imports').pluck().get() as number;
      assert.ok(buildings === sampleCount || buildings === sampleCount + 160, `kill ${i}: ${buildings} buildings`);
      // The import log row lands in the same transaction as the records.
      assert.equal(buildings === sampleCount, imports === 0, `kill ${i}: ${buildings} buildings but ${imports} imports logged`);
      assert.ok(imports >= completed, `kill ${i}: ${imports} imports logged, ${completed} completed`);
      assert.equal(p.db.prepare('SELECT count(*) FROM storey_address_search').pluck().get(), p.db.prepare('SELECT count(*) FROM addresses').pluck().get());
    } finally {
      p.close();
    }
  }
  assert.ok(killedMidway > KILLS / 4, `only ${killedMidway} of ${KILLS} runs were killed before finishing; the kill window is wrong`);
});

test(`${KILLS} kills during copies: a copy exists whole or not at all`, { timeout: 600_000 }, async () => {
  const source = join(dir, 'copy-source.storey');
  createSampleProject(source).close();
  let killedMidway = 0;
  for (let i = 0; i < KILLS; i++) {
    const dest = join(dir, `copy-${i}.storey`);
    const finished = await runAndKill(['copy', source, dest], 30 + random() * 250);
    if (!finished) killedMidway++;
    if (existsSync(dest)) {
      const copy = ProjectFile.open(dest, { readOnly: true });
      try {
        assert.deepEqual(checkProject(copy), { ok: true, problems: [] }, `copy ${i}`);
        assert.ok((copy.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number) > 300);
      } finally {
        copy.close();
      }
    } else {
      assert.equal(finished, false, `copy ${i} reported success but there is no file`);
    }
  }
  const s = ProjectFile.open(source, { readOnly: true });
  assert.deepEqual(checkProject(s), { ok: true, problems: [] });
  s.close();
  assert.ok(killedMidway > KILLS / 4, `only ${killedMidway} of ${KILLS} copies were killed before finishing`);
});
