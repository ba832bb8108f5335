/**
 * The web host's briefings: the same composition as everywhere, with map pages rendered by headless Chromium
 * loading this very host. startBriefing / getBriefingJob / cancelBriefing run one briefing as a job with its stage to
 * poll; exportBriefing is the same job waited for. Wraps the host's dispatcher; every other operation passes through.
 */
import { z } from 'zod';
import { BriefingSpec, operations, type StoreyApi } from '../../common/contract.js';
import type { ApiResult } from '../../common/operations.js';
import { StoreyError, toErrorPayload } from '../../common/errors.js';
import type { Dispatch } from '../../core/api/dispatch.js';
import { recordBriefing } from '../../core/brief/audit-briefing.js';
import { BriefingJobs } from '../../core/brief/briefing-jobs.js';
import { briefingResult } from '../../core/brief/compose.js';
import { throwIfCancelled } from '../../core/brief/types.js';
import type { ProjectFile } from '../../core/project/project-file.js';
import { makeBriefing } from './make-briefing.js';

export interface BriefingHostContext {
  origin: string;
  token: string;
  api: StoreyApi;
  /** The open project (throws NO_PROJECT when none is). */
  project(): ProjectFile;
}

const briefingOperations = ['exportBriefing', 'startBriefing', 'getBriefingJob', 'cancelBriefing'] as const;
type BriefingOperation = (typeof briefingOperations)[number];

export function withBriefings(dispatch: Dispatch, context: () => BriefingHostContext): Dispatch {
  const jobs = new BriefingJobs();

  const start = (spec: BriefingSpec) => {
    const { origin, token, api, project: openProject } = context();
    const project = openProject();
    return jobs.start(spec, async ({ signal, progress }) => {
      const made = await makeBriefing({ api, project, spec, host: { origin, token }, progress, signal });
      throwIfCancelled(signal);
      const result = briefingResult(spec, made, made.renderMs);
      // On record before the UI gets it; a project whose trail cannot be written gets no PDF (READ_ONLY).
      recordBriefing(project, spec, { pageCount: result.pageCount, bytes: made.pdf.length }, {
        via: 'web host',
        target: result.fileName,
        destination: 'handed to the browser to save or open',
        viewNames: made.viewNames,
      });
      return result;
    });
  };

  const answer = async (operation: BriefingOperation, input: unknown): Promise<unknown> => {
    switch (operation) {
      case 'startBriefing':
        return start(BriefingSpec.parse(input));
      case 'exportBriefing': {
        const job = await jobs.wait(start(BriefingSpec.parse(input)).id);
        if (job.result) return job.result;
        throw new StoreyError((job.error?.code ?? 'INTERNAL') as StoreyError['code'], job.error?.message ?? 'The briefing failed.');
      }
      case 'getBriefingJob':
        return jobs.get((input as { jobId: string }).jobId);
      case 'cancelBriefing':
        return jobs.cancel((input as { jobId: string }).jobId);
    }
  };

  return async (operation, input): Promise<ApiResult> => {
    if (!(briefingOperations as readonly string[]).includes(operation)) return dispatch(operation, input);
    const name = operation as BriefingOperation;
    const parsed = operations[name].input.safeParse(input ?? {});
    if (!parsed.success) return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Bad arguments for ${name}: ${z.prettifyError(parsed.error)}` } };
    try {
      return { ok: true, value: await answer(name, parsed.data) };
    } catch (error) {
      const payload = toErrorPayload(error);
      if (!(error instanceof StoreyError)) console.error('storey web host: briefing failed:', error);
      return { ok: false, error: payload };
    }
  };
}
