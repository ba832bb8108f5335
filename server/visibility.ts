/** What a token may see of a change: its area (by envelope) and its fields. */
import { envelopeMeets, type Area, type Envelope } from '../core/sync/area.js';
import type { RowJson } from '../core/sync/wire.js';

export interface ChangeRow {
  tbl: string;
  key: string;
  op: 'put' | 'delete';
  row_json: string | null;
  sha256: string | null;
  minx: number | null; miny: number | null; maxx: number | null; maxy: number | null;
  ever_minx: number | null; ever_miny: number | null; ever_maxx: number | null; ever_maxy: number | null;
}

const env = (minx: number | null, miny: number | null, maxx: number | null, maxy: number | null): Envelope | null =>
  minx === null || miny === null || maxx === null || maxy === null ? null : { minx, miny, maxx, maxy };

/**
 * 'put' when the row is in the area now; 'delete' when it is gone or has left the area but was once in it (the
 * workstation may hold it); undefined when the area never saw it, so its id is never named.
 */
export function visibleOp(row: ChangeRow, area: Area | null): 'put' | 'delete' | undefined {
  if (row.op === 'put' && envelopeMeets(env(row.minx, row.miny, row.maxx, row.maxy), area)) return 'put';
  if (!area || envelopeMeets(env(row.ever_minx, row.ever_miny, row.ever_maxx, row.ever_maxy), area)) return 'delete';
  return undefined;
}

/** Columns every record keeps whatever the token's fields: ids, links, geometry and the shape of the building. */
const structural = new Set([
  'registry_id', 'building_id', 'floor_id', 'stairwell_id', 'address_id', 'footprint', 'geom', 'height_m', 'height_source',
  'use_category', 'ground_height_m', 'base_height_m', 'level_index', 'label', 'full_text',
]);

/** Keeps structural columns and the listed fields (column names or attribute keys); the rest become null / absent. */
export function restrictFields(row: RowJson, fields: string[] | null): RowJson {
  if (!fields) return row;
  const allowed = new Set(fields);
  const out: RowJson = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === 'attributes') {
      if (allowed.has('attributes')) out[column] = value;
      else {
        const attributes = JSON.parse(String(value ?? '{}')) as Record<string, unknown>;
        out[column] = JSON.stringify(Object.fromEntries(Object.entries(attributes).filter(([k]) => allowed.has(k))));
      }
    } else out[column] = structural.has(column) || allowed.has(column) ? value : null;
  }
  return out;
}
