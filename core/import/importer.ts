/**
 * The registry import: reads the inputs a profile describes, joins footprints, buildings, floors, stairwells,
 * units, addresses and ground heights, works out heights, and writes everything in one transaction keyed by
 * registry id (a re-import updates). Rows that cannot be used are skipped with a counted reason; a file that cannot
 * be read at all stops the import and leaves the project as it was.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImportProgress, ImportReport } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { decodePolygons, encodeMultiPolygon, type Polygon } from '../project/gpkg-geometry.js';
import { ProjectFile, type NewProjectOptions } from '../project/project-file.js';
import type { AddressRecord, Attributes, BuildingRecord, FloorRecord, HeightSource, StairwellRecord, UnitRecord } from '../project/records.js';
import { RegistryStore } from '../project/registry-store.js';
import { readCityJson, type CityBuilding } from './cityjson.js';
import { transformToWgs84, type Transform } from './crs.js';
import { footprintFromGeoJson, GeometryProblem, mergeFootprintParts } from './geometry.js';
import { matchesPattern, type Profile, type ProfileInput } from './profile.js';
import { PlacedRow, readCsv, readGeoJson, readNdjson, type RowProblem, type SourceRow } from './readers.js';

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Polled between batches, also inside the write transaction (where no message can arrive): true cancels. */
  shouldCancel?: () => boolean;
}

/** Anything that can say where it came from (a row, a city object). */
interface Placed {
  readonly where: string;
}

/** A row's place without the row itself, so its values and geometry can be collected while the place is kept. */
const placeOf = (row: SourceRow): Placed => (row instanceof PlacedRow ? row.placeOnly() : { where: row.where });

/** Counts by reason, with the first few places, for the report. */
class Tally {
  private readonly entries = new Map<string, { count: number; examples: string[] }>();
  /** `where` may be a row: its place is only spelt out for the first few examples, not for every row counted. */
  add(reason: string, where: string | Placed): void {
    let entry = this.entries.get(reason);
    if (!entry) {
      entry = { count: 0, examples: [] };
      this.entries.set(reason, entry);
    }
    entry.count++;
    if (entry.examples.length < 5) entry.examples.push(typeof where === 'string' ? where : where.where);
  }
  /** Adds another tally's counts and examples after this one's (still at most five examples per reason). */
  absorb(other: Tally): void {
    for (const [reason, e] of other.entries) {
      let entry = this.entries.get(reason);
      if (!entry) {
        entry = { count: 0, examples: [] };
        this.entries.set(reason, entry);
      }
      entry.count += e.count;
      for (const example of e.examples) if (entry.examples.length < 5) entry.examples.push(example);
    }
  }
  list() {
    return [...this.entries].map(([reason, e]) => ({ reason, count: e.count, examples: e.examples })).sort((a, b) => b.count - a.count);
  }
}

/** Files below the given paths (folders are walked), in a stable order. */
export function expandInputPaths(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw new StoreyError('FILE_NOT_FOUND', `There is no file or folder at ${path}.`);
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    } else {
      files.push(path);
    }
  };
  for (const path of paths) walk(path);
  return files;
}

/** Pairs each file with the profile input whose pattern matches its name. */
export function assignInputs(profile: Profile, files: string[]): { assigned: Array<{ path: string; input: ProfileInput }>; ignored: string[] } {
  const assigned: Array<{ path: string; input: ProfileInput }> = [];
  const ignored: string[] = [];
  for (const path of files) {
    const input = profile.inputs.find((i) => matchesPattern(basename(path), i.match));
    if (input) assigned.push({ path, input });
    else ignored.push(path);
  }
  if (assigned.length === 0) {
    throw new StoreyError(
      'BAD_INPUT',
      `None of the ${files.length} input files matches the profile "${profile.name}" (it expects ${profile.inputs.map((i) => i.match).join(', ')}).`,
    );
  }
  return { assigned, ignored };
}

// Ids are compared in lower case. toLowerCase() makes a new string even when nothing changes (V8 11, Node 20), so
// ids already in lower case (most UUIDs and numbers) are handed back as they are: no garbage, and the Map lookups
// that follow reuse the hash the string already carries. The test is a regular expression (compiled to machine
// code): half the time of a charCodeAt loop over 20,000 UUIDs. Any code unit from U+0080 up may have a lower case.
const mayHaveUpperCase = /[A-Z\u0080-\uffff]/;
const lc = (value: string): string => (mayHaveUpperCase.test(value) ? value.toLowerCase() : value);

