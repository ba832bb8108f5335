/**
 * Saved views, notes and measuring on the imported Danish registry, in Chromium: a view comes back after a reload,
 * a note survives reopening the project, and a measured distance between two address points agrees with their
 * UTM coordinates within 1 %.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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
const projectPath = join(tempDir(), 'odense.storey');
const dk = sharedData('dk-odense');
const staticRoot = join(root, 'dist', 'renderer');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

type View = {
  screenPositionOf(id: string): { x: number; y: number } | null;
  screenPositionOfPoint(lon: number, lat: number, h?: number): { x: number; y: number } | null;
  cameraState(): { lonDegrees: number; latDegrees: number; heightMeters: number; headingDegrees: number };
  requestRender(): void;
};
const storeyView = <T>(page: Page, body: string, arg?: unknown) =>
  page.evaluate(({ body, arg }) => new Function('v', 'arg', body)((window as unknown as { storeyView: View }).storeyView, arg), { body, arg }) as Promise<T>;

async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForCity(page);
  await page.locator('#view-list').waitFor();
}

async function selectAddress(page: Page, query: string): Promise<void> {
  await page.fill('#search', query);
  await page.locator('#search-results li[data-address-id]').first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.building').waitFor();
  await page.waitForTimeout(1200); // the camera flight
}

before(async () => {
  const project = ProjectFile.create(projectPath, { name: 'Odense' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [dk]);
  project.close();
  host = await startWebHost({ projectPath, staticRoot });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
  mkdirSync(outputDir, { recursive: true });
  await openApp(guarded.page, host.url);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('a saved view brings back camera, style, filter and selection after a reload', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  await selectAddress(page, 'Ridehusgade 49, 2. th');
  const buildingId = await page.locator('.building').getAttribute('data-building-id');
  const floorId = await page.locator('.storey').first().getAttribute('data-floor-id');
  await page.locator('.storey').first().click();
  await page.selectOption('#style-attribute', 'yearBuilt');
  await page.locator('summary', { hasText: 'Filter' }).click();
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.selectOption('.condition-attribute', 'floorCount');
  await page.fill('.condition-value', '2');
  await page.click('#apply-filter');
  await page.waitForFunction(() => (document.body.dataset['filterCount'] ?? '') !== '');
  const filterCount = await page.evaluate(() => document.body.dataset['filterCount']);
  const camera = await storeyView<{ lonDegrees: number; latDegrees: number; heightMeters: number }>(page, 'return v.cameraState()');
  await page.fill('#view-name', 'Ridehusgade check');
  await page.click('#save-view');
  await page.locator('#view-list li', { hasText: 'Ridehusgade check' }).waitFor();

  // The workstation reopens where the analyst left it: leave it unstyled and unfiltered first, so that only the
  // saved view can bring the style back.
  const cleared = Date.now();
  await storeyView(page, 'return v.restyle("")');
  await page.waitForFunction((t) => Number(document.body.dataset['sessionSaved'] ?? 0) > t, cleared, { timeout: 20_000 });
  await openApp(page, `${host.origin}/`);
  assert.equal(await page.evaluate(() => document.body.dataset['style'] ?? ''), '', 'the reopened page is unstyled, as it was left');
  // Reopening already restored the session (a view of its own): wait for the saved view's restore, not that one.
  const sessionRestore = await page.evaluate(() => document.body.dataset['restoredView'] ?? '');
  await page.locator('#view-list button.link', { hasText: 'Ridehusgade check' }).click();
  await page.waitForFunction((before) => (document.body.dataset['restoredView'] ?? '') !== before, sessionRestore);
  assert.equal(await page.evaluate(() => document.body.dataset['style']), 'yearBuilt');
  assert.equal(await page.evaluate(() => document.body.dataset['filterCount']), filterCount);
  assert.equal(await page.evaluate(() => document.body.dataset['selectedBuilding']), buildingId);
  assert.equal(await page.evaluate(() => document.body.dataset['selectedFloor']), floorId);
  await page.waitForTimeout(1200);
  const restored = await storeyView<{ lonDegrees: number; latDegrees: number; heightMeters: number }>(page, 'return v.cameraState()');
  assert.ok(Math.abs(restored.lonDegrees - camera.lonDegrees) < 1e-6 && Math.abs(restored.latDegrees - camera.latDegrees) < 1e-6, JSON.stringify({ camera, restored }));
  assert.ok(Math.abs(restored.heightMeters - camera.heightMeters) < 0.5);
  await page.screenshot({ path: join(outputDir, 'view-restored.png') });
});

test('a note pinned to a building survives reopening the project, and Delete removes it', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  // Open the Filter section (the session may have brought it back open already: a click would close it).
  await page.evaluate(() => {
    const filter = [...document.querySelectorAll('details')].find((d) => d.querySelector('summary')?.textContent === 'Filter');
    if (filter) filter.open = true;
  });
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  const buildingId = (await page.evaluate(() => document.body.dataset['selectedBuilding']))!;
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  const spot = (await storeyView<{ x: number; y: number }>(page, 'return v.screenPositionOf(arg)', buildingId))!;
  await page.click('#add-note');
  await page.locator('#hint').waitFor();
  await page.mouse.click(spot.x, spot.y);
  await page.fill('#note-text', 'Stairwell B door jammed – check on Monday');
  await page.click('#save-note');
  await page.locator('#note-list li', { hasText: 'Stairwell B door jammed' }).waitFor();

  // Reopen the project: a new host process on the same file.
  await host.close();
  host = await startWebHost({ projectPath, staticRoot });
  const reopened = await openGuardedPage(browser, host.origin);
  await openApp(reopened.page, host.url);
  const item = reopened.page.locator('#note-list li', { hasText: 'Stairwell B door jammed – check on Monday' });
  await item.waitFor();
  const project = ProjectFile.open(projectPath, { readOnly: true });
  const stored = project.db.prepare('SELECT building_id, text FROM storey_notes').all();
  project.close();
  assert.deepEqual(stored, [{ building_id: buildingId, text: 'Stairwell B door jammed – check on Monday' }]);
  await item.locator('button.link').click();
  await reopened.page.waitForFunction(() => document.body.dataset['selectedNote']);
  await reopened.page.locator('body').press('Delete');
  await reopened.page.locator('#note-list li', { hasText: 'No notes yet.' }).waitFor();
  await reopened.context.close();
});

test('measuring the distance between two address points agrees with their UTM coordinates within 1 %', { timeout: 180_000 }, async () => {
  const page = (await openGuardedPage(browser, host.origin)).page;
  await openApp(page, host.url);
  // Two house-number access points about a hundred metres apart, from the ground-height file (EPSG:25832).
  const points = readSimpleCsv(join(dk, 'hoejder.csv'));
  const project = ProjectFile.open(projectPath, { readOnly: true });
  const a = points.find((p) => p.id === project.db.prepare(`SELECT json_extract(attributes, '$.houseNumberKey') FROM stairwells WHERE json_extract(attributes, '$.houseNumberKey') IS NOT NULL LIMIT 1`).pluck().get())!;
  project.close();
  const b = points
    .map((p) => ({ p, d: Math.hypot(Number(p.x) - Number(a.x), Number(p.y) - Number(a.y)) }))
    .filter(({ d }) => d > 60 && d < 200)
    .sort((x, y) => x.d - y.d)[0]!.p;
  const gridMeters = Math.hypot(Number(b.x) - Number(a.x), Number(b.y) - Number(a.y));
  const out = (await import('node:child_process')).execFileSync('gdaltransform', ['-s_srs', 'EPSG:25832', '-t_srs', 'EPSG:4326', '-output_xy'], {
    input: `${a.x} ${a.y}\n${b.x} ${b.y}\n`,
    encoding: 'utf8',
  });
  const [pa, pb] = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)) as [number[], number[]];
  // A view straight down over the two points, with every building filtered away so the clicks land on the ground.
  const state = {
    camera: { lonDegrees: (pa[0]! + pb[0]!) / 2, latDegrees: (pa[1]! + pb[1]!) / 2, heightMeters: 600, headingDegrees: 0, pitchDegrees: -90, rollDegrees: 0 },
    style: null,
    filter: [{ attribute: 'floorCount', operator: '>=', value: 9999 }],
    selection: null,
  };
  const saved = await page.evaluate(async (body) => (await fetch('api/saveView', { method: 'POST', body: JSON.stringify(body) })).status, { name: 'Measure check', state });
  assert.equal(saved, 200);
  await openApp(page, `${host.origin}/`);
  await page.locator('#view-list button.link', { hasText: 'Measure check' }).click();
  await page.waitForFunction(() => document.body.dataset['filterCount'] === '0');
  await page.waitForTimeout(1200);
  await page.click('#measure-distance');
  const screenA = await storeyView<{ x: number; y: number } | null>(page, 'return v.screenPositionOfPoint(arg[0], arg[1], 0)', pa);
  const screenB = await storeyView<{ x: number; y: number } | null>(page, 'return v.screenPositionOfPoint(arg[0], arg[1], 0)', pb);
  assert.ok(screenA && screenB, 'both points are on screen');
  await page.mouse.click(screenA.x, screenA.y);
  await page.mouse.click(screenB.x, screenB.y);
  await page.keyboard.press('Enter');
  const measured = Number(await page.locator('#measure-value').getAttribute('data-value'));
  // The grid distance in UTM is the ground distance times the scale factor (0.9996 at the central meridian).
  assert.ok(Math.abs(measured - gridMeters) / gridMeters < 0.01, `measured ${measured} m, UTM grid ${gridMeters} m`);
  await page.screenshot({ path: join(outputDir, 'measure-distance.png') });
});
