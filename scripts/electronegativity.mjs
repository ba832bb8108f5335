// Electronegativity over the Electron side of Storey (main/ and preload/, scanned together so its global checks see
// the navigation and permission handlers wherever they live). Fails on any HIGH finding, and on any file it could not
// parse, unless security/electronegativity-accepted.json lists the finding (check id + file) with a written reason.
// Lower findings are printed, with their reason when one is recorded.
//
//   node scripts/electronegativity.mjs            scan the sources
//   node scripts/electronegativity.mjs DIR|ASAR   scan something else, e.g. a packaged app.asar on a release machine
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const scan = require('@doyensec/electronegativity');
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const acceptedFile = join(root, 'security', 'electronegativity-accepted.json');
/** @type {Array<{ id: string; file: string; reason: string }>} */
const accepted = JSON.parse(readFileSync(acceptedFile, 'utf8')).accepted;
for (const entry of accepted) {
  if (!entry.id || !entry.file || !entry.reason || entry.reason.trim().length < 20) {
    console.error(`electronegativity: ${acceptedFile}: every entry needs id, file and a written reason: ${JSON.stringify(entry)}`);
    process.exit(2);
  }
}

let input = process.argv[2];
let scratch;
if (!input) {
  scratch = mkdtempSync(join(tmpdir(), 'storey-eng-'));
  for (const folder of ['main', 'preload']) cpSync(join(root, folder), join(scratch, folder), { recursive: true });
  input = scratch;
}

let result;
try {
  result = await scan(
    {
      input,
      isRelative: true,
      electronVersionOverride: electronVersion,
      // This check downloads Electron's release list; CI stays offline. The Electron version is pinned in package.json
      // and upgraded deliberately (docs/release.md).
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    },
    false,
  );
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

const reasonFor = (issue) => accepted.find((a) => a.id === issue.id && (a.file === issue.file || a.file === '*'));
const unexplained = [];
for (const issue of result.issues) {
  const entry = reasonFor(issue);
  const where = issue.file === 'N/A' ? '(whole app)' : `${issue.file}:${issue.location.line}`;
  console.log(`${issue.severity.name.padEnd(13)} ${issue.id.padEnd(40)} ${where}`);
  if (entry) console.log(`${' '.repeat(14)}accepted: ${entry.reason}`);
  else if (issue.severity.name === 'HIGH') unexplained.push(`${issue.id} ${where}: ${issue.description}`);
}
const unparsed = result.errors.filter((e) => !e.tolerable);
for (const error of unparsed) unexplained.push(`could not parse ${error.file}: ${error.message} (so it was not checked)`);
const stale = accepted.filter((a) => !result.issues.some((i) => i.id === a.id && (a.file === i.file || a.file === '*')));
for (const entry of stale) console.log(`note: accepted finding no longer reported, remove it from the list: ${entry.id} ${entry.file}`);

console.log(`electronegativity ${electronVersion ? `(Electron ${electronVersion})` : ''}: ${result.atomicChecks + result.globalChecks} checks, ${result.issues.length} findings, ${unexplained.length} unexplained`);
if (unexplained.length > 0) {
  for (const line of unexplained) console.error(`UNEXPLAINED ${line}`);
  console.error(`Fix these, or list each in ${acceptedFile} with the reason it is safe.`);
  process.exit(1);
}
