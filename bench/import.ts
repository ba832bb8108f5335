// bench/import: the Danish registry import (footprints, registry, floors, units, addresses, joins, search index),
// against GDAL's ogr2ogr converting only the footprints GeoJSON to a GeoPackage, in the same run. Goal: ratio ≤ 1.
// Storey's time is `storey import --create`'s: importIntoNewProject, from the call until the project is on disk under
// its name (built under a temporary name, switched to WAL, flushed with its one fsync and renamed: all included);
// ogr2ogr's from starting the process to its exit, as a person runs it. The two alternate run by run, so neither
// always gets the warmer cache, and the ratio is of the medians. `storey import` also tiles the buildings for the
// city view afterwards (core/tiler/after-import.ts): a separate step, timed on its own (reopen, tile, close) for
// each imported project after all the runs, and reported beside the ratio, not in it.
// The imports run in a child process of the bench that never starts a process itself; the bench's own process
// starts ogr2ogr. A process that has just started another one runs its next import about 100 ms slower (more page
// faults after the fork; measured with `true` in place of ogr2ogr), which the import never pays in use: neither
// the CLI nor the hosts start a process around an import. Usage: npm run bench:import [-- --runs 9] [--no-tile]
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importIntoNewProject } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { tileAfterChange } from '../core/tiler/after-import.js';
import { sharedData } from '../test/support/shared-data.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, 'no-tile': { type: 'boolean', default: false }, 'import-side': { type: 'boolean', default: false } } });
const root = findPackageRoot(import.meta.dirname);
const dk = sharedData('dk-odense');

/** What the bench asks of its import process, and what it answers. */
type Request = { do: 'import'; path: string } | { do: 'tile'; path: string } | { do: 'exit' };
type Measured = { ms: number; cpuMs: number; records: number };
type Answer = Measured | { error: string };

if (values['import-side']) {
  // The import process: runs what it is asked, one request at a time, and answers with the times it measured.
  const profile = loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json'));
  process.on('message', async (request: Request) => {
    if (request.do === 'exit') {
      process.disconnect();
      return;
    }
    try {
      const started = performance.now();
      const cpu = process.cpuUsage();
      let records = 0;
      if (request.do === 'import') {
        const report = await importIntoNewProject(request.path, { name: 'bench' }, profile, [dk]);
        records = Object.values(report.records).reduce((sum, r) => sum + r.imported + r.updated, 0);
      } else {
        const project = ProjectFile.open(request.path);
        try {
          if (!(await tileAfterChange(project))) throw new Error(`the import into ${request.path} left nothing to tile`);
        } finally {
          project.close();
        }
      }
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      process.send!({ ms, cpuMs: (used.user + used.system) / 1000, records } satisfies Answer);
    } catch (error) {
      process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Answer);
    }
  });
} else {
  await runBench();
}

/** Starts the import process (this file again, with the loader this one runs under) and returns how to ask it. */
function startImportSide(): { ask: (request: Request) => Promise<Measured>; child: ChildProcess } {
  const child = fork(import.meta.filename, ['--import-side'], { stdio: 'inherit' });
  let waiting: ((answer: Answer) => void) | null = null;
  child.on('message', (answer: Answer) => waiting?.(answer));
  // An import process that dies mid-run fails the bench instead of leaving it waiting.
  child.on('exit', (code, signal) => waiting?.({ error: `exited (${signal ?? `code ${code}`}) before it answered` }));
  const ask = (request: Request) =>
    new Promise<Measured>((resolve, reject) => {
      waiting = (answer) => {
        waiting = null;
        if ('error' in answer) reject(new Error(`import process: ${answer.error}`));
        else resolve(answer);
      };
      child.send(request);
    });
  return { ask, child };
}

