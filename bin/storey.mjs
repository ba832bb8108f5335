#!/usr/bin/env node
// The installed `storey` command: runs the CLI bundle that `npm install` (prepare) or `npm run build` wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/storey.mjs', import.meta.url));
if (!existsSync(bundle)) {
  console.error('storey: the CLI is not built yet; run `npm run build` in the Storey folder.');
  process.exit(1);
}
await import(bundle);
