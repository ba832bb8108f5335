// bench/tiles: serving tiles out of the project file against a static file server serving the same tiles from a
// folder, in one run.
//   1. HTTP: the web host's /tiles/ route against sirv (the static server) over the same tiles extracted to a temp
//      folder under the same URL paths. Each server runs in its own process; one client (an undici Pool, 32
//      connections, 32 requests in flight) walks the same shuffled tile list. Prints tiles/s, p50 and p99 for both.
//   2. In process: the tile handler (what the desktop storey:// scheme calls) against fs.readFile of the same files.
// Goal: the project file at least as fast as the static server, p99 under 25 ms at 32 concurrent requests.
// Usage: npm run bench:tiles [-- --requests 20000 --rounds 3 --connections 32]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sirv from 'sirv';
import { Pool } from 'undici';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { saveCopy } from '../core/project/copy.js';
import { createTileHandler } from '../core/serve/tile-handler.js';
import { importTiles } from '../core/tiles/import-tiles.js';
import { TileStore } from '../core/tiles/tile-store.js';
import { startWebHost } from '../main/web/web-host.js';

const TOKEN = 'bench-tiles-token';
const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    project: { type: 'string' },
    folder: { type: 'string' },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
});
const root = findPackageRoot(import.meta.dirname);

// Child mode: run one server and print its port.
if (values.child === 'storey') {
  const staticRoot = join(root, 'dist', 'renderer');
  const host = await startWebHost({ projectPath: values.project!, staticRoot, token: TOKEN, readOnly: true, stateFile: join(dirname(values.project!), 'state.json') });
  console.log(`PORT ${host.port}`);
} else if (values.child === 'sirv') {
  const serve = sirv(values.folder!, { dev: false, etag: true });
  const server = createServer((req, res) => serve(req, res, () => {
    res.statusCode = 404;
    res.end('not found');
  }));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`PORT ${typeof address === 'object' && address ? address.port : 0}`);
  });
} else {
  await main();
}

function startChild(args: string[], home: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'tiles.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, STOREY_HOME: home } });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Run {
  tilesPerSecond: number;
  p50: number;
  p99: number;
  bytes: number;
}

async function load(port: number, paths: string[], total: number, connections: number): Promise<Run> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  const latencies = new Float64Array(total);
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const path = paths[i % paths.length]!;
      const t0 = performance.now();
      const { statusCode, body } = await pool.request({ method: 'GET', path, headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' } });
      const data = await body.arrayBuffer();
      latencies[i] = performance.now() - t0;
      if (statusCode !== 200) throw new Error(`${path} answered ${statusCode}`);
      bytes += data.byteLength;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { tilesPerSecond: total / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), bytes };
}

