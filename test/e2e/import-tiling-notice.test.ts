/**
 * The import dialog when tiling after an import fails: it says plainly that the import stands, that the city is drawn
 * from the registry, and how to tile again (`storey tile`). Real import (Delft CityJSON) through the web host; the
 * project refuses new tiles (a trigger standing in for a full disk), so the tiling step fails for real.
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
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const projectPath = join(dir, 'delft.storey');
const delft = sharedData('nl-delft-cityjson', 'delft-3dbgt.city.json');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

before(async () => {
  mkdirSync(outputDir, { recursive: true });
  const project = ProjectFile.create(projectPath, { name: 'Delft' });
  project.db.exec(`CREATE TRIGGER no_room BEFORE INSERT ON storey_tiles BEGIN SELECT RAISE(ABORT, 'no room left for tiles'); END`);
  project.close();
  host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json') });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('tiling fails after a UI import: the dialog says the import stands and how to tile again', { timeout: 180_000 }, async () => {
  const { page } = guarded;
  await page.goto(host.url);
  await page.waitForFunction(() => document.body.dataset['state'] === 'ready', undefined, { timeout: 120_000 });
  await page.keyboard.press('Control+i');
  const dialog = page.locator('dialog.import-dialog');
  await dialog.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#import-profile option').length > 0);
  await page.selectOption('#import-profile', 'cityjson');
  await page.fill('#import-inputs', delft);
  await dialog.locator('button.primary').click();
  await dialog.locator('.import-report').waitFor({ timeout: 120_000 });
  const notice = dialog.locator('.import-tiling-failed');
  await notice.waitFor();
  const text = await notice.innerText();
  assert.match(text, /The import stands, but the buildings were not tiled for the city view/);
  assert.match(text, /Tiling failed: no room left for tiles/);
  assert.match(text, /drawn from the registry/);
  await page.waitForFunction(() => /storey tile delft\.storey/.test(document.querySelector('.import-tiling-failed code')?.textContent ?? ''));
  assert.match(await dialog.locator('.import-report').innerText(), /Imported with/);
  await dialog.screenshot({ path: join(outputDir, 'import-tiling-failed.png') });
});
