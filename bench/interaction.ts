// bench/interaction: in headless Chromium on the imported Danish registry, the time from choosing a building to the
// frame with its floor slabs, and from choosing a style to the restyled frame, each against the time Cesium takes to
// render one ordinary frame of the same scene (the baseline). The ratios are the figures.
// Usage: npm run bench:interaction [-- --runs 15]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { startWebHost } from '../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity } from '../test/support/chromium.js';
import { sharedData } from '../test/support/shared-data.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const root = findPackageRoot(import.meta.dirname);
const work = mkdtempSync(join(tmpdir(), 'storey-bench-interaction-'));
const projectPath = join(work, 'odense.storey');
const project = ProjectFile.create(projectPath, { name: 'Odense' });
await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
const tall = project.db.prepare(`SELECT registry_id FROM buildings WHERE footprint IS NOT NULL AND (SELECT count(*) FROM floors f WHERE f.building_id = buildings.registry_id) >= 4 LIMIT ?`).pluck().all(runs) as string[];
project.close();

const host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), readOnly: true });
const browser = await launchChromium();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const { page } = await openGuardedPage(browser, host.origin);
  await page.goto(host.url);
  await waitForCity(page);
  // In the page: run an action, then wait for the next rendered frame (render on demand draws once per change).
  const timed = (action: string, arg: string) =>
    page.evaluate(async ({ action, arg }) => {
      type V = { globeState(): { frames: number }; requestRender(): void; selectBuilding(id: string): Promise<void>; restyle(a: string): Promise<void> };
      const view = (window as unknown as { storeyView: V }).storeyView;
      const frames = view.globeState().frames;
      const started = performance.now();
      if (action === 'select') await view.selectBuilding(arg);
      else if (action === 'style') await view.restyle(arg);
      view.requestRender();
      while (view.globeState().frames === frames) await new Promise((r) => requestAnimationFrame(r));
      return performance.now() - started;
    }, { action, arg });
  const frameTimes: number[] = [];
  const selectTimes: number[] = [];
  const styleTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    frameTimes.push(await timed('frame', ''));
    selectTimes.push(await timed('select', tall[i % tall.length]!));
    styleTimes.push(await timed('style', i % 2 === 0 ? 'yearBuilt' : 'floorCount'));
  }
  const frame = median(frameTimes);
  const result = {
    benchmark: 'interaction',
    runs,
    buildings: 3172,
    baseline: 'one ordinary frame (requestRender to the next rendered frame)',
    frameMs: Number(frame.toFixed(1)),
    selectToFloorsMs: Number(median(selectTimes).toFixed(1)),
    styleToFrameMs: Number(median(styleTimes).toFixed(1)),
    selectRatio: Number((median(selectTimes) / frame).toFixed(2)),
    styleRatio: Number((median(styleTimes) / frame).toFixed(2)),
  };
  console.log(`ordinary frame:              median ${result.frameMs} ms (software WebGL)`);
  console.log(`click → floor slabs drawn:   median ${result.selectToFloorsMs} ms  ratio ${result.selectRatio}`);
  console.log(`style change → new frame:    median ${result.styleToFrameMs} ms  ratio ${result.styleRatio}`);
  mkdirSync(join(root, 'bench', 'output'), { recursive: true });
  writeFileSync(join(root, 'bench', 'output', 'interaction.json'), JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await host.close();
  rmSync(work, { recursive: true, force: true });
}
