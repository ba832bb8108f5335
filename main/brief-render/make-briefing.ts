/**
 * A whole briefing: the saved views rendered to print maps by headless Chromium against a web host, then composed
 * by core/brief. The CLI runs it on a project file (starting a read-only web host for the page to load); the web
 * host runs it against itself.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BriefingSpec } from '../../common/briefing.js';
import type { StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { composeBriefing, type BriefingDataApi } from '../../core/brief/compose.js';
import { throwIfCancelled, type BriefingProgress } from '../../core/brief/types.js';
import { briefingTotalSteps } from '../../core/brief/briefing-jobs.js';
import { chosenViews } from '../../core/brief/chosen-views.js';
import { recordBriefing } from '../../core/brief/audit-briefing.js';
import { findPackageRoot } from '../../core/paths.js';
import type { ProjectFile } from '../../core/project/project-file.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { startWebHost } from '../web/web-host.js';
import { renderMaps } from './render-maps.js';

export interface BriefingOutput {
  pdf: Buffer;
  pageCount: number;
  renderMs: number;
  composeMs: number;
  /** The saved views of the map pages, by name, in order. */
  viewNames: string[];
}

type BriefingApi = BriefingDataApi & Pick<StoreyApi, 'listViews'>;

export { chosenViews };

export async function makeBriefing(options: {
  api: BriefingApi;
  project: ProjectFile;
  spec: BriefingSpec;
  /** The web host whose page renders the maps. */
  host: { origin: string; token: string };
  progress?: BriefingProgress;
  now?: Date;
  /** Aborting stops the work (Chromium is closed) with CANCELLED. */
  signal?: AbortSignal;
}): Promise<BriefingOutput> {
  const { api, spec } = options;
  const views = await chosenViews(api, spec.viewIds);
  // Check the buildings before starting a browser, so a typo fails in a second, not after the maps.
  for (const id of spec.buildingIds) await api.getBuilding({ id });
  const renderStarted = performance.now();
  const totalSteps = briefingTotalSteps(spec);
  const maps = await renderMaps({ ...options.host, views, paper: spec.paper, orientation: spec.orientation, progress: options.progress, totalSteps, signal: options.signal });
  throwIfCancelled(options.signal);
  const renderMs = performance.now() - renderStarted;
  const composeStarted = performance.now();
  const { pdf, pageCount } = await composeBriefing({
    api,
    project: options.project,
    spec: { ...spec, viewIds: views.map((v) => v.id) },
    maps,
    now: options.now,
    progress: options.progress,
    signal: options.signal,
    renderer: maps.length
      ? `Rendered by the Storey workstation in headless Chromium (software WebGL) at ${maps[0]!.widthPx} × ${maps[0]!.heightPx} px per map.`
      : 'No map pages in this briefing.',
  });
  return { pdf, pageCount, renderMs, composeMs: performance.now() - composeStarted, viewNames: views.map((v) => v.name) };
}

/** The built UI the print page loads. */
export function builtRenderer(): string {
  const staticRoot = join(findPackageRoot(import.meta.dirname), 'dist', 'renderer');
  if (!existsSync(join(staticRoot, 'index.html'))) {
    throw new StoreyError('NOT_FOUND', `The UI is not built (${staticRoot} has no index.html), and map pages are drawn by it: run \`npm run build\` first.`);
  }
  return staticRoot;
}

/**
 * A briefing of a project file: opens it read-only behind a loopback web host for the maps. `deliver` writes the PDF
 * where it goes and says where (a path); the briefing is then recorded in the project's audit trail, and when that
 * cannot be done `undeliver` takes the file back, so no PDF leaves unrecorded.
 */
export async function briefingFromFile(
  projectPath: string,
  spec: BriefingSpec,
  progress?: BriefingProgress,
  now?: Date,
  options: { signal?: AbortSignal; deliver?: (output: BriefingOutput) => string; undeliver?: () => void } = {},
): Promise<BriefingOutput> {
  // A private state file: making a briefing should not add the project to the user's recent list.
  const scratch = mkdtempSync(join(tmpdir(), 'storey-brief-'));
  try {
    const host = await startWebHost({ projectPath, staticRoot: builtRenderer(), readOnly: true, stateFile: join(scratch, 'state.json') });
    try {
      const project = host.project;
      const output = await makeBriefing({ api: new ProjectApi(project), project, spec, host, progress, now, signal: options.signal });
      if (options.deliver) {
        const total = briefingTotalSteps(spec);
        const target = options.deliver(output);
        progress?.(`recording the briefing in the audit trail of ${project.fileName}`, { stage: 'writing', detail: `writing ${basename(target)}`, done: total - 1, total });
        try {
          throwIfCancelled(options.signal);
          recordBriefing(project, spec, { pageCount: output.pageCount, bytes: output.pdf.length }, { via: 'cli', target, destination: 'file', viewNames: output.viewNames });
        } catch (error) {
          options.undeliver?.();
          throw error;
        }
      }
      return output;
    } finally {
      await host.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
