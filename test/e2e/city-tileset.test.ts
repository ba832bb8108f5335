/**
 * The city view drawn from the project's buildings tileset (core/tiler), in Debian's Chromium against the web host,
 * on the Danish data: the buildings come from the tileset's tiles, not from one primitive; a click on a building
 * picks its registry id and opens its panel; the selection, a thematic style and a filter recolour and hide the
 * tileset's features; after a new import the stale tileset is set aside and the city is drawn from the registry.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { tileBuildings } from '../../core/tiler/tiler.js';
import { colorOfCategory } from '../../renderer/palette.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const projectPath = join(dir, 'odense-tiled.storey');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let layerId = '';
const tileRequests: string[] = [];

type View = {
  requestRender(): void;
  applyView(state: unknown): Promise<void>;
  globeState(): { frames: number; tilesLoaded: boolean };
  buildingIds(): Array<{ id: string; heightMeters: number }>;
  screenPositionOf(id: string): { x: number; y: number } | null;
  buildingsSource(): { kind: 'tileset' | 'primitive'; loadedBuildings: number };
};

async function frame(page: Page): Promise<PNG> {
  const before = await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.globeState().frames);
  await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.requestRender());
  await page.waitForFunction((n) => (window as unknown as { storeyView: View }).storeyView.globeState().frames > n, before);
  return PNG.sync.read(await page.screenshot());
}

function pixel(png: PNG, x: number, y: number): number[] {
  const i = (png.width * Math.round(y) + Math.round(x)) << 2;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

/** The selection colour (#ffcc00) under lighting: strong yellow. */
const isHighlight = ([r, g, b]: number[]) => r! > 170 && g! > 140 && b! < 90;
function highlightsAround(png: PNG, x: number, y: number, radius = 3): number {
  let n = 0;
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (isHighlight(pixel(png, x + dx, y + dy))) n++;
  return n;
}

/** The tallest buildings whose roof centre is well inside the view: good click targets. */
async function targets(page: Page, count: number): Promise<Array<{ id: string; x: number; y: number }>> {
  return page.evaluate((n) => {
    const view = (window as unknown as { storeyView: View }).storeyView;
    const w = innerWidth;
    const h = innerHeight;
    return view
      .buildingIds()
      .sort((a, b) => b.heightMeters - a.heightMeters)
      .map((b) => ({ id: b.id, ...(view.screenPositionOf(b.id) ?? { x: -1, y: -1 }) }))
      .filter((p) => p.x > w * 0.3 && p.x < w * 0.7 && p.y > h * 0.15 && p.y < h * 0.85)
      .slice(0, n);
  }, count);
}

