/**
 * Map pages on the desktop: ProjectApi renders them with the map renderer the host injects (the desktop's hidden
 * offscreen window, main/desktop/print-maps.ts) and keeps NOT_SUPPORTED for hosts without one. Electron cannot run in
 * CI, so the renderer is driven with stand-ins: a MapRenderer that records what it is asked, and PrintWindows that
 * answer the print page's scripts. Checked on the Danish data: the renderer gets the chosen views in order at the
 * print size (≥ 200 dpi in the map box), its images land on the map pages (pdfimages), progress goes through
 * "rendering map k of n", and cancel stops it with no PDF and nothing recorded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import type { BriefingJob, BriefingStep } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { printScripts, type MapRenderRequest, type MapRenderer } from '../../core/brief/map-renderer.js';
import { MAP_DPI, mapLayout } from '../../core/brief/paper.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { listAudit } from '../../core/project/audit.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { desktopMapRenderer, printPageDispatch, PRINT_PAGE_URL, type PrintWindow } from '../../main/desktop/print-maps.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const LAERKEPARKEN = '09210067-82b9-4c4e-86f5-bddb6985ba4f';
const viewNames = ['Lærkeparken from the south', 'Odense C from above'];
let project: ProjectFile;
const viewIds: string[] = [];

/** A picture that is not blank: a gradient with a dark cross, so the PDF's image is something to look at. */
function picture(widthPx: number, heightPx: number): Buffer {
  const png = new PNG({ width: widthPx, height: heightPx });
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const i = (y * widthPx + x) * 4;
      const cross = Math.abs(x - widthPx / 2) < 6 || Math.abs(y - heightPx / 2) < 6;
      png.data[i] = cross ? 20 : Math.round((255 * x) / widthPx);
      png.data[i + 1] = cross ? 20 : Math.round((255 * y) / heightPx);
      png.data[i + 2] = cross ? 20 : 160;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

const snapshot = { centre: { lonDegrees: 10.43, latDegrees: 55.4 }, metresPerCssPixel: 0.8, northDegrees: -20, legend: { title: 'Year built', classes: [{ color: 'rgb(255, 255, 204)', label: '1900–1950', count: 12 }] } };

async function finished(api: ProjectApi, job: BriefingJob, seen?: BriefingStep[]): Promise<BriefingJob> {
  while (job.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    job = await api.getBriefingJob({ jobId: job.id });
    if (seen && job.progress.stage !== seen.at(-1)?.stage) seen.push(job.progress);
  }
  return job;
}

function pdfImages(pdf: Buffer, name: string): Array<{ width: number; height: number }> {
  const path = join(dir, name);
  writeFileSync(path, pdf);
  return execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' })
    .split('\n')
    .slice(2)
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[2] === 'image')
    .map((cols) => ({ width: Number(cols[3]), height: Number(cols[4]) }));
}