/** SQLite's order for `ORDER BY length(text), text` (characters, then BINARY: UTF-8 bytes, i.e. code points). */
function shorterThenEarlier(a: string, b: string): boolean {
  const la = codePointLength(a);
  const lb = codePointLength(b);
  if (la !== lb) return la < lb;
  for (let i = 0; i < a.length; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return false;
}

function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

const numericText = /^-?(0|[1-9]\d{0,8})(\.\d+)?$/;

/** Reads one row's fields through the profile: empty and no-data values are null, codes stay strings. */
class FieldReader {
  private readonly nulls: Set<string>;
  /** The longest no-data text: a longer value can only be one when trimming shortens it. */
  private readonly longestNull: number;
  /** Numbers whose text is a no-data value, so a number needs no string made of it to be checked. */
  private readonly numericNulls: Set<number>;
  private readonly where: Array<[string, unknown]>;
  constructor(private readonly input: ProfileInput) {
    this.nulls = new Set(['', ...input.nullValues.map(String)]);
    this.longestNull = Math.max(...[...this.nulls].map((n) => n.length));
    this.numericNulls = new Set([...this.nulls].filter((n) => String(Number(n)) === n).map(Number));
    this.where = Object.entries(input.where ?? {});
  }
  column(role: string): string | undefined {
    return this.input.fields[role];
  }
  raw(row: SourceRow, column: string | undefined): unknown {
    if (!column) return null;
    const value = row.values[column];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') {
      // Most values (ids, codes) are longer than any no-data text and have no blank at either end: those skip the
      // trim and the lookup. A character outside ASCII at an end might be a Unicode space, so it takes the check.
      const last = value.length - 1;
      if ((value.length <= this.longestNull || value.charCodeAt(0) <= 32 || value.charCodeAt(0) >= 127 || value.charCodeAt(last) <= 32 || value.charCodeAt(last) >= 127) && this.nulls.has(value.trim())) {
        return null;
      }
    } else if (typeof value === 'number' && this.numericNulls.has(value)) return null;
    return value;
  }
  text(row: SourceRow, role: string): string | null {
    const value = this.raw(row, this.column(role));
    return value === null ? null : String(value).trim();
  }
  id(row: SourceRow): string | null {
    const value = this.raw(row, this.input.id);
    return value === null ? null : String(value).trim();
  }
  number(row: SourceRow, role: string): number | null {
    const value = this.raw(row, this.column(role));
    if (value === null) return null;
    let parsed: number;
    if (typeof value === 'number') parsed = value;
    else {
      // Decimal commas ("12,5") are common in European registers.
      const text = String(value).trim();
      parsed = Number(text);
      if (Number.isNaN(parsed) && text.includes(',')) parsed = Number(text.replace(/^(-?\d+),(\d+)$/, '$1.$2'));
    }
    if (!Number.isFinite(parsed)) return null;
    if (parsed === 0 && this.input.zeroIsNull.includes(role)) return null;
    return parsed;
  }
  /** The row's attribute columns, added to (a copy of) `base` when given: the row's values win. */
  attributes(row: SourceRow, base?: Attributes): Attributes {
    const out: Attributes = {};
    if (base) for (const key in base) out[key] = base[key]!;
    for (const column of this.input.attributes) {
      const value = this.raw(row, column);
      if (value === null) out[column] = null;
      else if (typeof value === 'object') out[column] = JSON.stringify(value);
      // Numbers written as text become numbers (so they can be styled by classes); codes with leading zeros
      // ("0461") and long digit strings (registry ids such as BAG's 503100000000035) stay text.
      else if (typeof value === 'string') {
        const text = value.trim();
        out[column] = numericText.test(text) ? Number(text) : value;
      } else out[column] = value as string | number | boolean;
    }
    return out;
  }
  /** Every column the profile names for this input, for the missing-column check. */
  referencedColumns(): string[] {
    return [...new Set([this.input.id, ...Object.values(this.input.fields), ...this.input.attributes, ...Object.keys(this.input.where ?? {})].filter((c): c is string => !!c))];
  }
  keep(row: SourceRow): boolean {
    for (let i = 0; i < this.where.length; i++) {
      const column = this.where[i]![0];
      const expected = this.where[i]![1];
      const value = row.values[column];
      if (expected === null) {
        if (!(value === null || value === undefined || value === '')) return false;
      } else if (String(value) !== String(expected)) return false;
    }
    return true;
  }
}

interface LoadedInput {
  path: string;
  input: ProfileInput;
  fields: FieldReader;
  rows: SourceRow[];
  city?: CityBuilding[];
  crs?: string;
  stats: ImportReport['files'][number];
}

