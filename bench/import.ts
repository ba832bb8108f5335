// bench/import: the Danish registry import (footprints, registry, floors, units, addresses, joins, search index),
// against GDAL's ogr2ogr converting only the footprints GeoJSON to a GeoPackage, in the same run. Goal: ratio ≤ 1.
// Storey's time is `storey import --create`'s: importIntoNewProject, from the call until the project is on disk under
// its name (built under a temporary name, switched to WAL, flushed with its one fsync and renamed: all included);
// ogr2ogr's from starting the process to its exit, as a person runs it. The two alternate run by run, so neither
// always gets the warmer cache, and the ratio is of the medians. `storey import` also tiles the buildings for the
// city view afterwards (core/tiler/after-import.ts): a separate step, timed on its own (reopen, tile, close) for
// each imported project after all the runs, and reported beside the ratio, not in it. Usage: npm run bench:import [-- --runs 9] [--no-tile]
import { execFileSync } from 'node:child_process';
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

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, 'no-tile': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const root = findPackageRoot(import.meta.dirname);
const dk = sharedData('dk-odense');
const profile = loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json'));
const work = mkdtempSync(join(tmpdir(), 'storey-bench-import-'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// CPU time beside the wall time: on a shared machine it moves less with the load than the wall time does (neither
// side gets a core to itself). Storey's is the process's (every thread: the import, its garbage collector's
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
        const started = performance.now();
        const cpu = process.cpuUsage();
        const report = await importIntoNewProject(path, { name: 'bench' }, profile, [dk]);
        storeyTimes.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        storeyCpu.push((used.user + used.system) / 1000);
        records = Object.values(report.records).reduce((sum, r) => sum + r.imported + r.updated, 0);
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
    for (const path of imported) {
      const started = performance.now();
      const project = ProjectFile.open(path);
      const tiled = await tileAfterChange(project);
      project.close();
      if (!tiled) throw new Error(`the import into ${path} left nothing to tile`);
      tileTimes.push(performance.now() - started);
    }
  }
  const storey = median(storeyTimes);
  const gdal = median(gdalTimes);
  const result = {
    benchmark: 'import',
    runs,
    records,
    storeyWholeImportMs: Math.round(storey),
    storeyRunsMs: storeyTimes.map(Math.round),
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
  console.log(`ogr2ogr footprints only:    median ${result.baselineMs} ms  [${result.baselineRunsMs.join(', ')}]`);
  console.log(`ratio (Storey / ogr2ogr):   ${result.ratio}  (goal ≤ 1)   load average ${result.loadAverage.start} → ${result.loadAverage.end}`);
  if (result.cpuRatio !== null) console.log(`CPU time, medians:          Storey ${result.storeyCpuMs} ms, ogr2ogr ${result.baselineCpuMs} ms, ratio ${result.cpuRatio} (not the goal's measure)`);
  if (result.tilingMs !== null) {
    console.log(`then tiling the buildings (separate step of storey import, not in the ratio): median ${result.tilingMs} ms  [${result.tilingRunsMs.join(', ')}]`);
  }
  mkdirSync(join(root, 'bench', 'output'), { recursive: true });
  writeFileSync(join(root, 'bench', 'output', 'import.json'), JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
