/**
 * PDF briefings of the Danish BBR extract, checked the way a reader would: poppler's pdftotext, pdfimages, pdffonts
 * and pdfinfo read what was written. One briefing with maps (headless Chromium), the rest composition only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { PNG } from 'pngjs';
import { BriefingSpec } from '../../common/briefing.js';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { composeBriefing } from '../../core/brief/compose.js';
import { mapLayout, mapPixelSize } from '../../core/brief/paper.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { briefingFromFile } from '../../main/brief-render/make-briefing.js';
import { startWebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const path = join(dir, 'odense.storey');
const outputDir = join(root, 'test-output', 'briefing');

/** Lærkeparken 74: 5 storeys, 100 units; Østre Stationsvej 41C: an L-shaped block of 6 storeys. */
const LAERKEPARKEN = '09210067-82b9-4c4e-86f5-bddb6985ba4f';
const OESTRE = '63be47a1-636f-44de-b41b-1afd88f65d82';
const TOP_DOWN_HEIGHT = 700;
/** Where the analyst's own view is while the briefing is made (not one of the saved views). */
const ANALYST_HEIGHT = 1500;
const title = 'Odense: Lærkeparken og Østre Stationsvej (ĳ ß ü)';
const marking = 'RESTRICTED · TEST';

let pdfPath = '';
let pageCount = 0;
let pages: string[] = [];

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(async () => {
  const project = ProjectFile.create(path, { name: 'Odense (test)' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  const api = new ProjectApi(project);
  await api.saveView({
    name: 'Lærkeparken from the south',
    state: {
      camera: { lonDegrees: 10.4306, latDegrees: 55.4005, heightMeters: 350, headingDegrees: 20, pitchDegrees: -40, rollDegrees: 0 },
      style: null,
      filter: [],
      selection: { buildingId: LAERKEPARKEN, floorId: null },
    },
  });
  await api.saveView({
    name: 'Odense C by year',
    state: {
      camera: { lonDegrees: 10.381, latDegrees: 55.3998, heightMeters: TOP_DOWN_HEIGHT, headingDegrees: 0, pitchDegrees: -90, rollDegrees: 0 },
      style: { level: 'buildings', attribute: 'yearBuilt', method: 'quantile', classes: 5, ramp: 'yellow-blue' },
      filter: [],
      selection: null,
    },
  });
  project.close();

  // The whole path a person takes: the workstation in Chromium, a saved state with a filter and a selected building,
  // File ▸ Export briefing (Ctrl+P), the web host rendering the maps with its own headless Chromium, the PDF back.
  const host = await startWebHost({ projectPath: path, staticRoot: join(root, 'dist', 'renderer'), readOnly: true, stateFile: join(dir, 'state.json') });
  const browser = await launchChromium();
  try {
    const { page, external, errors } = await openGuardedPage(browser, host.origin);
    await page.goto(host.url);
    // The dialog needs the UI, not the globe's tiles: waiting for those would only slow the test down.
    await page.waitForFunction(() => document.body.dataset['state'] === 'ready' || document.body.dataset['state'] === 'error', undefined, { timeout: 180_000 });
    assert.equal(await page.evaluate(() => document.body.dataset['state']), 'ready', errors.join('; '));
    await page.evaluate((state) => (window as unknown as { storeyView: { applyView(s: unknown): Promise<void> } }).storeyView.applyView(state), {
      camera: { lonDegrees: 10.41, latDegrees: 55.39, heightMeters: ANALYST_HEIGHT, headingDegrees: 0, pitchDegrees: -60, rollDegrees: 0 },
      style: null,
      filter: [{ attribute: 'floorCount', operator: '>=', value: 4 }],
      selection: { buildingId: LAERKEPARKEN, floorId: null },
    });
    await page.keyboard.press('Control+p');
    await page.locator('#briefing-views input').nth(1).waitFor();
    await page.fill('#briefing-title-input', title);
    await page.fill('#briefing-author', 'Test Analyst');
    await page.fill('#briefing-marking', marking);
    for (const name of ['Lærkeparken from the south', 'Odense C by year']) await page.locator(`#briefing-views input[data-view-name="${name}"]`).check();
    assert.ok(await page.locator('#briefing-building').isChecked(), 'the selected building is offered, checked');
    await page.fill('#briefing-more-buildings', OESTRE);
    assert.ok(await page.locator('#briefing-table').isChecked(), 'the table of the current filter is offered, checked');
    mkdirSync(outputDir, { recursive: true });
    await page.click('#briefing-start');
    await page.locator('#briefing-progress').waitFor();
    await page.waitForFunction(() => document.body.dataset['briefing'] || document.querySelector('.briefing-dialog .import-status p'), undefined, { timeout: 600_000, polling: 1000 });
    await page.screenshot({ path: join(dir, 'dialog.png') });
    const done = await page.evaluate(() => document.body.dataset['briefing'] ?? '');
    assert.ok(done, `the dialog says: ${await page.locator('.briefing-dialog .import-status').innerText()} ${errors.join('; ')}`);
    pageCount = Number(done.split(':')[0]);
    const base64 = await page.evaluate(async () => {
      const blob = await (await fetch((document.getElementById('briefing-download') as HTMLAnchorElement).href)).blob();
      return await new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result).split(',')[1]!);
        reader.readAsDataURL(blob);
      });
    });
    // The dialog opens the PDF in Chromium's own viewer, which loads chrome:// resources: only network requests count.
    assert.deepEqual(external.filter((url) => /^(https?|wss?):/.test(url)), [], 'nothing left the machine');
    // The print page's views must not become where the analyst's workstation reopens.
    const session = await page.evaluate(async () => (await (await fetch('api/getSessionState', { method: 'POST', body: '{}' })).json()) as { value: { state: { view: { camera: { heightMeters: number } } } | null } });
    assert.ok(Math.abs(session.value.state!.view.camera.heightMeters - ANALYST_HEIGHT) < 5, `session camera at ${session.value.state?.view.camera.heightMeters} m`);
    pdfPath = join(dir, 'briefing.pdf');
    writeFileSync(pdfPath, Buffer.from(base64, 'base64'));
  } finally {
    await browser.close();
    await host.close();
  }
  pages = run('pdftotext', ['-layout', pdfPath, '-']).split('\f').slice(0, -1);
  // The sample kept for people to look at: every page as a PNG.
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, 'briefing.pdf'), readFileSync(pdfPath));
  writeFileSync(join(outputDir, 'dialog.png'), readFileSync(join(dir, 'dialog.png')));
  run('pdftoppm', ['-r', '60', '-png', pdfPath, join(outputDir, 'page')]);
});

