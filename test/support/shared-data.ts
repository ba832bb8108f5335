import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../../core/paths.js';

/** ../shared/data beside the repository: real public data, read in place and never copied in. */
export function sharedData(...parts: string[]): string {
  const path = join(findPackageRoot(import.meta.dirname), '..', 'shared', 'data', ...parts);
  if (!existsSync(path)) throw new Error(`Real test data is missing: ${path} (the tests expect ../shared/data beside the repository).`);
  return path;
}

/** A plain CSV read for cross-checks: the shared BBR extracts have no quoted fields (asserted here). */
export function readSimpleCsv(path: string): Array<Record<string, string>> {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  if (text.includes('"')) throw new Error(`${path} has quotes; readSimpleCsv cannot cross-check it`);
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l !== '');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v])));
}
