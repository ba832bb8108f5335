/**
 * What travels between the sync server and workstations (docs/sync-protocol.md): JSON shapes, how a registry row
 * becomes JSON (blobs as base64), and the framing of batched blobs.
 */
/** 2: the workstation may choose records, layers and zooms (core/sync/filter.ts); a request without a choice is a 1. */
export const PROTOCOL_VERSION = 2;

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
  /**
   * Every layer the token sees. Since protocol 2 also its tiles in the area, the tiles per zoom level ("12": n), the
   * zoom levels present, and an estimate of their size from the layer's average tile.
   */
  layers: Array<{ id: string; name: string; kind: string; tiles?: number; zooms?: Record<string, number>; minZoom?: number | null; maxZoom?: number | null; bytesEstimate?: number }>;
  /** What the request's choice takes (protocol 1: everything the token sees). */
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
  writeFrameHeader(header, 0, sha256Hex, length);
  return header;
}

/** Writes a frame's header into target at offset (a sender copying frames into larger writes). */
export function writeFrameHeader(target: Buffer, offset: number, sha256Hex: string, length: number): void {
  target.write(sha256Hex, offset, 32, 'hex');
  target.writeUInt32BE(length, offset + 32);
}

/**
 * Splits a stream of frames as it arrives; calls onBlob per complete frame and stops at the end frame. Chunks are
 * joined only once a whole header or blob is there, so a large blob arriving in many small chunks is copied once.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private current: { sha: string; length: number } | undefined;
  ended = false;

  constructor(private readonly onBlob: (sha256Hex: string, bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.ended) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (!this.current) {
        if (this.pendingBytes < FRAME_HEADER_BYTES) return;
        const header = this.take(FRAME_HEADER_BYTES);
        const length = header.readUInt32BE(32);
        const sha = header.subarray(0, 32).toString('hex');
        if (length === 0 && /^0+$/.test(sha)) {
          this.ended = true;
          this.pending = [];
          return;
        }
        this.current = { sha, length };
      }
      if (this.pendingBytes < this.current.length) return;
      const { sha, length } = this.current;
      this.current = undefined;
      this.onBlob(sha, this.take(length));
    }
  }

  /** The next n bytes (n <= pendingBytes): a view of the first chunk when they lie in it, else one copy. */
  private take(n: number): Buffer {
    const head = this.pending[0]!;
    if (head.length >= n) {
      // Chunks are fresh buffers per read (socket, decompressor), so a view stays valid.
      if (head.length === n) this.pending.shift();
      else this.pending[0] = head.subarray(n);
      this.pendingBytes -= n;
      return head.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const first = this.pending[0]!;
      const used = Math.min(first.length, n - filled);
      first.copy(out, filled, 0, used);
      filled += used;
      if (used === first.length) this.pending.shift();
      else this.pending[0] = first.subarray(used);
    }
    this.pendingBytes -= n;
    return out;
  }
}
