/**
 * bench/sync-ui: does a sync leave the host's event loop free? The initial sync of the Danish data (registry and the
 * world imagery) over loopback TLS, run as the UI runs it (a SyncJobs worker thread) against the baseline of the same
 * sync on the host's own thread (syncProject awaited in-process), in the same run. Measured: the host's event-loop
 * delay while the sync runs (perf_hooks histogram: p99 and max), and the sync's duration. The ratio printed is the
 * worker's max delay over the in-process max delay (lower is better). The server runs in a process of its own, so
 * only the workstation's work is on the measured thread.
 *
 *   npx tsx bench/sync-ui.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SessionTokens, SyncJobs } from '../core/api/sync-jobs.js';
import { spawnSyncWorker } from '../core/api/sync-worker-url.js';
import { importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { createProjectFromServer } from '../core/sync/sync-client.js';
import { importTiles } from '../core/tiles/import-tiles.js';
import { captureGeneration } from '../server/capture.js';
import { startSyncServer } from '../server/serve.js';
import { createToken } from '../server/tokens.js';
import { sharedData } from '../test/support/shared-data.js';
import { makeCertificates } from '../test/sync/sync-support.js';

if (process.argv[2] === '--serve') {
  // The server process: the master and the certificates given, the port on stdout.
  const [masterPath, certDir] = JSON.parse(process.argv[3]!) as [string, string];
  const server = await startSyncServer({ dataPath: masterPath, cert: readFileSync(join(certDir, 'server.pem')), key: readFileSync(join(certDir, 'server.key')) });
  process.stdout.write(`port ${server.port}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
} else {
  await bench();
}

async function bench(): Promise<void> {
const root = findPackageRoot(import.meta.dirname);
const dir = mkdtempSync(join(tmpdir(), 'storey-bench-sync-ui-'));
try {
  const certs = makeCertificates(dir);
  const masterPath = join(dir, 'master.storey');
  const master = ProjectFile.create(masterPath, { name: 'Master' });
  await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  await importTiles(master, sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'));
  captureGeneration(master);
  const token = createToken(master, { name: 'bench' }).token;
  master.close();
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve', JSON.stringify([masterPath, dir])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(/port (\d+)/.exec(line.toString())?.[1]);
  const settings = { name: 'bench', server: `https://127.0.0.1:${port}`, caPath: certs.caPath, area: null };

  const measure = async (run: () => Promise<void>) => {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    const started = performance.now();
    histogram.enable();
    await run();
    histogram.disable();
    return { seconds: (performance.now() - started) / 1000, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  };

  const rounds = Number(process.env['ROUNDS'] ?? 3);
  const results: Array<{ inProcess: Awaited<ReturnType<typeof measure>>; worker: Awaited<ReturnType<typeof measure>> }> = [];
  for (let round = 0; round < rounds; round++) {
    const inProcess = await measure(async () => {
      const { project } = await createProjectFromServer(join(dir, `in-process-${round}.storey`), settings, { token });
      project.close();
    });
    let open: ProjectFile | undefined;
    const jobs = new SyncJobs({
      project: () => open,
      open: (path) => (open = ProjectFile.open(path)),
      newProjectPath: async (fileName) => join(dir, `${fileName}.storey`),
      tokens: new SessionTokens(),
      spawn: spawnSyncWorker,
    });
    const worker = await measure(async () => {
      const started = await jobs.startFromServer({ ...settings, token, rememberToken: false, fileName: `worker-${round}` });
      const job = await jobs.wait(started.id);
      if (job.state !== 'done') throw new Error(`the worker sync ${job.state}: ${job.error?.message}`);
    });
    open?.close();
    results.push({ inProcess, worker });
    const f = (m: { seconds: number; p99Ms: number; maxMs: number }) => `${m.seconds.toFixed(2)} s, loop delay p99 ${m.p99Ms.toFixed(1)} ms, max ${m.maxMs.toFixed(1)} ms`;
    console.log(`round ${round + 1}: in-process ${f(inProcess)} | worker ${f(worker)} | max-delay ratio ${(worker.maxMs / inProcess.maxMs).toFixed(3)}`);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const inMax = median(results.map((r) => r.inProcess.maxMs));
  const workerMax = median(results.map((r) => r.worker.maxMs));
  console.log(`median max event-loop delay: in-process (baseline) ${inMax.toFixed(1)} ms, worker ${workerMax.toFixed(1)} ms, ratio ${(workerMax / inMax).toFixed(3)}`);
  console.log(`median duration: in-process ${median(results.map((r) => r.inProcess.seconds)).toFixed(2)} s, worker ${median(results.map((r) => r.worker.seconds)).toFixed(2)} s`);
  child.kill('SIGTERM');
  await once(child, 'exit');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}
