/**
 * The web host's exportBriefing: the same composition as everywhere, with map pages rendered by headless Chromium
 * loading this very host. Wraps the host's dispatcher; every other operation passes through untouched.
 */
import { z } from 'zod';
import { BriefingSpec, operations, type StoreyApi } from '../../common/contract.js';
import { StoreyError, toErrorPayload } from '../../common/errors.js';
import type { Dispatch } from '../../core/api/dispatch.js';
import { briefingResult } from '../../core/brief/compose.js';
import type { ProjectFile } from '../../core/project/project-file.js';
import { makeBriefing } from './make-briefing.js';

export interface BriefingHostContext {
  origin: string;
  token: string;
  api: StoreyApi;
  /** The open project (throws NO_PROJECT when none is). */
  project(): ProjectFile;
}

export function withBriefings(dispatch: Dispatch, context: () => BriefingHostContext): Dispatch {
  let running = false;
  return async (operation, input) => {
    if (operation !== 'exportBriefing') return dispatch(operation, input);
    const parsed = operations.exportBriefing.input.safeParse(input ?? {});
    if (!parsed.success) return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Bad arguments for exportBriefing: ${z.prettifyError(parsed.error)}` } };
    if (running) return { ok: false, error: { code: 'BUSY', message: 'A briefing is being made already; try again when it is done.' } };
    running = true;
    try {
      const { origin, token, api, project } = context();
      const spec = BriefingSpec.parse(parsed.data);
      const made = await makeBriefing({ api, project: project(), spec, host: { origin, token } });
      return { ok: true, value: briefingResult(spec, made, made.renderMs) };
    } catch (error) {
      const payload = toErrorPayload(error);
      if (!(error instanceof StoreyError)) console.error('storey web host: briefing failed:', error);
      return { ok: false, error: payload };
    } finally {
      running = false;
    }
  };
}
