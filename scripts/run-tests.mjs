// Runs every *.test.ts under test/ with node's test runner (through tsx) and ends with one plain summary line:
// "N passed, N failed". Two lanes run side by side, each one file at a time: the browser tests (test/e2e, and the
// briefing tests that drive Chromium) in one, everything else in the other; the machine's two cores each get a lane.
// STOREY_TEST_LANES=1 runs every file in one lane, one after another (browser tests last).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const browserTest = (file) => file.startsWith('test/e2e/') || /^test\/brief\/briefing(-progress)?\.test\.ts$/.test(file);
const lanes =
  process.env['STOREY_TEST_LANES'] === '1'
    ? [{ name: 'all', files }]
    : [
        { name: 'browser', files: files.filter(browserTest) },
        { name: 'node', files: files.filter((file) => !browserTest(file)) },
      ].filter((lane) => lane.files.length > 0);

/** One lane: its files one at a time, its own TAP file and home; spec output prefixed with the lane's name. */
function runLane(lane) {
  const tap = join(root, 'test-output', `results-${lane.name}.tap`);
  rmSync(tap, { force: true });
  // A home of their own: recent projects, sessions and the sample never come from (or go to) the user's real ones.
  const storeyHome = mkdtempSync(join(tmpdir(), 'storey-test-home-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...lane.files],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STOREY_HOME: storeyHome, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } },
  );
  const prefix = lanes.length > 1 ? `[${lane.name}] ` : '';
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
    stream.on('end', () => rest && out.write(prefix + rest + '\n'));
  }
  return new Promise((resolve) =>
    child.on('exit', (exitCode, signal) => {
      rmSync(storeyHome, { recursive: true, force: true });
      let text = '';
      try {
        text = readFileSync(tap, 'utf8');
      } catch {
        // no TAP: the runner died before writing one; counted as a failure below
      }
      const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
      resolve({ lane, code: exitCode ?? (signal ? 1 : 0), passed: count('pass'), failed: count('fail') + count('cancelled'), tap: text });
    }),
  );
}

const started = Date.now();
const results = await Promise.all(lanes.map(runLane));
let passed = 0;
let failed = 0;
for (const result of results) {
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0 && result.failed === 0) failed += 1; // a lane that crashed without a failing test still fails
  console.log(`lane ${result.lane.name}: ${result.lane.files.length} files, ${result.passed} passed, ${result.failed} failed (exit ${result.code})`);
}
writeFileSync(join(root, 'test-output', 'results.tap'), results.map((r) => r.tap).join('\n'));
console.log(`tests took ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
