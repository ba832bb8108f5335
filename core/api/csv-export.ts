/** The attribute table as CSV: made by the host, so every export passes through one place that records it. */
import type { BuildingRow } from '../../common/contract.js';

export type BuildingSort = 'address' | 'use' | 'yearBuilt' | 'floorCount' | 'heightMeters' | 'dwellingCount';

export const csvColumns: Array<keyof BuildingRow> = ['id', 'address', 'use', 'yearBuilt', 'floorCount', 'heightMeters', 'dwellingCount'];

function csvEscape(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: such text is quoted and prefixed with '.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r;']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 with CRLF line ends, and a byte-order mark so spreadsheet programs read æ, ø and å as UTF-8. */
export function buildingsCsv(rows: BuildingRow[]): string {
  return '\uFEFF' + [csvColumns.join(','), ...rows.map((r) => csvColumns.map((c) => csvEscape(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** "odense-buildings.csv": the project's name, made safe for a file name. */
export function csvFileName(projectName: string): string {
  const slug = projectName.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 60);
  return `${slug || 'storey'}-buildings.csv`;
}
