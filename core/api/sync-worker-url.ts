import { Worker } from 'node:worker_threads';
import type { SyncWorkerData } from './sync-worker.js';

/**
 * Starts the sync worker that sits beside the running code: the bundled sync-worker.mjs (dist/cli), or the .ts source
 * under tsx (tests, development), in which case tsx's loader is registered in the worker before the module loads.
 */
export function spawnSyncWorker(data: SyncWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./sync-worker.mjs', here), { workerData: data });
  const source = new URL('./sync-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData: data });
}
