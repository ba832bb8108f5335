/**
 * Tile import from the UI, in Chromium against the web host: File ▸ Import tiles… brings the real samples into the
 * project on the host's worker thread with progress (tiles done / total, bytes), cancel rolls the import back (the
 * project file is byte-identical afterwards), the project folder listing picks sources and refuses bad ones with
 * what and where, and a 3D Tiles layer's opacity is saved in the project and restored on reopen (terrain has none).
 * The host paces tile imports (tileImportPaceMs) so these small samples take long enough to watch and cancel.
 * Screenshots in test-output/e2e.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import type { LayerSummary } from '../../common/contract.js';
import { findPackageRoot } from '../../core/paths.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const projectPath = join(dir, 'tiles-ui.storey');
const dcMbtiles = sharedData('tiles-samples', 'mbtiles', 'open-streets-dc.mbtiles');
const tilesetDir = sharedData('tiles-samples', '3dbag-3dtiles11');
const terrainDir = sharedData('nl-heuvelrug-terrain', 'tiles');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;

type Layers = { list(): LayerSummary[]; appliedOpacity(id: string): number | null; failures(): Record<string, string>; tilesetsLoaded(): boolean };
type View = { globeState(): { frames: number; tilesLoaded: boolean }; requestRender(): void; applyView(state: unknown): Promise<void> };

before(async () => {
  createSampleProject(projectPath).close();
  // Sources in the project folder, for the listing: a real one and a damaged one.
  copyFileSync(sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'), join(dir, 'world.mbtiles'));
  writeFileSync(join(dir, 'damaged.mbtiles'), Buffer.alloc(4096, 0x42));
  mkdirSync(outputDir, { recursive: true });
  process.env['STOREY_HOME'] = join(dir, 'home');
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json'), tileImportPaceMs: 60 });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin, { width: 1200, height: 800 });
  page = guarded.page;
  await page.goto(host.url);
  await waitForCity(page);
  await page.waitForFunction(() => (window as unknown as { storeyLayers?: unknown }).storeyLayers !== undefined);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

/** The project file's bytes after folding the WAL in: equal hashes mean an unchanged project. */
function projectHash(): string {
  host.project.db.pragma('wal_checkpoint(TRUNCATE)');
  return createHash('sha256').update(readFileSync(projectPath)).digest('hex');
}

/** Looks straight down over a point and waits until the globe and every 3D tileset report loaded on three frames in a row. */
async function lookDown(lonDegrees: number, latDegrees: number, heightMeters: number): Promise<void> {
  await page.evaluate(
    (camera) => (window as unknown as { storeyView: View }).storeyView.applyView({ camera, style: null, filter: [], selection: null }),
    { lonDegrees, latDegrees, heightMeters, headingDegrees: 0, pitchDegrees: -90, rollDegrees: 0 },
  );
  await settle();
}

async function settle(): Promise<void> {
  await page.evaluate(() => ((window as unknown as { settleCount: number }).settleCount = 0));
  await page.waitForFunction(
    () => {
      const w = window as unknown as { storeyView: View; storeyLayers: Layers; settleCount?: number; settleFrame?: number };
      const frames = w.storeyView.globeState().frames;
      w.storeyView.requestRender();
      if (frames === w.settleFrame) return false;
      w.settleFrame = frames;
      const loaded = w.storeyView.globeState().tilesLoaded && w.storeyLayers.tilesetsLoaded();
      w.settleCount = loaded ? (w.settleCount ?? 0) + 1 : 0;
      return w.settleCount >= 3;
    },
    undefined,
    { timeout: 180_000, polling: 200 },
  );
}

/**
 * The share of the canvas drawn in the 3DBAG roofs' red-brown (red well above green), from a screenshot of it; the
 * bottom 30 % is left out, where the legend's swatches are.
 */
async function redShare(name: string): Promise<number> {
  const box = (await page.locator('#globe canvas').first().boundingBox())!;
  const png = PNG.sync.read(await page.screenshot({ path: join(outputDir, `tile-import-${name}.png`), clip: box }));
  const rows = Math.floor(png.height * 0.7);
  let red = 0;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! > png.data[i + 1]! + 30) red++;
    }
  }
  return red / (rows * png.width);
}

async function layersInProject(): Promise<LayerSummary[]> {
  return (await host.workspace.api.listLayers({})).layers;
}

async function openDialogFromFileMenu(): Promise<void> {
  await page.locator('#file-menu-button').click();
  await page.locator('#menu-import-tiles').click();
  await page.locator('dialog.tile-import-dialog').waitFor();
}

async function closeDialog(): Promise<void> {
  await page.locator('#tile-import-close').click();
  await page.locator('dialog.tile-import-dialog').waitFor({ state: 'detached' });
}

