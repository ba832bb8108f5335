/**
 * `storey sync` killed with SIGKILL at random moments of its run, at least 100 times: after every kill the project
 * passes SQLite's integrity check, shows one whole generation (the one it started from or the server's, equal to
 * it record for record and tile for tile), and the next sync completes and equals the server's area.
 * Runs start empty (generation 0 → 2) or from generation 1, and one in four is `storey sync --init` making a new
 * project (killed before it takes its name, nothing is there; after, the same command continues it).
 * STOREY_SYNC_KILLS raises the count.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveNote } from '../../core/api/views-notes.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { formatArea, type Area } from '../../core/sync/area.js';
import { createProjectFromServer, syncProject, writeSyncSettings } from '../../core/sync/sync-client.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { tempDir } from '../support/temp.js';
import { buildFaultMaster, centralOdense, type FaultMaster } from './fault-fixture.js';
import { assertSameContent, content, makeCertificates, seededRandom, type Certificates } from './sync-support.js';

const root = findPackageRoot(import.meta.dirname);
const storey = join(root, 'bin', 'storey.mjs');
const dir = tempDir('storey-sync-kill-');
const KILLS = Number(process.env['STOREY_SYNC_KILLS'] ?? 100);
const SEED = Number(process.env['STOREY_SYNC_KILL_SEED'] ?? 20261127);

let certs: Certificates;
let fixture: FaultMaster;
let server: SyncServer;
const bases: Array<{ path: string; generation: string | undefined; content: Map<string, string> }> = [];
let expected: Map<string, string>;
let settings: { server: string; caPath: string; area: Area };

before(async () => {
  certs = makeCertificates(dir);
  fixture = await buildFaultMaster(dir);
  server = await startSyncServer({ dataPath: fixture.path, cert: certs.serverCert, key: certs.serverKey, log: () => {} });
  settings = { server: `https://127.0.0.1:${server.port}`, caPath: certs.caPath, area: centralOdense };
  const empty = join(dir, 'empty.storey');
  const project = ProjectFile.create(empty, { name: 'empty' });
  writeSyncSettings(project, settings);
  project.close();
  bases.push({ path: empty, generation: undefined, content: new Map() });
  const generation1 = join(dir, 'generation-1.storey');
  const created = await createProjectFromServer(generation1, { name: 'g1', ...settings }, { token: fixture.token });
  bases.push({ path: generation1, generation: '1', content: content(created.project) });
  created.project.close();
  fixture.nextGeneration();
  expected = content(fixture.master, centralOdense);
});

after(async () => {
  await server?.close();
  fixture?.master.close();
});

/**
 * Runs `storey sync ARGS` and kills it `delayMs` after its `afterLine`-th progress line (it prints one as each phase
 * starts: asking the server, changes, tiles, applying, notes and views): random points of its progress that hold
 * however loaded the machine is.
 */
function syncAndKill(args: string[], afterLine: number, delayMs: number): Promise<{ finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [storey, 'sync', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STOREY_SYNC_TOKEN: fixture.token } });
    let lines = 0;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const before = lines;
      lines = stderr.split('\n').length - 1;
      if (before < afterLine && lines >= afterLine) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`storey sync exited with ${code}: ${stderr}`));
      else resolve({ finished: code === 0 });
    });
  });
}

function freshCopy(from: string, to: string, note: string): void {
  for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(to + suffix, { force: true });
  copyFileSync(from, to);
  const project = ProjectFile.open(to);
  saveNote(project, { text: note, buildingId: null, lonDegrees: 10.39, latDegrees: 55.4, heightMeters: 0 });
  project.close();
}

test(`storey sync killed ${KILLS} times: whole generations after every kill, and the next sync completes`, { timeout: 1_200_000 }, async () => {
  const random = seededRandom(SEED);
  const work = join(dir, 'work.storey');
  const landed = new Map<string, number>();
  for (let i = 0; i < KILLS; i++) {
    // One run in four is `storey sync --init` making a new project; the others sync a copy of a base project.
    const init = i % 4 === 3;
    const base = init ? bases[0]! : bases[i % 2]!;
    const path = init ? join(dir, `init-${i}.storey`) : work;
    if (!init) freshCopy(base.path, work, `note of run ${i}`);
    const afterLine = 1 + Math.floor(random() * 5);
    const delayMs = random() * 300;
    const args = init ? ['--init', path, '--server', settings.server, '--ca', settings.caPath, '--area', formatArea(centralOdense)] : [path];
    const { finished } = await syncAndKill(args, afterLine, delayMs);
    const where = `kill ${i}${init ? ' (--init)' : ''} (seed ${SEED}, ${delayMs.toFixed(0)} ms after progress line ${afterLine})`;
    if (init && !existsSync(path)) {
      // Killed before the new project took its name: nothing half-made is left under it.
      landed.set('before staging', (landed.get('before staging') ?? 0) + 1);
      const { project } = await createProjectFromServer(path, { name: 'again', ...settings }, { token: fixture.token });
      assertSameContent(content(project), expected, `${where}, next init: `);
      project.close();
      continue;
    }
    const project = ProjectFile.open(path);
    try {
      assert.equal(project.db.prepare(`PRAGMA integrity_check`).pluck().get(), 'ok', where);
      const generation = project.getMeta('sync.generation');
      const staging = project.getMeta('sync.staging');
      if (generation === '2') assertSameContent(content(project), expected, `${where}: `);
      else {
        assert.equal(generation, base.generation, `${where}: generation ${generation}`);
        assertSameContent(content(project), base.content, `${where}: `);
      }
      const blobs = project.db.prepare(`SELECT count(*) FROM storey_blobs WHERE sha256 NOT IN (SELECT sha256 FROM storey_tiles)`).pluck().get() as number;
      const state = finished ? 'finished' : generation === '2' ? 'after apply' : blobs > 0 ? 'fetching tiles' : staging ? 'paging changes' : 'before staging';
      landed.set(state, (landed.get(state) ?? 0) + 1);
    } finally {
      project.close();
    }
    // The next sync: `storey sync --init` again for a new project (it continues), a plain sync otherwise.
    const next = init
      ? (await createProjectFromServer(path, { name: 'again', ...settings }, { token: fixture.token })).project
      : ProjectFile.open(path);
    try {
      if (!init) await syncProject(next, { token: fixture.token });
      assert.equal(next.getMeta('sync.generation'), '2', where);
      assertSameContent(content(next), expected, `${where}, next sync: `);
      assert.equal(next.db.prepare(`SELECT count(*) FROM storey_sync_conflicts`).pluck().get(), 0, `${where}: no conflict from a push cut short`);
    } finally {
      next.close();
    }
  }
  console.log(`${KILLS} kills landed: ${JSON.stringify(Object.fromEntries(landed))}`);
  // The kills spread over the run: before and while staging, during the tiles, after the apply.
  for (const state of ['paging changes', 'fetching tiles', 'after apply']) assert.ok((landed.get(state) ?? 0) >= Math.ceil(KILLS / 25), `only ${landed.get(state) ?? 0} kills ${state}`);
  assert.ok((landed.get('finished') ?? 0) < KILLS / 2, 'most runs were killed before they finished');
});
