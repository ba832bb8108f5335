/**
 * Sync from the workstation, in Chromium against the web host, with a sync server over loopback TLS on the Danish
 * data: File ▸ New project from server… asks the server what it offers, takes a typed area, shows the progress of the
 * first sync and opens the new project, whose city shows the synced buildings; after a change on the server, F9
 * (Sync now) with the token kept for the session brings it and the summary says what changed; a note changed on both
 * sides is kept twice and both versions are marked in the notes list. The host paces the sync (syncPaceMs) so the
 * progress can be seen. Screenshots in test-output/e2e.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { saveNote } from '../../core/api/views-notes.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { createProjectFromServer, syncProject } from '../../core/sync/sync-client.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { captureGeneration } from '../../server/capture.js';
import { startSyncServer, type SyncServer } from '../../server/serve.js';
import { createToken } from '../../server/tokens.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';
import { makeCertificates, type Certificates } from '../sync/sync-support.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir('storey-sync-ui-');
const folder = join(dir, 'projects');
const masterPath = join(dir, 'master.storey');
/** A few streets of Odense: a small scene for software WebGL. */
const area = { west: 10.33, south: 55.39, east: 10.35, north: 55.41 };

let certs: Certificates;
let master: ProjectFile;
let server: SyncServer;
let serverUrl: string;
let token: string;
let buildingsInArea: string[];
/** The master's imagery layer: 5 tiles, zoom 0 (1) and 1 (4); the dialog takes its zoom 0 only. */
let imagery: string;
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;
let page: Page;

type View = { buildingIds(): Array<{ id: string }> };