/** Waits until the dialog shows a progress label with some but not all tiles done; returns the label. */
async function progressMidway(total: number): Promise<string> {
  const handle = await page.waitForFunction(
    (expected) => {
      const text = document.querySelector('.tile-import-progress .progress-label')?.textContent ?? '';
      const match = /([\d,]+) \/ ([\d,]+) tiles · (.+)$/.exec(text);
      if (!match) return null;
      const done = Number(match[1]!.replace(/,/g, ''));
      return done > 0 && done < expected && Number(match[2]!.replace(/,/g, '')) === expected ? text : null;
    },
    total,
    { timeout: 60_000, polling: 50 },
  );
  return (await handle.jsonValue()) as string;
}

test('File ▸ Import tiles… imports the Washington MBTiles with progress; the layer joins the list with its facts', { timeout: 300_000 }, async () => {
  await openDialogFromFileMenu();
  await page.fill('#tile-source', dcMbtiles);
  await page.locator('dialog.tile-import-dialog button.primary').click();
  const label = await progressMidway(32);
  assert.match(label, /^Importing open-streets-dc\.mbtiles: \d+ \/ 32 tiles · [\d.,]+ (B|KB)$/);
  assert.equal(await page.locator('#tile-import-close').innerText(), 'Cancel import');
  await page.screenshot({ path: join(outputDir, 'tile-import-progress.png') });
  const result = page.locator('dialog.tile-import-dialog .tile-import-result');
  await result.waitFor({ timeout: 60_000 });
  const text = await result.innerText();
  assert.match(text, /Imported “open-streets-dc”/);
  assert.match(text, /Imagery · webp · 32 tiles · [\d.]+ KB · zoom 7–12/);
  assert.match(text, /lon -77\.\d+ … -76\.\d+, lat 38\.\d+ … 39\.\d+/);
  assert.match(text, /OpenStreetMap/);
  await closeDialog();
  const item = page.locator('#layer-list li.layer-item', { hasText: 'open-streets-dc' });
  await item.waitFor();
  const itemText = await item.innerText();
  assert.match(itemText, /Imagery · webp · 32 tiles[\s\S]*zoom 7–12[\s\S]*lon -77\.\d+[\s\S]*OpenStreetMap/);
  const layers = await layersInProject();
  assert.deepEqual(layers.map((l) => [l.name, l.tileCount, l.minZoom, l.maxZoom]), [['open-streets-dc', 32, 7, 12]]);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { storeyLayers: Layers }).storeyLayers.failures()), {});
});

test('cancelling an import rolls it back: the project file is byte-identical and the list unchanged', { timeout: 180_000 }, async () => {
  const hashBefore = projectHash();
  const layersBefore = await layersInProject();
  await page.locator('#layer-import-button').click();
  await page.locator('dialog.tile-import-dialog').waitFor();
  await page.fill('#tile-source', terrainDir);
  await page.locator('dialog.tile-import-dialog button.primary').click();
  assert.match(await progressMidway(419), /^Importing nl-heuvelrug-terrain\/tiles: \d+ \/ 419 tiles/);
  await page.locator('#tile-import-close', { hasText: 'Cancel import' }).click();
  const cancelled = page.locator('dialog.tile-import-dialog .tile-import-cancelled');
  await cancelled.waitFor({ timeout: 60_000 });
  assert.equal(await cancelled.innerText(), 'Import of nl-heuvelrug-terrain/tiles cancelled; the project is as it was.');
  assert.equal(await page.locator('#tile-import-close').innerText(), 'Close');
  await closeDialog();
  assert.deepEqual(await layersInProject(), layersBefore);
  assert.equal(projectHash(), hashBefore, 'the project file did not change');
  assert.equal(await page.locator('#layer-list li.layer-item').count(), layersBefore.length);
});

test('the project folder listing picks a source; a damaged file and a non-tile file say what and where', { timeout: 180_000 }, async () => {
  await openDialogFromFileMenu();
  const world = page.locator('#tile-source-list li[data-path="world.mbtiles"]');
  await world.waitFor();
  assert.match(await world.innerText(), /world\.mbtiles\s+MBTiles · \d+ KB/);
  assert.match(await page.locator('#tile-source-list li[data-path="tiles-ui.storey"]').innerText(), /not a tile source/);
  assert.equal(await page.locator('#tile-source-list li[data-path="tiles-ui.storey-wal"]').count(), 0, 'SQLite companions are not listed');
  assert.match(await page.locator('#tile-browser-title').innerText(), new RegExp(`Project folder: ${dir.split('/').pop()}`));

  await page.locator('#tile-source-list li[data-path="damaged.mbtiles"] button').click();
  assert.equal(await page.inputValue('#tile-source'), 'damaged.mbtiles');
  await page.locator('dialog.tile-import-dialog button.primary').click();
  const error = page.locator('dialog.tile-import-dialog .error-text');
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.innerText(), /^damaged\.mbtiles: cannot be read as an MBTiles file \(.+\); nothing was imported\.$/);

  const notTiles = sharedData('tiles-samples', 'SOURCE.txt');
  await page.fill('#tile-source', notTiles);
  await page.locator('dialog.tile-import-dialog button.primary').click();
  await page.waitForFunction(() => /SOURCE\.txt \(in .*tiles-samples\) is not a tile source/.test(document.querySelector('dialog.tile-import-dialog .error-text')?.textContent ?? ''));
  await page.fill('#tile-source', '../../etc/passwd');
  await page.locator('dialog.tile-import-dialog button.primary').click();
  await page.waitForFunction(() => /is not a plain path inside the project folder/.test(document.querySelector('dialog.tile-import-dialog .error-text')?.textContent ?? ''));

  await world.locator('button').click();
  await page.fill('#tile-name', 'World');
  await page.locator('dialog.tile-import-dialog button.primary').click();
  const result = page.locator('dialog.tile-import-dialog .tile-import-result');
  await result.waitFor({ timeout: 60_000 });
  assert.match(await result.innerText(), /Imported “World”[\s\S]*Imagery · png · 5 tiles · [\d.]+ KB · zoom 0–1/);
  await closeDialog();
  await page.locator('#layer-list li.layer-item', { hasText: 'World' }).waitFor();
  assert.deepEqual((await layersInProject()).map((l) => l.name), ['open-streets-dc', 'World']);
});

