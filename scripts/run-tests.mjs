// Runs every *.test.ts under test/ with node's test runner (through tsx), one file at a time so the browser tests
// get the machine's two cores to themselves, and ends with one plain summary line: "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const filter = process.argv.slice(2);
const files = readdirSync(join(root, 'test'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
  .map((entry) => relative(root, join(entry.parentPath, entry.name)))
  // browser tests last: a core failure shows up within seconds
  .sort((a, b) => Number(a.startsWith('test/e2e/')) - Number(b.startsWith('test/e2e/')) || a.localeCompare(b))
  .filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)));

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

mkdirSync(join(root, 'test-output'), { recursive: true });
const tap = join(root, 'test-output', 'results.tap');
const storeyHome = mkdtempSync(join(tmpdir(), 'storey-test-home-'));
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  // A home of their own: recent projects, sessions and the sample never come from (or go to) the user's real ones.
  { cwd: root, stdio: 'inherit', env: { ...process.env, STOREY_HOME: storeyHome } },
);
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
rmSync(storeyHome, { recursive: true, force: true });
const text = readFileSync(tap, 'utf8');
const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(code !== 0 || failed > 0 || passed === 0 ? 1 : 0);
