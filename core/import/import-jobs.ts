/**
 * Import jobs for the hosts: one at a time per project (SQLite has one writer), each on a worker thread, with
 * progress to poll and a cancel that rolls the whole import back.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { ImportJob } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import type { ImportWorkerData } from './import-worker.js';
import type { Profile } from './profile.js';
import { TileImportJobs, type TileImportWorkerData } from '../tiles/tile-import-jobs.js';

interface Running {
  job: ImportJob;
  cancelFlag: Int32Array;
}

export class ImportJobs {
  private readonly jobs = new Map<string, Running>();
  /** Tile imports: the same worker module, and one import of either kind at a time. */
  readonly tiles: TileImportJobs;

  /**
   * @param spawn starts import-worker with the given data (hosts know where its module is: source or bundle)
   * @param onFinished called after an import landed
   * @param options.tilePaceMs tests only: a pause after each imported tile, so progress and cancel can be watched
   */
  constructor(
    private readonly projectPath: string,
    private readonly spawn: (data: ImportWorkerData | TileImportWorkerData) => Worker,
    private readonly onFinished: () => void = () => {},
    options: { tilePaceMs?: number } = {},
  ) {
    // Tile workers get the key the same way (their data is made in TileImportJobs).
    this.tiles = new TileImportJobs(projectPath, (data) => spawn(this.passphrase === undefined ? data : { ...data, passphrase: this.passphrase }), () => this.registryBusy, options.tilePaceMs ?? 0);
  }

  private passphrase: string | undefined;

  /** An encrypted project: its import workers open the file with this passphrase (it stays in this process). */
  useKey(passphrase: string): void {
    this.passphrase = passphrase;
  }

  private get registryBusy(): boolean {
    return [...this.jobs.values()].some((r) => r.job.state === 'running');
  }

  start(profile: Profile, inputs: string[]): ImportJob {
    if (this.registryBusy || this.tiles.busy) {
      throw new StoreyError('BUSY', 'An import is already running on this project; wait for it or cancel it first.');
    }
    const id = randomUUID();
    const flag = new SharedArrayBuffer(4);
    const running: Running = {
      job: { id, state: 'running', profile: profile.name, progress: { phase: 'reading', detail: 'starting', done: 0, total: 1 }, report: null, error: null },
      cancelFlag: new Int32Array(flag),
    };
    this.jobs.set(id, running);
    const data: ImportWorkerData = { projectPath: this.projectPath, profile, inputs, cancelFlag: flag, passphrase: this.passphrase };
    const worker = this.spawn(data);
    worker.on('message', (message: { type: string; progress?: ImportJob['progress']; report?: ImportJob['report']; error?: ImportJob['error']; tilingError?: string | null }) => {
      if (message.type === 'progress' && message.progress) running.job.progress = message.progress;
      if (message.type === 'done') {
        running.job = { ...running.job, state: 'done', report: message.report ?? null, tilingError: message.tilingError ?? null, progress: { phase: 'done', detail: 'import finished', done: 1, total: 1 } };
        this.onFinished();
      }
      if (message.type === 'failed') {
        running.job = { ...running.job, state: message.error?.code === 'CANCELLED' ? 'cancelled' : 'failed', error: message.error ?? null };
      }
    });
    worker.on('error', (error) => {
      running.job = { ...running.job, state: 'failed', error: { code: 'INTERNAL', message: `The import worker stopped: ${error.message}` } };
    });
    worker.on('exit', () => {
      if (running.job.state === 'running') running.job = { ...running.job, state: 'failed', error: { code: 'INTERNAL', message: 'The import worker exited without a result.' } };
    });
    return running.job;
  }

  /** True while an import is running: the project must not be closed under it. */
  get busy(): boolean {
    return this.registryBusy || this.tiles.busy;
  }

  get(id: string): ImportJob {
    const running = this.jobs.get(id);
    if (!running) throw new StoreyError('NOT_FOUND', `No import job ${id}.`);
    return running.job;
  }

  cancel(id: string): ImportJob {
    const running = this.jobs.get(id);
    if (!running) throw new StoreyError('NOT_FOUND', `No import job ${id}.`);
    Atomics.store(running.cancelFlag, 0, 1);
    return running.job;
  }
}