test('the page count is what pdfinfo reads, and every page says "n / N"', () => {
  assert.equal(Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [pdfPath]))![1]), pageCount);
  assert.equal(pages.length, pageCount);
  // cover, 2 maps, at least 3 pages per building (attributes and unit table), summary, provenance
  assert.ok(pageCount >= 1 + 2 + 4 + 1 + 1, `only ${pageCount} pages`);
  pages.forEach((text, i) => assert.match(text, new RegExp(`\\b${i + 1} / ${pageCount}\\b`), `page ${i + 1} has no page number`));
  assert.equal(readdirSync(outputDir).filter((f) => f.startsWith('page')).length, pageCount);
});

test('the title is on the cover and the marking in the header and footer of every page', () => {
  assert.ok(pages[0]!.includes(title), 'title on the cover (with æ, ø, ĳ, ß, ü intact)');
  assert.ok(pages[0]!.includes('Test Analyst'));
  assert.ok(pages[0]!.includes('Odense (test)'));
  pages.forEach((text, i) => {
    const lines = text.split('\n').filter((l) => l.trim());
    assert.ok(lines[0]!.includes(marking), `page ${i + 1} header: ${lines[0]}`);
    assert.ok(lines.at(-1)!.includes(marking), `page ${i + 1} footer: ${lines.at(-1)}`);
  });
});

