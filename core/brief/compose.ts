/**
 * Composes a briefing PDF from a spec, the project (read through the same API the UI uses) and the maps a renderer
 * made. Shared by the CLI, the web host and the desktop: only the map rendering differs between them.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BriefingResult, BriefingSpec } from '../../common/briefing.js';
import type { StoreyApi, UnitSummary } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { findPackageRoot } from '../paths.js';
import type { ProjectFile } from '../project/project-file.js';
import { buildingTitle, drawBuildingPages, type BuildingData } from './building-page.js';
import { createDocument, documentBytes, ink, label, type Doc } from './document.js';
import { drawMapPage } from './map-page.js';
import { mapLayout, pageGeometry, type PageGeometry } from './paper.js';
import { describeFilter, drawCover, drawProvenance, drawSummary } from './report-pages.js';
import { throwIfCancelled, type BriefingProgress, type MapImage } from './types.js';
import { briefingTotalSteps } from './briefing-jobs.js';

/** The attribute table stops here; the analyst exports CSV from the workstation for more. */
export const MAX_TABLE_ROWS = 500;

/** The read operations composition uses: any StoreyApi implementation, or just the project's. */
export type BriefingDataApi = Pick<StoreyApi, 'getProjectInfo' | 'listBuildingShapes' | 'getBuilding' | 'listFloorUnits' | 'queryBuildings' | 'listAttributes'>;

export interface ComposeInput {
  api: BriefingDataApi;
  project: ProjectFile;
  spec: BriefingSpec;
  maps: MapImage[];
  /** Fixed in tests; otherwise the time of composition. */
  now?: Date;
  /** How the maps were made, for the provenance page. */
  renderer?: string;
  progress?: BriefingProgress;
  /** Checked between pages: aborting stops composition with CANCELLED and nothing is returned. */
  signal?: AbortSignal;
}

