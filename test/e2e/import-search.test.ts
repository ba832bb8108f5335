/**
 * In Chromium against the web host: File ▸ Import brings the Danish registry into an empty project with progress
 * and a report, then the search box finds "Ridehusgade 49", flies there and the panel lists the registry's floors.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, type GuardedPage } from '../support/chromium.js';
import { readSimpleCsv, sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const projectPath = join(tempDir(), 'odense.storey');
const dk = sharedData('dk-odense');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

before(async () => {
  ProjectFile.create(projectPath, { name: 'Odense registry' }).close();
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer') });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
  mkdirSync(outputDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('import the Danish registry from the UI, with progress and a report', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  await page.goto(host.url);
  await page.waitForFunction(() => document.body.dataset['state'] === 'ready', undefined, { timeout: 120_000 });
  await page.keyboard.press('Control+i');
  const dialog = page.locator('dialog.import-dialog');
  await dialog.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#import-profile option').length > 0);
  await page.selectOption('#import-profile', 'dk-bbr');
  await page.fill('#import-inputs', dk);
  await dialog.locator('button.primary').click();
  await dialog.locator('.import-report').waitFor({ timeout: 120_000 });
  const reportText = await dialog.locator('.import-report').innerText();
  assert.match(reportText, /buildings\s+3,172\s+0/);
  assert.match(reportText, /units\s+3,005\s+0/);
  await page.screenshot({ path: join(outputDir, 'import-report.png') });
  await dialog.locator('button', { hasText: 'Close' }).click();
  await page.waitForFunction(() => /3,172 buildings/.test(document.getElementById('status')!.textContent ?? ''));
  // The import worker tiled the buildings after the import: the city is drawn from that tileset.
  await page.waitForFunction(() => (window as unknown as { storeyView: { buildingsSource(): { kind: string } } }).storeyView.buildingsSource().kind === 'tileset');
});

test('search finds Ridehusgade 49 and selecting it opens the building with its registry floors', { timeout: 120_000 }, async () => {
  const { page } = guarded;
  await page.keyboard.press('/');
  await page.keyboard.type('ridehusgade 49 2 th');
  const option = page.locator('#search-results li[data-address-id]').first();
  await option.waitFor();
  assert.equal(await option.innerText(), 'Ridehusgade 49, 2. th, 5000 Odense C');
  await page.keyboard.press('Enter');
  const panel = page.locator('.building');
  await panel.waitFor();
  const buildingId = await panel.getAttribute('data-building-id');
  const registryFloors = readSimpleCsv(join(dk, 'derived', 'bbr_etage_current.csv'))
    .filter((e) => e.bygning!.toLowerCase() === buildingId!.toLowerCase())
    .map((e) => e.eta006BygningensEtagebetegnelse!);
  const shownFloors = await panel.locator('.storey .storey-label').allInnerTexts();
  assert.deepEqual([...shownFloors].sort(), [...registryFloors].sort());
  await page.waitForTimeout(1200); // the camera flight
  await page.evaluate(() => (window as unknown as { storeyView: { requestRender(): void } }).storeyView.requestRender());
  await page.screenshot({ path: join(outputDir, 'search-ridehusgade.png') });
  assert.deepEqual(guarded.external, []);
});

test('a search with no match says so', async () => {
  const { page } = guarded;
  await page.fill('#search', 'Nowhere Street 999');
  await page.locator('#search-results li.empty').waitFor();
  assert.match(await page.locator('#search-results').innerText(), /No address matches/);
});
