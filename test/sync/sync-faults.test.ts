/**
 * Sync over a bad line: a proxy between workstation and server cuts connections at random byte offsets, stalls
 * them, pauses them or flips a byte, per connection. Each run retries sync until it completes and must end in a
 * project equal to the server's area, with its own note on the server exactly once. Half the runs start empty
 * (generation 0 → 2), half from a project at generation 1 (incremental). Seeded: a failure prints its seed.
 * STOREY_SYNC_FAULT_RUNS raises the count for a soak; STOREY_SYNC_FAULT_SEED replays one run.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StoreyError } from '../../common/errors.js';
import { saveNote } from '../../core/api/views-notes.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createProjectFromServer, syncProject, writeSyncSettings } from '../../core/sync/sync-client.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { tempDir } from '../support/temp.js';
import { buildFaultMaster, centralOdense, type FaultMaster } from './fault-fixture.js';
import { assertSameContent, content, faultProxy, makeCertificates, seededRandom, type Certificates, type Fault, type FaultProxy } from './sync-support.js';

const dir = tempDir('storey-sync-faults-');
const RUNS = Number(process.env['STOREY_SYNC_FAULT_RUNS'] ?? 50);
const FIRST_SEED = Number(process.env['STOREY_SYNC_FAULT_SEED'] ?? 1);
/** A stall is noticed after this long without a byte. */
const IDLE_MS = 1000;

let certs: Certificates;
let fixture: FaultMaster;
let server: SyncServer;
let generation1Path: string;
let expected: Map<string, string>;

before(async () => {
  certs = makeCertificates(dir);
  fixture = await buildFaultMaster(dir);
  server = await startSyncServer({ dataPath: fixture.path, cert: certs.serverCert, key: certs.serverKey, log: () => {} });
  // A workstation at generation 1, copied as the start of the incremental runs.
  generation1Path = join(dir, 'generation-1.storey');
  const { project } = await createProjectFromServer(generation1Path, { name: 'g1', server: `https://127.0.0.1:${server.port}`, caPath: certs.caPath, area: centralOdense }, { token: fixture.token });
  assert.equal(project.getMeta('sync.generation'), '1');
  project.close();
  fixture.nextGeneration();
  expected = content(fixture.master, centralOdense);
});

after(async () => {
  await server?.close();
  fixture?.master.close();
});

/** One connection in three is clean; the rest get a fault somewhere in their first MiB (log-uniform). */
function faultPicker(random: () => number): (connection: number) => Fault {
  return () => {
    const roll = random();
    if (roll < 0.33) return { kind: 'none' };
    const direction = random() < 0.75 ? 'down' : 'up';
    const atByte = Math.floor(Math.exp(random() * Math.log(1 << 20)));
    if (roll < 0.55) return { kind: 'cut', direction, atByte };
    if (roll < 0.7) return { kind: 'flip', direction, atByte };
    if (roll < 0.85) return { kind: 'stall', direction, atByte };
    return { kind: 'pause', direction, atByte, pauseMs: Math.floor(random() * IDLE_MS * 0.5) };
  };
}

test(`${RUNS} runs over a line that cuts, stalls, pauses and flips bytes: each ends equal to the server's area`, { timeout: 900_000 }, async () => {
  const totals = { attempts: 0, failures: 0, cut: 0, stall: 0, flip: 0, pause: 0 };
  const failureCodes = new Map<string, number>();
  for (let run = 0; run < RUNS; run++) {
    const seed = FIRST_SEED + run;
    const random = seededRandom(seed);
    const incremental = seed % 2 === 0;
    let proxy: FaultProxy | undefined;
    try {
      proxy = await faultProxy(server.port, faultPicker(random));
      const path = join(dir, `run-${seed}.storey`);
      const settings = { server: `https://127.0.0.1:${proxy.port}`, caPath: certs.caPath, area: centralOdense };
      if (incremental) {
        copyFileSync(generation1Path, path);
        const project = ProjectFile.open(path);
        writeSyncSettings(project, settings);
        project.close();
      } else {
        ProjectFile.create(path, { name: `run ${seed}` }).close();
        const project = ProjectFile.open(path);
        writeSyncSettings(project, settings);
        project.close();
      }
      const project = ProjectFile.open(path);
      const note = saveNote(project, { text: `written in run ${seed}`, buildingId: null, lonDegrees: 10.39, latDegrees: 55.4, heightMeters: 0 });
      const startGeneration = incremental ? '1' : undefined;
      try {
        for (let attempt = 0; ; attempt++) {
          assert.ok(attempt < 200, 'the sync never completed');
          totals.attempts++;
          try {
            await syncProject(project, { token: fixture.token, idleTimeoutMs: IDLE_MS, pageSize: 150, blobBatch: 24 });
            break;
          } catch (error) {
            totals.failures++;
            // A bad line is BUSY ("run sync again"); anything else would send the analyst the wrong way.
            assert.ok(error instanceof StoreyError && error.code === 'BUSY', `attempt ${attempt} failed with ${String((error as Error).stack)}`);
            const code = /\(([A-Z_]+|[^)]{0,40})\)/.exec(error.message)?.[1] ?? '?';
            failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
            // Between attempts the project shows a whole generation: the one it started from, or the target.
            const generation = project.getMeta('sync.generation');
            assert.ok(generation === startGeneration || generation === '2', `generation ${generation} after a failed attempt`);
          }
        }
        assert.equal(project.getMeta('sync.generation'), '2');
        assertSameContent(content(project), expected, `seed ${seed}: `);
        assert.equal(project.db.prepare(`PRAGMA quick_check`).pluck().get(), 'ok');
        assert.equal(project.db.prepare(`SELECT count(*) FROM storey_sync_staging`).pluck().get(), 0, 'staging is cleared');
        const onServer = fixture.master.db.prepare(`SELECT body FROM storey_sync_items WHERE owner = 'faulty-line' AND kind = 'note' AND id = ?`).pluck().get(note.id) as string | undefined;
        assert.ok(onServer && JSON.parse(onServer).text === note.text, 'the note reached the server');
        assert.equal(project.db.prepare(`SELECT count(*) FROM storey_sync_conflicts`).pluck().get(), 0, 'a push retried after a lost answer is not a conflict');
      } finally {
        project.close();
      }
      for (const kind of ['cut', 'stall', 'flip', 'pause'] as const) totals[kind] += proxy.struck[kind];
    } catch (error) {
      console.error(`sync fault run failed: replay with STOREY_SYNC_FAULT_SEED=${seed} STOREY_SYNC_FAULT_RUNS=1`);
      throw error;
    } finally {
      await proxy?.close();
    }
  }
  console.log(`${RUNS} runs, ${totals.attempts} attempts (${totals.failures} failed); faults struck: ${totals.cut} cuts, ${totals.stall} stalls, ${totals.flip} flips, ${totals.pause} pauses; errors ${JSON.stringify(Object.fromEntries(failureCodes))}`);
  // The line really was bad: every kind of fault struck, and most runs needed more than one attempt.
  for (const kind of ['cut', 'stall', 'flip', 'pause'] as const) assert.ok(totals[kind] >= Math.ceil(RUNS / 10), `only ${totals[kind]} ${kind}s struck`);
  assert.ok(totals.failures >= RUNS, `only ${totals.failures} failed attempts in ${RUNS} runs`);
});
