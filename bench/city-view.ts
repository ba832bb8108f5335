/**
 * The browser half of bench/city: the same synthetic city opened in headless Chromium two ways, one after the other
 * in one browser, at the same window size and camera.
 * - Storey: the web host on the tiled project; from page load to the first complete frame (UI ready, the globe's
 *   and the buildings tileset's tiles in view loaded on three frames in a row).
 * - Baseline: what a typical Cesium app does: a page with Cesium's Viewer that loads the buildings as GeoJSON
 *   through GeoJsonDataSource and extrudes each polygon to its height; from page load to the data source ready,
 *   the globe's tiles loaded and a frame drawn after that.
 * Both read the JS heap (after a forced garbage collection) when complete. Cesium's web workers' heaps are not in
 * either figure.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { findPackageRoot } from '../core/paths.js';
import { startWebHost } from '../main/web/web-host.js';
import { launchChromium, openGuardedPage } from '../test/support/chromium.js';

const root = findPackageRoot(import.meta.dirname);
const viewport = { width: 1366, height: 768 };

export interface ViewResult {
  /** Page load to first complete frame, ms; null when it did not complete within the time limit. */
  completeMs: number | null;
  jsHeapMB: number;
  /** Buildings drawn (Storey: with loaded features; baseline: entities). */
  buildings: number;
}

async function heapMB(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 ** 2;
}

export async function measureStorey(browser: Browser, projectPath: string, limitMs: number): Promise<ViewResult> {
  const host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), readOnly: true });
  try {
    const { page, context } = await openGuardedPage(browser, host.origin, viewport);
    const cdp = await context.newCDPSession(page);
    const started = performance.now();
    await page.goto(host.url);
    let completeMs: number | null = null;
    try {
      await page.waitForFunction(
        () => {
          const w = window as unknown as { storeyView?: { globeState(): { buildingsReady: boolean; tilesLoaded: boolean }; requestRender(): void }; settled?: number };
          if (document.body.dataset['state'] !== 'ready' || !w.storeyView) return false;
          const state = w.storeyView.globeState();
          w.settled = state.buildingsReady && state.tilesLoaded ? (w.settled ?? 0) + 1 : 0;
          w.storeyView.requestRender();
          return w.settled >= 3;
        },
        undefined,
        { timeout: limitMs, polling: 100 },
      );
      completeMs = performance.now() - started;
    } catch {
      // Past the limit: reported as not complete.
    }
    const source = await page.evaluate(() => (window as unknown as { storeyView: { buildingsSource(): { kind: string; loadedBuildings: number } } }).storeyView.buildingsSource());
    if (source.kind !== 'tileset') throw new Error(`Storey drew the city from its ${source.kind}, not the tileset`);
    const result = { completeMs, jsHeapMB: await heapMB(cdp), buildings: source.loadedBuildings };
    await page.screenshot({ path: join(root, 'bench', 'output', `city-storey-${Date.now() % 100000}.png`) }).catch(() => undefined);
    await context.close();
    return result;
  } finally {
    await host.close();
  }
}

