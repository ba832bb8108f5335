// bench/city: a synthetic city of 100,000 buildings (and 1,000,000 with --sizes 100000,1000000) on a grid of
// blocks around Odense, tiled into 3D Tiles by core/tiler: tiling time, tiles, tileset size, peak memory, per
// building. Then in headless Chromium (bench/city-view.ts), in the same run: Storey opening the tiled project, time
// to the first complete frame and JS heap, against the same buildings drawn as a typical Cesium app does (a
// GeoJsonDataSource with extruded polygons), and the ratios.
// Usage: npm run bench:city [-- --sizes 10000,100000,1000000 --rounds 3 --fresh-browser --limit-s 900
// --baseline-max 100000 --no-browser --keep DIR]
// - cities above --baseline-max are opened by Storey only: the GeoJSON baseline would not finish;
// - --rounds alternates the two sides that many times and reports each round and the medians;
// - --fresh-browser gives every measurement a new browser, so both sides start without cached shaders or code;
// - --keep leaves the tiled projects (and the GeoJSON) in DIR for a closer look.
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectFile } from '../core/project/project-file.js';
import { decodePolygons } from '../core/project/gpkg-geometry.js';
import { tileBuildings } from '../core/tiler/tiler.js';
import { measureBoth, type ViewResult } from './city-view.js';
import { generateCity } from './synthetic-city.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000' }, 'limit-s': { type: 'string', default: '900' }, 'no-browser': { type: 'boolean', default: false }, 'baseline-max': { type: 'string', default: '100000' }, rounds: { type: 'string', default: '1' }, keep: { type: 'string' }, 'fresh-browser': { type: 'boolean', default: false } } });
mkdirSync(new URL('./output/', import.meta.url), { recursive: true });
const work = values.keep ? (mkdirSync(values.keep, { recursive: true }), values.keep) : mkdtempSync(join(tmpdir(), 'storey-bench-city-'));
const rounds = Math.max(1, Number(values.rounds));

/** Writes the buildings as a GeoJSON FeatureCollection (what the baseline loads); returns its size and extent. */
async function writeGeoJson(path: string, out: string): Promise<{ bytes: number; extent: { west: number; south: number; east: number; north: number } }> {
  const project = ProjectFile.open(path, { readOnly: true });
  const file = createWriteStream(out);
  const extent = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  try {
    file.write('{"type":"FeatureCollection","features":[\n');
    const rows = project.db.prepare(`SELECT registry_id, footprint, height_m, floor_count, year_built, use_label FROM buildings`).iterate() as Iterable<{ registry_id: string; footprint: Uint8Array; height_m: number; floor_count: number; year_built: number; use_label: string }>;
    let first = true;
    for (const row of rows) {
      const coordinates = decodePolygons(row.footprint);
      for (const [lon, lat] of coordinates.flat(2)) {
        extent.west = Math.min(extent.west, lon!);
        extent.east = Math.max(extent.east, lon!);
        extent.south = Math.min(extent.south, lat!);
        extent.north = Math.max(extent.north, lat!);
      }
      const feature = {
        type: 'Feature',
        properties: { id: row.registry_id, height: row.height_m, floors: row.floor_count, year: row.year_built, use: row.use_label },
        geometry: { type: 'MultiPolygon', coordinates },
      };
      if (!file.write((first ? '' : ',\n') + JSON.stringify(feature))) await once(file, 'drain');
      first = false;
    }
    file.end(']}\n');
    await once(file, 'finish');
  } finally {
    project.close();
  }
  return { bytes: statSync(out).size, extent };
}

/** How many times as fast as the baseline Storey reached its first complete frame ("> n" when only Storey finished). */
function speedRatio(s: ViewResult, g: ViewResult): string {
  if (s.completeMs !== null && g.completeMs !== null) return (g.completeMs / s.completeMs).toFixed(1);
  return s.completeMs !== null ? `> ${((Number(values['limit-s']) * 1000) / s.completeMs).toFixed(1)}` : 'n/a';
}

