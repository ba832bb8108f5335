/**
 * Tile import jobs for the hosts, the way registry imports run (core/import/import-jobs.ts): on a worker thread, one
 * import of any kind at a time per project (SQLite has one writer), progress to poll, and a cancel that rolls the
 * whole layer back. The worker is the same module as the registry import's; its data says which import to run.
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { TileImportJob, TileSourceType } from '../../common/tiles.js';
import type { LayerSummary } from '../../common/domain.js';
import { StoreyError } from '../../common/errors.js';

/** What the worker needs to import one tile source. */
export interface TileImportWorkerData {
  kind: 'tiles';
  projectPath: string;
  source: string;
  options: { name?: string; scheme?: 'xyz' | 'tms'; table?: string };
  cancelFlag: SharedArrayBuffer;
  /** Milliseconds to wait after each tile (tests only: lets a person or a test watch a small sample's progress). */
  paceMs: number;
}

export type TileWorkerMessage =
  | { type: 'progress'; progress: TileImportJob['progress'] }
  | { type: 'done'; layer: LayerSummary }
  | { type: 'failed'; error: { code: string; message: string } };

/** A file or folder name for people; a folder called just "tiles" is named with its parent (nl-heuvelrug-terrain/tiles). */
function displayName(path: string): string {
  const name = basename(path);
  return /^tiles?$/i.test(name) ? `${basename(dirname(path))}/${name}` : name;
}

interface Running {
  job: TileImportJob;
  cancelFlag: Int32Array;
}

export class TileImportJobs {
  private readonly jobs = new Map<string, Running>();

  /**
   * @param spawn starts the import worker with the given data
   * @param otherBusy whether another import (a registry import) holds the project
   * @param paceMs see TileImportWorkerData.paceMs
   */
  constructor(
    private readonly projectPath: string,
    private readonly spawn: (data: TileImportWorkerData) => Worker,
    private readonly otherBusy: () => boolean = () => false,
    private readonly paceMs = 0,
  ) {}

  get busy(): boolean {
    return [...this.jobs.values()].some((r) => r.job.state === 'running');
  }

  start(source: string, sourceType: TileSourceType, options: TileImportWorkerData['options'] = {}): TileImportJob {
    if (this.busy || this.otherBusy()) {
      throw new StoreyError('BUSY', 'An import is already running on this project; wait for it or cancel it first.');
    }
    const id = randomUUID();
    const flag = new SharedArrayBuffer(4);
    const running: Running = {
      job: { id, state: 'running', source: displayName(source), sourceType, progress: { done: 0, total: 0, bytes: 0, detail: 'starting' }, layer: null, error: null },
      cancelFlag: new Int32Array(flag),
    };
    this.jobs.set(id, running);
    const worker = this.spawn({ kind: 'tiles', projectPath: this.projectPath, source, options, cancelFlag: flag, paceMs: this.paceMs });
    worker.on('message', (message: TileWorkerMessage) => {
      if (running.job.state !== 'running') return;
      if (message.type === 'progress') running.job = { ...running.job, progress: message.progress };
      if (message.type === 'done') {
        const { layer } = message;
        running.job = { ...running.job, state: 'done', layer, progress: { done: layer.tileCount, total: layer.tileCount, bytes: layer.byteSize, detail: 'import finished' } };
      }
      if (message.type === 'failed') running.job = { ...running.job, state: message.error.code === 'CANCELLED' ? 'cancelled' : 'failed', error: message.error };
    });
    worker.on('error', (error) => {
      if (running.job.state === 'running') running.job = { ...running.job, state: 'failed', error: { code: 'INTERNAL', message: `The tile import worker stopped: ${error.message}` } };
    });
    worker.on('exit', () => {
      if (running.job.state === 'running') running.job = { ...running.job, state: 'failed', error: { code: 'INTERNAL', message: 'The tile import worker exited without a result.' } };
    });
    return running.job;
  }

  get(id: string): TileImportJob {
    const running = this.jobs.get(id);
    if (!running) throw new StoreyError('NOT_FOUND', `No tile import job ${id}.`);
    return running.job;
  }

  cancel(id: string): TileImportJob {
    const running = this.jobs.get(id);
    if (!running) throw new StoreyError('NOT_FOUND', `No tile import job ${id}.`);
    Atomics.store(running.cancelFlag, 0, 1);
    return running.job;
  }
}