before(async () => {
  certs = makeCertificates(dir);
  master = ProjectFile.create(masterPath, { name: 'Master' });
  await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  await importTiles(master, sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'));
  imagery = master.db.prepare(`SELECT id FROM storey_layers WHERE kind = 'imagery'`).pluck().get() as string;
  captureGeneration(master);
  token = createToken(master, { name: 'analyst e2e' }).token;
  buildingsInArea = master.db.prepare(`SELECT b.registry_id FROM buildings b JOIN rtree_buildings_footprint r ON r.id = b.fid
    WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ? ORDER BY b.registry_id`).pluck().all(area.west, area.east, area.south, area.north) as string[];
  assert.ok(buildingsInArea.length > 20 && buildingsInArea.length < 2000, `${buildingsInArea.length} buildings in the area`);
  server = await startSyncServer({ dataPath: masterPath, cert: certs.serverCert, key: certs.serverKey });
  serverUrl = `https://127.0.0.1:${server.port}`;

  mkdirSync(folder);
  createSampleProject(join(folder, 'sample.storey')).close();
  mkdirSync(outputDir, { recursive: true });
  process.env['STOREY_HOME'] = join(dir, 'home');
  host = await startWebHost({ folder, projectPath: join(folder, 'sample.storey'), staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json'), syncPaceMs: 250 });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin, { width: 1200, height: 860 });
  page = guarded.page;
  await page.goto(host.url);
  await waitForCity(page);
});

after(async () => {
  await browser?.close();
  await host?.close();
  await server?.close();
  master?.close();
});

/**
 * A screenshot for people to look at, not an assertion: one that cannot be taken in time (software WebGL on a busy
 * machine, or the page reloading onto a synced generation under it) is reported and skipped.
 */
async function shoot(name: string, timeout = 90_000): Promise<void> {
  try {
    await page.screenshot({ path: join(outputDir, `sync-${name}.png`), timeout });
  } catch (error) {
    console.warn(`screenshot ${name} skipped: ${(error as Error).message.split('\n')[0]}`);
  }
}

test('New project from server: the offer with its layers and zooms, a typed area, progress, and the new project holds the choice; its city shows the synced buildings', async () => {
  await page.locator('#file-menu-button').click();
  await page.locator('#menu-new-from-server').click();
  const dialog = page.locator('dialog.sync-new');
  await dialog.waitFor();
  // The browser workstation says where the token is kept.
  assert.match(await page.locator('#sync-token-note').innerText(), /only in the Storey host.s memory/);
  await page.locator('#sync-server').fill(serverUrl);
  await page.locator('#sync-ca').fill(certs.caPath);
  await page.locator('#sync-token').fill(token);
  await page.locator('#sync-check').click();
  await page.locator('#sync-offer').waitFor();
  const offer = await page.locator('#sync-offer').innerText();
  assert.match(offer, /Token “analyst e2e”: generation 1/);
  assert.match(offer, /no area limit/);
  // The server's layers to choose from: the imagery with its five tiles over zooms 0 to 1; taking zoom 0 only.
  assert.equal(await page.locator(`#sync-layer-tiles-${imagery}`).innerText(), '5');
  assert.equal(await page.locator(`#sync-maxzoom-${imagery}`).inputValue(), '1');
  await page.locator(`#sync-maxzoom-${imagery}`).fill('0');
  assert.equal(await page.locator(`#sync-layer-tiles-${imagery}`).innerText(), '1');
  assert.match(await page.locator('#sync-choice-total').innerText(), /and 1 tile \(about/);
  await page.locator('#sync-west').fill(String(area.west));
  await page.locator('#sync-south').fill(String(area.south));
  await page.locator('#sync-east').fill(String(area.east));
  await page.locator('#sync-north').fill(String(area.north));
  await page.locator('#sync-name').fill('Odense blocks');
  await page.locator('#sync-file').fill('odense-blocks');
  await shoot('new-from-server');
  await page.locator('#sync-start').click();
  await page.locator('#sync-progress').waitFor();
  // Read in the same poll that sees the phase: the page reloads onto the new project as soon as the sync ends.
  const numbers = await (await page.waitForFunction(() => {
    const phase = document.querySelector('#sync-progress')?.getAttribute('data-phase') ?? '';
    return ['manifest', 'changes', 'apply', 'items'].includes(phase) && document.querySelector('#sync-progress-numbers')?.textContent;
  }, undefined, { timeout: 60_000, polling: 50 })).jsonValue() as string;
  assert.match(numbers, /received at .+\/s/);
  await shoot('new-from-server-progress', 5_000);

  // Done: the host opened the new project and the page reloaded onto it, with the summary.
  await page.locator('#sync-summary').waitFor({ timeout: 120_000 });
  const summary = await page.locator('#sync-summary').innerText();
  assert.match(summary, /generation 0 → 1/);
  assert.match(summary, /\d+ buildings tiled for the city view \(\d+ tiles?\)/, 'a new project tiles every building');
  assert.match(summary, /The token is kept for the next sync/);
  await waitForCity(page);
  await shoot('new-from-server-summary');
  await page.locator('#sync-close').click();
  assert.equal(host.project.fileName, 'odense-blocks.storey');
  assert.equal(await page.locator('#project-title').innerText(), 'Odense blocks');
  const shown = await page.evaluate(() => (window as unknown as { storeyView: View }).storeyView.buildingIds().map((b) => b.id).sort());
  assert.deepEqual(shown, buildingsInArea, 'the city shows exactly the buildings of the area');
  const tiles = host.project.db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ?`).pluck().all(imagery);
  assert.deepEqual(tiles, ['0/0/0'], 'the imagery at zoom 0 only, as chosen');
  await shoot('new-project-city');
});

test('a change on the server arrives with Sync now (F9): the summary shows what changed, and a note changed on both sides is shown twice', async () => {
  const [first, second] = buildingsInArea as [string, string];
  const unit = master.db.prepare(`SELECT registry_id FROM units WHERE building_id = ? LIMIT 1`).pluck().get(first) as string | undefined;
  // A note pushed by this workstation, then changed by a colleague and here before the next sync.
  const note = await host.workspace.api.saveNote({ text: 'Gate code changed', buildingId: first, lonDegrees: 10.387, latDegrees: 55.396, heightMeters: 0 });
  await syncProject(host.project, { token });
  const colleague = (await createProjectFromServer(join(dir, 'colleague.storey'), { name: 'c', server: serverUrl, caPath: certs.caPath, area }, { token })).project;
  try {
    saveNote(colleague, { ...note, text: 'Gate code changed again (colleague)' });
    await syncProject(colleague, { token });
  } finally {
    colleague.close();
  }
  await host.workspace.api.saveNote({ ...note, text: 'Gate code changed here' });
  // Then the server changes: two buildings renamed, a unit gone.
  master.transaction(() => {
    master.db.prepare(`UPDATE buildings SET name = 'Renamed on the server' WHERE registry_id IN (?, ?)`).run(first, second);
    if (unit) master.db.prepare(`DELETE FROM units WHERE registry_id = ?`).run(unit);
  });
  assert.equal(captureGeneration(master).generation, 2);

  await page.keyboard.press('F9');
  await page.locator('#sync-summary').waitFor({ timeout: 120_000 });
  assert.equal(host.project.db.prepare(`SELECT count(*) FROM storey_tiles WHERE layer_id = ?`).pluck().get(imagery), 1, 'Sync now keeps the choice');
  await waitForCity(page);
  const summary = await page.locator('#sync-summary').innerText();
  assert.match(summary, /generation 1 → 2/);
  // Renamed buildings change no tile (names are not drawn): every tile is carried over, none built again.
  assert.match(summary, /buildings tiled for the city view; tiles built again: 0, unchanged: [1-9]\d*\./);
  const records = await page.locator('.sync-table tbody tr').first().innerText();
  assert.deepEqual(records.split(/\s+/), ['Records', '2', unit ? '1' : '0']);
  assert.match(summary, /1 received/);
  assert.match(await page.locator('#sync-summary-conflicts').innerText(), /both versions are kept/);
  await shoot('sync-now-summary');
  await page.locator('#sync-close').click();

  // Both versions in the notes list, each marked.
  const marked = await page.locator('#note-list li').evaluateAll((items) => items.map((li) => [li.querySelector('.conflict-badge')?.getAttribute('data-conflict') ?? null, li.querySelector('button.link')?.textContent ?? '']));
  assert.deepEqual(marked.filter(([badge]) => badge).sort(), [['local', 'Gate code changed here'], ['server', 'Gate code changed again (colleague)']]);
  await page.locator('#note-list').scrollIntoViewIfNeeded();
  await shoot('notes-conflict');
  assert.deepEqual(guarded.external, [], 'nothing left the machine');
});

test('Sync now asks for the token when none is kept; one the server refuses is said so in the dialog, and the right one syncs', async () => {
  const forgot = await fetch(`${host.origin}/api/forgetSyncToken`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}` }, body: '{}' });
  assert.deepEqual(await forgot.json(), { ok: true, value: { forgotten: true } });
  await page.keyboard.press('F9');
  await page.locator('dialog.sync-now #sync-token').waitFor();
  await page.locator('#sync-token').fill('sty_not-the-right-token');
  await page.locator('#sync-start').click();
  await page.waitForFunction(() => /refused/.test(document.querySelector('dialog.sync-now .form-message')?.textContent ?? ''), undefined, { timeout: 60_000 });
  assert.match(await page.locator('dialog.sync-now .form-message').innerText(), /401 TOKEN_INVALID/);
  await shoot('sync-now-token-refused');
  await page.locator('#sync-token').fill(token);
  await page.locator('#sync-keep-token').uncheck();
  await page.locator('#sync-start').click();
  // Nothing new on the server: the summary is shown in place, no reload.
  await page.locator('dialog.sync-now #sync-summary').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#sync-summary-headline').innerText(), /Already at the server’s generation 2/);
  assert.doesNotMatch(await page.locator('#sync-summary').innerText(), /token is kept/);
  await page.locator('#sync-close').click();
});
