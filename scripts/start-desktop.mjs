// `npm start`: opens the Storey desktop window. better-sqlite3 is compiled for Node's ABI (tests and CLI use it);
// Electron needs its own build, so this compiles a second copy for Electron once, into .cache/, and points the
// project file code at it through STOREY_SQLITE_BINDING. Node's copy stays untouched.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

let electronBinary;
try {
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}
if (typeof electronBinary !== 'string' || !existsSync(electronBinary)) {
  console.error(
    [
      'storey: the Electron binary is not installed (was ELECTRON_SKIP_BINARY_DOWNLOAD set?).',
      '  To get the desktop window:  node node_modules/electron/install.js   (needs access to Electron\'s downloads)',
      '  Everything else works without it:  npm run serve   opens the same workstation in your browser.',
    ].join('\n'),
  );
  process.exit(1);
}

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
const cacheDir = join(root, '.cache', `better-sqlite3-electron-${electronVersion}`);
const binding = join(cacheDir, 'build', 'Release', 'better_sqlite3.node');
if (!existsSync(binding)) {
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)…`);
  cpSync(join(root, 'node_modules/better-sqlite3'), cacheDir, { recursive: true, filter: (p) => !p.includes(`${'/'}build${'/'}`) });
  const result = spawnSync(
    'npx',
    ['--yes', 'node-gyp', 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
    { cwd: cacheDir, stdio: 'inherit' },
  );
  if (result.status !== 0 || !existsSync(binding)) {
    console.error('storey: building better-sqlite3 for Electron failed; see the output above.');
    process.exit(1);
  }
}

if (!existsSync(join(root, 'dist/desktop/main.cjs'))) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const child = spawn(electronBinary, [root, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, STOREY_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 0));