/** The round with the median first-frame time (a timeout counts as the slowest); its heap goes with it. */
function medianOf(results: ViewResult[]): ViewResult {
  const sorted = [...results].sort((a, b) => (a.completeMs ?? Infinity) - (b.completeMs ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const fmt = (r: ViewResult) => (r.completeMs === null ? `not complete after ${values['limit-s']} s` : `${(r.completeMs / 1000).toFixed(1)} s`);

const rows: Array<Record<string, number | string>> = [];
try {
  for (const size of values.sizes.split(',').map(Number)) {
    const path = join(work, `city-${size}.storey`);
    const generateStarted = performance.now();
    generateCity(path, size);
    const generateMs = performance.now() - generateStarted;
    const project = ProjectFile.open(path);
    const heapBefore = process.memoryUsage().rss;
    let peak = heapBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const report = await tileBuildings(project, {
      onProgress: (done, total) => {
        peak = Math.max(peak, process.memoryUsage().rss);
        if (done === total || done % 20000 < 1500) process.stderr.write(`\r  ${size}: tiled ${done} of ${total}`);
      },
    });
    clearInterval(sampler);
    process.stderr.write('\n');
    project.close();
    const geojsonPath = join(work, `city-${size}.geojson`);
    const { bytes: geojson, extent } = await writeGeoJson(path, geojsonPath);
    let view: { storey: ViewResult; geojson: ViewResult | null } | null = null;
    if (!values['no-browser']) {
      const withBaseline = size <= Number(values['baseline-max']);
      process.stderr.write(`  ${size}: opening in Chromium (Storey${withBaseline ? ', then GeoJsonDataSource' : ' only'}${rounds > 1 ? `, ${rounds} rounds` : ''}${values['fresh-browser'] ? ', a new browser for each' : ', one browser'})…\n`);
      const results = await measureBoth(path, geojsonPath, extent, Number(values['limit-s']) * 1000, withBaseline, rounds, values['fresh-browser']);
      results.forEach(({ storey: s, geojson: g }, round) => {
        console.log(`${size} buildings in Chromium${rounds > 1 ? `, round ${round + 1}` : ''}: Storey first complete frame ${fmt(s)}, JS heap ${s.jsHeapMB.toFixed(0)} MB (${s.buildings} buildings with loaded features)${g ? `; GeoJsonDataSource ${fmt(g)}, JS heap ${g.jsHeapMB.toFixed(0)} MB (${g.buildings} entities)` : ''}.`);
        if (g) console.log(`  ratio: Storey is ${speedRatio(s, g)}× faster to the first complete frame; its JS heap is ${(s.jsHeapMB / g.jsHeapMB).toFixed(2)} of the baseline's${g.completeMs === null ? ' (baseline heap read at the time limit, still loading)' : ''}.`);
      });
      view = { storey: medianOf(results.map((r) => r.storey)), geojson: withBaseline ? medianOf(results.map((r) => r.geojson!)) : null };
      if (rounds > 1 && view.geojson) console.log(`  medians over ${rounds} rounds: Storey ${fmt(view.storey)}, GeoJsonDataSource ${fmt(view.geojson)}, ${speedRatio(view.storey, view.geojson)}× (per-round ratios: ${results.map((r) => speedRatio(r.storey, r.geojson!)).join(', ')}).`);
    }
    if (!values.keep) rmSync(geojsonPath, { force: true });
    rows.push({
      buildings: size,
      generateS: +(generateMs / 1000).toFixed(1),
      tilingS: +(report.durationMs / 1000).toFixed(1),
      usPerBuilding: Math.round((report.durationMs * 1000) / size),
      tiles: report.tiles,
      levels: report.depth + 1,
      tilesetMB: +(report.bytes / 1024 ** 2).toFixed(1),
      geojsonMB: +(geojson / 1024 ** 2).toFixed(1),
      peakRssMB: Math.round(peak / 1024 ** 2),
      ...(view
        ? {
            storeyFrameS: view.storey.completeMs === null ? 'timeout' : +(view.storey.completeMs / 1000).toFixed(1),
            geojsonFrameS: !view.geojson ? '-' : view.geojson.completeMs === null ? 'timeout' : +(view.geojson.completeMs / 1000).toFixed(1),
            storeyHeapMB: Math.round(view.storey.jsHeapMB),
            geojsonHeapMB: view.geojson ? Math.round(view.geojson.jsHeapMB) : '-',
          }
        : {}),
    });
    if (!values.keep) rmSync(path, { force: true });
  }
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
console.table(rows);
for (const row of rows) {
  console.log(`${row['buildings']} buildings: tiled in ${row['tilingS']} s (${row['usPerBuilding']} µs each) into ${row['tiles']} tiles, ${row['tilesetMB']} MB of glb; the same buildings as GeoJSON: ${row['geojsonMB']} MB (tileset/GeoJSON ${(Number(row['tilesetMB']) / Number(row['geojsonMB'])).toFixed(2)}).`);
}
