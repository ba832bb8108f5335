// bench/sync: sync over loopback TLS against the plain transfer of the same bytes, in one run.
//   - master: the Danish BBR import plus a generated imagery layer of --tile-mb MB of incompressible 30 kB tiles
//     (like JPEG/WebP imagery) over Odense; one generation captured;
//   - initial sync of the whole area (records + tiles) with a fresh workstation project, timed end to end (manifest,
//     change pages, batched tiles, hash checks, the apply transaction);
//   - baseline: curl downloading the master file in one HTTPS GET from a node https server on the same certificate,
//     saving it to a file beside the projects (curl -o FILE: a sync must store what it fetches, so this is the
//     comparison; the ratio uses it) and, for reference, into /dev/null; the ratio compares payload rates (sync:
//     bytes of records and tiles it delivered per second);
//   - incremental sync after a 1 % change (1 % of tiles replaced, 1 % of buildings edited): bytes on the wire
//     against the changed data.
// The sync server runs in a process of its own (as on its own machine), like the https server curl fetches from runs
// apart from curl: each side of each transfer has a core to itself. Printed beside the rates: the CPU time (user +
// system) of both sides of the initial sync and of curl and the server feeding it, which a shared machine's load
// disturbs far less than wall time.
// Usage: npm run bench:sync [-- --tile-mb 500]
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { findPackageRoot } from '../core/paths.js';
import { listAudit } from '../core/project/audit.js';
import { ProjectFile } from '../core/project/project-file.js';
import { createProjectFromServer, syncProject } from '../core/sync/sync-client.js';
import { sha256Hex, TileStore } from '../core/tiles/tile-store.js';
import { captureGeneration } from '../server/capture.js';
import { startSyncServer } from '../server/serve.js';
import { createToken } from '../server/tokens.js';
import { cuttingProxy, makeCertificates } from '../test/sync/sync-support.js';

const { values } = parseArgs({ options: { 'tile-mb': { type: 'string', default: '100' }, serve: { type: 'string' }, 'in-process': { type: 'boolean', default: false } } });
if (values.serve) {
  // The child: serve the master named by --serve (its certificate beside it) until killed.
  const [data, certDir] = JSON.parse(values.serve) as [string, string];
  const child = await startSyncServer({ dataPath: data, cert: readFileSync(join(certDir, 'server.pem')), key: readFileSync(join(certDir, 'server.key')) });
  console.log(`port ${child.port}`);
  await new Promise(() => {});
}
const tileMegabytes = Number(values['tile-mb']);
const TILE_BYTES = 30_000;
/** Random bytes behind a JPEG start-of-image marker: as incompressible as real imagery tiles. */
const jpegLike = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(TILE_BYTES - 4)]);
const root = findPackageRoot(import.meta.dirname);
const dir = mkdtempSync(join(tmpdir(), 'storey-bench-sync-'));
const certs = makeCertificates(dir);
const masterPath = join(dir, 'master.storey');

console.log(`bench/sync: Danish records + ${tileMegabytes} MB of tiles, loopback TLS, server ${values['in-process'] ? 'in this process' : 'in its own process'}`);
const master = ProjectFile.create(masterPath, { name: 'bench master' });
await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [join(root, '..', 'shared', 'data', 'dk-odense')]);
const tileCount = Math.ceil((tileMegabytes * 1e6) / TILE_BYTES);
const side = Math.ceil(Math.sqrt(tileCount));
await new TileStore(master).importLayer({ name: 'bench imagery', kind: 'imagery' }, (writer) => {
  for (let i = 0; i < tileCount; i++) writer.add(`18/${140000 + (i % side)}/${80000 + Math.floor(i / side)}.jpg`, jpegLike(), 'bench');
  return { format: 'jpg', encoding: 'identity', extent: { westDegrees: 10.3, southDegrees: 55.3, eastDegrees: 10.5, northDegrees: 55.5 }, minZoom: 18, maxZoom: 18, attribution: 'generated', source: 'bench' };
});
captureGeneration(master);
master.db.pragma('wal_checkpoint(TRUNCATE)');
const token = createToken(master, { name: 'bench' }).token;
let closeServer: () => Promise<void>;
let serverPort: number;
let serverCpu: () => number | null = () => null;
if (values['in-process']) {
  const server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverPort = server.port;
  closeServer = () => server.close();
} else {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve', JSON.stringify([masterPath, dir])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  serverPort = Number(/port (\d+)/.exec(line.toString())?.[1]);
  serverCpu = () => processCpuSeconds(child.pid!);
  closeServer = async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
}
const url = `https://127.0.0.1:${serverPort}`;

