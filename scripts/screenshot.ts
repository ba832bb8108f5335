// Screenshot of the workstation on the sample project with the tallest building selected, as a person sees it.
// Usage: npm run screenshot -- [out.png] [--width 1366 --height 768] [--scale 2]   (1920×1080 at scale 2 = a 4K screen)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureSampleProject, findPackageRoot } from '../core/paths.js';
import { startWebHost } from '../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity } from '../test/support/chromium.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { width: { type: 'string', default: '1366' }, height: { type: 'string', default: '768' }, scale: { type: 'string', default: '1' }, project: { type: 'string' } },
});
const out = resolve(positionals[0] ?? 'storey-screenshot.png');
const root = findPackageRoot(import.meta.dirname);
const projectPath = values.project ?? ensureSampleProject(mkdtempSync(join(tmpdir(), 'storey-shot-')));
const host = await startWebHost({ projectPath, staticRoot: join(root, 'dist', 'renderer'), readOnly: true });
const browser = await launchChromium();
try {
  const { page, external } = await openGuardedPage(browser, host.origin, { width: Number(values.width), height: Number(values.height) }, Number(values.scale));
  await page.goto(host.url);
  await waitForCity(page);
  const target = await page.evaluate(() => {
    const view = (window as unknown as { storeyView: { buildingIds(): Array<{ id: string; heightMeters: number }>; screenPositionOf(id: string): { x: number; y: number } | null } }).storeyView;
    const tallest = view.buildingIds().sort((a, b) => b.heightMeters - a.heightMeters)[0]!;
    return view.screenPositionOf(tallest.id);
  });
  if (target) {
    await page.mouse.click(target.x, target.y);
    await page.waitForSelector('.building');
    await page.locator('.storey').nth(3).click();
    await page.locator('#explode').fill('3');
    await page.waitForSelector('.units-list');
    await page.evaluate(() => document.querySelector('.panel')!.scrollTo(0, 0));
    await page.evaluate(() => (window as unknown as { storeyView: { requestRender(): void } }).storeyView.requestRender());
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: out });
  console.log(`wrote ${out}${external.length ? ` (blocked ${external.length} external requests!)` : ''}`);
} finally {
  await browser.close();
  await host.close();
}