before(async () => {
  project = ProjectFile.create(join(dir, 'odense.storey'), { name: 'Odense (desktop maps)' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  const api = new ProjectApi(project);
  for (const [i, name] of viewNames.entries()) {
    const view = await api.saveView({
      name,
      state: {
        camera: { lonDegrees: 10.4306 - i * 0.05, latDegrees: 55.4005, heightMeters: 350 + i * 350, headingDegrees: 20 * (1 - i), pitchDegrees: i ? -90 : -40, rollDegrees: 0 },
        style: null,
        filter: [],
        selection: null,
      },
    });
    viewIds.push(view.id);
  }
});

after(() => project?.close());

test('without a map renderer, views are NOT_SUPPORTED; buildings-only briefings still work', async () => {
  const api = new ProjectApi(project);
  await assert.rejects(api.startBriefing({ title: 'Maps', viewIds: [viewIds[0]!] }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
  const job = await finished(api, await api.startBriefing({ title: 'No maps', buildingIds: [LAERKEPARKEN] }));
  assert.equal(job.state, 'done');
});

test('the injected renderer gets the chosen views in order at print size, and its images land on the map pages', async () => {
  const requests: MapRenderRequest[] = [];
  const renderer: MapRenderer = {
    description: 'a stand-in renderer',
    render: async (request) => {
      requests.push(request);
      return Promise.all(request.views.map(async (view, i) => {
        request.progress(`rendering map ${i + 1}`, { stage: 'rendering', detail: view.name, done: i, total: request.totalSteps });
        // Long enough for the job's poll below to see the stage.
        await new Promise((resolve) => setTimeout(resolve, 100 * (i + 1)));
        return { viewId: view.id, viewName: view.name, png: picture(request.size.widthPx, request.size.heightPx), widthPx: request.size.widthPx, heightPx: request.size.heightPx, headingDegrees: 0, pitchDegrees: -90, metresPerPixel: 0.4, ...snapshot };
      }));
    },
  };
  const api = new ProjectApi(project, undefined, renderer);
  const auditBefore = listAudit(project).length;
  // Asked by name and by id, in the order the analyst chose (not the project's order).
  await assert.rejects(api.startBriefing({ title: 'x', viewIds: ['No such view'] }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND' && /No such view/.test(e.message));
  assert.equal(requests.length, 0, 'an unknown view is refused before the renderer starts');
  const seen: BriefingStep[] = [];
  const job = await finished(api, await api.startBriefing({ title: 'Desktop maps', viewIds: [viewIds[1]!, viewNames[0]!], buildingIds: [LAERKEPARKEN], paper: 'a3', orientation: 'portrait' }), seen);
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  assert.equal(requests.length, 1);
  const request = requests[0]!;
  assert.deepEqual(request.views.map((v) => v.name), [viewNames[1], viewNames[0]]);
  assert.equal(request.paper, 'a3');
  assert.equal(request.orientation, 'portrait');
  const box = mapLayout('a3', 'portrait').map;
  assert.ok(request.size.widthPx / (box.width / 72) >= MAP_DPI && request.size.heightPx / (box.height / 72) >= MAP_DPI, `${request.size.widthPx} × ${request.size.heightPx} px for a ${box.width} × ${box.height} pt box`);
  assert.equal(request.totalSteps, 2 + 1 + 1, 'two maps, one building, writing');
  assert.ok(seen.some((s) => s.stage === 'rendering'), JSON.stringify(seen));
  const pdf = Buffer.from(job.result!.pdfBase64, 'base64');
  const maps = pdfImages(pdf, 'desktop-maps.pdf').filter((image) => image.width === request.size.widthPx && image.height === request.size.heightPx);
  assert.equal(maps.length, 2, 'both map images are in the PDF at their full pixel size');
  const text = execFileSync('pdftotext', ['-layout', join(dir, 'desktop-maps.pdf'), '-'], { encoding: 'utf8' });
  assert.match(text, /a stand-in renderer/, 'the provenance page says what drew the maps');
  const audit = listAudit(project);
  assert.equal(audit.length, auditBefore + 1);
  assert.deepEqual((audit[0]!.detail as { views: string[] }).views, [viewNames[1], viewNames[0]]);
  assert.equal((audit[0]!.detail as { via: string }).via, 'workstation');
});

test('cancel stops the renderer: the job is cancelled, no PDF, nothing recorded', async () => {
  let aborted = false;
  let started!: () => void;
  const rendering = new Promise<void>((resolve) => (started = resolve));
  const renderer: MapRenderer = {
    description: 'a renderer that waits',
    render: (request) =>
      new Promise((_resolve, reject) => {
        started();
        request.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new StoreyError('CANCELLED', 'stopped'));
        });
      }),
  };
  const api = new ProjectApi(project, undefined, renderer);
  const auditBefore = listAudit(project).length;
  const job = await api.startBriefing({ title: 'Cancelled', viewIds: [viewIds[0]!] });
  await rendering;
  await api.cancelBriefing({ jobId: job.id });
  const done = await finished(api, job);
  assert.equal(done.state, 'cancelled');
  assert.equal(done.result, null);
  assert.equal(aborted, true, 'the renderer saw the abort');
  assert.equal(listAudit(project).length, auditBefore);
});

/** PrintWindows as Electron's would behave, answering the print page's scripts; records what it is asked. */
function standInWindows(options: { deviceScaleHonoured?: boolean; hangOnDraw?: boolean } = {}) {
  const log: string[] = [];
  const sizes: Array<{ cssWidth: number; cssHeight: number; deviceScale: number }> = [];
  let destroyed = 0;
  const open = (size: { cssWidth: number; cssHeight: number; deviceScale: number }): PrintWindow => {
    sizes.push(size);
    const scale = options.deviceScaleHonoured === false ? 1 : size.deviceScale;
    return {
      load: async (url) => void log.push(`load ${url}`),
      insertCSS: async (css) => void log.push(`css ${css.includes('#globe') ? 'print' : 'other'}`),
      evaluate: async (expression) => {
        if (expression === printScripts.ready()) {
          log.push('ready');
          return true;
        }
        const state = /\}\)\((\{.*\})\)$/s.exec(expression)?.[1];
        assert.ok(state, 'a draw script carries the view state');
        log.push(`draw ${(JSON.parse(state) as { camera: { heightMeters: number } }).camera.heightMeters}`);
        if (options.hangOnDraw) return new Promise(() => {});
        return { frames: 3, snapshot };
      },
      capture: async () => {
        log.push('capture');
        return picture(size.cssWidth * scale, size.cssHeight * scale);
      },
      destroy: () => void (destroyed += 1),
    };
  };
  return { open, log, sizes, destroyed: () => destroyed };
}

test('the desktop renderer: a print window at the map box size and print scale, each view drawn and captured', async () => {
  const windows = standInWindows();
  const api = new ProjectApi(project, undefined, desktopMapRenderer(windows.open));
  const job = await finished(api, await api.startBriefing({ title: 'Desktop window', viewIds: viewIds.slice(), paper: 'a4', orientation: 'landscape' }));
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  assert.equal(windows.sizes.length, 1, 'one window for all maps');
  const size = windows.sizes[0]!;
  const box = mapLayout('a4', 'landscape').map;
  assert.equal(size.deviceScale, 2);
  assert.ok((size.cssWidth * size.deviceScale) / (box.width / 72) >= MAP_DPI);
  assert.deepEqual(windows.log, [`load ${PRINT_PAGE_URL}`, 'css print', 'ready', 'draw 350', 'capture', 'draw 700', 'capture']);
  assert.ok(windows.destroyed() >= 1, 'the window is closed after the maps');
  const images = pdfImages(Buffer.from(job.result!.pdfBase64, 'base64'), 'desktop-window.pdf').filter((i) => i.width === size.cssWidth * 2);
  assert.equal(images.length, 2);
  assert.match(execFileSync('pdftotext', [join(dir, 'desktop-window.pdf'), '-'], { encoding: 'utf8' }), /desktop app's own renderer/);
});

test('the desktop renderer refuses a capture below print resolution, and cancel closes its window', async () => {
  const small = standInWindows({ deviceScaleHonoured: false });
  const api = new ProjectApi(project, undefined, desktopMapRenderer(small.open));
  const failed = await finished(api, await api.startBriefing({ title: 'Too small', viewIds: [viewIds[0]!] }));
  assert.equal(failed.state, 'failed');
  assert.match(failed.error?.message ?? '', /came out at \d+ × \d+ px, \d+ dpi on the page; print maps need 200 dpi/);
  assert.ok(small.destroyed() >= 1);

  const hanging = standInWindows({ hangOnDraw: true });
  const cancelApi = new ProjectApi(project, undefined, desktopMapRenderer(hanging.open));
  const auditBefore = listAudit(project).length;
  const job = await cancelApi.startBriefing({ title: 'Cancel me', viewIds: [viewIds[0]!] });
  while (!hanging.log.some((l) => l.startsWith('draw'))) await new Promise((resolve) => setTimeout(resolve, 10));
  await cancelApi.cancelBriefing({ jobId: job.id });
  const done = await finished(cancelApi, job);
  assert.equal(done.state, 'cancelled', 'a page that never answers does not hold the job');
  assert.ok(hanging.destroyed() >= 1, 'the print window was closed');
  assert.equal(listAudit(project).length, auditBefore);
});

test('the print page starts without the analyst\'s session and what it would remember is dropped', async () => {
  const calls: string[] = [];
  const dispatch = printPageDispatch(async (operation) => {
    calls.push(operation);
    return { ok: true, value: 'from the host' };
  });
  assert.deepEqual(await dispatch('getSessionState', {}), { ok: true, value: { state: null } });
  assert.deepEqual(await dispatch('saveSessionState', { state: {} }), { ok: true, value: { saved: false } });
  assert.deepEqual(await dispatch('listViews', {}), { ok: true, value: 'from the host' });
  assert.deepEqual(calls, ['listViews']);
});
