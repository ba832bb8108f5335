// Builds everything the hosts run: the renderer bundle (with Cesium's static assets beside it), the CLI, and the
// Electron main process and preload. esbuild bundles Cesium in seconds, so tests can always build first.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const started = Date.now();

async function buildRenderer() {
  const out = join(dist, 'renderer');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'renderer/main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'styles.css']) cpSync(join(root, 'renderer', file), join(out, file));
  copyCesiumAssets(join(out, 'cesium'));
}

/** Cesium loads its workers, textures (Natural Earth II included) and decoders at run time from its base URL. */
function copyCesiumAssets(target) {
  const cesiumPackage = JSON.parse(readFileSync(join(root, 'node_modules/cesium/package.json'), 'utf8'));
  const stamp = join(target, '.cesium-version');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === cesiumPackage.version) return;
  rmSync(target, { recursive: true, force: true });
  const source = join(root, 'node_modules/cesium/Build/Cesium');
  for (const folder of ['Workers', 'Assets', 'ThirdParty', 'Widgets']) {
    cpSync(join(source, folder), join(target, folder), { recursive: true });
  }
  writeFileSync(stamp, cesiumPackage.version);
}

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
};

async function buildCli() {
  await build({
    ...nodeCommon,
    entryPoints: { storey: join(root, 'cli/storey.ts'), 'import-worker': join(root, 'core/import/import-worker.ts'), 'sync-worker': join(root, 'core/api/sync-worker.ts') },
    outdir: join(dist, 'cli'),
    outExtension: { '.js': '.mjs' },
    format: 'esm',
  });
}

async function buildDesktop() {
  await build({
    ...nodeCommon,
    entryPoints: [join(root, 'main/desktop/main.ts')],
    outfile: join(dist, 'desktop/main.cjs'),
    format: 'cjs',
    // Core modules find their files through import.meta (ESM); in this CommonJS bundle it is made from __filename,
    // so they resolve beside the bundle instead of from an empty import.meta.
    banner: { js: "const __storeyImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__storeyImportMetaUrl', 'import.meta.dirname': '__dirname' },
  });
  await build({
    ...nodeCommon,
    entryPoints: { 'import-worker': join(root, 'core/import/import-worker.ts'), 'sync-worker': join(root, 'core/api/sync-worker.ts') },
    outdir: join(dist, 'desktop'),
    outExtension: { '.js': '.mjs' },
    format: 'esm',
  });
  // Sandboxed preloads cannot require app modules, so the preload is bundled whole (electron stays external).
  await build({
    ...nodeCommon,
    packages: undefined,
    external: ['electron'],
    entryPoints: [join(root, 'preload/preload.ts')],
    outfile: join(dist, 'preload/preload.cjs'),
    format: 'cjs',
  });
}

const only = process.argv[2];
if (!only || only === 'renderer') await buildRenderer();
if (!only || only === 'cli') await buildCli();
if (!only || only === 'desktop') await buildDesktop();
console.log(`built ${only ?? 'all'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
