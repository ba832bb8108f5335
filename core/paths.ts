/** Where Storey finds its own files and keeps the user's: no host-specific APIs, so the CLI and hosts share it. */
import { existsSync, readFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSampleProject } from './sample/sample-city.js';

/** Walks up from startDir to the folder whose package.json names this package. */
export function findPackageRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'storey') return dir;
      } catch {
        // an unreadable package.json further down is not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Storey's package root above ${startDir}`);
    dir = parent;
  }
}

/** The per-user data folder: STOREY_HOME, else the platform's usual place. */
export function defaultDataDir(): string {
  const override = process.env['STOREY_HOME'];
  if (override) return override;
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Storey');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Storey');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'storey');
}

/** The workstation's remembered state (recent projects, sessions) for one host kind, in the per-user data folder. */
export function defaultStateFile(name: string): string {
  return join(defaultDataDir(), name);
}

/**
 * Returns the path of the sample project in dataDir, generating it on first use. It is written under a temporary
 * name and renamed into place, so an interrupted first run never leaves a half-made sample behind.
 */
export function ensureSampleProject(dataDir = defaultDataDir()): string {
  const path = join(dataDir, 'sample.storey');
  if (existsSync(path)) return path;
  mkdirSync(dataDir, { recursive: true });
  const temporary = `${path}.partial-${process.pid}`;
  rmSync(temporary, { force: true });
  try {
    createSampleProject(temporary).close();
    renameSync(temporary, path);
  } finally {
    for (const leftover of [temporary, `${temporary}-wal`, `${temporary}-shm`]) rmSync(leftover, { force: true });
  }
  return path;
}
