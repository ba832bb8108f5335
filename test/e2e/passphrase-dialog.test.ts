/**
 * The passphrase dialog in the browser workstation: an encrypted project asks for its passphrase and opens with it;
 * "Remember on this computer (OS keychain)" is not offered here (the web host keeps no passphrases) and says why.
 * The desktop side of the keychain is test/security/keychain-wiring.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { findPackageRoot } from '../../core/paths.js';
import { encryptProject } from '../../core/project/convert.js';
import { createSampleProject } from '../../core/sample/sample-city.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { launchChromium, openGuardedPage, waitForCity, type GuardedPage } from '../support/chromium.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const outputDir = join(root, 'test-output', 'e2e');
const dir = tempDir();
const folder = join(dir, 'projects');
const passphrase = 'harbour lights 1906';
let host: WebHost;
let browser: Browser;
let guarded: GuardedPage;

before(async () => {
  mkdirSync(folder, { recursive: true });
  mkdirSync(outputDir, { recursive: true });
  createSampleProject(join(folder, 'locked-away.storey')).close();
  encryptProject(join(folder, 'locked-away.storey'), passphrase);
  host = await startWebHost({ folder, staticRoot: join(root, 'dist', 'renderer'), stateFile: join(dir, 'state.json') });
  browser = await launchChromium();
  guarded = await openGuardedPage(browser, host.origin);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('an encrypted project asks for its passphrase; the browser offers no keychain and says why', async () => {
  const { page } = guarded;
  await page.goto(host.url);
  const chooser = page.locator('dialog.project-chooser');
  await chooser.waitFor();
  await chooser.locator('[data-file="locked-away.storey"]').click();
  const problem = page.locator('dialog.open-problem');
  await problem.waitFor();
  assert.equal(await problem.locator('.problem-message').getAttribute('data-code'), 'ENCRYPTED');
  const remember = problem.locator('#remember-passphrase');
  assert.equal(await remember.count(), 1);
  assert.equal(await remember.isDisabled(), true, 'not offered on the web host');
  assert.equal(await remember.isChecked(), false);
  assert.match((await problem.locator('label[for="remember-passphrase"]').getAttribute('title')) ?? '', /keeps no passphrases/);
  await page.screenshot({ path: join(outputDir, 'passphrase-dialog-web.png') });

  // A wrong passphrase comes back as WRONG_KEY; the right one opens the city.
  await problem.locator('#open-passphrase').fill('not the passphrase');
  await problem.locator('#open-with-passphrase').click();
  await page.locator('dialog.open-problem .problem-message[data-code="WRONG_KEY"]').waitFor();
  await page.locator('#open-passphrase').fill(passphrase);
  await page.locator('#open-with-passphrase').click();
  await waitForCity(page);
  assert.match(await page.locator('#project-title').innerText(), /Sample/i);
});

test('Project properties: the open project is shown encrypted and can be made plain again (no keychain here)', async () => {
  const { page } = guarded;
  await page.keyboard.press('Alt+Enter');
  const form = page.locator('dialog.project-form');
  await form.waitFor();
  assert.match(await form.locator('#project-encryption-state').innerText(), /This project is encrypted/);
  assert.equal(await form.locator('#project-remember-passphrase').isDisabled(), true);
  assert.equal(await form.locator('#forget-passphrase').count(), 0, 'nothing is kept here, so there is nothing to forget');
  await form.screenshot({ path: join(outputDir, 'project-properties-encrypted.png') });
  await form.locator('#project-decrypt').click();
  await page.waitForFunction(() => !document.querySelector('dialog.project-form'));
  await waitForCity(page);
  assert.equal(readFileSync(join(folder, 'locked-away.storey')).subarray(0, 15).toString('latin1'), 'SQLite format 3', 'a plain SQLite file again');
  await page.keyboard.press('Alt+Enter');
  await page.locator('dialog.project-form #project-encryption-state').waitFor();
  assert.match(await page.locator('#project-encryption-state').innerText(), /not encrypted/);
});