test('every floor and every unit of the chosen building has its row, and the table header repeats over pages', () => {
  const db = ProjectFile.open(path, { readOnly: true });
  try {
    const address = db.db.prepare(`SELECT address FROM buildings WHERE registry_id = ?`).pluck().get(LAERKEPARKEN) as string;
    const floors = db.db.prepare(`SELECT registry_id, label FROM floors WHERE building_id = ?`).all(LAERKEPARKEN) as Array<{ registry_id: string; label: string }>;
    const units = db.db
      .prepare(`SELECT f.label, a.full_text AS address FROM units u JOIN floors f ON f.registry_id = u.floor_id LEFT JOIN addresses a ON a.registry_id = u.address_id WHERE u.building_id = ?`)
      .all(LAERKEPARKEN) as Array<{ label: string; address: string | null }>;
    assert.equal(units.length, 100);
    const buildingPages = pages.filter((p) => p.includes(`Floors and units of ${address}`));
    assert.ok(buildingPages.length >= 2, 'the unit table runs over more than one page');
    assert.ok(buildingPages.slice(1).every((p) => p.includes('(continued)') && /Floor\s+Unit address\s+Use\s+Area\s+Rooms/.test(p)), 'continued pages repeat the header');
    const text = buildingPages.join('\n');
    for (const floor of floors) assert.match(text, new RegExp(`Floor ${floor.label} · level`), `floor ${floor.label}`);
    const rows = text.split('\n').map((l) => l.trim());
    const expected = new Map<string, number>();
    for (const u of units) expected.set(`${u.label} ${u.address}`, (expected.get(`${u.label} ${u.address}`) ?? 0) + 1);
    for (const [key, n] of expected) {
      const [label, ...rest] = key.split(' ');
      const found = rows.filter((r) => r.startsWith(label + ' ') && r.slice(label!.length).trim().startsWith(rest.join(' '))).length;
      assert.equal(found, n, `unit rows for "${key}"`);
    }
    assert.ok(pages.some((p) => p.includes('Lærkeparken 74, 1. th, 5240 Odense NØ')), 'building address');
    assert.ok(pages.some((p) => p.includes('Østre Stationsvej 41C, st., 5000 Odense C')), 'second building address');
  } finally {
    db.close();
  }
});

test('map images are embedded at print size, not blank, and the scale is right at the centre', () => {
  const size = mapPixelSize('a4', 'landscape');
  const list = run('pdfimages', ['-list', pdfPath]).split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/));
  assert.equal(list.length, 2);
  for (const row of list) {
    assert.equal(Number(row[3]), size.widthPx);
    assert.equal(Number(row[4]), size.heightPx);
    assert.ok(Number(row[12]) >= 200 && Number(row[13]) >= 200, `${row[12]} × ${row[13]} ppi`);
  }
  const imageDir = join(dir, 'images');
  mkdirSync(imageDir);
  run('pdfimages', ['-png', pdfPath, join(imageDir, 'map')]);
  const variances = readdirSync(imageDir).sort().map((f) => {
    const png = PNG.sync.read(readFileSync(join(imageDir, f)));
    let sum = 0;
    let sumSq = 0;
    const n = png.width * png.height;
    for (let i = 0; i < png.data.length; i += 4) {
      const grey = (png.data[i]! + png.data[i + 1]! + png.data[i + 2]!) / 3;
      sum += grey;
      sumSq += grey * grey;
    }
    return sumSq / n - (sum / n) ** 2;
  });
  for (const v of variances) assert.ok(v > 50, `map image variance ${v.toFixed(1)}: blank?`);

  // Straight down from 700 m with Cesium's 60° horizontal field of view: the image spans 2·700·tan 30° of ground.
  const page = pages.find((p) => p.includes('Odense C by year') && p.includes('Scale and north'))!;
  const denominator = Number(/1 : ([\d,]+) at the centre/.exec(page)![1]!.replace(/,/g, ''));
  const boxMetres = (mapLayout('a4', 'landscape').map.width / 72) * 0.0254;
  const expected = (2 * TOP_DOWN_HEIGHT * Math.tan(Math.PI / 6)) / boxMetres;
  assert.ok(Math.abs(denominator / expected - 1) < 0.02, `scale 1 : ${denominator}, expected about 1 : ${Math.round(expected)}`);
  assert.match(page, /Year built/);
  assert.match(page, /No data\s+\d+/);
});