before(async () => {
  const project = ProjectFile.create(projectPath, { name: 'Odense, tiled' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  layerId = (await tileBuildings(project)).layer.id;
  project.close();
  mkdirSync(outputDir, { recursive: true });
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json') });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
  guarded.page.on('request', (r) => {
    if (r.url().includes('/tiles/')) tileRequests.push(new URL(r.url()).pathname);
  });
  await guarded.page.goto(host.url);
  await waitForCity(guarded.page);
  // The registry's extent reaches across Denmark (a few outlying buildings): look at the centre of Odense instead.
  await guarded.page.evaluate(
    (camera) => (window as unknown as { storeyView: View }).storeyView.applyView({ camera, style: null, filter: [], selection: null }),
    { lonDegrees: 10.3965, latDegrees: 55.3975, heightMeters: 450, headingDegrees: 0, pitchDegrees: -45, rollDegrees: 0 },
  );
  await settle(guarded.page);
});

/** Waits until the globe and the buildings tileset report everything in view loaded on three frames in a row. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { settled: number }).settled = 0));
  await page.waitForFunction(
    () => {
      const w = window as unknown as { storeyView: View; settled: number };
      w.settled = w.storeyView.globeState().tilesLoaded ? w.settled + 1 : 0;
      w.storeyView.requestRender();
      return w.settled >= 3;
    },
    undefined,
    { timeout: 120_000, polling: 300 },
  );
}

after(async () => {
  await browser?.close();
  await host?.close();
});

test('the Odense buildings are drawn from the project\'s tileset', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  const source = await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.buildingsSource());
  assert.equal(source.kind, 'tileset');
  assert.ok(source.loadedBuildings > 100, `${source.loadedBuildings} buildings have loaded features`);
  assert.ok(tileRequests.some((p) => p.startsWith(`/tiles/${layerId}/`) && p.endsWith('.glb')), 'glb tiles came from the project');
  const png = await frame(page);
  writeFileSync(join(outputDir, 'city-tileset.png'), PNG.sync.write(png));
  // Buildings are drawn where the registry puts them: the roof centre of a tall building is not the ground colour.
  const [first] = await targets(page, 1);
  assert.ok(first, 'a tall building is in view');
  const roof = pixel(png, first.x, first.y);
  assert.ok(roof[0]! + roof[1]! + roof[2]! > 200, `the roof of ${first.id} is drawn (pixel ${roof})`);
  // Shaded as when drawn from the registry: a roof seen from above is its legend colour, at most lightly shaded (the
  // same hue in every channel; glTF's physically based lighting drew it at about 0.75 of it).
  const category = host.project.db.prepare(`SELECT use_category FROM buildings WHERE registry_id = ?`).pluck().get(first.id) as string;
  const legend = colorOfCategory(category).match(/[0-9a-f]{2}/gi)!.map((h) => parseInt(h, 16));
  const ratios = legend.map((c, i) => roof[i]! / c);
  assert.ok(Math.min(...ratios) >= 0.85 && Math.max(...ratios) <= 1.01 && Math.max(...ratios) - Math.min(...ratios) <= 0.04, `the roof of ${first.id} (${category}) is ${roof.slice(0, 3)}, its legend colour ${legend}`);
  assert.deepEqual(guarded.external, [], 'nothing left the machine');
  // This Chromium draws WebGL with SwiftShader, on the CPU: the view leaves multisampling off there.
  const { msaaSamples, plainSky, environmentMap, globeMaximumScreenSpaceError } = await page.evaluate(() => (window as unknown as { storeyView: { globeState(): { msaaSamples: number; plainSky: boolean; environmentMap: boolean | null; globeMaximumScreenSpaceError: number } } }).storeyView.globeState());
  assert.equal(msaaSamples, 1, 'no multisampling on a software WebGL');
  assert.equal(plainSky, true, 'a flat sky without atmosphere or drawn fog on a software WebGL');
  assert.equal(environmentMap, false, 'under a plain sky the buildings tileset is not lit by an environment map made from the sky');
  assert.equal(globeMaximumScreenSpaceError, 8, 'the bare ellipsoid under the base map is not refined past what it can show');
});

test('a click on a tileset building picks its registry id and opens its panel; Escape clears it', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  const candidates = await targets(page, 5);
  assert.ok(candidates.length >= 3, 'tall buildings are in view');
  for (const target of candidates.slice(0, 3)) {
    await frame(page);
    await page.mouse.click(target.x, target.y);
    const panel = page.locator(`.building[data-building-id="${target.id}"]`);
    await panel.waitFor({ timeout: 20_000 });
    assert.equal(await panel.locator('tr[data-key="registryId"] td').innerText(), target.id);
    const selected = await frame(page);
    assert.ok(highlightsAround(selected, target.x, target.y) > 10, `the picked building ${target.id} is drawn in the selection colour (pixel ${pixel(selected, target.x, target.y)})`);
    await page.keyboard.press('Escape');
    await page.locator('.overview').waitFor();
    assert.equal(highlightsAround(await frame(page), target.x, target.y), 0, 'the highlight is gone after Escape');
  }
});

test('a style by year and a filter recolour and hide the tileset\'s features', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  const [target] = await targets(page, 1);
  const before = pixel(await frame(page), target!.x, target!.y);
  await page.selectOption('#style-attribute', 'yearBuilt');
  await page.waitForFunction(() => document.body.dataset['style'] === 'yearBuilt');
  const styled = pixel(await frame(page), target!.x, target!.y);
  assert.ok(Math.abs(before[0]! - styled[0]!) + Math.abs(before[1]! - styled[1]!) + Math.abs(before[2]! - styled[2]!) > 60, `${before} → ${styled}`);
  await page.screenshot({ path: join(outputDir, 'city-tileset-year.png') });

  // A filter that keeps no tall building: the target's roof goes, the ground shows through.
  await page.locator('summary', { hasText: 'Filter' }).click();
  await page.getByRole('button', { name: '+ Condition' }).click();
  await page.selectOption('.condition-attribute', 'floorCount');
  await page.selectOption('.condition-operator', '<=');
  await page.fill('.condition-value', '1');
  await page.click('#apply-filter');
  await page.waitForFunction(() => document.body.dataset['filterCount'] !== undefined && document.body.dataset['filterCount'] !== '');
  const filtered = pixel(await frame(page), target!.x, target!.y);
  assert.ok(Math.abs(filtered[0]! - styled[0]!) + Math.abs(filtered[1]! - styled[1]!) + Math.abs(filtered[2]! - styled[2]!) > 40, `hidden: ${styled} → ${filtered}`);
  await page.screenshot({ path: join(outputDir, 'city-tileset-filter.png') });
});

test('the layer list\'s switch and opacity for the buildings tileset apply to the city\'s buildings', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  const layers = (fn: string, ...args: unknown[]) => page.evaluate(({ fn, args }) => (window as unknown as { storeyLayers: Record<string, (...a: unknown[]) => Promise<void>> }).storeyLayers[fn]!(...args), { fn, args });
  // The filter of the test before hides the tall buildings: clear it.
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await page.waitForFunction(() => !document.body.dataset['filterCount']);
  const [target] = await targets(page, 1);
  const shown = pixel(await frame(page), target!.x, target!.y);
  await layers('setVisible', layerId, false);
  const hidden = pixel(await frame(page), target!.x, target!.y);
  assert.ok(Math.abs(shown[0]! - hidden[0]!) + Math.abs(shown[1]! - hidden[1]!) + Math.abs(shown[2]! - hidden[2]!) > 40, `switched off: ${shown} → ${hidden}`);
  await layers('setVisible', layerId, true);
  await layers('setOpacity', layerId, 0.3);
  const faint = pixel(await frame(page), target!.x, target!.y);
  // See-through: between the building's colour and the ground's.
  const distance = (a: number[], b: number[]) => Math.abs(a[0]! - b[0]!) + Math.abs(a[1]! - b[1]!) + Math.abs(a[2]! - b[2]!);
  assert.ok(distance(faint, shown) > 20 && distance(faint, hidden) > 10, `opacity 0.3: ${shown} / ${faint} / ${hidden}`);
  await layers('setOpacity', layerId, 1);
  const back = pixel(await frame(page), target!.x, target!.y);
  assert.ok(distance(back, shown) < 20, `opacity 1 again: ${shown} → ${back}`);
});

test('a city too big to list whole (here forced with ?lazy-shapes) loads a building\'s shape only when it is opened', { timeout: 180_000 }, async () => {
  const [target] = await targets(guarded.page, 1);
  const lazy = await openGuardedPage(browser, host.origin);
  const shapeRequests: string[] = [];
  lazy.page.on('request', (r) => {
    if (r.url().includes('/api/listBuildingShapes')) shapeRequests.push(r.postData() ?? '');
  });
  try {
    await lazy.page.goto(`${host.url}&lazy-shapes`);
    await waitForCity(lazy.page);
    await lazy.page.evaluate(
      (camera) => (window as unknown as { storeyView: View }).storeyView.applyView({ camera, style: null, filter: [], selection: null }),
      { lonDegrees: 10.3965, latDegrees: 55.3975, heightMeters: 450, headingDegrees: 0, pitchDegrees: -45, rollDegrees: 0 },
    );
    await settle(lazy.page);
    assert.deepEqual(await lazy.page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.buildingIds()), [], 'no shapes listed at the start');
    assert.deepEqual(shapeRequests, [], 'the shapes were not asked for');
    await frame(lazy.page);
    await lazy.page.mouse.click(target!.x, target!.y);
    const panel = lazy.page.locator(`.building[data-building-id="${target!.id}"]`);
    await panel.waitFor({ timeout: 30_000 });
    assert.equal(shapeRequests.length, 1);
    assert.deepEqual(JSON.parse(shapeRequests[0]!), { ids: [target!.id] }, 'only the opened building\'s shape was fetched');
    // Its shape is at hand now: the view can place it (floors, flights).
    assert.ok(await lazy.page.evaluate((id) => (window as unknown as { storeyView: View }).storeyView.screenPositionOf(id), target!.id));
    assert.ok(highlightsAround(await frame(lazy.page), target!.x, target!.y) > 10, 'the picked building is highlighted');
  } finally {
    await lazy.context.close();
  }
});