// Baseline: one HTTPS GET of the master file, by curl, from the same machine and certificate.
const fileBytes = statSync(masterPath).size;
const plain = createServer({ cert: certs.serverCert, key: certs.serverKey }, (req, res) => {
  res.writeHead(200, { 'content-length': fileBytes, 'content-type': 'application/octet-stream' });
  createReadStream(masterPath).pipe(res);
});
plain.listen(0, '127.0.0.1');
await once(plain, 'listening');
// Asynchronous: the server answering curl runs in this process. Twice: saving the file on the disk that holds the
// projects (what a sync, which must store what it fetches, is compared with), and into /dev/null (the transfer alone).
// curl's own CPU through /usr/bin/time (GNU time) where there is one; the CPU of the server feeding it is this
// process's own while curl runs.
const timeCommand = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const curl = async (out: string) => {
  const args = ['-s', '--cacert', certs.caPath, '-o', out, '-w', '%{size_download} %{time_total}', `https://127.0.0.1:${(plain.address() as AddressInfo).port}/master`];
  const timeFile = join(dir, 'curl-time.txt');
  const serverBefore = process.cpuUsage();
  const { stdout } = timeCommand
    ? await promisify(execFile)(timeCommand, ['-f', '%U %S', '-o', timeFile, 'curl', ...args], { encoding: 'utf8' })
    : await promisify(execFile)('curl', args, { encoding: 'utf8' });
  const server = process.cpuUsage(serverBefore);
  const [bytes, seconds] = stdout.split(' ').map(Number) as [number, number];
  const cpu = timeCommand ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : undefined;
  return { bytes, seconds, cpuSeconds: cpu ? +(cpu[0]! + cpu[1]!).toFixed(2) : null, serverCpuSeconds: cpuSeconds(server) };
};
const curlFilePath = join(dir, 'curl-download.storey');
const curlFile = await curl(curlFilePath);
rmSync(curlFilePath);
const curlNull = await curl('/dev/null');
const [curlBytes, curlSeconds] = [curlFile.bytes, curlFile.seconds];
plain.close();

const phases: Array<{ phase: string; atSeconds: number }> = [];
const serverCpuBefore = serverCpu();
const clientCpuBefore = process.cpuUsage();
let started = performance.now();
const { project, summary } = await createProjectFromServer(join(dir, 'laptop.storey'), { name: 'laptop', server: url, caPath: certs.caPath, area: null }, {
  token,
  onProgress: (p) => {
    if (phases.at(-1)?.phase !== p.phase) phases.push({ phase: p.phase, atSeconds: +((performance.now() - started) / 1000).toFixed(2) });
  },
});
const syncSeconds = (performance.now() - started) / 1000;
// CPU (user + system) of both sides of the initial sync: this process is the workstation; the server's own process
// is read from /proc (null when the server runs in this process or there is no /proc).
const syncClientCpu = cpuSeconds(process.cpuUsage(clientCpuBefore));
const serverCpuAfter = serverCpu();
const syncServerCpu = serverCpuBefore !== null && serverCpuAfter !== null ? +(serverCpuAfter - serverCpuBefore).toFixed(2) : null;
const payload = (project.db.prepare(`SELECT coalesce(sum(length(bytes)), 0) FROM storey_blobs`).pluck().get() as number)
  + (master.db.prepare(`SELECT coalesce(sum(length(row_json)), 0) FROM storey_changes WHERE op = 'put' AND row_json IS NOT NULL`).pluck().get() as number);
const syncRate = payload / syncSeconds;
const curlRate = curlBytes / curlSeconds;

