/**
 * Buildings, open floors and notes sit on the terrain, in Chromium: a project with the Utrechtse Heuvelrug terrain
 * (real quantized-mesh tiles, ../shared/data/nl-heuvelrug-terrain) and three buildings placed on it. The buildings
 * are invented (the registry files in ../shared/data lie outside this terrain) and only their places matter here:
 * they stand where the terrain is tens of metres above the ellipsoid and differs between them. Each building and
 * each floor slab must be clickable where the view says it is, which fails when they are drawn on the ellipsoid,
 * under the terrain. Screenshots in test-output/e2e.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Polygon } from '../../core/project/gpkg-geometry.js';
import { RegistryStore } from '../../core/project/registry-store.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { tileBuildings } from '../../core/tiler/tiler.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;
let buildingsLayerId = '';

/** Where the terrain's tiles have relief (their headers put it at lat 52.04–52.15). */
const places = [
  { id: 'hill-a', lonDegrees: 5.25, latDegrees: 52.06 },
  { id: 'hill-b', lonDegrees: 5.28, latDegrees: 52.09 },
  { id: 'hill-c', lonDegrees: 5.31, latDegrees: 52.12 },
];
const storeys = 4;
const storeyMeters = 3;

type View = {
  globeState(): { frames: number; tilesLoaded: boolean; buildingsReady: boolean };
  requestRender(): void;
  applyView(state: unknown): Promise<void>;
  screenPositionOf(id: string): { x: number; y: number } | null;
  floorScreenPosition(id: string): { x: number; y: number } | null;
  selectBuilding(id: string): Promise<void>;
  buildingsSource(): { kind: 'tileset' | 'primitive'; loadedBuildings: number };
};
type Layers = {
  terrainOn(): boolean;
  groundHeights(points: Array<{ lonDegrees: number; latDegrees: number }>): Promise<number[]>;
  setVisible(id: string, visible: boolean): Promise<void>;
};

/** A 24 m square footprint around a point, closed ring, WGS 84 degrees. */
function square(lon: number, lat: number): Polygon {
  const dLat = 12 / 111_320;
  const dLon = 12 / (111_320 * Math.cos((lat * Math.PI) / 180));
  return [[[lon - dLon, lat - dLat], [lon + dLon, lat - dLat], [lon + dLon, lat + dLat], [lon - dLon, lat + dLat], [lon - dLon, lat - dLat]]];
}

before(async () => {
  const projectPath = join(dir, 'terrain.storey');
  const project = ProjectFile.create(projectPath, {
    name: 'Heuvelrug terrain check',
    description: 'Invented buildings on real terrain, for the terrain placement test.',
    synthetic: true,
  });
  project.transaction(() => {
    const store = new RegistryStore(project);
    store.bulk(() => {
      for (const place of places) {
        store.putBuilding({ registryId: place.id, footprint: [square(place.lonDegrees, place.latDegrees)], useCategory: 'housing', floorCount: storeys, heightMeters: storeys * storeyMeters, heightSource: 'floors', address: `Test ${place.id}` }, true);
        for (let level = 0; level < storeys; level++) {
          store.putFloor({ registryId: `${place.id}-${level}`, buildingId: place.id, levelIndex: level, label: level === 0 ? 'st' : String(level), baseHeightMeters: level * storeyMeters, heightMeters: storeyMeters }, true);
        }
      }
    });
    store.refreshExtents();
  });
  // Tiled as an import leaves a project: the tileset's buildings stand on the ellipsoid, so on terrain the city must
  // be drawn from the registry, each building on the ground under it.
  buildingsLayerId = (await tileBuildings(project)).layer.id;
  await importTiles(project, sharedData('nl-heuvelrug-terrain', 'tiles'));
  project.close();
  mkdirSync(outputDir, { recursive: true });
  process.env['STOREY_HOME'] = join(dir, 'home');
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json') });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin, { width: 1366, height: 768 });
  page = guarded.page;
  await page.goto(host.url);
  await waitForCity(page);
  await page.waitForFunction(() => (window as unknown as { storeyLayers?: Layers }).storeyLayers?.terrainOn() === true, undefined, { timeout: 120_000 });
});

after(async () => {
  await browser?.close();
  await host?.close();
});