test('3D Tiles opacity is saved in the project and restored on reopen; terrain has no opacity slider', { timeout: 480_000 }, async () => {
  await page.locator('#layer-import-button').click();
  await page.fill('#tile-source', tilesetDir);
  await page.fill('#tile-name', '3DBAG');
  await page.locator('dialog.tile-import-dialog button.primary').click();
  await page.locator('dialog.tile-import-dialog .tile-import-result').waitFor({ timeout: 60_000 });
  await closeDialog();
  // Terrain straight through core (the host's own connection); the panel reads the layers again.
  const terrain = await importTiles(host.project, terrainDir, { name: 'Heuvelrug terrain' });
  await page.evaluate(() => (window as unknown as { storeyLayers: { refresh(): Promise<void> } }).storeyLayers.refresh());
  const tileset = (await layersInProject()).find((l) => l.name === '3DBAG')!;
  const slider = page.locator(`#layer-list li[data-layer-id="${tileset.id}"] input[type=range]`);
  await slider.waitFor();
  assert.equal(await slider.inputValue(), '100');
  await slider.fill('40');
  await page.waitForFunction((id) => (window as unknown as { storeyLayers: Layers }).storeyLayers.appliedOpacity(id) === 0.4, tileset.id, { timeout: 120_000 });
  assert.equal((await layersInProject()).find((l) => l.id === tileset.id)!.opacity, 0.4);
  assert.match(await page.locator(`#layer-list li[data-layer-id="${tileset.id}"] .layer-opacity`).innerText(), /40\s%/);
  // The roofs are drawn see-through: far fewer pixels keep their red than at full opacity.
  await lookDown(3.48, 51.245, 3000);
  const translucent = await redShare('3dtiles-40');
  await slider.fill('100');
  await page.waitForFunction((id) => (window as unknown as { storeyLayers: Layers }).storeyLayers.appliedOpacity(id) === 1, tileset.id, { timeout: 120_000 });
  await settle();
  const opaque = await redShare('3dtiles-100');
  assert.ok(opaque > 0.002, `roofs are drawn at full opacity (${(opaque * 100).toFixed(1)} % red pixels)`);
  assert.ok(translucent < opaque * 0.3, `at 40 % ${(translucent * 100).toFixed(2)} % of the pixels are roof-red, at 100 % ${(opaque * 100).toFixed(2)} %`);
  await slider.fill('40');
  await page.waitForFunction((id) => (window as unknown as { storeyLayers: Layers }).storeyLayers.appliedOpacity(id) === 0.4, tileset.id, { timeout: 120_000 });

  const terrainSlider = page.locator(`#layer-list li[data-layer-id="${terrain.id}"] input[type=range]`);
  assert.equal(await terrainSlider.isDisabled(), true);
  assert.match((await terrainSlider.getAttribute('title')) ?? '', /Terrain has no opacity/);
  assert.match((await page.locator(`#layer-list li[data-layer-id="${terrain.id}"] .layer-opacity`).getAttribute('title')) ?? '', /Terrain has no opacity/);
  await page.locator('#layers').screenshot({ path: join(outputDir, 'tile-import-layer-list.png') });

  // Reopen: the page starts again from the project file.
  await page.reload();
  await waitForCity(page);
  await page.locator(`#layer-list li[data-layer-id="${tileset.id}"] input[type=range]`).waitFor();
  assert.equal(await page.locator(`#layer-list li[data-layer-id="${tileset.id}"] input[type=range]`).inputValue(), '40');
  await page.waitForFunction((id) => (window as unknown as { storeyLayers: Layers }).storeyLayers.appliedOpacity(id) === 0.4, tileset.id, { timeout: 120_000 });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { storeyLayers: Layers }).storeyLayers.failures()), {});
  assert.deepEqual(guarded.external, [], 'nothing left the machine');
});
