/** The cover, the summary of the filtered buildings with their attribute table, and the provenance page. */
import type { BuildingRow, FilterCondition } from '../../common/contract.js';
import { formatNumber, ink, label, paragraph, type Doc } from './document.js';
import type { PageGeometry } from './paper.js';
import { drawTable, type Row } from './table.js';

export interface CoverData {
  title: string;
  author: string;
  marking: string;
  date: string;
  projectName: string;
  synthetic: boolean;
  contents: string[];
}

export function drawCover(doc: Doc, cover: CoverData, geometry: PageGeometry): void {
  const x = geometry.margin + 20;
  const width = geometry.contentWidth - 40;
  let y = geometry.contentTop + (geometry.contentBottom - geometry.contentTop) * 0.12;
  label(doc, 'BRIEFING', x, y, { bold: true, size: 10, color: ink.accent, width });
  y += 20;
  y += paragraph(doc, cover.title, x, y, width, { bold: true, size: 28 }) + 14;
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(1.5).strokeColor(ink.accent).stroke();
  y += 16;
  const facts: Array<[string, string]> = [
    ['Project', cover.projectName + (cover.synthetic ? ' (synthetic sample data)' : '')],
    ['Author', cover.author || '—'],
    ['Date', cover.date],
    ['Marking', cover.marking],
  ];
  for (const [key, value] of facts) {
    label(doc, key, x, y, { size: 10, color: ink.muted, width: 90 });
    y += paragraph(doc, value, x + 90, y, width - 90, { size: 11 }) + 6;
  }
  y += 14;
  doc.rect(x, y, width, 30).lineWidth(1.5).strokeColor(ink.marking).stroke();
  label(doc, cover.marking, x, y + 8, { bold: true, size: 13, color: ink.marking, width, align: 'center' });
  y += 50;
  label(doc, 'Contents', x, y, { bold: true, size: 11, width });
  y += 17;
  for (const line of cover.contents) {
    if (y > geometry.contentBottom - 14) break;
    label(doc, `•  ${line}`, x + 6, y, { size: 9.5, width: width - 6 });
    y += 14;
  }
}

