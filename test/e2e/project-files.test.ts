/**
 * Project files as the analyst meets them in the browser: the start screen lists the folder's projects, a file that
 * is not a project explains itself and changes nothing, a project opens, and the next session reopens it where the
 * analyst left it (camera, style, table). File menu: save a copy, new project with a classification marking, a
 * dropped .storey file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const folder = join(dir, 'projects');
const stateFile = join(dir, 'state.json');
const staticRoot = join(root, 'dist', 'renderer');
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

type View = { cameraState(): { lonDegrees: number; latDegrees: number; heightMeters: number; headingDegrees: number }; restyle(attribute: string): Promise<void> };
const camera = (page: Page) => page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.cameraState());

/** The same port each run, as a bookmarked workstation would have it (the guarded page only talks to one origin). */
async function startHost(port = 0): Promise<void> {
  host = await startWebHost({ folder, staticRoot, stateFile, port });
}

async function sessionSavedAfter(page: Page, since: number): Promise<void> {
  await page.waitForFunction((t) => Number(document.body.dataset['sessionSaved'] ?? 0) > t, since, { timeout: 20_000 });
}

before(async () => {
  mkdirSync(folder, { recursive: true });
  createSampleProject(join(folder, 'sample.storey')).close();
  writeFileSync(join(folder, 'minutes.storey'), 'Minutes of the planning meeting\n');
  mkdirSync(outputDir, { recursive: true });
  await startHost();
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('start screen: the folder\'s projects; a file that is not a project says so and is left alone', async () => {
  const { page } = guarded;
  await page.goto(host.url);
  await page.waitForFunction(() => document.body.dataset['state'] === 'no-project');
  const chooser = page.locator('dialog.project-chooser');
  await chooser.waitFor();
  assert.deepEqual(await chooser.locator('#folder-projects [data-file]').evaluateAll((els) => els.map((e) => e.getAttribute('data-file'))), ['minutes.storey', 'sample.storey']);
  await page.screenshot({ path: join(outputDir, 'project-chooser.png') });
  const before = readFileSync(join(folder, 'minutes.storey'));
  await chooser.locator('[data-file="minutes.storey"]').click();
  const problem = page.locator('dialog.open-problem');
  await problem.waitFor();
  assert.match(await problem.locator('.problem-message').innerText(), /minutes\.storey is not a SQLite database/);
  assert.equal(await problem.locator('#open-read-only').count(), 0, 'read-only would not help a file that is not a project');
  await page.screenshot({ path: join(outputDir, 'project-problem.png') });
  await problem.locator('#open-problem-cancel').click();
  await chooser.waitFor();
  assert.deepEqual(readFileSync(join(folder, 'minutes.storey')), before);
});

test('a project opens from the chooser, and the next session reopens it where the analyst left it', async () => {
  const { page } = guarded;
  await page.locator('dialog.project-chooser [data-file="sample.storey"]').click();
  await waitForCity(page);
  assert.match(await page.locator('#project-title').innerText(), /Sample/i);
  // Zoom in with the wheel, style by year, open the table: then wait until the session is remembered.
  const start = await camera(page);
  const box = (await page.locator('#globe canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -400);
  await page.waitForTimeout(1500);
  const zoomed = await camera(page);
  assert.ok(zoomed.heightMeters < start.heightMeters * 0.9, `the wheel zoomed in (${start.heightMeters} → ${zoomed.heightMeters})`);
  await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.restyle('yearBuilt'));
  await page.locator('.panel details.tool > summary', { hasText: 'Filter' }).click();
  await page.locator('#show-table').click();
  const t = Date.now();
  await sessionSavedAfter(page, t);
  // Let the zoom's inertia settle, then give the workstation one save interval (2 s) to remember the last state.
  let left = await camera(page);
  for (;;) {
    await page.waitForTimeout(1000);
    const now = await camera(page);
    if (JSON.stringify(now) === JSON.stringify(left)) break;
    left = now;
  }
  await page.waitForTimeout(3000);

  // A new run of the host: it reopens the last project, and the page restores the session.
  const port = host.port;
  await host.close();
  await startHost(port);
  await page.goto(host.url);
  await waitForCity(page);
  const restored = await camera(page);
  assert.ok(Math.abs(restored.heightMeters - left.heightMeters) < Math.max(5, left.heightMeters * 0.02), `height ${left.heightMeters} → ${restored.heightMeters}`);
  assert.ok(Math.abs(restored.lonDegrees - left.lonDegrees) < 1e-4 && Math.abs(restored.latDegrees - left.latDegrees) < 1e-4);
  assert.match(await page.locator('#legend h4').innerText(), /year/i, 'the style came back');
  assert.equal(await page.locator('#table').isHidden(), false, 'the table is open again');
  assert.equal(await page.locator('#show-table').isVisible(), true, 'the Filter section is open again');
  await page.screenshot({ path: join(outputDir, 'session-restored.png') });
});

test('File menu: save a copy into the folder, then a new project with a marking', async () => {
  const { page } = guarded;
  await page.locator('#file-menu-button').click();
  const menu = page.locator('#file-menu');
  await menu.waitFor();
  assert.deepEqual(
    (await menu.locator('button[role="menuitem"] .menu-label').allInnerTexts()).slice(0, 2),
    ['New project…', 'Open…'],
  );
  await page.screenshot({ path: join(outputDir, 'file-menu.png') });
  await menu.locator('#menu-save-copy').click();
  await page.locator('dialog.save-copy').waitFor();
  await page.fill('#copy-name', 'sample backup.storey');
  await page.click('#copy-submit');
  await page.locator('#hint', { hasText: 'Saved a copy as sample backup.storey' }).waitFor();
  const copy = ProjectFile.open(join(folder, 'sample backup.storey'), { readOnly: true });
  assert.ok((copy.db.prepare('SELECT count(*) FROM buildings').pluck().get() as number) > 300);
  copy.close();

  await page.keyboard.press('Control+Alt+N');
  const form = page.locator('dialog.project-form');
  await form.waitFor();
  await page.fill('#project-name', 'Harbour study');
  await page.fill('#project-marking', 'RESTRICTED');
  await page.click('#aoi-from-view');
  assert.ok(Number(await page.inputValue('#aoi-west')) < Number(await page.inputValue('#aoi-east')), 'the current view gave an area');
  await page.screenshot({ path: join(outputDir, 'new-project.png') });
  await page.click('#project-form-submit');
  await page.waitForFunction(() => document.getElementById('project-title')?.textContent === 'Harbour study', undefined, { timeout: 60_000 });
  assert.equal(await page.locator('#marking-badge').innerText(), 'RESTRICTED');
  assert.ok(existsSync(join(folder, 'Harbour study.storey')));
  const created = ProjectFile.open(join(folder, 'Harbour study.storey'), { readOnly: true });
  assert.equal(created.getMeta('marking'), 'RESTRICTED');
  assert.ok(JSON.parse(created.getMeta('area_of_interest')!).westDegrees > 10);
  created.close();
});

test('a .storey file of the folder dropped on the window opens; one from elsewhere is explained', async () => {
  const { page } = guarded;
  const drop = (name: string) =>
    page.evaluate((fileName) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], fileName));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, name);
  await drop('elsewhere.storey');
  await page.locator('#error', { hasText: 'not in the project folder' }).waitFor();
  await drop('sample backup.storey');
  await page.waitForFunction(() => document.getElementById('project-title')?.textContent?.match(/sample/i), undefined, { timeout: 60_000 });
  await waitForCity(page);
  assert.equal(await page.locator('#marking-badge').isHidden(), true);
});
