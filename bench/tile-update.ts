// bench/tile-update: tiling again after a change, at city scale. A synthetic city (the grid of bench/city, 100,000
// buildings by default) is tiled once; then a change is made and the tiler runs incrementally (building only the tiles
// whose inputs changed), and the baseline — a full tiling of the same data, as every run did before — runs right
// after it on the same project. Changes: 1 building raised; 1 % of the buildings (1,000 at 100,000) raised, once
// spread over the whole city and once as one neighbourhood (a block of plots, as an import of one area gives).
// Each pair also checks that both runs wrote the same tileset. Prints a table and the ratios (incremental / full).
// Usage: npm run bench:tile-update [-- --size 100000 --rounds 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectFile } from '../core/project/project-file.js';
import { TileStore } from '../core/tiles/tile-store.js';
import { tileBuildings, type TilerReport } from '../core/tiler/tiler.js';
import { generateCity, random } from './synthetic-city.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '1' } } });
const size = Number(values.size);
const rounds = Math.max(1, Number(values.rounds));
const work = mkdtempSync(join(tmpdir(), 'storey-bench-tile-update-'));

function fingerprint(project: ProjectFile, report: TilerReport): string {
  const store = new TileStore(project);
  return store.tilePaths(report.layer.id).map((p) => `${p} ${store.tileHash(report.layer.id, p)}`).join('\n');
}

const perRow = Math.ceil(Math.sqrt(size));
const onePercent = Math.max(1, Math.round(size / 100));
const changes: Array<{ name: string; ids: (round: number) => number[] }> = [
  { name: '1 building raised', ids: (round) => [Math.floor(size / 2) + round] },
  {
    name: `1 % spread (${onePercent.toLocaleString('en')} buildings)`,
    ids: (round) => {
      const next = random(7 + round);
      return Array.from({ length: onePercent }, () => Math.floor(next() * size));
    },
  },
  {
    name: `1 % one neighbourhood (${onePercent.toLocaleString('en')} buildings)`,
    ids: (round) => {
      // A square block of plots near the middle of the city.
      const side = Math.ceil(Math.sqrt(onePercent));
      const first = Math.floor(perRow / 2) + round * side;
      const ids: number[] = [];
      for (let r = 0; r < side && ids.length < onePercent; r++) for (let c = 0; c < side && ids.length < onePercent; c++) ids.push((first + r) * perRow + first + c);
      return ids.filter((i) => i < size);
    },
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

try {
  const path = join(work, `city-${size}.storey`);
  process.stderr.write(`generating ${size.toLocaleString('en')} buildings…\n`);
  generateCity(path, size);
  const project = ProjectFile.open(path);
  try {
    const initial = await tileBuildings(project);
    console.log(`City of ${size.toLocaleString('en')} buildings: ${initial.tiles} tiles, ${(initial.bytes / 1024 / 1024).toFixed(1)} MB, first tiling ${(initial.durationMs / 1000).toFixed(1)} s (node ${process.version})`);
    const table: string[] = ['| change | incremental | tiles rebuilt / kept | full tiling (baseline) | incremental / full: median (each round) |', '|---|---|---|---|---|'];
    const raise = project.db.prepare(`UPDATE buildings SET height_m = height_m + 3, floor_count = floor_count + 1 WHERE registry_id = ?`);
    for (const change of changes) {
      const incrementalMs: number[] = [];
      const fullMs: number[] = [];
      const ratios: number[] = [];
      let last: TilerReport | null = null;
      for (let round = 0; round < rounds; round++) {
        const ids = change.ids(round);
        project.transaction(() => {
          for (const i of ids) raise.run(`b${String(i).padStart(7, '0')}`);
        });
        const incremental = await tileBuildings(project);
        const incrementalPrint = fingerprint(project, incremental);
        const full = await tileBuildings(project, { full: true });
        if (fingerprint(project, full) !== incrementalPrint) throw new Error(`${change.name}: the incremental tileset differs from the full one`);
        incrementalMs.push(incremental.durationMs);
        fullMs.push(full.durationMs);
        ratios.push(incremental.durationMs / full.durationMs);
        last = incremental;
        process.stderr.write(`  ${change.name}, round ${round + 1}: incremental ${(incremental.durationMs / 1000).toFixed(2)} s (${incremental.rebuilt} rebuilt, ${incremental.kept} kept), full ${(full.durationMs / 1000).toFixed(2)} s\n`);
      }
      const inc = median(incrementalMs);
      const full = median(fullMs);
      table.push(`| ${change.name} | ${(inc / 1000).toFixed(2)} s | ${last!.rebuilt} / ${last!.kept} | ${(full / 1000).toFixed(2)} s | ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')}) |`);
    }
    console.log(`\nMedian times of ${rounds} round(s); the ratio is each round's incremental run over the full run right after it, then their median. Each incremental tileset was checked equal to the full one.\n`);
    console.log(table.join('\n'));
  } finally {
    project.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
