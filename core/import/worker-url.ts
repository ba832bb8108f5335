import { Worker } from 'node:worker_threads';
import type { ImportWorkerData } from './import-worker.js';
import type { TileImportWorkerData } from '../tiles/tile-import-jobs.js';

/**
 * Starts the import worker that sits beside the running code: the bundled .mjs in an ESM build, or the .ts source
 * under tsx (tests, development), in which case tsx's loader is registered in the worker before the module loads.
 */
export function spawnImportWorker(data: ImportWorkerData | TileImportWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./import-worker.mjs', here), { workerData: data });
  const source = new URL('./import-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`,
    { eval: true, workerData: data },
  );
}