async function runBench(): Promise<void> {
  const runs = Number(values.runs);
  const work = mkdtempSync(join(tmpdir(), 'storey-bench-import-'));
  const importSide = startImportSide();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // CPU time beside the wall time: on a shared machine it moves less with the load than the wall time does (neither
  // side gets a core to itself). Storey's is the import process's (every thread: the import, its garbage collector's
  // helpers); ogr2ogr's is what the kernel counts for waited-for children (/proc/self/stat cutime + cstime, in clock
  // ticks, so 10 ms steps), Linux only.
  const clockTicksPerSecond = process.platform === 'linux' ? Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) : NaN;
  const childrenCpuMs = (): number | null => {
    if (!Number.isFinite(clockTicksPerSecond) || !existsSync('/proc/self/stat')) return null;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5) (cutime, cstime); the slice starts at field 3.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicksPerSecond;
  };
  // The machine's load is printed beside the result: on a shared machine both sides slow down several times over.
  const loadAtStart = loadavg()[0]!;
  const storeyTimes: number[] = [];
  const gdalTimes: number[] = [];
  const storeyCpu: number[] = [];
  const gdalCpu: number[] = [];
  const tileTimes: number[] = [];
  const imported: string[] = [];
  let records = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? ['storey', 'gdal'] : ['gdal', 'storey'];
      for (const side of order) {
        if (side === 'storey') {
          const path = join(work, `storey-${run}.storey`);
          const answer = await importSide.ask({ do: 'import', path });
          storeyTimes.push(answer.ms);
          storeyCpu.push(answer.cpuMs);
          records = answer.records;
          imported.push(path);
        } else {
          const out = join(work, `gdal-${run}.gpkg`);
          const started = performance.now();
          const cpu = childrenCpuMs();
          execFileSync('ogr2ogr', ['-f', 'GPKG', out, join(dk, 'bygninger.json')], { stdio: 'ignore' });
          gdalTimes.push(performance.now() - started);
          const after = childrenCpuMs();
          if (cpu !== null && after !== null) gdalCpu.push(after - cpu);
        }
      }
    }
    // Tiling after all the imports, so its garbage and caches do not land in the imports' times.
    if (!values['no-tile']) {
      for (const path of imported) tileTimes.push((await importSide.ask({ do: 'tile', path })).ms);
    }
    const storey = median(storeyTimes);
    const gdal = median(gdalTimes);
    const result = {
      benchmark: 'import',
      runs,
      records,
      storeyWholeImportMs: Math.round(storey),
      storeyRunsMs: storeyTimes.map(Math.round),
      // The process's first import: nothing compiled yet, as the CLI runs it (in the median like the others).
      storeyFirstImportMs: Math.round(storeyTimes[0]!),
      baseline: 'ogr2ogr -f GPKG (footprints GeoJSON only)',
      baselineMs: Math.round(gdal),
      baselineRunsMs: gdalTimes.map(Math.round),
      ratio: Number((storey / gdal).toFixed(2)),
      goal: 'ratio <= 1',
      // Not the goal's measure (that is the wall time above): the CPU time of each side, for reading results under load.
      storeyCpuMs: Math.round(median(storeyCpu)),
      baselineCpuMs: gdalCpu.length ? Math.round(median(gdalCpu)) : null,
      cpuRatio: gdalCpu.length ? Number((median(storeyCpu) / median(gdalCpu)).toFixed(2)) : null,
      loadAverage: { start: Number(loadAtStart.toFixed(1)), end: Number(loadavg()[0]!.toFixed(1)) },
      // The separate tiling step of `storey import` (not part of the ratio above).
      tilingMs: tileTimes.length ? Math.round(median(tileTimes)) : null,
      tilingRunsMs: tileTimes.map(Math.round),
    };
    console.log(`Storey whole Danish import (${records} records): median ${result.storeyWholeImportMs} ms over ${runs} runs  [${result.storeyRunsMs.join(', ')}]`);
    console.log(`  the first of them is the process's first import, nothing compiled yet (as \`storey import --create\` runs it): ${result.storeyFirstImportMs} ms`);
    console.log(`ogr2ogr footprints only:    median ${result.baselineMs} ms  [${result.baselineRunsMs.join(', ')}]`);
    console.log(`ratio (Storey / ogr2ogr):   ${result.ratio}  (goal ≤ 1)   load average ${result.loadAverage.start} → ${result.loadAverage.end}`);
    if (result.cpuRatio !== null) console.log(`CPU time, medians:          Storey ${result.storeyCpuMs} ms, ogr2ogr ${result.baselineCpuMs} ms, ratio ${result.cpuRatio} (not the goal's measure)`);
    if (result.tilingMs !== null) {
      console.log(`then tiling the buildings (separate step of storey import, not in the ratio): median ${result.tilingMs} ms  [${result.tilingRunsMs.join(', ')}]`);
    }
    mkdirSync(join(root, 'bench', 'output'), { recursive: true });
    writeFileSync(join(root, 'bench', 'output', 'import.json'), JSON.stringify(result, null, 2));
  } finally {
    // An import process that has died cannot be asked to exit (and asking would hide the error that ended the run).
    if (importSide.child.connected) importSide.child.send({ do: 'exit' } satisfies Request);
    rmSync(work, { recursive: true, force: true });
  }
}