test('the fonts are embedded DejaVu subsets', () => {
  const fonts = run('pdffonts', [pdfPath]).split('\n').slice(2).filter(Boolean);
  assert.ok(fonts.some((l) => /DejaVuSans\s/.test(l)) && fonts.some((l) => /DejaVuSans-Bold\s/.test(l)), fonts.join('\n'));
  for (const line of fonts) assert.match(line, /\byes\s+yes\s+yes\b/, `not embedded: ${line}`);
});

test('the summary counts the filtered buildings and provenance names the import and the Storey version', () => {
  const db = ProjectFile.open(path, { readOnly: true });
  const tall = db.db.prepare(`SELECT count(*) FROM buildings WHERE floor_count >= 4`).pluck().get() as number;
  const started = db.db.prepare(`SELECT started_at FROM storey_imports`).pluck().get() as string;
  db.close();
  const summary = pages.find((p) => p.includes('Summary of the filtered buildings'))!;
  assert.match(summary, new RegExp(`${tall} buildings match: Floors above ground ≥ 4`));
  const last = pages.at(-1)!;
  assert.match(last, /Provenance/);
  assert.ok(last.includes(started.replace('T', ' ').slice(0, 19)), 'import time');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  assert.ok(last.includes(`Storey ${version}`));
  assert.ok(last.includes('GeoDanmark, BBR, DAR'));
});

test('paper sizes and orientations give the pages pdfinfo reports (composition and the CLI, no maps)', async () => {
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    const a3 = join(dir, 'a3.pdf');
    const spec = BriefingSpec.parse({ title: 'Sizes', paper: 'a3', orientation: 'portrait', buildingIds: [OESTRE] });
    writeFileSync(a3, (await composeBriefing({ api: new ProjectApi(project), project, spec, maps: [] })).pdf);
    assert.match(run('pdfinfo', [a3]), /Page size:\s+841\.89 x 1190\.55 pts/);
    assert.match(run('pdftotext', [a3, '-']), /UNCLASSIFIED/, 'the default marking');
    // The command line's own path, without maps: Letter landscape.
    const letter = join(dir, 'letter.pdf');
    const out = run(process.execPath, [join(root, 'bin', 'storey.mjs'), 'brief', path, '--out', letter, '--paper', 'letter-landscape', '--building', OESTRE, '--title', 'Letter']);
    assert.match(out, /Wrote .*letter\.pdf: \d+ pages/);
    assert.match(run('pdfinfo', [letter]), /Page size:\s+792 x 612 pts/);
  } finally {
    project.close();
  }
});

test('bad input fails with an error naming it, and writes nothing', async () => {
  const spec = (extra: object) => BriefingSpec.parse({ title: 'Bad', ...extra });
  await assert.rejects(briefingFromFile(path, spec({ buildingIds: ['no-such-building'] })), (e: StoreyError) => e.code === 'NOT_FOUND' && e.message.includes('no-such-building'));
  await assert.rejects(briefingFromFile(path, spec({ viewIds: ['No such view'] })), (e: StoreyError) => e.code === 'NOT_FOUND' && /No such view.*Odense C by year/.test(e.message));
  await assert.rejects(briefingFromFile(path, spec({})), (e: StoreyError) => e.code === 'BAD_ARGUMENT' && /no content/.test(e.message));
  const saved = process.env['STOREY_CHROMIUM'];
  process.env['STOREY_CHROMIUM'] = join(dir, 'no-chromium-here');
  try {
    await assert.rejects(briefingFromFile(path, spec({ viewIds: ['Odense C by year'] })), (e: StoreyError) => e.code === 'FILE_NOT_FOUND' && /Chromium/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env['STOREY_CHROMIUM'];
    else process.env['STOREY_CHROMIUM'] = saved;
  }
  // The command line: a failure exits 1 with the message and leaves no PDF behind.
  const out = join(dir, 'bad.pdf');
  let failed: { status: number; stderr: string } | undefined;
  try {
    execFileSync(process.execPath, [join(root, 'bin', 'storey.mjs'), 'brief', path, '--out', out, '--building', 'no-such-building'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    failed = error as { status: number; stderr: string };
  }
  assert.equal(failed?.status, 1);
  assert.match(failed!.stderr, /No building with registry id no-such-building/);
  assert.ok(!existsSync(out));
});