// 1 % change: tiles replaced, buildings edited.
const paths = master.db.prepare(`SELECT layer_id, tile_path FROM storey_tiles ORDER BY random() LIMIT ?`).all(Math.ceil(tileCount / 100)) as Array<{ layer_id: string; tile_path: string }>;
const buildings = master.db.prepare(`SELECT registry_id FROM buildings ORDER BY random() LIMIT ?`).pluck().all(Math.ceil((master.db.prepare(`SELECT count(*) FROM buildings`).pluck().get() as number) / 100)) as string[];
let changedBytes = 0;
master.transaction(() => {
  for (const p of paths) {
    const bytes = jpegLike();
    const sha = sha256Hex(bytes);
    master.db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`).run(sha, bytes);
    master.db.prepare(`UPDATE storey_tiles SET sha256 = ? WHERE layer_id = ? AND tile_path = ?`).run(sha, p.layer_id, p.tile_path);
    changedBytes += bytes.length;
  }
  for (const id of buildings) master.db.prepare(`UPDATE buildings SET name = 'edited ' || registry_id WHERE registry_id = ?`).run(id);
  master.db.exec(`DELETE FROM storey_blobs WHERE sha256 NOT IN (SELECT sha256 FROM storey_tiles)`);
});
captureGeneration(master);
changedBytes += master.db.prepare(`SELECT coalesce(sum(length(row_json)), 0) FROM storey_changes WHERE generation = 2 AND row_json IS NOT NULL`).pluck().get() as number;
started = performance.now();
const incremental = await syncProject(project, { token });
const incrementalSeconds = (performance.now() - started) / 1000;

// Resume after a cut: a fresh workstation's sync is cut halfway through the tiles (a proxy drops the line), then
// syncs again directly; what crossed the wire twice is the sum of both minus what one clean sync moves.
const proxy = await cuttingProxy(serverPort);
const resumePath = join(dir, 'resumed.storey');
let cutSet = false;
const cutAt = summary.bytesReceived / 2;
await createProjectFromServer(resumePath, { name: 'resumed', server: `https://127.0.0.1:${proxy.port}`, caPath: certs.caPath, area: null }, {
  token,
  onProgress: (p) => {
    if (!cutSet && p.phase === 'tiles') {
      cutSet = true;
      proxy.setBudget(proxy.forwarded() + (cutAt - p.bytes));
    }
  },
}).then(
  () => {
    throw new Error('the cut did not happen');
  },
  (error: Error) => {
    if (!/dropped/.test(error.message)) throw error;
  },
);
await proxy.close();
const resumedProject = ProjectFile.open(resumePath);
// Everything the cut sync received, up to the last byte before the line dropped (its audit entry counts it).
const cutWire = listAudit(resumedProject)[0]!.detail['bytes'] as number;
const resumed = await syncProject(resumedProject, { token, server: url });
resumedProject.close();
// Both runs sync generation 0 → 2, which moves as much as the initial sync (1 % of tiles replaced by as many bytes).
const resentBytes = cutWire + resumed.bytesReceived - summary.bytesReceived;

const result = {
  tiles: tileCount,
  server: values['in-process'] ? 'in-process' : 'own process',
  masterFileMB: +(fileBytes / 1e6).toFixed(1),
  initial: { seconds: +syncSeconds.toFixed(2), payloadMB: +(payload / 1e6).toFixed(1), wireMB: +(summary.bytesReceived / 1e6).toFixed(1), MBps: +(syncRate / 1e6).toFixed(1), clientCpuSeconds: syncClientCpu, serverCpuSeconds: syncServerCpu },
  curl: { seconds: +curlSeconds.toFixed(2), MB: +(curlBytes / 1e6).toFixed(1), MBps: +(curlRate / 1e6).toFixed(1), cpuSeconds: curlFile.cpuSeconds, serverCpuSeconds: curlFile.serverCpuSeconds },
  curlDevNull: { seconds: +curlNull.seconds.toFixed(2), MB: +(curlNull.bytes / 1e6).toFixed(1), MBps: +(curlNull.bytes / curlNull.seconds / 1e6).toFixed(1), cpuSeconds: curlNull.cpuSeconds, serverCpuSeconds: curlNull.serverCpuSeconds },
  rateRatioDevNull: +(syncRate / (curlNull.bytes / curlNull.seconds)).toFixed(2),
  loadAverage: loadavg().map((n) => +n.toFixed(2)),
  phases,
  rateRatio: +(syncRate / curlRate).toFixed(2),
  resume: { cutAtMB: +(cutWire / 1e6).toFixed(1), resumedMB: +(resumed.bytesReceived / 1e6).toFixed(1), resentBytes, resentMiB: +(resentBytes / 2 ** 20).toFixed(3) },
  incremental: { seconds: +incrementalSeconds.toFixed(2), changedMB: +(changedBytes / 1e6).toFixed(2), wireMB: +(incremental.bytesReceived / 1e6).toFixed(2), wireOverChanged: +(incremental.bytesReceived / changedBytes).toFixed(2) },
};
console.log(`initial sync  ${result.initial.payloadMB} MB payload in ${result.initial.seconds} s = ${result.initial.MBps} MB/s (wire ${result.initial.wireMB} MB)`);
console.log(`curl baseline ${result.curl.MB} MB file saved to disk in ${result.curl.seconds} s = ${result.curl.MBps} MB/s (to /dev/null: ${result.curlDevNull.seconds} s = ${result.curlDevNull.MBps} MB/s)`);
console.log(`CPU (user + sys) sync: workstation ${syncClientCpu} s, server ${syncServerCpu ?? '?'} s; curl -o FILE: curl ${curlFile.cpuSeconds ?? '?'} s, its server ${curlFile.serverCpuSeconds} s`);
console.log(`phases: ${phases.map((p) => `${p.phase} at ${p.atSeconds} s`).join(', ')}`);
console.log(`ratio sync/curl rate: ${result.rateRatio} (goal ≥ 0.8; against curl to /dev/null: ${result.rateRatioDevNull}); load average ${result.loadAverage.join(' ')}`);
console.log(`incremental   ${result.incremental.changedMB} MB changed, ${result.incremental.wireMB} MB on the wire (×${result.incremental.wireOverChanged}; goal ≤ 2) in ${result.incremental.seconds} s`);
console.log(`resume        cut at ${result.resume.cutAtMB} MB, resumed with ${result.resume.resumedMB} MB: ${result.resume.resentBytes} bytes = ${result.resume.resentMiB} MiB sent twice (goal ≤ 1 MiB)`);
mkdirSync(join(root, 'bench', 'output'), { recursive: true });
writeFileSync(join(root, 'bench', 'output', 'sync.json'), JSON.stringify(result, null, 2));
project.close();
await closeServer();
master.close();
rmSync(dir, { recursive: true, force: true });

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return +((usage.user + usage.system) / 1e6).toFixed(2);
}

/** User + system CPU seconds of a process from /proc (utime and stime, in clock ticks of 1/100 s). */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