/** Waits until frames keep coming and the globe and buildings report loaded on three frames in a row. */
async function settle(): Promise<void> {
  await page.waitForFunction(
    () => {
      const v = (window as unknown as { storeyView: View; settleFrame?: number; settleCount?: number });
      const state = v.storeyView.globeState();
      if (state.frames === v.settleFrame) {
        v.storeyView.requestRender();
        return false;
      }
      v.settleFrame = state.frames;
      v.settleCount = state.tilesLoaded && state.buildingsReady ? (v.settleCount ?? 0) + 1 : 0;
      v.storeyView.requestRender();
      return v.settleCount >= 3;
    },
    undefined,
    { timeout: 180_000, polling: 200 },
  );
  await page.evaluate(() => ((window as unknown as { settleCount: number }).settleCount = 0));
}

let ground: number[] = [];

test('the terrain under the three buildings is well above the ellipsoid and differs between them', async () => {
  ground = await page.evaluate((p) => (window as unknown as { storeyLayers: Layers }).storeyLayers.groundHeights(p), places);
  assert.ok(ground.every((h) => h > storeys * storeyMeters), `ground ${ground.map((h) => h.toFixed(1)).join(', ')} m is higher than the buildings are tall, so a building on the ellipsoid would be buried`);
  assert.ok(Math.max(...ground) - Math.min(...ground) > 3, `relief between them: ${ground.map((h) => h.toFixed(1)).join(', ')} m`);
  await page.waitForFunction(() => (window as unknown as { storeyView: View }).storeyView.buildingsSource().kind === 'primitive', undefined, { timeout: 60_000 });
});

for (const [index, place] of places.entries()) {
  test(`building ${place.id} stands on the terrain: clicking its roof selects it, clicking a floor slab selects the floor`, async () => {
    const groundMeters = ground[index]!;
    // From the south, 150 m out and 90 m above the ground, looking down at the building.
    await page.evaluate((camera) => (window as unknown as { storeyView: View }).storeyView.applyView({ camera, style: null, filter: [], selection: null }), {
      lonDegrees: place.lonDegrees, latDegrees: place.latDegrees - 150 / 111_320, heightMeters: groundMeters + 90, headingDegrees: 0, pitchDegrees: -31, rollDegrees: 0,
    });
    await settle();
    await page.screenshot({ path: join(outputDir, `tiles-terrain-${place.id}.png`) });
    const roof = await page.evaluate((id) => (window as unknown as { storeyView: View }).storeyView.screenPositionOf(id), place.id);
    assert.ok(roof, 'the roof is in view');
    await page.mouse.click(roof.x, roof.y);
    await page.waitForFunction((id) => document.body.dataset['selectedBuilding'] === id, place.id, { timeout: 30_000 });

    // Selecting opens the building into its storeys: the slabs replace it, on the same ground.
    await settle();
    await page.screenshot({ path: join(outputDir, `tiles-terrain-${place.id}-floors.png`) });
    // The top storey: its slab's upper face is what the camera sees of the stack.
    const floorId = `${place.id}-${storeys - 1}`;
    const slab = await page.evaluate((id) => (window as unknown as { storeyView: View }).storeyView.floorScreenPosition(id), floorId);
    assert.ok(slab, 'the floor slab is in view');
    await page.mouse.click(slab.x, slab.y);
    await page.waitForFunction((id) => document.body.dataset['selectedFloor'] === id, floorId, { timeout: 30_000 });
    await page.keyboard.press('Escape');
  });
}

test('the layer list\'s switch for the buildings still applies while they are drawn on the terrain', async () => {
  const place = places[1]!;
  const setVisible = (visible: boolean) => page.evaluate(({ id, visible }) => (window as unknown as { storeyLayers: Layers }).storeyLayers.setVisible(id, visible), { id: buildingsLayerId, visible });
  await page.evaluate((camera) => (window as unknown as { storeyView: View }).storeyView.applyView({ camera, style: null, filter: [], selection: null }), {
    lonDegrees: place.lonDegrees, latDegrees: place.latDegrees - 150 / 111_320, heightMeters: ground[1]! + 90, headingDegrees: 0, pitchDegrees: -31, rollDegrees: 0,
  });
  await settle();
  const roof = await page.evaluate((id) => (window as unknown as { storeyView: View }).storeyView.screenPositionOf(id), place.id);
  assert.ok(roof, 'the roof is in view');
  // Switched off: nothing is drawn there, so the click finds no building.
  await setVisible(false);
  await settle();
  await page.mouse.click(roof.x, roof.y);
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => document.body.dataset['selectedBuilding'] ?? ''), '', 'a hidden building is not picked');
  await setVisible(true);
  await settle();
  await page.mouse.click(roof.x, roof.y);
  await page.waitForFunction((id) => document.body.dataset['selectedBuilding'] === id, place.id, { timeout: 30_000 });
  await page.keyboard.press('Escape');
});
