/**
 * Briefings in stages, on the Danish data: the job reports starting, rendering map k of n, composing, writing and
 * done in that order; the dialog shows the stage on a progress bar, and its Cancel really stops the work (the
 * renderer's Chromium goes away, no PDF, nothing recorded); Ctrl+C on `storey brief` leaves no file behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApiClient } from '../../common/client.js';
import { BriefingSpec, type BriefingStep } from '../../common/briefing.js';
import type { ApiResult, BriefingJob, StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { composeBriefing } from '../../core/brief/compose.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { listAudit } from '../../core/project/audit.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage } from '../support/chromium.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
const path = join(dir, 'odense.storey');
const outputDir = join(root, 'test-output', 'briefing-progress');
const LAERKEPARKEN = '09210067-82b9-4c4e-86f5-bddb6985ba4f';
const OESTRE = '63be47a1-636f-44de-b41b-1afd88f65d82';
const views = ['Lærkeparken from the south', 'Odense C from above'];

let host: WebHost;
let api: StoreyApi;

const auditCount = () => {
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    return listAudit(project).length;
  } finally {
    project.close();
  }
};

/** Chromium processes started by this test process (the test's own browser and any the host's renderer started). */
function chromiumChildren(): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out.split('\n').filter((l) => /chrom/i.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

before(async () => {
  const project = ProjectFile.create(path, { name: 'Odense (progress test)' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  const projectApi = new ProjectApi(project);
  await projectApi.saveView({
    name: views[0]!,
    state: {
      camera: { lonDegrees: 10.4306, latDegrees: 55.4005, heightMeters: 350, headingDegrees: 20, pitchDegrees: -40, rollDegrees: 0 },
      style: null,
      filter: [],
      selection: { buildingId: LAERKEPARKEN, floorId: null },
    },
  });
  await projectApi.saveView({
    name: views[1]!,
    state: {
      camera: { lonDegrees: 10.381, latDegrees: 55.3998, heightMeters: 700, headingDegrees: 0, pitchDegrees: -90, rollDegrees: 0 },
      style: { level: 'buildings', attribute: 'yearBuilt', method: 'quantile', classes: 5, ramp: 'yellow-blue' },
      filter: [],
      selection: null,
    },
  });
  project.close();
  host = await startWebHost({ projectPath: path, staticRoot: join(root, 'dist', 'renderer'), readOnly: true, stateFile: join(dir, 'state.json') });
  api = createApiClient(async (operation, input) => {
    const response = await fetch(`${host.origin}/api/${operation}`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}` }, body: JSON.stringify(input) });
    return (await response.json()) as ApiResult;
  });
  mkdirSync(outputDir, { recursive: true });
});

after(async () => {
  await host?.close();
});

test('a briefing job reports its stages in order: starting, rendering map k of n, composing, writing, done', async () => {
  const before = auditCount();
  const saved = (await api.listViews({})).views;
  const ids = views.map((name) => saved.find((v) => v.name === name)!.id);
  let job: BriefingJob = await api.startBriefing({ title: 'Stages', viewIds: ids, buildingIds: [LAERKEPARKEN] });
  const seen: BriefingJob['progress'][] = [job.progress];
  while (job.state === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    job = await api.getBriefingJob({ jobId: job.id });
    const last = seen.at(-1)!;
    if (job.progress.stage !== last.stage || job.progress.detail !== last.detail) seen.push(job.progress);
  }
  assert.equal(job.state, 'done', JSON.stringify(job.error));
  // Polling sees the long stages; a short one (writing) may pass between two polls, so the order is checked here
  // and every step in the composition test below.
  const order = ['starting', 'rendering', 'composing', 'writing', 'done'];
  const stages = seen.map((s) => s.stage).filter((s, i, all) => s !== all[i - 1]);
  const log = seen.map((s) => `${s.stage}: ${s.detail}`).join('\n');
  assert.deepEqual(stages.map((s) => order.indexOf(s)), stages.map((s) => order.indexOf(s)).sort((a, b) => a - b), log);
  assert.deepEqual([stages[0], stages.at(-1)], ['starting', 'done'], log);
  for (const stage of ['rendering', 'composing']) assert.ok(stages.includes(stage as BriefingJob['progress']['stage']), log);
  const details = seen.map((s) => s.detail);
  assert.ok(details.some((d) => d === `rendering map 1 of 2: ${views[0]}`), details.join('\n'));
  assert.ok(details.some((d) => d === `rendering map 2 of 2: ${views[1]}`), details.join('\n'));
  assert.ok(seen.every((s) => s.total === 2 + 1 + 1), 'two maps, one building, writing');
  assert.ok(seen.every((s, i) => i === 0 || s.done >= seen[i - 1]!.done), `steps never go back: ${seen.map((s) => s.done).join(' ')}`);
  assert.equal(seen.at(-1)!.done, seen.at(-1)!.total);
  // Recorded, with the views by name.
  const project = ProjectFile.open(path, { readOnly: true });
  try {
    const entries = listAudit(project);
    assert.equal(entries.length, before + 1);
    assert.deepEqual(entries[0]!.detail['views'], views);
    assert.equal(entries[0]!.detail['pages'], job.result!.pageCount);
  } finally {
    project.close();
  }
});

test('composition reports every step: reading, each building, the table, provenance, writing', async () => {
  const project = ProjectFile.open(path, { readOnly: true });
  const steps: BriefingStep[] = [];
  try {
    const spec = BriefingSpec.parse({ title: 'Steps', buildingIds: [LAERKEPARKEN, OESTRE], includeTable: true });
    const { pageCount } = await composeBriefing({ api: new ProjectApi(project), project, spec, maps: [], progress: (_line, step) => step && steps.push(step) });
    assert.ok(pageCount > 4);
  } finally {
    project.close();
  }
  assert.deepEqual(steps.map((s) => [s.stage, s.done, s.total]), [
    ['composing', 0, 4],
    ['composing', 0, 4],
    ['composing', 1, 4],
    ['composing', 2, 4],
    ['composing', 3, 4],
    ['writing', 3, 4],
  ], steps.map((s) => s.detail).join('\n'));
  assert.match(steps[1]!.detail, /^composing building 1 of 2: Lærkeparken 74/);
  assert.match(steps.at(-1)!.detail, /^writing the PDF \(\d+ pages\)$/);
});

test('a cancelled composition stops at the next step and returns nothing', async () => {
  const project = ProjectFile.open(path, { readOnly: true });
  const controller = new AbortController();
  const steps: string[] = [];
  try {
    const spec = BriefingSpec.parse({ title: 'Stopped', buildingIds: [LAERKEPARKEN, OESTRE], includeTable: true });
    await assert.rejects(
      composeBriefing({ api: new ProjectApi(project), project, spec, maps: [], signal: controller.signal, progress: (line) => {
        steps.push(line);
        if (line.startsWith('composing building 1')) controller.abort();
      } }),
      (e: unknown) => e instanceof StoreyError && e.code === 'CANCELLED',
    );
  } finally {
    project.close();
  }
  assert.equal(steps.at(-1), steps.find((l) => l.startsWith('composing building 1')), 'no step after the cancel');
});

test('the dialog shows the stage on a progress bar, and Cancel stops the work and leaves no PDF', async () => {
  const before = auditCount();
  const browser = await launchChromium();
  try {
    const { page, errors, external } = await openGuardedPage(browser, host.origin, { width: 1280, height: 860 });
    await page.goto(host.url);
    await page.waitForFunction(() => document.body.dataset['state'] === 'ready' || document.body.dataset['state'] === 'error', undefined, { timeout: 180_000 });
    assert.equal(await page.evaluate(() => document.body.dataset['state']), 'ready', errors.join('; '));
    const ownChromium = chromiumChildren();
    await page.keyboard.press('Control+p');
    await page.locator('#briefing-views input').nth(1).waitFor();
    await page.fill('#briefing-title-input', 'Cancelled briefing');
    for (const name of views) await page.locator(`#briefing-views input[data-view-name="${name}"]`).check();
    await page.click('#briefing-start');
    await page.waitForFunction(() => /^Rendering map 1 of 2: /.test(document.getElementById('briefing-stage')?.textContent ?? ''), undefined, { timeout: 180_000, polling: 100 });
    const bar = await page.evaluate(() => {
      const progress = document.getElementById('briefing-progress') as HTMLProgressElement;
      return { max: progress.max, value: progress.value };
    });
    assert.deepEqual(bar, { max: 3, value: 0 }, 'two maps and writing; none done yet');
    assert.match(await page.locator('#briefing-elapsed').innerText(), /^Rendering maps · 0 of 3 steps done · \d+ s$/);
    assert.equal(await page.locator('#briefing-cancel').isEnabled(), true);
    const rendering = chromiumChildren();
    assert.ok(rendering.length > ownChromium.length, `the host's renderer runs its own Chromium (${ownChromium} → ${rendering})`);
    await page.locator('.briefing-dialog').screenshot({ path: join(outputDir, 'dialog-rendering.png') });
    await page.screenshot({ path: join(outputDir, 'window-rendering.png') });

    await page.click('#briefing-cancel');
    await page.locator('#briefing-cancelled').waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset['briefingState']), 'cancelled');
    assert.equal(await page.locator('#briefing-download').count(), 0, 'no PDF to save');
    assert.equal(await page.evaluate(() => document.body.dataset['briefing'] ?? ''), '', 'no PDF was made');
    // The renderer's Chromium is closed on cancel; its process takes a moment to go after the browser is told to close.
    for (let waited = 0; waited < 10_000 && chromiumChildren().length !== ownChromium.length; waited += 200) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(chromiumChildren(), ownChromium, "the renderer's Chromium was closed");
    assert.equal(auditCount(), before, 'nothing recorded as exported');
    await page.locator('.briefing-dialog').screenshot({ path: join(outputDir, 'dialog-cancelled.png') });
    // The dialog can make the next one at once: the host is not left busy.
    assert.equal(await page.locator('#briefing-start').isEnabled(), true);
    assert.deepEqual(external.filter((url) => /^(https?|wss?):/.test(url)), []);
  } finally {
    await browser.close();
  }
});

test('Ctrl+C on storey brief while it renders stops it and leaves no PDF, partial or whole', async () => {
  const before = auditCount();
  const out = join(dir, 'interrupted.pdf');
  const child = spawn(process.execPath, [join(root, 'bin', 'storey.mjs'), 'brief', path, '--out', out, '--view', views[0]!, '--view', views[1]!], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('rendering map 1 of 2')) resolve();
    });
    void exited.then(() => reject(new Error(`storey brief ended before rendering: ${stderr}`)));
  });
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /cancelled; no PDF was made/);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('interrupted')), []);
  assert.equal(auditCount(), before);
});