async function main(): Promise<void> {
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const work = mkdtempSync(join(tmpdir(), 'storey-bench-tiles-'));
  try {
    // The real samples: the Heuvelrug terrain (419 quantized-mesh tiles + layer.json) and the Washington imagery.
    const projectPath = join(work, 'tiles.storey');
    const project = ProjectFile.create(projectPath, { name: 'tile benchmark' });
    const shared = join(root, '..', 'shared', 'data');
    const layers = [
      await importTiles(project, join(shared, 'nl-heuvelrug-terrain', 'tiles')),
      await importTiles(project, join(shared, 'tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles')),
    ];
    const store = new TileStore(project);
    const folder = join(work, 'static');
    const tiles: Array<{ url: string; file: string }> = [];
    for (const layer of layers) {
      for (const { path, bytes } of store.tiles(layer.id)) {
        const file = join(folder, 'tiles', layer.id, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
        tiles.push({ url: `/tiles/${layer.id}/${path}`, file });
      }
    }
    // The same shuffled order for both servers.
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const order = tiles.map((t) => ({ t, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.t);
    const paths = order.map((t) => t.url);
    const totalBytes = tiles.reduce((s, t) => s + store.readTile(t.url.split('/')[2]!, t.url.split('/').slice(3).join('/'))!.bytes.length, 0);
    console.log(`${tiles.length} tiles (${(totalBytes / 1024).toFixed(0)} KiB) from ${layers.map((l) => l.name).join(' and ')}; ${requests} requests per run, ${connections} connections, ${rounds} rounds`);

    // In process: the handler the desktop scheme calls, against reading the same files with fs.
    const handler = createTileHandler(store);
    const uncached = createTileHandler(store, { cacheBytes: 0 });
    const inProcess = { handler: [] as number[], uncached: [] as number[], fs: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      let t0 = performance.now();
      for (let i = 0; i < requests; i++) if (handler(paths[i % paths.length]!).status !== 200) throw new Error('handler failed');
      inProcess.handler.push(requests / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      for (let i = 0; i < requests; i++) if (uncached(paths[i % paths.length]!).status !== 200) throw new Error('handler failed');
      inProcess.uncached.push(requests / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      for (let i = 0; i < requests; i++) await readFile(order[i % order.length]!.file);
      inProcess.fs.push(requests / ((performance.now() - t0) / 1000));
    }
    // Encrypted: the same tiles read from an encrypted copy (ChaCha20-Poly1305 on every page), uncached handler against
    // the plain project's uncached handler, with SQLite's page cache sized to the working set (the tile pages).
    const encryptedPath = join(work, 'tiles-encrypted.storey');
    saveCopy(project, encryptedPath, { passphrase: 'benchmark passphrase' });
    const encrypted = ProjectFile.open(encryptedPath, { passphrase: 'benchmark passphrase' });
    const workingSetKiB = Math.ceil((encrypted.db.pragma('page_count', { simple: true }) as number) * (encrypted.db.pragma('page_size', { simple: true }) as number) / 1024);
    encrypted.db.pragma(`cache_size = -${workingSetKiB}`);
    project.db.pragma(`cache_size = -${workingSetKiB}`);
    const encryptedHandler = createTileHandler(new TileStore(encrypted), { cacheBytes: 0 });
    const plainHandler = createTileHandler(store, { cacheBytes: 0 });
    const sealed = { encrypted: [] as number[], plain: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      let t0 = performance.now();
      for (let i = 0; i < requests; i++) if (plainHandler(paths[i % paths.length]!).status !== 200) throw new Error('handler failed');
      sealed.plain.push(requests / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      for (let i = 0; i < requests; i++) if (encryptedHandler(paths[i % paths.length]!).status !== 200) throw new Error('encrypted handler failed');
      sealed.encrypted.push(requests / ((performance.now() - t0) / 1000));
    }
    encrypted.close();
    project.close();
    const best = (xs: number[]) => Math.max(...xs);
    const encryptedRatio = best(sealed.encrypted) / best(sealed.plain);
    console.log(`\nEncrypted project (no tile cache, SQLite page cache ${(workingSetKiB / 1024).toFixed(1)} MiB = the file, best of ${rounds}):`);
    console.log(`  plain project                ${best(sealed.plain).toFixed(0).padStart(8)} tiles/s`);
    console.log(`  encrypted project            ${best(sealed.encrypted).toFixed(0).padStart(8)} tiles/s`);
    console.log(`  ratio encrypted / plain      ${encryptedRatio.toFixed(2)}×   goal ≥ 0.50 → ${encryptedRatio >= 0.5 ? 'met' : 'NOT met'}`);
    console.log(`\nIn process (sequential, best of ${rounds}):`);
    console.log(`  tile handler                 ${best(inProcess.handler).toFixed(0).padStart(8)} tiles/s   (verified tiles cached in memory, as served)`);
    console.log(`  tile handler, no cache       ${best(inProcess.uncached).toFixed(0).padStart(8)} tiles/s   (SQLite read + SHA-256 check every time)`);
    console.log(`  fs.readFile                  ${best(inProcess.fs).toFixed(0).padStart(8)} tiles/s`);
    console.log(`  ratio handler / fs           ${(best(inProcess.handler) / best(inProcess.fs)).toFixed(2)}×   (no cache: ${(best(inProcess.uncached) / best(inProcess.fs)).toFixed(2)}×)`);

    const storey = await startChild(['--child', 'storey', '--project', projectPath], work);
    const static_ = await startChild(['--child', 'sirv', '--folder', folder], work);
    try {
      // Warm both (page cache, JIT, connection setup), then alternate runs so neither gets the quieter moments.
      await load(storey.port, paths, paths.length * 2, connections);
      await load(static_.port, paths, paths.length * 2, connections);
      const runs = { storey: [] as Run[], sirv: [] as Run[] };
      for (let round = 0; round < rounds; round++) {
        runs.sirv.push(await load(static_.port, paths, requests, connections));
        runs.storey.push(await load(storey.port, paths, requests, connections));
      }
      const median = (list: Run[], key: keyof Run) => list.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      const row = (name: string, list: Run[]) =>
        `  ${name.padEnd(30)} ${median(list, 'tilesPerSecond').toFixed(0).padStart(8)} tiles/s   p50 ${median(list, 'p50').toFixed(2).padStart(6)} ms   p99 ${median(list, 'p99').toFixed(2).padStart(6)} ms`;
      console.log(`\nHTTP, ${connections} concurrent requests (median of ${rounds} runs):`);
      console.log(row('web host /tiles/ (project file)', runs.storey));
      console.log(row('sirv (files in a folder)', runs.sirv));
      const ratio = median(runs.storey, 'tilesPerSecond') / median(runs.sirv, 'tilesPerSecond');
      const p99 = median(runs.storey, 'p99');
      console.log(`  ratio storey / sirv            ${ratio.toFixed(2)}× throughput, p99 ${p99.toFixed(2)} ms vs ${median(runs.sirv, 'p99').toFixed(2)} ms`);
      console.log(`\nGoal: ratio ≥ 1.00 and p99 < 25 ms → ${ratio >= 1 && p99 < 25 ? 'met' : 'NOT met'}`);
    } finally {
      storey.child.kill();
      static_.child.kill();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
