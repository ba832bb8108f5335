// bench/open: opening a project must not depend on its size. For generated projects of about 10 MB, 1 GB and 5 GB
// (the synthetic district plus a tile layer that makes up the size, as imagery does in real projects), in one run:
//   - Storey's open: ProjectFile.open (header checks, lock, WAL) + getProjectInfo + listBuildingShapes, i.e. what the
//     workstation does before it can draw;
//   - the baseline: the sqlite3 command-line shell opening the same file and answering one indexed query (a building
//     by registry id), and the same open + query through better-sqlite3 in this process;
//   - the first complete frame in headless Chromium (web host started, page loaded, buildings built, tiles loaded).
// Prints medians, Storey/baseline ratios, and the 5 GB/10 MB ratio that says whether opening is flat in size.
// Generated files are kept in .cache/bench-open (reused on the next run; delete it to regenerate).
// Usage: npm run bench:open [-- --sizes 10MB,1GB,5GB --runs 7 --no-browser]
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectApi } from '../core/api/project-api.js';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { createSampleProject } from '../core/sample/sample-city.js';
import { startWebHost } from '../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity } from '../test/support/chromium.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10MB,1GB,5GB' },
    runs: { type: 'string', default: '7' },
    'no-browser': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const root = findPackageRoot(import.meta.dirname);
const cacheDir = join(root, '.cache', 'bench-open');
mkdirSync(cacheDir, { recursive: true });

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(MB|GB)$/i.exec(text.trim());
  if (!match) throw new Error(`--sizes takes sizes like 10MB or 5GB, not "${text}"`);
  return Number(match[1]) * (match[2]!.toUpperCase() === 'GB' ? 1024 ** 3 : 1024 ** 2);
}

const TILE_BYTES = 64 * 1024;

/** The sample district, then distinct 64 KB tiles in one hidden layer until the file reaches the size. */
function generate(label: string, bytes: number): string {
  const path = join(cacheDir, `open-${label}.storey`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  createSampleProject(partial).close();
  const db = new Database(partial);
  const tiles = Math.max(0, Math.floor((bytes - statSync(partial).size) / (TILE_BYTES + 200)));
  const started = performance.now();
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.prepare(`INSERT INTO storey_layers (id, name, kind, settings) VALUES ('bulk', 'Generated imagery', 'imagery', ?)`).run(
    JSON.stringify({ format: 'png', tileCount: tiles, byteSize: tiles * TILE_BYTES, minZoom: 18, maxZoom: 18, visible: false, order: 0, attribution: 'generated for bench/open' }),
  );
  const blob = db.prepare(`INSERT INTO storey_blobs (sha256, bytes) VALUES (?, ?)`);
  const tile = db.prepare(`INSERT INTO storey_tiles (layer_id, tile_path, sha256) VALUES ('bulk', ?, ?)`);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const bytesOfTile = randomBytes(TILE_BYTES);
      const sha = createHash('sha256').update(bytesOfTile).digest('hex');
      blob.run(sha, bytesOfTile);
      tile.run(`18/${i % 4096}/${Math.floor(i / 4096)}.png`, sha);
    }
  });
  for (let i = 0; i < tiles; i += 2000) {
    batch(i, Math.min(tiles, i + 2000));
    if (i % 20000 === 0) process.stderr.write(`\r  generating ${label}: ${Math.round((i / Math.max(tiles, 1)) * 100)} %`);
  }
  db.pragma('journal_mode = DELETE');
  db.close();
  renameSync(partial, path);
  process.stderr.write(`\r  generated ${label}: ${(statSync(path).size / 1024 ** 2).toFixed(0)} MB, ${tiles} tiles in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return path;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function storeyOpen(path: string, someId: string): Promise<number> {
  const started = performance.now();
  const project = ProjectFile.open(path);
  const api = new ProjectApi(project);
  await api.getProjectInfo();
  await api.listBuildingShapes();
  await api.getBuilding({ id: someId });
  const elapsed = performance.now() - started;
  project.close();
  return elapsed;
}

function baselineInProcess(path: string, someId: string): number {
  const started = performance.now();
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.prepare('SELECT * FROM buildings WHERE registry_id = ?').get(someId);
  const elapsed = performance.now() - started;
  db.close();
  return elapsed;
}

function baselineShell(path: string, someId: string): number {
  const started = performance.now();
  execFileSync('sqlite3', ['-readonly', path, `SELECT registry_id, height_m FROM buildings WHERE registry_id = '${someId.replace(/'/g, "''")}'`], { encoding: 'utf8' });
  return performance.now() - started;
}

async function firstFrame(path: string): Promise<number> {
  const browser = await launchChromium();
  try {
    const started = performance.now();
    const host = await startWebHost({ projectPath: path, staticRoot: join(root, 'dist', 'renderer'), readOnly: true, stateFile: join(cacheDir, 'state.json') });
    try {
      const { page } = await openGuardedPage(browser, host.origin);
      await page.goto(host.url);
      await waitForCity(page, 300_000);
      return performance.now() - started;
    } finally {
      await host.close();
    }
  } finally {
    await browser.close();
  }
}

const hasShell = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sqlite3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const rows: Array<Record<string, string | number>> = [];
for (const label of values.sizes.split(',')) {
  const path = generate(label.trim(), parseSize(label));
  const probe = new Database(path, { readonly: true });
  const someId = probe.prepare('SELECT registry_id FROM buildings ORDER BY registry_id LIMIT 1 OFFSET 200').pluck().get() as string;
  probe.close();
  const storey: number[] = [];
  const inProcess: number[] = [];
  const shell: number[] = [];
  await storeyOpen(path, someId); // warm the page cache the same way for every contender
  for (let i = 0; i < runs; i++) {
    storey.push(await storeyOpen(path, someId));
    inProcess.push(baselineInProcess(path, someId));
    if (hasShell) shell.push(baselineShell(path, someId));
  }
  const frame = values['no-browser'] ? NaN : await firstFrame(path);
  rows.push({
    size: label.trim(),
    fileMB: Math.round(statSync(path).size / 1024 ** 2),
    storeyOpenMs: +median(storey).toFixed(1),
    sqliteInProcessMs: +median(inProcess).toFixed(2),
    sqliteShellMs: hasShell ? +median(shell).toFixed(1) : NaN,
    firstFrameMs: Math.round(frame),
  });
}
console.table(rows);
const first = rows[0]!;
const last = rows[rows.length - 1]!;
console.log(`Storey open (open + project info + building shapes + one building), median of ${runs}:`);
for (const row of rows) {
  console.log(`  ${String(row['size']).padEnd(6)} ${row['storeyOpenMs']} ms  ·  sqlite3 shell open + indexed query ${row['sqliteShellMs']} ms (ratio ${(Number(row['storeyOpenMs']) / Number(row['sqliteShellMs'])).toFixed(2)})  ·  better-sqlite3 open + query ${row['sqliteInProcessMs']} ms`);
}
console.log(`Flatness, ${last['size']} / ${first['size']}: Storey open ${(Number(last['storeyOpenMs']) / Number(first['storeyOpenMs'])).toFixed(2)}×, sqlite3 shell ${(Number(last['sqliteShellMs']) / Number(first['sqliteShellMs'])).toFixed(2)}×` +
  (values['no-browser'] ? '' : `, first frame ${(Number(last['firstFrameMs']) / Number(first['firstFrameMs'])).toFixed(2)}×`));