function parseWktPoint(text: string): [number, number] | null {
  const match = /^\s*POINT\s*Z?\s*\(\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)/i.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Floor labels to level indexes: the profile's table first, then numbers ("01" → 1), then k1/k2 basements. */
function levelOfLabel(label: string | null, levels: Record<string, number>): number | null {
  if (label === null) return null;
  const key = label.trim();
  const mapped = levels[key] ?? levels[key.toLowerCase()];
  if (mapped !== undefined) return mapped;
  if (/^-?\d+\.?$/.test(key)) return parseInt(key, 10);
  const basement = /^k(\d+)$/i.exec(key);
  if (basement) return -Number(basement[1]);
  return null;
}

/** Footprint polygons as the GeoPackage blob they are stored as (in WGS 84); none stay an empty list. */
const encodeFootprint = (polygons: Polygon[]): Uint8Array | Polygon[] => (polygons.length ? encodeMultiPolygon(polygons, 4326) : polygons);
const polygonsOf = (geometry: Uint8Array | Polygon[]): Polygon[] => (geometry instanceof Uint8Array ? decodePolygons(geometry) : geometry);

/** True when the table holds at least one record already (an import into an existing project). */
function hasRows(project: ProjectFile, table: string): boolean {
  return project.db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
}

type RecordTable = 'buildings' | 'floors' | 'stairwells' | 'units' | 'addresses';

/**
 * Rows already in a record table, found by registry id in any case (the key as lc gives it). The table is read in
 * one scan the first time a row is asked for, and not at all when it is empty (a new project) or never asked;
 * registers spell ids in either case, so a key spelt two ways in the table finds the earlier row, as it always has.
 */
function existingRows<T>(project: ProjectFile, table: RecordTable, columns: string, make: (row: unknown[]) => T): (lowerKey: string) => T | undefined {
  let rows: Map<string, T> | undefined;
  return (lowerKey) => {
    if (!rows) {
      rows = new Map();
      const scan = project.db.prepare(`SELECT registry_id, ${columns} FROM ${table} ORDER BY rowid`).raw();
      for (const row of scan.iterate() as Iterable<unknown[]>) {
        const key = lc(row[0] as string);
        if (!rows.has(key)) rows.set(key, make(row));
      }
    }
    return rows.get(lowerKey);
  };
}

/** The records already in the project that an import matches its rows against; null for a table that is empty. */
function existingRecords(project: ProjectFile) {
  const member = (table: 'floors' | 'stairwells') =>
    hasRows(project, table) ? existingRows(project, table, 'building_id', (row) => ({ registryId: row[0] as string, buildingId: row[1] as string })) : null;
  const idOnly = (table: 'units' | 'addresses') => (hasRows(project, table) ? existingRows(project, table, 'NULL', (row) => ({ registryId: row[0] as string })) : null);
  return {
    buildings: hasRows(project, 'buildings')
      ? existingRows(project, 'buildings', 'height_m, height_source, floor_count', (row) => ({ registryId: row[0] as string, heightMeters: row[1] as number, heightSource: row[2] as string, floorCount: row[3] as number | null }))
      : null,
    floors: member('floors'),
    stairwells: member('stairwells'),
    units: idOnly('units'),
    addresses: idOnly('addresses'),
  };
}

/**
 * Finds a floor or stairwell by registry id (case-insensitively) in this import, else already in the project, and
 * the building it belongs to.
 */
function memberResolver(existing: ((lowerKey: string) => { registryId: string; buildingId: string } | undefined) | null, fresh: Map<string, { registryId: string; buildingId: string }>) {
  // A record of this import is handed out as it is (callers only read it): no copy per lookup.
  return (key: string): { readonly registryId: string; readonly buildingId: string } | undefined => {
    const lower = lc(key);
    return fresh.get(lower) ?? existing?.(lower);
  };
}

export async function importRegistry(project: ProjectFile, profile: Profile, paths: string[], options: ImportOptions = {}): Promise<ImportReport> {
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; an import needs write access.`);
  const started = Date.now();
  const progress = (p: ImportProgress) => options.onProgress?.(p);
  const checkCancelled = () => {
    if (options.signal?.aborted || options.shouldCancel?.()) throw new StoreyError('CANCELLED', 'The import was cancelled; the project is unchanged.');
  };
  const { assigned, ignored } = assignInputs(profile, expandInputPaths(paths));
  const skipped = new Tally();
  const joins = new Tally();

  // 1. Inputs are read when their kind is joined, in dependency order (ground heights, footprints, floors,
  // buildings, city models, stairwells, units, addresses), and each one's rows are let go once they are in records,
  // so the rows of one file at a time are alive rather than those of every file until all joins are done (less for
  // each garbage collection to copy). The report still lists files, and the problems found while reading them, in
  // the order the files were given.
  const loaded: LoadedInput[] = assigned.map(({ path, input }) => ({
    path,
    input,
    fields: new FieldReader(input),
    rows: [],
    stats: { file: basename(path), kind: input.kind, rowsRead: 0, rowsFiltered: 0, rowsSkipped: 0 },
  }));
  const readProblems = new Map<LoadedInput, RowProblem[]>();
  let filesRead = 0;
  const readInput = async (item: LoadedInput): Promise<void> => {
    checkCancelled();
    const { path, input, fields, stats } = item;
    const name = stats.file;
    progress({ phase: 'reading', detail: name, done: filesRead, total: assigned.length });
    const problems: RowProblem[] = [];
    readProblems.set(item, problems);
    if (input.format === 'cityjson') {
      item.city = await readCityJson(path, input.crs, problems);
      stats.rowsRead = item.city.length;
    } else {
      // Readers keep only the columns the profile uses, and note the columns the file has for the check below.
      const columns = fields.referencedColumns();
      const seen = new Set<string>();
      const options = { columns, seen };
      let source: AsyncIterable<SourceRow[]> | SourceRow[][];
      if (input.format === 'geojson') {
        const doc = await readGeoJson(path, options);
        item.crs = doc.crs ?? input.crs ?? 'EPSG:4326';
        source = [doc.rows];
      } else {
        item.crs = input.crs;
        source = input.format === 'csv' ? readCsv(path, input.delimiter, problems, options) : readNdjson(path, problems, options);
      }
      for await (const batch of source) {
        stats.rowsRead += batch.length;
        for (const row of batch) {
          if (fields.keep(row)) item.rows.push(row);
          else stats.rowsFiltered++;
        }
        checkCancelled();
        progress({ phase: 'reading', detail: `${name}: ${stats.rowsRead} rows`, done: filesRead, total: assigned.length });
      }
      if (stats.rowsRead > 0) {
        const missing = columns.filter((c) => !seen.has(c));
        if (missing.length) {
          throw new StoreyError(
            'BAD_INPUT',
            `${name} has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the profile "${profile.name}" needs for ${input.kind}. Its columns are: ${[...seen].slice(0, 40).join(', ')}.`,
          );
        }
      }
    }
    stats.rowsSkipped += problems.length;
    filesRead++;
  };
  /** The inputs of one kind, read now if they were not yet. */
  const ofKind = async (kind: ProfileInput['kind']): Promise<LoadedInput[]> => {
    const items = loaded.filter((l) => l.input.kind === kind);
    for (const item of items) if (!readProblems.has(item)) await readInput(item);
    return items;
  };
  /** Lets the rows of one kind go once they are all in records. */
  const release = (items: LoadedInput[]) => {
    for (const item of items) {
      item.rows = [];
      item.city = undefined;
    }
  };
  /** A row that cannot be used: counted under its reason (a problem or a failed join) and against its file. */
  const skipRow = (item: LoadedInput, tally: Tally, reason: string, where: string | Placed) => {
    tally.add(reason, where);
    item.stats.rowsSkipped++;
  };
  // Registers spell ids in either case; a record already in the project keeps the spelling it was stored with, so
  // a re-import in another case updates it instead of adding a twin.
  // Tables still empty (a new project) cannot hold a spelling, so their ids are not looked up row by row.
  const existing = existingRecords(project);
  const canonicalId = (table: RecordTable, id: string): string => {
    const lookup = existing[table];
    return lookup ? (lookup(lc(id))?.registryId ?? id) : id;
  };
  const transformFor = (item: LoadedInput): Transform => transformToWgs84(item.crs ?? 'EPSG:4326', `${basename(item.path)} (profile input ${item.input.match})`);

  // 2. Join.
  progress({ phase: 'joining', detail: 'ground heights and footprints', done: 0, total: 1 });
  const groundHeights = new Map<string, { height: number | null; point: [number, number] | null }>();
  const groundInputs = await ofKind('groundHeights');
  for (const item of groundInputs) {
    const transform = item.rows.some((r) => item.fields.column('x') && r.values[item.fields.column('x')!] != null) ? transformFor(item) : null;
    for (const row of item.rows) {
      const id = item.fields.id(row);
      if (!id) {
        skipRow(item, skipped, 'ground height row without an id', row);
        continue;
      }
      const x = item.fields.number(row, 'x');
      const y = item.fields.number(row, 'y');
      groundHeights.set(lc(id), { height: item.fields.number(row, 'height'), point: transform && x !== null && y !== null ? transform(x, y) : null });
    }
  }

  release(groundInputs);

  interface Footprint {
    id: string;
    place: Placed;
    /**
     * Encoded as a GeoPackage blob as soon as it is read: a few hundred bytes outside the JavaScript heap instead of
     * an array per point, which the collector would copy (twice) until the buildings are written.
     */
    geometry: Uint8Array | Polygon[];
    roofZ: number | null;
    groundZ: number | null;
    attributes: Attributes;
  }
  const footprints = new Map<string, Footprint>();
  const footprintInputs = await ofKind('footprints');
  for (const item of footprintInputs) {
    const transform = transformFor(item);
    for (const row of item.rows) {
      const id = item.fields.text(row, 'building') ?? item.fields.id(row);
      if (!id) {
        skipRow(item, skipped, 'footprint without a building id', row);
        continue;
      }
      let shape;
      try {
        shape = footprintFromGeoJson(row.geometry, transform, profile.noDataHeights);
      } catch (error) {
        if (!(error instanceof GeometryProblem)) throw error;
        skipRow(item, skipped, `footprint geometry rejected: ${error.message}`, row);
        continue;
      }
      const roofZ = item.fields.number(row, 'roofHeight') ?? shape.topZ;
      const key = lc(id);
      const existing = footprints.get(key);
      if (existing) {
        // Several polygons for one building id: parts of one building, merged into a valid multipolygon.
        const merged = mergeFootprintParts([...polygonsOf(existing.geometry), ...shape.polygons]);
        existing.geometry = encodeFootprint(merged.polygons);
        if (merged.dropped) skipped.add('footprint part overlapping another part of the same building (dropped)', row);
        if (roofZ !== null) existing.roofZ = Math.max(existing.roofZ ?? roofZ, roofZ);
        joins.add('footprints sharing a building id (merged into one multipolygon)', row);
      } else {
        // The place is kept without the row, so the row's parsed geometry can go with the file's other rows.
        footprints.set(key, { id, place: placeOf(row), geometry: encodeFootprint(shape.polygons), roofZ, groundZ: item.fields.number(row, 'groundHeight'), attributes: item.fields.attributes(row) });
      }
    }
  }
  release(footprintInputs);

  const buildings = new Map<string, BuildingRecord>();
  const floorsAboveGroundOf = new Map<string, number>();
  const labelOf = (role: string, code: string | null) => (code === null ? null : profile.valueLabels[role]?.[code] ?? code);
  const useCategoryOf = (code: string | null) => (code === null ? 'unknown' : profile.useCategories[code] ?? 'unknown');
  const heightFrom = (roofZ: number | null, groundZ: number | null, explicit: number | null, floorCount: number | null): { heightMeters: number; heightSource: HeightSource } => {
    if (explicit !== null && explicit > 0) return { heightMeters: explicit, heightSource: 'measured' };
    if (roofZ !== null && groundZ !== null && roofZ - groundZ > 0.5) return { heightMeters: Math.round((roofZ - groundZ) * 100) / 100, heightSource: 'measured' };
    if (floorCount !== null && floorCount > 0) return { heightMeters: floorCount * profile.storeyHeightMeters, heightSource: 'floors' };
    return { heightMeters: profile.defaultHeightMeters, heightSource: 'default' };
  };

  // Floors first counted per building, so a register without a floor count still gets a height from its storeys.
  for (const item of await ofKind('floors')) {
    for (const row of item.rows) {
      const building = item.fields.text(row, 'building');
      const level = item.fields.number(row, 'level') ?? levelOfLabel(item.fields.text(row, 'label'), profile.levels);
      if (building && level !== null && level >= 0) {
        const key = lc(building);
        floorsAboveGroundOf.set(key, (floorsAboveGroundOf.get(key) ?? 0) + 1);
      }
    }
  }

  const usedFootprints = new Set<string>();
  const buildingInputs = await ofKind('buildings');
  for (const item of buildingInputs) {
    for (const row of item.rows) {
      const id = item.fields.id(row);
      if (!id) {
        skipRow(item, skipped, 'building without an id', row);
        continue;
      }
      const key = lc(id);
      if (buildings.has(key)) {
        skipRow(item, skipped, 'building id seen before in this import (first row kept)', row);
        continue;
      }
      const footprint = footprints.get(key);
      if (footprint) usedFootprints.add(key);
      else joins.add('registry buildings without a footprint (imported without geometry)', row);
      const groundKey = item.fields.text(row, 'groundHeightKey');
      const ground = groundKey ? groundHeights.get(lc(groundKey)) : undefined;
      if (groundKey && !ground) joins.add('buildings whose ground-height key is not in the ground heights', row);
      const groundZ = item.fields.number(row, 'groundHeight') ?? ground?.height ?? footprint?.groundZ ?? null;
      const roofZ = item.fields.number(row, 'roofHeight') ?? footprint?.roofZ ?? null;
      const floorCount = item.fields.number(row, 'floorCount') ?? floorsAboveGroundOf.get(key) ?? null;
      const useCode = item.fields.text(row, 'use');
      buildings.set(key, {
        registryId: canonicalId('buildings', id),
        footprint: footprint?.geometry ?? [],
        name: item.fields.text(row, 'name'),
        address: item.fields.text(row, 'address'),
        useCode,
        useLabel: labelOf('use', useCode),
        useCategory: useCategoryOf(useCode),
        yearBuilt: item.fields.number(row, 'yearBuilt'),
        floorCount,
        dwellingCount: item.fields.number(row, 'dwellingCount'),
        floorAreaSquareMeters: item.fields.number(row, 'floorArea'),
        groundHeightMeters: groundZ,
        ...heightFrom(roofZ, groundZ, item.fields.number(row, 'height'), floorCount),
        attributes: item.fields.attributes(row, footprint?.attributes),
      });
    }
  }
  // Addresses without a building of their own find one through its ground-height key (a house number): the first
  // registry row naming that key, worked out now so the building rows can go.
  const buildingByGroundKey = new Map<string, string>();
  for (const item of buildingInputs) {
    for (const row of item.rows) {
      const key = item.fields.text(row, 'groundHeightKey');
      const id = item.fields.id(row);
      if (!key || !id) continue;
      const lower = lc(key);
      if (!buildingByGroundKey.has(lower)) buildingByGroundKey.set(lower, buildings.get(lc(id))?.registryId ?? id);
    }
  }
  release(buildingInputs);
  const hasRegistry = buildingInputs.length > 0;
  for (const [key, footprint] of footprints) {
    if (usedFootprints.has(key)) continue;
    if (hasRegistry) joins.add('footprints without a registry building (imported with footprint only)', footprint.place);
    const floorCount = floorsAboveGroundOf.get(key) ?? null;
    buildings.set(key, {
      registryId: canonicalId('buildings', footprint.id),
      footprint: footprint.geometry,
      useCategory: 'unknown',
      floorCount,
      groundHeightMeters: footprint.groundZ,
      ...heightFrom(footprint.roofZ, footprint.groundZ, null, floorCount),
      attributes: footprint.attributes,
    });
  }
  footprints.clear();
  const cityInputs = await ofKind('cityModel');
  for (const item of cityInputs) {
    for (const city of item.city ?? []) {
      const row: SourceRow = { where: city.where, values: city.attributes };
      const id = item.input.id ? item.fields.raw(row, item.input.id) : city.key;
      if (id === null || id === undefined) {
        skipRow(item, skipped, `city object without the id attribute "${item.input.id}"`, city);
        continue;
      }
      const registryId = canonicalId('buildings', String(id));
      if (buildings.has(lc(registryId))) {
        skipRow(item, skipped, 'building id seen before in this import (first row kept)', city);
        continue;
      }
      const floorCount = item.fields.number(row, 'floorCount');
      const useCode = item.fields.text(row, 'use');
      buildings.set(lc(registryId), {
        registryId,
        footprint: city.polygons,
        name: item.fields.text(row, 'name'),
        useCode,
        useLabel: labelOf('use', useCode),
        useCategory: useCategoryOf(useCode),
        yearBuilt: item.fields.number(row, 'yearBuilt'),
        floorCount,
        groundHeightMeters: city.groundZ,
        ...heightFrom(city.roofZ, city.groundZ, item.fields.number(row, 'height'), floorCount),
        attributes: { cityObject: city.key, ...item.fields.attributes(row) },
      });
    }
  }
  release(cityInputs);

  // Buildings already in the project can take floors, units and addresses too (an incremental import).
  // A building of this import is handed out as it is (callers only read it): no copy per lookup.
  const resolveBuilding = (key: string): { readonly registryId: string; readonly heightMeters: number; readonly heightSource: string; readonly floorCount?: number | null } | undefined => {
    const lower = lc(key);
    const fresh = buildings.get(lower);
    if (fresh) return fresh;
    return existing.buildings?.(lower);
  };

  progress({ phase: 'joining', detail: 'floors, stairwells, units, addresses', done: 0, total: 1 });
  const floors = new Map<string, FloorRecord>();
  const floorInputs = await ofKind('floors');
  for (const item of floorInputs) {
    const pending: Array<{ row: SourceRow; record: FloorRecord; level: number | null }> = [];
    for (const row of item.rows) {
      const id = item.fields.id(row);
      const buildingKey = item.fields.text(row, 'building');
      if (!id) {
        skipRow(item, skipped, 'floor without an id', row);
        continue;
      }
      const building = buildingKey ? resolveBuilding(buildingKey) : undefined;
      if (!building) {
        skipRow(item, joins, "floors whose building is not in the registry (skipped)", row);
        continue;
      }
      const label = item.fields.text(row, 'label') ?? '';
      const level = item.fields.number(row, 'level') ?? levelOfLabel(label, profile.levels);
      pending.push({
        row,
        level,
        record: {
          registryId: canonicalId('floors', id),
          buildingId: building.registryId,
          levelIndex: level ?? 0,
          label: label || (level !== null ? String(level) : '?'),
          areaSquareMeters: item.fields.number(row, 'area'),
          heightMeters: item.fields.number(row, 'height'),
          attributes: item.fields.attributes(row),
        },
      });
    }
    // Labels the profile does not know (attics, mezzanines) go above the building's known storeys, in file order.
    const topOf = new Map<string, number>();
    for (const p of pending) if (p.level !== null) topOf.set(p.record.buildingId, Math.max(topOf.get(p.record.buildingId) ?? -1, p.level));
    for (const p of pending) {
      if (p.level === null) {
        const level = (topOf.get(p.record.buildingId) ?? -1) + 1;
        topOf.set(p.record.buildingId, level);
        p.record.levelIndex = level;
        joins.add('floor labels the profile does not know (placed above the known storeys)', `${p.row.where} ("${p.record.label}")`);
      }
      const building = resolveBuilding(p.record.buildingId)!;
      const storey = building.heightSource === 'measured' && building.floorCount ? building.heightMeters / building.floorCount : profile.storeyHeightMeters;
      p.record.heightMeters ??= Math.round(storey * 100) / 100;
      p.record.baseHeightMeters = Math.round(p.record.levelIndex * storey * 100) / 100;
      floors.set(lc(p.record.registryId), p.record);
    }
  }
  release(floorInputs);
  const resolveFloor = memberResolver(existing.floors, floors);

  const stairwells = new Map<string, StairwellRecord>();
  const stairwellByHouseNumber = new Map<string, string>();
  const stairwellInputs = await ofKind('stairwells');
  for (const item of stairwellInputs) {
    for (const row of item.rows) {
      const id = item.fields.id(row);
      const buildingKey = item.fields.text(row, 'building');
      const building = buildingKey ? resolveBuilding(buildingKey) : undefined;
      if (!id || !building) {
        if (!id) skipped.add('stairwell without an id', row);
        else skipRow(item, joins, 'stairwells whose building is not in the registry (skipped)', row);
        continue;
      }
      const elevator = item.fields.text(row, 'elevator');
      const houseNumber = item.fields.text(row, 'houseNumberKey');
      if (houseNumber) stairwellByHouseNumber.set(lc(houseNumber), building.registryId);
      stairwells.set(lc(id), {
        registryId: canonicalId('stairwells', id),
        buildingId: building.registryId,
        label: item.fields.text(row, 'label'),
        hasElevator: elevator === null ? null : ['1', 'true', 'yes', 'ja', 'j'].includes(elevator.toLowerCase()),
        attributes: { ...item.fields.attributes(row), ...(houseNumber ? { houseNumberKey: houseNumber } : {}) },
      });
    }
  }
  release(stairwellInputs);
  const resolveStairwell = memberResolver(existing.stairwells, stairwells);

  const units = new Map<string, UnitRecord>();
  const buildingOfAddress = new Map<string, string>();
  const unitInputs = await ofKind('units');
  for (const item of unitInputs) {
    for (const row of item.rows) {
      const id = item.fields.id(row);
      if (!id) {
        skipRow(item, skipped, 'unit without an id', row);
        continue;
      }
      const floorKey = item.fields.text(row, 'floor');
      const stairwellKey = item.fields.text(row, 'stairwell');
      const floor = floorKey ? resolveFloor(floorKey) : undefined;
      const stairwell = stairwellKey ? resolveStairwell(stairwellKey) : undefined;
      const buildingKey = item.fields.text(row, 'building');
      const buildingId = floor?.buildingId ?? stairwell?.buildingId ?? (buildingKey ? resolveBuilding(buildingKey)?.registryId : undefined);
      if (!buildingId) {
        skipRow(item, joins, 'units with no floor, stairwell or building in the registry (skipped)', row);
        continue;
      }
      if (floorKey && !floor) joins.add('units whose floor is not in the registry (kept without a floor)', row);
      const addressId = item.fields.text(row, 'address');
      if (addressId) buildingOfAddress.set(lc(addressId), buildingId);
      const useCode = item.fields.text(row, 'use');
      units.set(lc(id), {
        registryId: canonicalId('units', id),
        buildingId,
        floorId: floor?.registryId ?? null,
        stairwellId: stairwell?.registryId ?? null,
        addressId,
        useCode,
        useLabel: useCode === null ? null : profile.valueLabels['unitUse']?.[useCode] ?? labelOf('use', useCode),
        areaSquareMeters: item.fields.number(row, 'area'),
        rooms: item.fields.number(row, 'rooms'),
        attributes: item.fields.attributes(row),
      });
    }
  }

  const addresses = new Map<string, AddressRecord>();
  release(unitInputs);
  const addressInputs = await ofKind('addresses');
  for (const item of addressInputs) {
    const transform = item.crs || item.fields.column('x') || item.fields.column('point') ? transformFor(item) : null;
    for (const row of item.rows) {
      const id = item.fields.id(row);
      if (!id) {
        skipRow(item, skipped, 'address without an id', row);
        continue;
      }
      const key = lc(id);
      if (addresses.has(key)) {
        skipRow(item, skipped, 'address id seen before in this import (first row kept)', row);
        continue;
      }
      const parts = {
        street: item.fields.text(row, 'street'),
        houseNumber: item.fields.text(row, 'houseNumber'),
        floorLabel: item.fields.text(row, 'floor'),
        door: item.fields.text(row, 'door'),
        postcode: item.fields.text(row, 'postcode'),
        city: item.fields.text(row, 'city'),
      };
      // The text is composed from the parts only when the row has none of its own.
      const fullText =
        item.fields.text(row, 'text') ??
        [
          [parts.street, parts.houseNumber].filter(Boolean).join(' '),
          [parts.floorLabel ? `${parts.floorLabel}.` : null, parts.door].filter(Boolean).join(' '),
          [parts.postcode, parts.city].filter(Boolean).join(' '),
        ].filter((s) => s !== '').join(', ');
      if (!fullText) {
        skipRow(item, skipped, 'address without text or parts to build it from', row);
        continue;
      }
      let point: [number, number] | null = null;
      const x = item.fields.number(row, 'x');
      const y = item.fields.number(row, 'y');
      const wkt = item.fields.text(row, 'point');
      if (transform && x !== null && y !== null) point = transform(x, y);
      else if (transform && wkt) {
        const xy = parseWktPoint(wkt);
        if (xy) point = transform(xy[0], xy[1]);
      }
      const houseKey = item.fields.text(row, 'houseNumberKey');
      const houseLower = houseKey ? lc(houseKey) : null;
      if (!point && houseLower) point = groundHeights.get(houseLower)?.point ?? null;
      const buildingKey = item.fields.text(row, 'building');
      const buildingId =
        (buildingKey ? resolveBuilding(buildingKey)?.registryId : undefined) ??
        buildingOfAddress.get(key) ??
        (houseLower ? stairwellByHouseNumber.get(houseLower) ?? buildingByGroundKey.get(houseLower) : undefined) ??
        null;
      if (!buildingId) joins.add('addresses not linked to a building', row);
      if (!point) joins.add('addresses without a position', row);
      addresses.set(key, { registryId: canonicalId('addresses', id), lonDegrees: point?.[0] ?? null, latDegrees: point?.[1] ?? null, buildingId, fullText, ...parts, attributes: item.fields.attributes(row) });
    }
  }
  release(addressInputs);
  for (const unit of units.values()) {
    if (unit.addressId && !addresses.has(lc(unit.addressId))) joins.add('units whose address is not among the addresses', unit.registryId);
  }

  // Every input has been read (each kind is joined above); the problems met while reading come first in the
  // report, in the order the files were given, as when every file was read before the joins.
  const skippedInOrder = new Tally();
  for (const item of loaded) for (const problem of readProblems.get(item) ?? []) skippedInOrder.add(problem.reason, problem.where);
  skippedInOrder.absorb(skipped);

  // Registers rarely put an address on the building itself: a building is named by its shortest (house-number)
  // address. Into tables that start empty this is worked out here, sparing a second write of every building row;
  // otherwise addresses already in the project count too, and SQL does it after the rows (below).
  const namedHere = !hasRows(project, 'buildings') && !hasRows(project, 'addresses');
  if (namedHere) {
    const shortest = new Map<string, string>();
    for (const address of addresses.values()) {
      if (!address.buildingId) continue;
      const current = shortest.get(address.buildingId);
      if (current === undefined || shorterThenEarlier(address.fullText, current)) shortest.set(address.buildingId, address.fullText);
    }
    for (const building of buildings.values()) {
      if (building.address == null) building.address = shortest.get(building.registryId) ?? null;
    }
  }

  // 3. Write, all or nothing.
  checkCancelled();
  const existingIds = (table: string) => new Set((project.db.prepare(`SELECT registry_id FROM ${table}`).pluck().all() as string[]));
  const records: ImportReport['records'] = {};
  const total = buildings.size + floors.size + stairwells.size + units.size + addresses.size;
  let written = 0;
  const store = new RegistryStore(project);
  const heights = { measured: 0, floors: 0, default: 0 };
  let report!: ImportReport;
  project.transaction(() => {
    const write = <T extends { registryId: string }>(table: string, items: Iterable<T>, put: (item: T, isNew: boolean) => void) => {
      const existing = existingIds(table);
      const counts = { imported: 0, updated: 0 };
      for (const item of items) {
        const isNew = !existing.has(item.registryId);
        if (isNew) counts.imported++;
        else counts.updated++;
        put(item, isNew);
        if (++written % 5000 === 0) {
          checkCancelled();
          progress({ phase: 'writing', detail: table, done: written, total });
        }
      }
      records[table] = counts;
    };
    store.bulk(() => {
    write('buildings', buildings.values(), (b, isNew) => {
      heights[b.heightSource]++;
      store.putBuilding(b, isNew);
    });
    write('floors', floors.values(), (f, isNew) => store.putFloor(f, isNew));
    write('stairwells', stairwells.values(), (s, isNew) => store.putStairwell(s, isNew));
    write('addresses', addresses.values(), (a, isNew) => store.putAddress(a, isNew));
    write('units', units.values(), (u, isNew) => store.putUnit(u, isNew));
    });
    if (!namedHere) {
      project.db.exec(`UPDATE buildings SET address = (SELECT a.full_text FROM addresses a WHERE a.building_id = buildings.registry_id
                         ORDER BY length(a.full_text), a.full_text LIMIT 1) WHERE address IS NULL`);
    }
    store.refreshExtents();
    // Every source imported keeps its credit.
    const credits = (project.getMeta('attribution') ?? '').split('; ').filter(Boolean);
    if (profile.attribution && !credits.includes(profile.attribution)) project.setMeta('attribution', [...credits, profile.attribution].join('; '));
    for (const [column, label] of Object.entries(profile.attributeLabels)) project.setMeta(`attribute_label:${column}`, label);
    report = {
      profile: profile.name,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      files: loaded.map((l) => l.stats),
      ignoredFiles: ignored.map((p) => basename(p)),
      records,
      heights,
      skipped: skippedInOrder.list(),
      joins: joins.list(),
    };
    // The log row is part of the same transaction: the project never records an import that did not land.
    project.db
      .prepare(`INSERT INTO storey_imports (started_at, profile, files, report) VALUES (?, ?, ?, ?)`)
      .run(report.startedAt, profile.name, JSON.stringify(assigned.map((a) => a.path)), JSON.stringify(report));
  });
  progress({ phase: 'done', detail: 'import finished', done: total, total });
  return report;
}

/**
 * An import into a new project at path (which must not exist): the project is built and filled under a temporary
 * name and appears at path only once the import has landed (ProjectFile.build), so a failed or cancelled import
 * leaves no file. Faster than ProjectFile.create and importRegistry: the new file is written once, without a
 * journal or fsyncs until the end. Re-imports into an existing project go through importRegistry.
 */
export async function importIntoNewProject(path: string, project: NewProjectOptions, profile: Profile, paths: string[], options: ImportOptions = {}): Promise<ImportReport> {
  return ProjectFile.build(path, project, (fresh) => importRegistry(fresh, profile, paths, options));
}
