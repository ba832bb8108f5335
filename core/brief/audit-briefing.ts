/** A finished briefing as the project's audit trail records it: what went out, how many pages, and where to. */
import type { BriefingResult, BriefingSpec } from '../../common/briefing.js';
import type { ProjectFile } from '../project/project-file.js';
import { filterText, recordExport } from '../project/audit.js';

export interface BriefingDelivery {
  /** Which path made it: the CLI, the web host, the workstation. */
  via: 'cli' | 'web host' | 'workstation';
  /** The file it went to: a path (CLI) or the file name the UI saves it under. */
  target: string;
  destination: string;
  /** The names of the map pages' saved views, when the caller resolved them. */
  viewNames?: string[];
}

/** Records the briefing (throws READ_ONLY when it cannot be recorded: then it must not be handed out). */
export function recordBriefing(project: ProjectFile, spec: BriefingSpec, result: Pick<BriefingResult, 'pageCount'> & { bytes?: number; pdfBase64?: string }, delivery: BriefingDelivery): void {
  const bytes = result.bytes ?? (result.pdfBase64 !== undefined ? Math.floor((result.pdfBase64.length * 3) / 4) - (result.pdfBase64.endsWith('==') ? 2 : result.pdfBase64.endsWith('=') ? 1 : 0) : undefined);
  recordExport(project, 'briefing', delivery.target, {
    via: delivery.via,
    title: spec.title,
    pages: result.pageCount,
    ...(bytes !== undefined ? { bytes } : {}),
    marking: spec.marking || project.getMeta('marking') || 'UNCLASSIFIED',
    paper: `${spec.paper}-${spec.orientation}`,
    views: delivery.viewNames ?? spec.viewIds,
    buildings: spec.buildingIds,
    table: spec.includeTable ? filterText(spec.filter) : null,
    destination: delivery.destination,
  });
}
