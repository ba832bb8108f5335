/**
 * The analyst's daily work on the imported Danish registry, in Chromium: open a building into its storeys and pick a
 * floor slab in 3D, style the city by year (legend and pixels), filter by floors ≥ 4 against a SQL count, and the
 * attribute table with sorting, selection and CSV export.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { readSimpleCsv, sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const projectPath = join(dir, 'odense.storey');
const dk = sharedData('dk-odense');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let project: ProjectFile;

type View = {
  requestRender(): void;
  globeState(): { frames: number };
  screenPositionOf(id: string): { x: number; y: number } | null;
  floorScreenPosition(id: string): { x: number; y: number } | null;
};
const view = <T>(page: Page, fn: (v: View, arg: string) => T, arg = '') =>
  page.evaluate(({ source, a }) => new Function('v', 'a', `return (${source})(v, a)`)((window as unknown as { storeyView: View }).storeyView, a), { source: fn.toString(), a: arg }) as Promise<T>;

async function frame(page: Page): Promise<PNG> {
  const before = await view(page, (v) => v.globeState().frames);
  await view(page, (v) => v.requestRender());
  await page.waitForFunction((n) => (window as unknown as { storeyView: View }).storeyView.globeState().frames > n, before);
  return PNG.sync.read(await page.screenshot());
}
function pixel(png: PNG, x: number, y: number): number[] {
  const i = (png.width * Math.round(y) + Math.round(x)) << 2;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

before(async () => {
  project = ProjectFile.create(projectPath, { name: 'Odense' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [dk]);
  project.close();
  project = ProjectFile.open(projectPath, { readOnly: true });
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), readOnly: true });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
  mkdirSync(outputDir, { recursive: true });
  await guarded.page.goto(host.url);
  await waitForCity(guarded.page);
});

after(async () => {
  await browser?.close();
  await host?.close();
  project?.close();
});

test('a building opens into its storeys; clicking a slab selects that floor and lists its units', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  await page.fill('#search', 'Ridehusgade 49');
  await page.locator('#search-results li[data-address-id]').first().waitFor();
  await page.keyboard.press('Enter');
  const panel = page.locator('.building');
  await panel.waitFor();
  await page.locator('#explode').fill('5');
  await page.waitForTimeout(1500); // the camera flight
  const floors = await panel.locator('.storey').evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-floor-id')!, label: e.querySelector('.storey-label')!.textContent! })));
  const target = floors.find((f) => f.label === '02' || f.label === '2')!;
  await frame(page);
  const position = await view(page, (v, id) => v.floorScreenPosition(id), target.id);
  assert.ok(position, 'the floor slab is on screen');
  await page.mouse.click(position.x, position.y);
  await page.waitForFunction((id) => document.body.dataset['selectedFloor'] === id, target.id);
  assert.equal(await panel.locator('.storey.selected').getAttribute('data-floor-id'), target.id);
  await page.locator('.units-list tbody tr').first().waitFor();
  const shown = await page.locator('.units-list tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-unit-id')));
  const registry = readSimpleCsv(join(dk, 'derived', 'bbr_enhed_current.csv')).filter((u) => u.etage === target.id).map((u) => u.id_lokalId);
  assert.deepEqual([...shown].sort(), [...registry].sort());
  const png = await frame(page);
  assert.ok(pixel(png, position.x, position.y + 3)[2]! < 90, 'the selected slab is drawn in the selection colour');
  await page.screenshot({ path: join(outputDir, 'floors-exploded.png') });
  await page.keyboard.press('Escape');
  await page.locator('.overview').waitFor();
});

test('styling by year: the legend shows the classes and buildings change colour', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  const ridehus = project.db.prepare(`SELECT building_id FROM addresses WHERE full_text = 'Ridehusgade 49, 2. th, 5000 Odense C'`).pluck().get() as string;
  const spot = (await view(page, (v, id) => v.screenPositionOf(id), ridehus))!;
  const before = pixel(await frame(page), spot.x, spot.y + 2);
  await page.selectOption('#style-attribute', 'yearBuilt');
  await page.waitForFunction(() => document.body.dataset['style'] === 'yearBuilt');
  const rows = await page.locator('#legend .legend-row').allInnerTexts();
  assert.equal(await page.locator('#legend h4').innerText(), 'Year built');
  assert.ok(rows.length >= 4 && rows.some((r) => r.startsWith('No data')), rows.join(' | '));
  const counted = rows.map((r) => Number(r.split(/\s+/).pop()!.replace(/,/g, ''))).reduce((a, b) => a + b, 0);
  assert.equal(counted, project.db.prepare('SELECT count(*) FROM buildings').pluck().get(), 'legend counts cover every building');
  const after = pixel(await frame(page), spot.x, spot.y + 2);
  assert.ok(Math.abs(before[0]! - after[0]!) + Math.abs(before[1]! - after[1]!) + Math.abs(before[2]! - after[2]!) > 60, `${before} → ${after}`);
  await page.screenshot({ path: join(outputDir, 'style-year.png') });

  // Styling by a unit attribute: buildings take the mean unit area, on the units' own class scale.
  await page.selectOption('#style-level', 'units');
  await page.selectOption('#style-attribute', 'area');
  await page.waitForFunction(() => document.body.dataset['style'] === 'units:area');
  assert.match(await page.locator('#legend h4').innerText(), /Unit area \(m²\) · units/);
  const unitRows = await page.locator('#legend .legend-row').allInnerTexts();
  const unitTotal = unitRows.map((r) => Number(r.split(/\s+/).pop()!.replace(/,/g, ''))).reduce((a, b) => a + b, 0);
  assert.equal(unitTotal, project.db.prepare('SELECT count(*) FROM units').pluck().get(), 'the unit legend counts units');
  await page.selectOption('#style-level', 'buildings');
  await page.selectOption('#style-attribute', 'yearBuilt');
  await page.waitForFunction(() => document.body.dataset['style'] === 'yearBuilt');
});

test('filter floors ≥ 4: the count matches SQL; the table sorts, selects and exports CSV', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  await page.locator('summary', { hasText: 'Filter' }).click();
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.selectOption('.condition-attribute', 'floorCount');
  await page.selectOption('.condition-operator', '>=');
  await page.fill('.condition-value', '4');
  await page.click('#apply-filter');
  const expected = project.db.prepare('SELECT count(*) FROM buildings WHERE floor_count >= 4').pluck().get() as number;
  await page.waitForFunction((n) => document.body.dataset['filterCount'] === String(n), expected);
  assert.match(await page.locator('#filter-count').innerText(), new RegExp(`^${expected} of 3,172 buildings match`));
  await page.click('#show-table');
  await page.locator('.attribute-table tbody tr').first().waitFor();
  assert.equal(await page.locator('.attribute-table tbody tr').count(), expected);
  await page.locator('.attribute-table th', { hasText: 'Floors' }).click();
  await page.locator('.attribute-table th', { hasText: 'Floors' }).click();
  await page.waitForFunction(() => document.querySelector('.attribute-table th[aria-sort="descending"]') !== null);
  const floors = (await page.locator('.attribute-table tbody tr td:nth-child(4)').allInnerTexts()).map(Number);
  assert.deepEqual(floors, [...floors].sort((a, b) => b - a));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r\n/);
  assert.equal(csv[0], 'id,address,use,yearBuilt,floorCount,heightMeters,dwellingCount');
  assert.equal(csv.length - 1, expected);
  const firstRow = page.locator('.attribute-table tbody tr').first();
  const id = await firstRow.getAttribute('data-building-id');
  await firstRow.click();
  await page.waitForFunction((b) => document.body.dataset['selectedBuilding'] === b, id);
  await page.screenshot({ path: join(outputDir, 'filter-table.png') });
  assert.deepEqual(guarded.external, []);
});
