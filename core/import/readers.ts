/**
 * Reading input files as rows: CSV (any delimiter, quoted fields, BOM), NDJSON and GeoJSON. Row-oriented formats
 * stream, so a file of any size can be read; whole-document formats (GeoJSON, CityJSON) are refused above a size
 * limit with a message that says so, instead of exhausting memory.
 */
import { createReadStream, fstatSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';

export interface SourceRow {
  /** Where the row came from, for reports: "file.csv line 12". */
  where: string;
  values: Record<string, unknown>;
  /** GeoJSON geometry, coordinates in the file's CRS. */
  geometry?: { type: string; coordinates: unknown } | null;
}

/**
 * A row read from a file: its place ("file.csv line 12") is only spelt out when a report asks for it, which spares
 * two strings per row on a clean file.
 */
export class PlacedRow implements SourceRow {
  constructor(
    private readonly file: string,
    private readonly unit: 'line' | 'feature',
    private readonly number: number,
    readonly values: Record<string, unknown>,
    readonly geometry?: SourceRow['geometry'],
  ) {}
  get where(): string {
    return `${this.file} ${this.unit} ${this.number}`;
  }
  /** The same place without the row's values and geometry. */
  placeOnly(): PlacedRow {
    return new PlacedRow(this.file, this.unit, this.number, noValues);
  }
}

const noValues: Record<string, unknown> = Object.freeze({});

/** Rows the reader could not turn into records, with why; the import counts them and goes on. */
export interface RowProblem {
  where: string;
  reason: string;
}

export const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export function checkDocumentSize(path: string, format: string): void {
  const size = statSync(path).size;
  if (size > MAX_DOCUMENT_BYTES) {
    throw new StoreyError(
      'FILE_TOO_LARGE',
      `${basename(path)} is ${(size / 2 ** 30).toFixed(1)} GiB; ${format} files are read whole and the limit is ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB. Split it, or convert it to a line-based format (NDJSON/GeoJSONSeq, CSV).`,
    );
  }
}

/** Turns JSON.parse's "position N" into a line and column a person can find. */
export function describeJsonError(text: string, error: unknown): string {
  const message = (error as Error).message;
  if (/end of JSON input/i.test(message)) return `the text ends in the middle of a value (at line ${text.split('\n').length}, the end of the file)`;
  const position = /position (\d+)/.exec(message);
  if (!position) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '')} at line ${line}, column ${column}`;
}

/** Files up to this size are read through one buffer kept between reads, sparing a fresh allocation per file. */
const POOLED_READ_BYTES = 16 * 1024 * 1024;
let readPool: Buffer | null = null;

/** A whole file's bytes: `length` bytes at the start of `buffer`, which is only good until the next read. */
function readBytes(path: string): { buffer: Buffer; length: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size >= POOLED_READ_BYTES) {
      const buffer = readFileSync(fd);
      return { buffer, length: buffer.length };
    }
    // One byte more than the file, so a file that grows while it is read shows as a full pool.
    if (!readPool || readPool.length <= size) readPool = Buffer.allocUnsafe(Math.max(size + 1, 1024 * 1024));
    let length = 0;
    for (;;) {
      const read = readSync(fd, readPool, length, readPool.length - length, length);
      if (read === 0) break;
      length += read;
      if (length === readPool.length) break;
    }
    if (length === readPool.length) {
      const buffer = readFileSync(path);
      return { buffer, length: buffer.length };
    }
    return { buffer: readPool, length };
  } finally {
    closeSync(fd);
  }
}

/**
 * A whole file as UTF-8 text, decoded piece by piece like the lines below: a plain-ASCII piece is copied as Latin-1
 * and only pieces holding other characters go through the UTF-8 decoder (the 3 MB Danish footprints GeoJSON, with
 * three "æ", went through it end to end). A piece ends just before an ASCII byte, which never falls inside a UTF-8
 * sequence, so every character (or malformed sequence, replaced alike) is decoded whole.
 */
export function readText(path: string): string {
  const { buffer, length } = readBytes(path);
  return decodeUtf8(buffer, length);
}

/** Plain ASCII is copied as Latin-1; anything else goes through the UTF-8 decoder. */
const textOf = (bytes: Buffer, start: number, end: number) =>
  isAscii(bytes.subarray(start, end)) ? bytes.toString('latin1', start, end) : bytes.toString('utf8', start, end);

export function decodeUtf8(buffer: Buffer, length = buffer.length): string {
  let text = '';
  for (let start = 0; start < length; ) {
    let end = Math.min(start + DECODE_PIECE_BYTES, length);
    while (end < length && buffer[end]! >= 0x80) end++;
    text += textOf(buffer, start, end);
    start = end;
  }
  return text;
}

/**
 * Text is decoded in pieces of about this size cut at line ends: a piece of plain ASCII is copied as Latin-1, and
 * only pieces holding other characters go through the UTF-8 decoder, which costs many times more per byte (a file
 * with one "æ" would otherwise be decoded slowly from end to end). A line end never falls inside a UTF-8 sequence.
 */
const DECODE_PIECE_BYTES = 64 * 1024;

/** A whole file's lines, as `text.split('\n')` gives them but without a last blank line after the final newline. */
function readWholeLines(path: string): string[] {
  const { buffer, length } = readBytes(path);
  const lines: string[] = [];
  for (let start = 0; start < length; ) {
    let end = Math.min(start + DECODE_PIECE_BYTES, length);
    if (end < length) {
      const newline = buffer.indexOf(10, end);
      end = newline === -1 || newline >= length ? length : newline + 1;
    }
    const piece = textOf(buffer, start, end);
    const parts = piece.split('\n');
    // A piece ending in a newline has no line after it; the next piece starts the next line.
    const count = buffer[end - 1] === 10 ? parts.length - 1 : parts.length;
    for (let i = 0; i < count; i++) lines.push(parts[i]!);
    start = end;
  }
  // A file ending in blank space has no last line there either.
  if (length > 0 && buffer[length - 1] !== 10 && lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

export async function readJsonDocument(path: string, format: string): Promise<unknown> {
  checkDocumentSize(path, format);
  return parseJsonText(readText(path), path);
}

function parseJsonText(text: string, path: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new StoreyError('BAD_INPUT', `${basename(path)} is not valid JSON: ${describeJsonError(text, error)}.`);
  }
}

/**
 * A GeoJSON document, as JSON.parse gives it for the whole text. A FeatureCollection is parsed in batches of
 * features of about FEATURE_BATCH_BYTES instead, so no string of the whole file is made: a 3 MB text is a large
 * object, on pages fresh from the system at every import (on this machine each fresh 4 KiB page costs about 18 µs),
 * while each batch's text is an ordinary young object, gone once parsed. Whatever the batches cannot take exactly
 * as JSON.parse would (text that is not valid JSON, a "features" member written twice, features whose ends the
 * batches cannot find) is parsed whole, as before, which also gives the error messages.
 */
export async function readGeoJsonDocument(path: string): Promise<unknown> {
  checkDocumentSize(path, 'GeoJSON');
  const { buffer, length } = readBytes(path);
  const bytes = buffer.subarray(0, length);
  return parseFeatureBatches(bytes) ?? parseJsonText(decodeUtf8(bytes), path);
}

export const FEATURE_BATCH_BYTES = 64 * 1024;
/**
 * Stands for the features array while the rest of the document is parsed. Found in its place afterwards, it shows
 * that no later "features" member (spelt with escapes, say) would have replaced the array for JSON.parse.
 */
const FEATURES_STAND_IN = '"\\u0000storey features"';
const isBlank = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const skipBlanks = (bytes: Buffer, i: number) => {
  while (isBlank(bytes[i])) i++;
  return i;
};

/**
 * The document with its features parsed batch by batch, or null when it must be parsed whole (see above). A batch
 * runs from the start of a feature to a "}" followed by "," and "{", or by "]", and is parsed as an array. Starting
 * where a feature starts, it parses only if it also ends where one ends (cut inside a string or a nested value, it
 * does not), so a batch that parses holds exactly the features JSON.parse would give; one that does not is carried
 * on to the next such "}". The bytes are written to while a batch is decoded (see arrayText) and put back.
 */
export function parseFeatureBatches(bytes: Buffer): Record<string, unknown> | null {
  const begin = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const key = bytes.indexOf('"features"', begin);
  if (key < 0 || key - begin > FEATURE_BATCH_BYTES || !isTopLevelKey(bytes, begin, key)) return null;
  let i = skipBlanks(bytes, key + 10);
  if (bytes[i] !== 0x3a) return null;
  i = skipBlanks(bytes, i + 1);
  if (bytes[i] !== 0x5b) return null;
  const arrayStart = i;
  const features: unknown[] = [];
  let start = skipBlanks(bytes, arrayStart + 1);
  let arrayEnd = -1;
  let misses = 0;
  if (bytes[start] === 0x5d) arrayEnd = start + 1;
  for (let from = start; arrayEnd < 0; ) {
    const close = bytes.indexOf(0x7d, from);
    if (close < 0) return null;
    from = close + 1;
    const after = skipBlanks(bytes, close + 1);
    const last = bytes[after] === 0x5d;
    let next = -1;
    if (!last) {
      if (bytes[after] !== 0x2c || close + 1 - start < FEATURE_BATCH_BYTES) continue;
      next = skipBlanks(bytes, after + 1);
      if (bytes[next] !== 0x7b) continue;
    }
    let batch: unknown;
    try {
      batch = JSON.parse(arrayText(bytes, start, close + 1));
    } catch {
      // Cut inside a feature: on to the next place, unless the text is broken (the whole-document parse says where).
      if (++misses > 8) return null;
      continue;
    }
    for (const feature of batch as unknown[]) features.push(feature);
    if (last) arrayEnd = after + 1;
    else start = next;
  }
  let rest: unknown;
  try {
    rest = JSON.parse(textOf(bytes, begin, arrayStart) + FEATURES_STAND_IN + textOf(bytes, arrayEnd, bytes.length));
  } catch {
    return null;
  }
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) return null;
  const document = rest as Record<string, unknown>;
  if (document['features'] !== '\u0000storey features') return null;
  document['features'] = features;
  return document;
}

/**
 * The items from start to end as the text of an array, without building it from pieces (which JSON.parse would
 * then copy whole): the bytes on either side, a blank, "," or "[" before and whatever follows the last item, are
 * "[" and "]" while the text is decoded, and are put back after.
 */
function arrayText(bytes: Buffer, start: number, end: number): string {
  const before = bytes[start - 1]!;
  const after = bytes[end]!;
  bytes[start - 1] = 0x5b;
  bytes[end] = 0x5d;
  try {
    return textOf(bytes, start - 1, end + 1);
  } finally {
    bytes[start - 1] = before;
    bytes[end] = after;
  }
}

/** True when position `at` is a key of the document's top-level object (outside any string or nested value). */
function isTopLevelKey(bytes: Buffer, begin: number, at: number): boolean {
  let depth = 0;
  let previous = -1;
  for (let i = begin; i < at; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      // A string: to its closing quote, past escaped ones.
      for (i++; i < at && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
      if (i >= at) return false;
      previous = c;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0 && c !== 0x7b) return false;
      depth++;
      previous = c;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      previous = c;
    } else if (!isBlank(c)) previous = c;
  }
  return depth === 1 && (previous === 0x7b || previous === 0x2c);
}

/** Guesses a CSV delimiter from the header line: the candidate that splits it most. */
export function detectDelimiter(path: string): string {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(64 * 1024);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const header = buffer.toString('utf8', 0, length).split(/\r?\n/)[0] ?? '';
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Reads one CSV record (RFC 4180). A quote opens a quoted field only at the start of a field ("" inside is a quote);
 * a quote anywhere else is a stray one: the row is malformed but opens nothing, so one bad row never swallows the
 * rows after it. `open` means the text ends inside a quoted field that continues on the next line.
 */
export function scanCsvRecord(text: string, delimiter: string): { fields: string[]; open: boolean; malformed: boolean } {
  const fields: string[] = [];
  let malformed = false;
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close === -1) return { fields, open: true, malformed };
        field += text.slice(i, close);
        if (text[close + 1] === '"') {
          field += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(field);
      if (i < text.length && text[i] !== delimiter) {
        // Text after a closing quote: take it into the field and call the row malformed.
        malformed = true;
        let end = text.indexOf(delimiter, i);
        if (end === -1) end = text.length;
        fields[fields.length - 1] += text.slice(i, end);
        i = end;
      }
    } else {
      let end = text.indexOf(delimiter, i);
      if (end === -1) end = text.length;
      const raw = text.slice(i, end);
      if (raw.includes('"')) malformed = true;
      fields.push(raw);
      i = end;
    }
    if (i >= text.length) return { fields, open: false, malformed };
    i++; // past the delimiter
    if (i === text.length) {
      fields.push('');
      return { fields, open: false, malformed };
    }
  }
}

/** What a reader keeps of each row, and what it tells back about the file's columns. */
export interface ReadOptions {
  /** Only these columns are kept in a row's values (every column when absent). */
  columns?: readonly string[];
  /** Filled with the column names the file has (for NDJSON and GeoJSON: until every wanted column has been met). */
  seen?: Set<string>;
}

/** Rows come in batches (a whole small file, or one chunk of a streamed one), so a row costs no await of its own. */
export type RowBatches = AsyncGenerator<SourceRow[]>;

/** Copies the wanted columns of a parsed object, and notes its keys while a wanted column is still unseen. */
function picker(options: ReadOptions): (record: Record<string, unknown>) => Record<string, unknown> {
  const { columns, seen } = options;
  let unseen = columns ? columns.length : 1;
  return (record) => {
    if (seen && unseen > 0) {
      for (const key in record) seen.add(key);
      unseen = columns ? columns.filter((c) => !seen.has(c)).length : 1;
    }
    if (!columns) return record;
    const values: Record<string, unknown> = {};
    for (const column of columns) values[column] = record[column];
    return values;
  };
}

/**
 * CSV rows as objects keyed by the header. Streams line by line: lines without quotes take a fast path (split);
 * a quoted field may span lines. An unclosed quote swallows everything after it, so it stops the import with the
 * line where it opened; a row with the wrong number of fields or a stray quote is skipped with a counted reason.
 */
/**
 * Where the fields of a line without quotes start: field i is text.slice(bounds[i], bounds[i + 1] - separator.length). Fills
 * `bounds` (growing it as needed) and returns the number of fields.
 */
function fieldBounds(text: string, separator: string, bounds: number[]): number {
  let count = 0;
  let start = 0;
  for (;;) {
    bounds[count++] = start;
    const end = text.indexOf(separator, start);
    if (end === -1) break;
    start = end + separator.length;
  }
  bounds[count] = text.length + separator.length;
  return count;
}

export async function* readCsv(path: string, delimiter: string | undefined, problems: RowProblem[], options: ReadOptions = {}): RowBatches {
  const name = basename(path);
  const bounds: number[] = [];
  const separator = delimiter ?? detectDelimiter(path);
  let header: string[] | null = null;
  // Header positions of the kept columns; a wanted column the file lacks is simply absent from the values.
  // (Two plain arrays rather than [name, index] pairs: destructuring pairs allocates an iterator per field.)
  let keepNames: string[] = [];
  let keepIndexes: number[] = [];
  let pending: string | null = null;
  let pendingLine = 0;
  for await (const { first, lines } of readLines(path)) {
    const batch: SourceRow[] = [];
    for (let l = 0; l < lines.length; l++) {
      const number = first + l;
      const line = lines[l]!;
      let text = number === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      let startLine = number;
      if (pending !== null) {
        text = `${pending}\n${text}`;
        startLine = pendingLine;
        if (text.length > MAX_LINE_BYTES) {
          throw new StoreyError('BAD_INPUT', `${name} is not valid CSV at line ${pendingLine}: a quoted field there runs past ${MAX_LINE_BYTES / 2 ** 20} MiB.`);
        }
      }
      if (header !== null && !text.includes('"') && text !== '') {
        // The common case, a line without quotes: only the kept fields are cut out of it.
        const count = fieldBounds(text, separator, bounds);
        if (count !== header.length) {
          problems.push({ where: `${name} line ${startLine}`, reason: `malformed CSV row (${count} fields where the header has ${header.length})` });
          continue;
        }
        const values: Record<string, string> = {};
        for (let k = 0; k < keepNames.length; k++) {
          const index = keepIndexes[k]!;
          values[keepNames[k]!] = text.slice(bounds[index]!, bounds[index + 1]! - separator.length);
        }
        batch.push(new PlacedRow(name, 'line', startLine, values));
        continue;
      }
      let fields: string[];
      let malformed = false;
      if (!text.includes('"')) {
        fields = text.split(separator);
      } else {
        const scanned = scanCsvRecord(text, separator);
        if (scanned.open) {
          // Inside a quoted field that continues on the next line.
          pending = text;
          pendingLine = startLine;
          continue;
        }
        fields = scanned.fields;
        malformed = scanned.malformed;
      }
      pending = null;
      if (header === null) {
        if (text.trim() === '') continue;
        if (malformed) throw new StoreyError('BAD_INPUT', `${name} line ${startLine}: the header row is not valid CSV (a stray quote).`);
        header = fields.map((f) => f.trim());
        for (const column of header) options.seen?.add(column);
        const wanted = options.columns ?? header;
        keepNames = wanted.filter((column) => header!.includes(column));
        keepIndexes = keepNames.map((column) => header!.indexOf(column));
        continue;
      }
      if (text === '') continue;
      const where = `${name} line ${startLine}`;
      if (malformed) {
        problems.push({ where, reason: 'malformed CSV row (a stray quote)' });
        continue;
      }
      if (fields.length !== header.length) {
        problems.push({ where, reason: `malformed CSV row (${fields.length} fields where the header has ${header.length})` });
        continue;
      }
      const values: Record<string, string> = {};
      for (let k = 0; k < keepNames.length; k++) values[keepNames[k]!] = fields[keepIndexes[k]!]!;
      batch.push(new PlacedRow(name, 'line', startLine, values));
    }
    if (batch.length) yield batch;
  }
  if (pending !== null) {
    throw new StoreyError('BAD_INPUT', `${name} is not valid CSV at line ${pendingLine}: a quote opened there is never closed.`);
  }
}

/** Files up to this size are read in one call: streaming them costs more than it saves. */
const WHOLE_FILE_BYTES = 32 * 1024 * 1024;

const withoutCr = (line: string) => (line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);

const lineTooLong = (path: string, number: number) =>
  new StoreyError('BAD_INPUT', `${basename(path)} line ${number} is longer than ${MAX_LINE_BYTES / 2 ** 20} MiB; this is not line-delimited JSON.`);

/**
 * The lines of a file in batches, `first` being the number of the batch's first line: a small file in one batch,
 * a large one streamed chunk by chunk. Line length is capped, so a binary or single-line file fails cleanly.
 */
async function* readLines(path: string): AsyncGenerator<{ first: number; lines: string[] }> {
  if (statSync(path).size <= WHOLE_FILE_BYTES) {
    const lines = readWholeLines(path);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length > MAX_LINE_BYTES) throw lineTooLong(path, i + 1);
      if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
    }
    yield { first: 1, lines };
    return;
  }
  let rest = '';
  let number = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    rest += chunk as string;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    if (parts.length) {
      yield { first: number + 1, lines: parts.map(withoutCr) };
      number += parts.length;
    }
    if (rest.length > MAX_LINE_BYTES) throw lineTooLong(path, number + 1);
  }
  if (rest.trim() !== '') yield { first: number + 1, lines: [rest] };
}

export async function* readNdjson(path: string, problems: RowProblem[], options: ReadOptions = {}): RowBatches {
  const name = basename(path);
  const pick = picker(options);
  for await (const { first, lines } of readLines(path)) {
    const batch: SourceRow[] = [];
    for (let l = 0; l < lines.length; l++) {
      const number = first + l;
      const line = lines[l]!;
      const text = number === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        problems.push({ where: `${name} line ${number}`, reason: `not valid JSON (${describeJsonError(text, error)})` });
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push({ where: `${name} line ${number}`, reason: 'not a JSON object' });
        continue;
      }
      // GeoJSONSeq: a Feature per line.
      const record = value as Record<string, unknown>;
      if (record['type'] === 'Feature') {
        const properties = (record['properties'] as Record<string, unknown> | null) ?? {};
        batch.push(new PlacedRow(name, 'line', number, pick(properties), record['geometry'] as SourceRow['geometry']));
      } else {
        batch.push(new PlacedRow(name, 'line', number, pick(record)));
      }
    }
    if (batch.length) yield batch;
  }
}

export interface GeoJsonDocument {
  /** The CRS the document declares, if any. */
  crs: string | undefined;
  rows: SourceRow[];
}

export async function readGeoJson(path: string, options: ReadOptions = {}): Promise<GeoJsonDocument> {
  const name = basename(path);
  const json = (await readGeoJsonDocument(path)) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new StoreyError('BAD_INPUT', `${name} is not a GeoJSON object.`);
  const crsMember = json['crs'] as { properties?: { name?: unknown } } | undefined;
  const crs = typeof crsMember?.properties?.name === 'string' ? crsMember.properties.name : undefined;
  let features: unknown[];
  if (json['type'] === 'FeatureCollection' && Array.isArray(json['features'])) features = json['features'];
  else if (json['type'] === 'Feature') features = [json];
  else throw new StoreyError('BAD_INPUT', `${name} is not a GeoJSON FeatureCollection or Feature (its type is ${JSON.stringify(json['type'])}).`);
  const pick = picker(options);
  const rows = features.map((feature, index) => {
    const f = (feature ?? {}) as Record<string, unknown>;
    return new PlacedRow(name, 'feature', index + 1, pick((f['properties'] as Record<string, unknown> | null) ?? {}), (f['geometry'] as SourceRow['geometry']) ?? null);
  });
  return { crs, rows };
}
