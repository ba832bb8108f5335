/**
 * The workstation's choice of what to sync (protocol version 2, docs/sync-protocol.md "Choosing layers and zooms"):
 * whether registry records come, which tile layers, and a zoom range per imagery or terrain layer. The server
 * filters the manifest, the changes and the tile batches by it; the client keeps it in the project (`sync.filter`)
 * so every later sync asks for the same, and compares it with the choice its data was synced under
 * (`sync.filter.applied`) to bring what is newly wanted and drop what is no longer wanted.
 */
import { StoreyError } from '../../common/errors.js';

/** One chosen tile layer; a null zoom bound falls back to the filter's own (and then to no bound). */
export interface LayerChoice {
  id: string;
  minZoom: number | null;
  maxZoom: number | null;
}

export interface SyncFilter {
  /** Registry records (buildings, storeys, units, stairwells, addresses). */
  records: boolean;
  /** The tile layers, by id; null = every layer the token may see (including ones the server adds later). */
  layers: LayerChoice[] | null;
  /** Zoom bounds for every chosen imagery or terrain layer that has none of its own. */
  minZoom: number | null;
  maxZoom: number | null;
}

/** Everything, as protocol version 1 sends it. */
export const EVERYTHING: SyncFilter = { records: true, layers: null, minZoom: null, maxZoom: null };

/** The highest zoom level a tile path may name (Web Mercator tiles end well before this). */
export const MAX_ZOOM = 30;

const LAYER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface ZoomRange { min: number | null; max: number | null }

