// bench/city: a synthetic city of 100,000 buildings (and 1,000,000 with --sizes 100000,1000000) on a grid of
// blocks around Odense, tiled into 3D Tiles by core/tiler: tiling time, tiles, tileset size, peak memory, per
// building. The baseline in the same run is writing the same buildings as a GeoJSON FeatureCollection with
// extruded-height properties (what a typical Cesium app hands to GeoJsonDataSource): its size is what the browser
// must parse before the first frame.
// Not yet here: the headless-Chromium half (open to all visible tiles loaded, JS heap, against GeoJsonDataSource),
// which needs the city view drawing the tileset (issue 6, renderer part).
// Usage: npm run bench:city [-- --sizes 100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectFile } from '../core/project/project-file.js';
import { RegistryStore } from '../core/project/registry-store.js';
import { decodePolygons } from '../core/project/gpkg-geometry.js';
import { tileBuildings } from '../core/tiler/tiler.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000' } } });
const work = mkdtempSync(join(tmpdir(), 'storey-bench-city-'));

/** A deterministic pseudo-random sequence, so every run tiles the same city. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function generateCity(path: string, count: number): void {
  const project = ProjectFile.create(path, { name: `Synthetic city of ${count}`, synthetic: true });
  const store = new RegistryStore(project);
  const next = random(count);
  const perRow = Math.ceil(Math.sqrt(count));
  // 40 m × 40 m plots from (10.30, 55.35) eastwards and northwards.
  const dLon = 40 / (111320 * Math.cos((55.4 * Math.PI) / 180));
  const dLat = 40 / 110540;
  project.transaction(() =>
    store.bulk(() => {
      for (let i = 0; i < count; i++) {
        const col = i % perRow;
        const row = Math.floor(i / perRow);
        const west = 10.3 + col * dLon + dLon * 0.15;
        const south = 55.35 + row * dLat + dLat * 0.15;
        const w = dLon * (0.4 + next() * 0.3);
        const h = dLat * (0.4 + next() * 0.3);
        const floors = 1 + Math.floor(next() ** 3 * 12);
        store.putBuilding({
          registryId: `b${String(i).padStart(7, '0')}`,
          footprint: [[[[west, south], [west + w, south], [west + w, south + h], [west, south + h], [west, south]]]],
          useCategory: floors > 4 ? 'housing' : 'retail',
          useLabel: floors > 4 ? 'Apartment block' : 'Shop',
          yearBuilt: 1900 + Math.floor(next() * 120),
          floorCount: floors,
          heightMeters: floors * 3 + 1.5,
          heightSource: 'floors',
        }, true);
      }
    }),
  );
  project.close();
}

function geoJsonBytes(path: string): number {
  const project = ProjectFile.open(path, { readOnly: true });
  let bytes = '{"type":"FeatureCollection","features":[]}'.length;
  try {
    // Each feature serialised as an app would write it; only the byte count is kept, not the text.
    const rows = project.db.prepare(`SELECT registry_id, footprint, height_m, floor_count, year_built, use_label FROM buildings`).iterate() as Iterable<{ registry_id: string; footprint: Uint8Array; height_m: number; floor_count: number; year_built: number; use_label: string }>;
    for (const row of rows) {
      const feature = {
        type: 'Feature',
        properties: { id: row.registry_id, height: row.height_m, floors: row.floor_count, year: row.year_built, use: row.use_label },
        geometry: { type: 'MultiPolygon', coordinates: decodePolygons(row.footprint) },
      };
      bytes += JSON.stringify(feature).length + 1;
    }
  } finally {
    project.close();
  }
  return bytes;
}

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
    const geojson = geoJsonBytes(path);
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
    });
    rmSync(path, { force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.table(rows);
for (const row of rows) {
  console.log(`${row['buildings']} buildings: tiled in ${row['tilingS']} s (${row['usPerBuilding']} µs each) into ${row['tiles']} tiles, ${row['tilesetMB']} MB of glb; the same buildings as GeoJSON: ${row['geojsonMB']} MB (tileset/GeoJSON ${(Number(row['tilesetMB']) / Number(row['geojsonMB'])).toFixed(2)}).`);
}
