/**
 * End to end in Debian's Chromium against the web host: the sample city renders (checked in the pixels), clicking a
 * building selects it and opens its panel, Escape clears it, nothing leaves the machine and the token is required.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { ensureSampleProject, findPackageRoot } from '../../core/paths.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { useCategoryColors } from '../../renderer/palette.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dataDir = tempDir();
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

type View = {
  buildingIds(): Array<{ id: string; heightMeters: number }>;
  screenPositionOf(id: string): { x: number; y: number } | null;
  requestRender(): void;
  globeState(): { frames: number };
};

/** Normalised colour (chromaticity): lighting scales a face's colour, it does not change its hue. */
function chroma([r, g, b]: number[]): [number, number, number] {
  const sum = r! + g! + b! || 1;
  return [r! / sum, g! / sum, b! / sum];
}
function hexRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}
function sameHue(pixel: number[], hex: string, tolerance = 0.025): boolean {
  const a = chroma(pixel);
  const b = chroma(hexRgb(hex));
  return Math.abs(a[0] - b[0]) < tolerance && Math.abs(a[1] - b[1]) < tolerance && Math.abs(a[2] - b[2]) < tolerance && pixel[0]! + pixel[1]! + pixel[2]! > 120;
}

async function frame(page: Page): Promise<PNG> {
  // Render on demand: ask for a frame and wait until one has been drawn before reading the pixels.
  const framesBefore = await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.globeState().frames);
  await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.requestRender());
  await page.waitForFunction((n) => (window as unknown as { storeyView: View }).storeyView.globeState().frames > n, framesBefore);
  const box = (await page.locator('#globe').boundingBox())!;
  return PNG.sync.read(await page.screenshot({ clip: box }));
}

function pixelAt(png: PNG, x: number, y: number): number[] {
  const i = (png.width * Math.round(y) + Math.round(x)) << 2;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

/** The selection colour (#ffcc00) saturates under lighting, so it is matched as 'strong yellow', not by exact hue. */
function isHighlight([r, g, b]: number[]): boolean {
  return r! > 170 && g! > 140 && b! < 90;
}

/** Highlighted pixels within a small square around (x, y). */
function highlightCountAround(png: PNG, x: number, y: number, radius = 3): number {
  let n = 0;
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (isHighlight(pixelAt(png, x + dx, y + dy))) n++;
  return n;
}

before(async () => {
  const projectPath = ensureSampleProject(dataDir);
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), readOnly: true });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
  await guarded.page.addInitScript(() => {
    (window as unknown as { cspViolations: string[] }).cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  mkdirSync(outputDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('the sample city renders its buildings in the canvas, offline', { timeout: 240_000 }, async () => {
  const { page } = guarded;
  await page.goto(host.url);
  await waitForCity(page);
  const png = await frame(page);
  writeFileSync(join(outputDir, 'city.png'), PNG.sync.write(png));
  const counts = new Map<string, number>();
  for (let y = 0; y < png.height; y += 2) {
    for (let x = 0; x < png.width; x += 2) {
      const pixel = pixelAt(png, x, y);
      for (const [category, hex] of Object.entries(useCategoryColors)) {
        if (sameHue(pixel, hex, 0.015)) counts.set(category, (counts.get(category) ?? 0) + 1);
      }
    }
  }
  const sampled = (png.width * png.height) / 4;
  const housingShare = (counts.get('housing') ?? 0) / sampled;
  assert.ok(housingShare > 0.02, `housing-coloured pixels are ${(housingShare * 100).toFixed(2)} % of the view: ${JSON.stringify([...counts])}`);
  const visibleCategories = [...counts].filter(([, n]) => n > 40).map(([c]) => c);
  assert.ok(visibleCategories.length >= 3, `categories seen: ${visibleCategories.join(', ')}`);
  assert.equal(await page.locator('#project-badge').isVisible(), true, 'the synthetic-data badge is shown');
});

test('clicking a building highlights it and opens its registry panel; Escape clears it', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  const target = await page.evaluate(() => {
    const view = (window as unknown as { storeyView: View }).storeyView;
    const tallest = view.buildingIds().sort((a, b) => b.heightMeters - a.heightMeters)[0]!;
    return { id: tallest.id, position: view.screenPositionOf(tallest.id) };
  });
  assert.ok(target.position, 'the tallest building is on screen');
  const box = (await page.locator('#globe').boundingBox())!;
  const local = { x: target.position.x - box.x, y: target.position.y - box.y };
  const beforeClick = await frame(page);
  assert.equal(highlightCountAround(beforeClick, local.x, local.y), 0, 'nothing is highlighted yet');

  await page.mouse.click(target.position.x, target.position.y);
  const panel = page.locator(`.building[data-building-id="${target.id}"]`);
  await panel.waitFor();
  assert.equal(await panel.locator('tr[data-key="registryId"] td').innerText(), target.id);
  const storeys = await panel.locator('.storey').count();
  assert.ok(storeys >= 9, `the tallest building lists ${storeys} storeys`);

  const selectedFrame = await frame(page);
  writeFileSync(join(outputDir, 'selected.png'), PNG.sync.write(selectedFrame));
  assert.ok(highlightCountAround(selectedFrame, local.x, local.y) > 20, `pixel there: ${pixelAt(selectedFrame, local.x, local.y)}`);

  await panel.locator('.storey').nth(storeys - 2).click();
  await page.locator('.units-list tbody tr').first().waitFor();
  assert.ok((await page.locator('.units-list tbody tr').count()) > 0);

  await page.keyboard.press('Escape');
  await page.locator('.overview').waitFor();
  const cleared = await frame(page);
  assert.equal(highlightCountAround(cleared, local.x, local.y), 0, 'the highlight is gone after Escape');
});

test('nothing left the machine, and the page broke no CSP rule', async () => {
  const { page, external, errors } = guarded;
  assert.ok(guarded.requestCount() > 20, `only ${guarded.requestCount()} requests were seen; is routing on?`);
  assert.deepEqual(external, [], 'requests to hosts other than the web host');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), []);
  assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
});

test('without the session token the page is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${host.origin}/`);
  assert.equal(response?.status(), 401);
  assert.match(await page.locator('body').innerText(), /needs its token/);
  const api = await page.evaluate(async () => (await fetch('/api/getProjectInfo', { method: 'POST', body: '{}' })).status);
  assert.equal(api, 401);
  await context.close();
});