export function storeyVersion(): string {
  const manifest = JSON.parse(readFileSync(join(findPackageRoot(import.meta.dirname), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function importHistory(project: ProjectFile): Array<{ startedAt: string; profile: string; files: string[] }> {
  const rows = project.db.prepare(`SELECT started_at, profile, files FROM storey_imports ORDER BY id`).all() as Array<{ started_at: string; profile: string; files: string }>;
  return rows.map((r) => ({ startedAt: r.started_at, profile: r.profile, files: (JSON.parse(r.files) as string[]).map((f) => basename(f)) }));
}

const stamp = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Header and footer of every page: the marking twice, the title, the project and "n / N". */
function drawFrames(doc: Doc, geometry: PageGeometry, spec: BriefingSpec, marking: string, projectName: string, date: string): number {
  const range = doc.bufferedPageRange();
  const total = range.count;
  for (let i = range.start; i < range.start + total; i++) {
    doc.switchToPage(i);
    // Writing in the margins must not make pdfkit start a new page.
    const margins = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    const { margin, width, height } = geometry;
    const inner = width - 2 * margin;
    label(doc, marking, margin, 14, { bold: true, size: 9.5, color: ink.marking, width: inner, align: 'center' });
    label(doc, projectName, margin, 16, { size: 7.5, color: ink.muted, width: inner / 3 });
    label(doc, spec.title, width - margin - inner / 3, 16, { size: 7.5, color: ink.muted, width: inner / 3, align: 'right' });
    doc.moveTo(margin, 33).lineTo(width - margin, 33).lineWidth(0.5).strokeColor(ink.rule).stroke();
    doc.moveTo(margin, height - 36).lineTo(width - margin, height - 36).lineWidth(0.5).strokeColor(ink.rule).stroke();
    label(doc, marking, margin, height - 28, { bold: true, size: 9.5, color: ink.marking, width: inner, align: 'center' });
    label(doc, `Storey briefing · ${date}`, margin, height - 26, { size: 7.5, color: ink.muted, width: inner / 3 });
    label(doc, `${i - range.start + 1} / ${total}`, width - margin - inner / 3, height - 26, { size: 8, width: inner / 3, align: 'right' });
    doc.page.margins = margins;
  }
  return total;
}

export async function composeBriefing(input: ComposeInput): Promise<{ pdf: Buffer; pageCount: number }> {
  const { api, project, spec, maps } = input;
  const { signal } = input;
  const report = input.progress ?? (() => {});
  // Steps of the whole briefing: the maps come first and are done by now.
  const total = briefingTotalSteps(spec);
  let done = maps.length;
  // Drawing is synchronous: each step gives the event loop a turn, so the host answers progress polls and cancels.
  const progress = async (detail: string, stage: 'composing' | 'writing' = 'composing') => {
    await new Promise((resolve) => setImmediate(resolve));
    throwIfCancelled(signal);
    report(detail, { stage, detail, done: Math.min(done, total - 1), total });
  };
  const now = input.now ?? new Date();
  const info = await api.getProjectInfo({});
  const geometry = pageGeometry(spec.paper, spec.orientation);
  const marking = spec.marking || info.marking || 'UNCLASSIFIED';
  const version = storeyVersion();

  // Read everything first, so a bad building id fails before any page is drawn.
  await progress(spec.buildingIds.length || spec.includeTable ? 'reading the buildings and the table' : 'composing the cover');
  const buildings: BuildingData[] = [];
  if (spec.buildingIds.length) {
    const shapes = new Map((await api.listBuildingShapes({})).buildings.map((b) => [b.id, b.polygons]));
    for (const id of spec.buildingIds) {
      throwIfCancelled(signal);
      const detail = await api.getBuilding({ id });
      const units = new Map<string, UnitSummary[]>();
      for (const floor of detail.floors) units.set(floor.id, (await api.listFloorUnits({ floorId: floor.id })).units);
      buildings.push({ detail, polygons: shapes.get(detail.id) ?? null, units });
    }
  }
  let table: { rows: Awaited<ReturnType<StoreyApi['queryBuildings']>>['rows']; count: number; filterText: string } | null = null;
  if (spec.includeTable) {
    const result = await api.queryBuildings({ conditions: spec.filter, limit: 100000 });
    const labels = new Map((await api.listAttributes({})).attributes.map((a) => [a.key, a.label]));
    table = { rows: result.rows, count: result.count, filterText: describeFilter(spec.filter, (k) => labels.get(k) ?? k) };
  }
  if (maps.length === 0 && buildings.length === 0 && !table) {
    throw new StoreyError('BAD_ARGUMENT', 'The briefing would have no content: choose at least one saved view, one building or the attribute table.');
  }

  const doc = createDocument(geometry, { title: spec.title, author: spec.author, subject: `Briefing on ${info.name}`, creator: `Storey ${version}` });
  const bytes = documentBytes(doc);
  const newPage = () => {
    doc.addPage();
    return geometry.contentTop;
  };

  newPage();
  drawCover(doc, {
    title: spec.title,
    author: spec.author,
    marking,
    date: stamp(now),
    projectName: info.name,
    synthetic: info.synthetic,
    contents: [
      ...maps.map((m) => `Map: ${m.viewName}`),
      ...buildings.map((b) => `Building: ${buildingTitle(b.detail)}`),
      ...(table ? [`Summary and attribute table: ${table.filterText}`] : []),
      'Provenance',
    ],
  }, geometry);

  const layout = mapLayout(spec.paper, spec.orientation);
  for (const [i, map] of maps.entries()) {
    await progress(`composing map page ${i + 1} of ${maps.length}: ${map.viewName}`);
    newPage();
    drawMapPage(doc, map, layout, geometry.contentTop, info.attribution, spec.orientation === 'landscape');
  }
  for (const [i, building] of buildings.entries()) {
    await progress(`composing building ${i + 1} of ${buildings.length}: ${buildingTitle(building.detail)}`);
    newPage();
    drawBuildingPages(doc, building, geometry, newPage);
    done++;
  }
  if (table) {
    await progress(`composing the summary of ${table.count} buildings`);
    newPage();
    drawSummary(doc, table.rows, table.count, table.filterText, geometry, newPage, MAX_TABLE_ROWS);
    done++;
  }
  await progress('composing the provenance page');
  newPage();
  drawProvenance(doc, {
    projectFile: info.fileName,
    projectName: info.name,
    schemaVersion: info.schemaVersion,
    attribution: info.attribution,
    imports: importHistory(project),
    storeyVersion: version,
    generatedAt: stamp(now),
    renderer: input.renderer ?? (maps.length ? 'Rendered by the workstation.' : 'No map pages in this briefing.'),
  }, geometry, newPage);

  const pageCount = drawFrames(doc, geometry, spec, marking, info.name, stamp(now));
  await progress(`writing the PDF (${pageCount} pages)`, 'writing');
  doc.end();
  const pdf = await bytes;
  throwIfCancelled(signal);
  return { pdf, pageCount };
}

/** The PDF as the contract hands it to the UI, named after its title. */
export function briefingResult(spec: BriefingSpec, composed: { pdf: Buffer; pageCount: number; composeMs?: number }, renderMs: number): BriefingResult {
  const slug = spec.title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'briefing';
  return { fileName: `${slug}.pdf`, pageCount: composed.pageCount, pdfBase64: composed.pdf.toString('base64'), renderMs, composeMs: composed.composeMs ?? 0 };
}