/** Canonical form: layers sorted by id, so equal choices compare equal as text. */
export function normalizeFilter(filter: SyncFilter | null | undefined): SyncFilter {
  if (!filter) return EVERYTHING;
  const layers = filter.layers === null ? null : [...filter.layers].map((l) => ({ id: l.id, minZoom: l.minZoom ?? null, maxZoom: l.maxZoom ?? null })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { records: filter.records, layers, minZoom: filter.minZoom ?? null, maxZoom: filter.maxZoom ?? null };
}

export function filterKey(filter: SyncFilter | null | undefined): string {
  return JSON.stringify(normalizeFilter(filter));
}

export function isEverything(filter: SyncFilter | null | undefined): boolean {
  return filterKey(filter) === filterKey(EVERYTHING);
}

/** The zoom range of a layer under the filter, or undefined when the layer is not chosen. */
export function layerRange(filter: SyncFilter, layerId: string): ZoomRange | undefined {
  const own = filter.layers === null ? { minZoom: null, maxZoom: null } : filter.layers.find((l) => l.id === layerId);
  if (!own) return undefined;
  return { min: own.minZoom ?? filter.minZoom, max: own.maxZoom ?? filter.maxZoom };
}

/** The zoom level of a z/x/y tile path ("12/2170/1282.png"), or null for other paths (layer.json, tileset.json). */
export function tileZoom(path: string): number | null {
  const match = /^(\d{1,2})\/\d+\/\d+(\.[A-Za-z0-9]+)?$/.exec(path);
  return match ? Number(match[1]) : null;
}

/**
 * Whether a tile is wanted: its layer is chosen and, for imagery and terrain, its zoom is in the range. Paths that
 * name no zoom (a terrain layer's layer.json, every 3D Tiles file) come whenever their layer does.
 */
export function wantsTile(filter: SyncFilter, layerId: string, kind: string | undefined, path: string): boolean {
  const range = layerRange(filter, layerId);
  if (!range) return false;
  if (kind === '3dtiles') return true;
  const z = tileZoom(path);
  if (z === null) return true;
  return (range.min === null || z >= range.min) && (range.max === null || z <= range.max);
}

/** Whether `outer` holds every zoom `inner` does. */
function covers(outer: ZoomRange, inner: ZoomRange): boolean {
  const minOk = outer.min === null || (inner.min !== null && inner.min >= outer.min);
  const maxOk = outer.max === null || (inner.max !== null && inner.max <= outer.max);
  return minOk && maxOk;
}

/**
 * What `wanted` asks for that `applied` did not (the server's layers named in `layerIds`): records when they were
 * off, and each layer that is new or whose range grew, listed again with its whole new range. Null when nothing
 * new is wanted (the choice only narrowed).
 */
export function newlyWanted(applied: SyncFilter, wanted: SyncFilter, layerIds: string[]): SyncFilter | null {
  const layers: LayerChoice[] = [];
  for (const id of layerIds) {
    const now = layerRange(wanted, id);
    if (!now) continue;
    const before = layerRange(applied, id);
    if (!before || !covers(before, now)) layers.push({ id, minZoom: now.min, maxZoom: now.max });
  }
  const records = wanted.records && !applied.records;
  if (!records && layers.length === 0) return null;
  return { records, layers, minZoom: null, maxZoom: null };
}

/** The query parameters of a filter (empty for everything, so a version 1 server sees the requests it knows). */
export function filterQuery(filter: SyncFilter | null | undefined): string {
  const f = normalizeFilter(filter);
  const parts: string[] = [];
  if (!f.records) parts.push('records=0');
  if (f.layers !== null) {
    const items = f.layers.map((l) => (l.minZoom === null && l.maxZoom === null ? l.id : `${l.id}:${l.minZoom ?? ''}-${l.maxZoom ?? ''}`));
    parts.push(`layers=${items.join(',')}`);
  }
  if (f.minZoom !== null) parts.push(`minzoom=${f.minZoom}`);
  if (f.maxZoom !== null) parts.push(`maxzoom=${f.maxZoom}`);
  return parts.map((p) => `&${p}`).join('');
}

function zoomValue(text: string, what: string): number | null {
  if (text === '') return null;
  if (!/^\d{1,2}$/.test(text) || Number(text) > MAX_ZOOM) throw new StoreyError('BAD_ARGUMENT', `${what} must be a zoom level from 0 to ${MAX_ZOOM}, not "${text.slice(0, 20)}".`);
  return Number(text);
}

function checkRange(min: number | null, max: number | null, what: string): void {
  if (min !== null && max !== null && min > max) throw new StoreyError('BAD_ARGUMENT', `${what}: the lowest zoom ${min} is above the highest ${max}.`);
}

/**
 * Parses the filter parameters of a request (or the CLI's --layers "a,b:0-14"); `what` names where they came from
 * in an error. Absent parameters mean everything.
 */
export function parseFilter(params: { records?: string | null; layers?: string | null; minzoom?: string | null; maxzoom?: string | null }, what: { records: string; layers: string; minzoom: string; maxzoom: string }): SyncFilter {
  let records = true;
  if (params.records !== undefined && params.records !== null) {
    if (params.records !== '0' && params.records !== '1') throw new StoreyError('BAD_ARGUMENT', `${what.records} must be 0 or 1, not "${params.records.slice(0, 20)}".`);
    records = params.records === '1';
  }
  let layers: LayerChoice[] | null = null;
  if (params.layers !== undefined && params.layers !== null) {
    layers = [];
    const seen = new Set<string>();
    for (const item of params.layers.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const match = /^([^:]+)(?::(\d*)-(\d*))?$/.exec(item);
      if (!match || !LAYER_ID.test(match[1]!)) {
        throw new StoreyError('BAD_ARGUMENT', `${what.layers}: "${item.slice(0, 80)}" is not a layer id (lower-case letters, digits, dashes) optionally followed by :MIN-MAX zooms.`);
      }
      const id = match[1]!;
      if (seen.has(id)) throw new StoreyError('BAD_ARGUMENT', `${what.layers}: the layer ${id} is named twice.`);
      seen.add(id);
      const minZoom = zoomValue(match[2] ?? '', `${what.layers} (${id}, lowest zoom)`);
      const maxZoom = zoomValue(match[3] ?? '', `${what.layers} (${id}, highest zoom)`);
      checkRange(minZoom, maxZoom, `${what.layers} (${id})`);
      layers.push({ id, minZoom, maxZoom });
    }
    if (layers.length > 500) throw new StoreyError('BAD_ARGUMENT', `${what.layers}: at most 500 layers.`);
  }
  const minZoom = params.minzoom ? zoomValue(params.minzoom, what.minzoom) : null;
  const maxZoom = params.maxzoom ? zoomValue(params.maxzoom, what.maxzoom) : null;
  checkRange(minZoom, maxZoom, `${what.minzoom} and ${what.maxzoom}`);
  return normalizeFilter({ records, layers, minZoom, maxZoom });
}

/** Reads a filter kept in the project (`sync.filter`, JSON), naming the key in an error. */
export function parseStoredFilter(text: string | undefined, key: string): SyncFilter | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as SyncFilter;
    if (typeof value !== 'object' || value === null || typeof value.records !== 'boolean' || !(value.layers === null || Array.isArray(value.layers))) throw new Error('shape');
    return normalizeFilter(value);
  } catch {
    throw new StoreyError('DAMAGED', `The project's ${key} is not a sync choice this version can read; set it again with storey sync --layers.`);
  }
}

/** A short description for messages and the CLI: "records; imagery-1a2b3c (z0–12), terrain-4d5e6f". */
export function describeFilter(filter: SyncFilter | null | undefined): string {
  const f = normalizeFilter(filter);
  const zoom = (min: number | null, max: number | null) => (min === null && max === null ? '' : ` (z${min ?? 0}–${max ?? '…'})`);
  const layers = f.layers === null ? `every layer${zoom(f.minZoom, f.maxZoom)}` : f.layers.length === 0 ? 'no tile layers' : f.layers.map((l) => `${l.id}${zoom(l.minZoom ?? f.minZoom, l.maxZoom ?? f.maxZoom)}`).join(', ');
  return `${f.records ? 'registry records' : 'no registry records'}; ${layers}`;
}
