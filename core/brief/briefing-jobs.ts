/**
 * Briefing jobs for the hosts: one briefing at a time, made off the request that started it, with its stage to poll
 * (the same pattern as import jobs) and a cancel that really stops the work: the AbortSignal closes Chromium and
 * composition checks it between pages, so a cancelled job ends with no PDF and nothing recorded as exported.
 */
import { randomUUID } from 'node:crypto';
import type { BriefingJob, BriefingResult, BriefingSpec, BriefingStep } from '../../common/briefing.js';
import { StoreyError, toErrorPayload } from '../../common/errors.js';
import type { BriefingProgress } from './types.js';

/** The work of one briefing: it reports progress, checks the signal, and records the export before it returns. */
export type BriefingWork = (control: { signal: AbortSignal; progress: BriefingProgress }) => Promise<BriefingResult>;

/** Steps of a briefing: one per map, one per building, one for the table, one for writing the PDF. */
export function briefingTotalSteps(spec: Pick<BriefingSpec, 'viewIds' | 'buildingIds' | 'includeTable'>): number {
  return spec.viewIds.length + spec.buildingIds.length + (spec.includeTable ? 1 : 0) + 1;
}

interface Running {
  job: BriefingJob;
  controller: AbortController;
  finished: Promise<BriefingJob>;
}

/** Finished jobs kept for polling; older ones (and their PDFs) are dropped. */
const KEEP_FINISHED = 3;

export class BriefingJobs {
  private readonly jobs = new Map<string, Running>();

  get busy(): boolean {
    return [...this.jobs.values()].some((r) => r.job.state === 'running');
  }

  start(spec: Pick<BriefingSpec, 'viewIds' | 'buildingIds' | 'includeTable'>, work: BriefingWork): BriefingJob {
    if (this.busy) throw new StoreyError('BUSY', 'A briefing is being made already; wait for it or cancel it first.');
    this.prune();
    const id = randomUUID();
    const total = briefingTotalSteps(spec);
    const controller = new AbortController();
    const job: BriefingJob = { id, state: 'running', progress: { stage: 'starting', detail: 'starting', done: 0, total }, result: null, error: null };
    const running: Running = { job, controller, finished: Promise.resolve(job) };
    const progress: BriefingProgress = (_message, step?: BriefingStep) => {
      if (!step || running.job.state !== 'running') return;
      // A cancel already asked for stays visible until the work has stopped.
      running.job = { ...running.job, progress: controller.signal.aborted ? { ...step, detail: `cancelling (${step.detail})` } : step };
    };
    running.finished = (async () => {
      try {
        // The work checked the signal before it recorded the export: once it returns, the PDF exists and is on record.
        const result = await work({ signal: controller.signal, progress });
        running.job = { ...running.job, state: 'done', result, progress: { stage: 'done', detail: `${result.pageCount} pages`, done: total, total } };
      } catch (error) {
        const payload = toErrorPayload(error);
        const cancelled = controller.signal.aborted || payload.code === 'CANCELLED';
        running.job = {
          ...running.job,
          state: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? { code: 'CANCELLED', message: 'The briefing was cancelled; no PDF was made.' } : payload,
        };
        if (!cancelled && payload.code === 'INTERNAL') console.error('storey: briefing failed:', error);
      }
      return running.job;
    })();
    this.jobs.set(id, running);
    return running.job;
  }

  get(id: string): BriefingJob {
    return this.running(id).job;
  }

  /** Asks the job to stop; it says "cancelled" once the work has actually stopped. */
  cancel(id: string): BriefingJob {
    const running = this.running(id);
    if (running.job.state === 'running' && !running.controller.signal.aborted) {
      running.controller.abort();
      running.job = { ...running.job, progress: { ...running.job.progress, detail: `cancelling (${running.job.progress.detail})` } };
    }
    return running.job;
  }

  /** The job once it has finished (done, failed or cancelled). */
  wait(id: string): Promise<BriefingJob> {
    return this.running(id).finished;
  }

  private running(id: string): Running {
    const running = this.jobs.get(id);
    if (!running) throw new StoreyError('NOT_FOUND', `No briefing job ${id}.`);
    return running;
  }

  private prune(): void {
    const finished = [...this.jobs.entries()].filter(([, r]) => r.job.state !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED + 1))) this.jobs.delete(id);
  }
}