const operatorText: Record<FilterCondition['operator'], string> = { '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

export function describeFilter(filter: FilterCondition[], attributeLabel: (key: string) => string): string {
  if (filter.length === 0) return 'all buildings (no filter)';
  return filter.map((c) => `${attributeLabel(c.attribute)} ${operatorText[c.operator]} ${c.value === null ? 'no data' : c.value}`).join(' and ');
}

function yearClass(year: number | null): string {
  if (year === null) return 'no data';
  if (year < 1900) return 'before 1900';
  if (year >= 2010) return '2010 and later';
  const start = [1900, 1930, 1960, 1990].filter((s) => year >= s).pop()!;
  const end = { 1900: 1929, 1930: 1959, 1960: 1989, 1990: 2009 }[start];
  return `${start}–${end}`;
}
const yearOrder = ['before 1900', '1900–1929', '1930–1959', '1960–1989', '1990–2009', '2010 and later', 'no data'];

function floorClass(floors: number | null): string {
  if (floors === null) return 'no data';
  if (floors >= 7) return '7 or more';
  if (floors >= 5) return '5–6';
  return String(floors);
}
const floorOrder = ['0', '1', '2', '3', '4', '5–6', '7 or more', 'no data'];

function tally(rows: BuildingRow[], key: (row: BuildingRow) => string, order?: string[]): Row[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  const entries = [...counts].sort(order ? (a, b) => order.indexOf(a[0]) - order.indexOf(b[0]) : (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = rows.length || 1;
  return entries.map(([k, n]) => ({ cells: [k, formatNumber(n), `${formatNumber((100 * n) / total, 1)} %`] }));
}

/** Counts by use, floors and year class, then the attribute table (up to `maxRows` rows). */
export function drawSummary(doc: Doc, rows: BuildingRow[], total: number, filterText: string, geometry: PageGeometry, newPage: () => number, maxRows: number): void {
  const x = geometry.margin;
  let y = geometry.contentTop;
  label(doc, 'Summary of the filtered buildings', x, y, { bold: true, size: 15, width: geometry.contentWidth });
  y += 22;
  y += paragraph(doc, `${formatNumber(total)} buildings match: ${filterText}.`, x, y, geometry.contentWidth, { size: 9.5 }) + 12;
  const columns = (first: string) => [{ header: first, weight: 2.2 }, { header: 'Buildings', weight: 1, align: 'right' as const }, { header: 'Share', weight: 1, align: 'right' as const }];
  const landscape = geometry.width > geometry.height;
  const tables: Array<[string, Row[]]> = [
    ['By use', tally(rows, (r) => r.use ?? 'no data')],
    ['By floors above ground', tally(rows, (r) => floorClass(r.floorCount), floorOrder)],
    ['By year built', tally(rows, (r) => yearClass(r.yearBuilt), yearOrder)],
  ];
  if (landscape) {
    const width = (geometry.contentWidth - 2 * 16) / 3;
    let bottom = y;
    tables.forEach(([caption, tableRows], i) => {
      bottom = Math.max(bottom, drawTable(doc, { x: x + i * (width + 16), y, width, caption, columns: columns(caption.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())), rows: tableRows, geometry, newPage }));
    });
    y = bottom + 20;
  } else {
    for (const [caption, tableRows] of tables) {
      y = drawTable(doc, { x, y, width: geometry.contentWidth * 0.7, caption, columns: columns(caption.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())), rows: tableRows, geometry, newPage }) + 16;
    }
  }
  const shown = rows.slice(0, maxRows);
  if (y + 80 > geometry.contentBottom) y = newPage();
  drawTable(doc, {
    x, y, width: geometry.contentWidth, geometry, newPage,
    caption: shown.length < total ? `Attribute table (the first ${formatNumber(shown.length)} of ${formatNumber(total)} buildings, by address)` : 'Attribute table',
    columns: [
      { header: 'Address', weight: 4 },
      { header: 'Use', weight: 2.4 },
      { header: 'Year', weight: 0.7, align: 'right' },
      { header: 'Floors', weight: 0.7, align: 'right' },
      { header: 'Height', weight: 0.9, align: 'right' },
      { header: 'Dwellings', weight: 0.9, align: 'right' },
    ],
    rows: shown.map((r) => ({
      cells: [r.address ?? `building ${r.id}`, r.use ?? '—', r.yearBuilt === null ? '—' : String(r.yearBuilt), r.floorCount === null ? '—' : String(r.floorCount), `${formatNumber(r.heightMeters, 1)} m`, r.dwellingCount === null ? '—' : String(r.dwellingCount)],
    })),
  });
}

export interface ProvenanceData {
  projectFile: string;
  projectName: string;
  schemaVersion: number;
  attribution: string;
  imports: Array<{ startedAt: string; profile: string; files: string[] }>;
  storeyVersion: string;
  generatedAt: string;
  renderer: string;
}

export function drawProvenance(doc: Doc, data: ProvenanceData, geometry: PageGeometry, newPage: () => number): void {
  const x = geometry.margin;
  const width = geometry.contentWidth;
  let y = geometry.contentTop;
  label(doc, 'Provenance', x, y, { bold: true, size: 15, width });
  y += 24;
  const facts: Array<[string, string]> = [
    ['Data sources', data.attribution || 'No attribution recorded in the project.'],
    ['Project file', `${data.projectFile} (“${data.projectName}”, schema version ${data.schemaVersion})`],
    ['Generated', `${data.generatedAt} by Storey ${data.storeyVersion}`],
    ['Maps', data.renderer],
  ];
  for (const [key, value] of facts) {
    label(doc, key, x, y, { bold: true, size: 9, width: 110 });
    y += Math.max(12, paragraph(doc, value, x + 115, y, width - 115, { size: 9 })) + 6;
  }
  y += 8;
  drawTable(doc, {
    x, y, width, geometry, newPage,
    caption: data.imports.length ? 'Registry imports into this project' : 'Registry imports: none recorded',
    columns: [{ header: 'Imported (UTC)', weight: 1.1 }, { header: 'Profile', weight: 3 }, { header: 'Files', weight: 3.6 }],
    rows: data.imports.map((i) => ({ cells: [i.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), i.profile, i.files.join(', ')] })),
  });
}