/** The baseline page: Cesium's own build, Natural Earth imagery as Storey uses, the buildings from GeoJSON. */
function baselinePage(extent: { west: number; south: number; east: number; north: number }): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<style>html,body,#c{margin:0;width:100%;height:100%;overflow:hidden}</style>
<link rel="stylesheet" href="/cesium/Widgets/widgets.css">
<script>window.CESIUM_BASE_URL = '/cesium/';</script>
<script src="/cesium/Cesium.js"></script></head><body><div id="c"></div><script>
(async () => {
  const imagery = await Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl('Assets/Textures/NaturalEarthII'));
  const viewer = new Cesium.Viewer('c', { baseLayer: new Cesium.ImageryLayer(imagery), baseLayerPicker: false, geocoder: false,
    animation: false, timeline: false, homeButton: false, sceneModePicker: false, navigationHelpButton: false, fullscreenButton: false, infoBox: false, selectionIndicator: false });
  const e = ${JSON.stringify(extent)};
  const centre = Cesium.Cartesian3.fromDegrees((e.west + e.east) / 2, (e.south + e.north) / 2, 0);
  const radius = Math.max(Cesium.Cartesian3.distance(centre, Cesium.Cartesian3.fromDegrees(e.west, e.south, 0)), 50);
  viewer.camera.flyToBoundingSphere(new Cesium.BoundingSphere(centre, radius), { offset: new Cesium.HeadingPitchRange(Cesium.Math.toRadians(20), Cesium.Math.toRadians(-38), radius * 1.9), duration: 0 });
  const source = await Cesium.GeoJsonDataSource.load('/city.geojson');
  for (const entity of source.entities.values) {
    const height = entity.properties.height.getValue();
    entity.polygon.extrudedHeight = height;
    entity.polygon.outline = false;
  }
  await viewer.dataSources.add(source);
  window.baseline = { viewer, count: source.entities.values.length };
})().catch((error) => { window.baselineError = String(error); });
</script></body></html>`;
}

function serveBaseline(geojsonPath: string, html: string): Promise<Server> {
  const cesium = join(root, 'node_modules', 'cesium', 'Build', 'Cesium');
  const types: Record<string, string> = { js: 'text/javascript', json: 'application/json', png: 'image/png', jpg: 'image/jpeg', xml: 'application/xml', css: 'text/css', wasm: 'application/wasm' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    const file = path === '/city.geojson' ? geojsonPath : path.startsWith('/cesium/') && !path.includes('..') ? join(cesium, path.slice('/cesium/'.length)) : null;
    try {
      if (!file) throw new Error('no');
      const size = statSync(file).size;
      res.writeHead(200, { 'content-type': types[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'content-length': size });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function measureGeoJson(browser: Browser, geojsonPath: string, extent: { west: number; south: number; east: number; north: number }, limitMs: number): Promise<ViewResult> {
  const server = await serveBaseline(geojsonPath, baselinePage(extent));
  const address = server.address() as { port: number };
  const origin = `http://127.0.0.1:${address.port}`;
  try {
    const { page, context } = await openGuardedPage(browser, origin, viewport);
    const cdp = await context.newCDPSession(page);
    const started = performance.now();
    await page.goto(origin + '/');
    let completeMs: number | null = null;
    try {
      await page.waitForFunction(
        () => {
          const w = window as unknown as { baselineError?: string; baseline?: { viewer: { dataSourceDisplay: { ready: boolean }; scene: { globe: { tilesLoaded: boolean }; requestRender(): void } } }; settled?: number };
          if (w.baselineError) throw new Error(w.baselineError);
          if (!w.baseline) return false;
          const { viewer } = w.baseline;
          w.settled = viewer.dataSourceDisplay.ready && viewer.scene.globe.tilesLoaded ? (w.settled ?? 0) + 1 : 0;
          return w.settled >= 3;
        },
        undefined,
        { timeout: limitMs, polling: 100 },
      );
      completeMs = performance.now() - started;
    } catch (error) {
      if (!String(error).includes('Timeout')) throw error;
    }
    const buildings = await page.evaluate(() => (window as unknown as { baseline?: { count: number } }).baseline?.count ?? 0);
    const result = { completeMs, jsHeapMB: await heapMB(cdp), buildings };
    await page.screenshot({ path: join(root, 'bench', 'output', `city-geojson-${Date.now() % 100000}.png`) }).catch(() => undefined);
    await context.close();
    return result;
  } finally {
    server.close();
  }
}

/**
 * Storey, then the baseline unless `withBaseline` is false (a city too big for GeoJsonDataSource to be worth the
 * wait), `rounds` times, alternating (Storey, baseline, Storey, baseline, …) so a change in the machine's load
 * falls on both sides; a fresh browser context each time. With `freshBrowser`, every measurement gets a browser of its
 * own (a new profile: no shader or code cache from an earlier page), so each side starts cold; otherwise one browser
 * serves all, and a later page finds the shaders and code an earlier one compiled.
 */
export async function measureBoth(projectPath: string, geojsonPath: string, extent: { west: number; south: number; east: number; north: number }, limitMs: number, withBaseline = true, rounds = 1, freshBrowser = false): Promise<Array<{ storey: ViewResult; geojson: ViewResult | null }>> {
  let shared: Browser | undefined;
  const withBrowser = async <T>(run: (browser: Browser) => Promise<T>): Promise<T> => {
    if (!freshBrowser) return run((shared ??= await launchChromium()));
    const browser = await launchChromium();
    try {
      return await run(browser);
    } finally {
      await browser.close();
    }
  };
  try {
    const results: Array<{ storey: ViewResult; geojson: ViewResult | null }> = [];
    for (let round = 0; round < rounds; round++) {
      const storey = await withBrowser((browser) => measureStorey(browser, projectPath, limitMs));
      const geojson = withBaseline ? await withBrowser((browser) => measureGeoJson(browser, geojsonPath, extent, limitMs)) : null;
      results.push({ storey, geojson });
    }
    return results;
  } finally {
    await shared?.close();
  }
}

export type { Page };
