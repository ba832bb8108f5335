/**
 * What travels between the sync server and workstations (docs/sync-protocol.md): JSON shapes, how a registry row
 * becomes JSON (blobs as base64), and the framing of batched blobs.
 */
export const PROTOCOL_VERSION = 1;

/** The registry tables in the order a generation is applied (parents first); deletions go in reverse. */
export const recordTables = ['buildings', 'stairwells', 'floors', 'addresses', 'units'] as const;
export type RecordTable = (typeof recordTables)[number];

export function isRecordTable(tbl: string): tbl is RecordTable {
  return (recordTables as readonly string[]).includes(tbl);
}

export type RowJson = Record<string, unknown>;

export interface ManifestResponse {
  protocol: number;
  generation: number;
  tokenName: string;
  area: { west: number; south: number; east: number; north: number } | null;
  fields: string[] | null;
  layers: Array<{ id: string; name: string; kind: string }>;
  counts: { records: number; tiles: number };
}

export interface RecordChange { tbl: RecordTable; key: string; op: 'put' | 'delete'; row?: RowJson }
export interface TileChange { layer: string; path: string; op: 'put' | 'delete'; sha256?: string }
export interface LayerChange { id: string; op: 'put' | 'delete'; row?: RowJson }

export interface ChangesResponse {
  generation: number;
  records: RecordChange[];
  tiles: TileChange[];
  layers: LayerChange[];
  next: string | null;
}

export type ItemKind = 'note' | 'view';
export interface ItemState { kind: ItemKind; id: string; rev: number; body: RowJson | null }
export interface ItemsResponse { rev: number; items: ItemState[] }
export interface ItemPush { kind: ItemKind; id: string; baseRev: number | null; body: RowJson | null }
export type ItemPushResult =
  | { kind: ItemKind; id: string; status: 'accepted'; rev: number }
  | { kind: ItemKind; id: string; status: 'conflict'; current: { rev: number; body: RowJson | null } };

export interface ErrorBody { error: { code: string; message: string } }

/** A row as JSON: blobs (geometries) as {"$b64": ...} so they survive JSON unchanged. */
export function rowToJson(row: Record<string, unknown>): RowJson {
  const out: RowJson = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === 'fid') continue;
    out[column] = Buffer.isBuffer(value) ? { $b64: value.toString('base64') } : value;
  }
  return out;
}

export function jsonToSqlValue(value: unknown): unknown {
  if (value && typeof value === 'object' && '$b64' in value) return Buffer.from(String((value as { $b64: string }).$b64), 'base64');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value ?? null;
}

/** Blob frames: 32-byte SHA-256, uint32 BE length, bytes; a frame of 32 zero bytes and length 0 ends the body. */
export const FRAME_HEADER_BYTES = 36;
export const END_FRAME = Buffer.alloc(FRAME_HEADER_BYTES);

export function frameHeader(sha256Hex: string, length: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.write(sha256Hex, 0, 'hex');
  header.writeUInt32BE(length, 32);
  return header;
}

/** Splits a stream of frames as it arrives; calls onBlob per complete frame and onEnd at the end frame. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  ended = false;

  constructor(private readonly onBlob: (sha256Hex: string, bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.ended || this.pendingBytes < FRAME_HEADER_BYTES) return;
      const buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [buffer];
      const length = buffer.readUInt32BE(32);
      const sha = buffer.subarray(0, 32).toString('hex');
      if (length === 0 && /^0+$/.test(sha)) {
        this.ended = true;
        return;
      }
      if (buffer.length < FRAME_HEADER_BYTES + length) return;
      const bytes = Buffer.from(buffer.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      const rest = buffer.subarray(FRAME_HEADER_BYTES + length);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
      this.onBlob(sha, bytes);
    }
  }
}
