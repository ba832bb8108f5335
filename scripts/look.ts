// Ad-hoc look at a project: npm run look -- PROJECT OUT.png [search query]
import { join } from 'node:path';
import { findPackageRoot } from '../core/paths.js';
import { startWebHost } from '../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity } from '../test/support/chromium.js';
const [projectPath, out, query] = process.argv.slice(2);
const host = await startWebHost({ projectPath: projectPath!, staticRoot: join(findPackageRoot(import.meta.dirname), 'dist', 'renderer'), readOnly: true });
const browser = await launchChromium();
try {
  const { page, errors } = await openGuardedPage(browser, host.origin);
  await page.goto(host.url);
  await waitForCity(page);
  if (query) {
    await page.fill('#search', query);
    await page.locator('#search-results li[data-address-id]').first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.building').waitFor();
    await page.locator('.storey').first().click();
    await page.locator('#explode').fill('6');
    await page.waitForTimeout(1500);
  }
  await page.selectOption('#style-attribute', 'yearBuilt');
  await page.waitForTimeout(500);
  await page.evaluate(() => (window as unknown as { storeyView: { requestRender(): void } }).storeyView.requestRender());
  await page.waitForTimeout(300);
  await page.screenshot({ path: out! });
  console.log('errors:', errors);
} finally {
  await browser.close();
  await host.close();
}
