// bench/briefing: a 3-view, 5-building PDF briefing of the Danish BBR extract — time to PDF, split into map
// rendering (headless Chromium, software WebGL) and composition (pdfkit) — against one plain Chromium page.pdf() of
// an equivalent HTML page (the same three map images, the same building, floor and unit tables) in the same run.
// Usage: npm run bench:briefing   (needs the built UI: the script builds the renderer first)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BriefingSpec } from '../common/briefing.js';
import { ProjectApi } from '../core/api/project-api.js';
import { composeBriefing } from '../core/brief/compose.js';
import { mapLayout } from '../core/brief/paper.js';
import { importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { builtRenderer, chosenViews } from '../main/brief-render/make-briefing.js';
import { findChromium, renderMaps } from '../main/brief-render/render-maps.js';
import { startWebHost } from '../main/web/web-host.js';

const root = findPackageRoot(import.meta.dirname);
const work = mkdtempSync(join(tmpdir(), 'storey-bench-briefing-'));
const path = join(work, 'odense.storey');
const log = (message: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${message}`);

const project = ProjectFile.create(path, { name: 'Odense (benchmark)' });
await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [join(root, '..', 'shared', 'data', 'dk-odense')]);
const setup = new ProjectApi(project);
const camera = (lonDegrees: number, latDegrees: number, heightMeters: number, headingDegrees: number, pitchDegrees: number) => ({ lonDegrees, latDegrees, heightMeters, headingDegrees, pitchDegrees, rollDegrees: 0 });
await setup.saveView({ name: 'Lærkeparken', state: { camera: camera(10.4306, 55.4005, 350, 20, -40), style: null, filter: [], selection: null } });
await setup.saveView({ name: 'Odense C by year', state: { camera: camera(10.381, 55.3998, 700, 0, -90), style: { level: 'buildings', attribute: 'yearBuilt', method: 'quantile', classes: 5, ramp: 'yellow-blue' }, filter: [], selection: null } });
await setup.saveView({ name: 'Granparken', state: { camera: camera(10.428, 55.401, 500, 300, -50), style: { level: 'buildings', attribute: 'floorCount', method: 'equal', classes: 4, ramp: 'yellow-blue' }, filter: [], selection: null } });
const buildingIds = project.db.prepare(`SELECT building_id FROM units GROUP BY building_id ORDER BY count(*) DESC, building_id LIMIT 5`).pluck().all() as string[];
project.close();

const spec = BriefingSpec.parse({ title: 'Benchmark briefing', marking: 'BENCHMARK', viewIds: ['Lærkeparken', 'Odense C by year', 'Granparken'], buildingIds, includeTable: true, filter: [{ attribute: 'floorCount', operator: '>=', value: 4 }] });
const host = await startWebHost({ projectPath: path, staticRoot: builtRenderer(), readOnly: true, stateFile: join(work, 'state.json') });
const api = new ProjectApi(host.project);

log('rendering 3 maps');
let started = performance.now();
const maps = await renderMaps({ origin: host.origin, token: host.token, views: await chosenViews(api, spec.viewIds), paper: spec.paper, orientation: spec.orientation, progress: log });
const renderMs = performance.now() - started;
log('composing');
started = performance.now();
const { pdf, pageCount } = await composeBriefing({ api, project: host.project, spec, maps });
const composeMs = performance.now() - started;
writeFileSync(join(work, 'briefing.pdf'), pdf);

// The baseline: the same content as one HTML page, printed by Chromium's own PDF engine.
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const sections: string[] = [];
for (const map of maps) {
  sections.push(`<section><h2>${escape(map.viewName)}</h2><img style="width:${mapLayout('a4', 'landscape').map.width}pt" src="data:image/png;base64,${map.png.toString('base64')}"></section>`);
}
for (const id of buildingIds) {
  const detail = await api.getBuilding({ id });
  const rows: string[] = [];
  for (const floor of detail.floors) {
    const { units } = await api.listFloorUnits({ floorId: floor.id });
    rows.push(`<tr><th colspan="5">Floor ${escape(floor.label)} · ${units.length} units</th></tr>`);
    for (const u of units) rows.push(`<tr><td>${escape(floor.label)}</td><td>${escape(u.address ?? u.id)}</td><td>${escape(u.useLabel ?? '')}</td><td>${u.areaSquareMeters ?? ''}</td><td>${u.rooms ?? ''}</td></tr>`);
  }
  sections.push(`<section><h2>${escape(detail.address ?? detail.id)}</h2><table>${detail.attributes.map((a) => `<tr><td>${escape(a.label)}</td><td>${escape(String(a.value ?? ''))}</td></tr>`).join('')}</table>
    <table><thead><tr><th>Floor</th><th>Unit address</th><th>Use</th><th>Area</th><th>Rooms</th></tr></thead>${rows.join('')}</table></section>`);
}
const filtered = await api.queryBuildings({ conditions: spec.filter, limit: 100000 });
sections.push(`<section><h2>Attribute table</h2><table><thead><tr><th>Address</th><th>Use</th><th>Year</th><th>Floors</th></tr></thead>${filtered.rows.map((r) => `<tr><td>${escape(r.address ?? r.id)}</td><td>${escape(r.use ?? '')}</td><td>${r.yearBuilt ?? ''}</td><td>${r.floorCount ?? ''}</td></tr>`).join('')}</table></section>`);
const html = `<!doctype html><meta charset="utf-8"><style>body{font-family:"DejaVu Sans",sans-serif;font-size:8.5pt} section{break-before:page} table{border-collapse:collapse;width:100%} td,th{border-bottom:0.4pt solid #999;padding:2pt 4pt;text-align:left} thead{display:table-header-group}</style><h1>Benchmark briefing</h1>${sections.join('\n')}`;
const browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox'], headless: true });
const page = await browser.newPage();
started = performance.now();
await page.setContent(html);
const baselinePdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true, displayHeaderFooter: true, headerTemplate: '<div style="font-size:8pt;width:100%;text-align:center">BENCHMARK</div>', footerTemplate: '<div style="font-size:8pt;width:100%;text-align:center">BENCHMARK · <span class="pageNumber"></span> / <span class="totalPages"></span></div>', margin: { top: '14mm', bottom: '14mm', left: '12.7mm', right: '12.7mm' } });
const baselineMs = performance.now() - started;
await browser.close();
await host.close();
writeFileSync(join(work, 'baseline.pdf'), baselinePdf);
if (!process.env.STOREY_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);

const result = {
  benchmark: 'briefing',
  views: maps.length,
  buildings: buildingIds.length,
  pages: pageCount,
  mapPixels: `${maps[0]!.widthPx} × ${maps[0]!.heightPx}`,
  renderMs: Math.round(renderMs),
  composeMs: Math.round(composeMs),
  totalMs: Math.round(renderMs + composeMs),
  pdfBytes: pdf.length,
  baseline: 'one Chromium page.pdf() of an equivalent HTML page (same map PNGs and tables), browser already running',
  baselineMs: Math.round(baselineMs),
  baselineBytes: baselinePdf.length,
  ratioComposeToBaseline: Number((composeMs / baselineMs).toFixed(2)),
  ratioTotalToBaseline: Number((((renderMs + composeMs) / baselineMs)).toFixed(2)),
};
console.log(`Storey briefing: ${pageCount} pages, maps ${(renderMs / 1000).toFixed(1)} s (3 × ${result.mapPixels} px) + composition ${(composeMs / 1000).toFixed(2)} s = ${(result.totalMs / 1000).toFixed(1)} s`);
console.log(`Baseline page.pdf(): ${(baselineMs / 1000).toFixed(2)} s`);
console.log(`ratio composition / baseline: ${result.ratioComposeToBaseline}   ratio total / baseline: ${result.ratioTotalToBaseline}`);
mkdirSync(join(root, 'bench', 'output'), { recursive: true });
writeFileSync(join(root, 'bench', 'output', 'briefing.json'), JSON.stringify(result, null, 2));
