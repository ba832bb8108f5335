/**
 * The sync server: HTTPS routes over a master project file (docs/sync-protocol.md). Every route needs a valid
 * token (and a client certificate when a client CA is given); every request lands in the audit log.
 * It shares the master with the administrator's imports: SQLite's WAL lets it read one generation per request
 * while an import writes, so it opens the file without the single-writer lock and writes only small rows.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { ProjectFile } from '../core/project/project-file.js';
import { intersectAreas, parseArea, type Area } from '../core/sync/area.js';
import { parseFilter, tileZoom, wantsTile, type SyncFilter } from '../core/sync/filter.js';
import { END_FRAME, FRAME_HEADER_BYTES, frameHeader, isRecordTable, PROTOCOL_VERSION, type ItemPush, type ItemPushResult, type ItemsResponse, type ManifestResponse, type RowJson, writeFrameHeader } from '../core/sync/wire.js';
import { currentGeneration } from './capture.js';
import { authenticate, type TokenInfo } from './tokens.js';
import { restrictFields, visibleOp, type ChangeRow } from './visibility.js';

export interface SyncServerOptions {
  dataPath: string;
  host?: string;
  port?: number;
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, clients must present a certificate signed by this CA. */
  clientCa?: string | Buffer;
  log?: (line: string) => void;
}

export interface SyncServer {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_BLOBS_PER_REQUEST = 1000;
/** A blob response is written in chunks of this size (frames copied together). */
const FRAME_CHUNK_BYTES = 256 * 1024;
const SHA_PATTERN = /^[0-9a-f]{64}$/;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The request body is not JSON.');
  }
}

function intParam(url: URL, name: string, fallback?: number): number {
  const text = url.searchParams.get(name);
  if (text === null) {
    if (fallback === undefined) throw new HttpError(400, 'BAD_REQUEST', `The parameter "${name}" is missing.`);
    return fallback;
  }
  if (!/^\d+$/.test(text)) throw new HttpError(400, 'BAD_REQUEST', `The parameter "${name}" must be a whole number, not "${text.slice(0, 40)}".`);
  return Number(text);
}

export async function startSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  const project = ProjectFile.open(options.dataPath, { withoutLock: true });
  const db = project.db;
  // A small page cache on purpose. A blob's bytes are read once per batch served, from the OS's file cache; every page
  // SQLite keeps in its own cache is memory it allocated and the kernel zeroed, so a 256 MiB cache cost about 1.5 s of
  // CPU (mostly page faults) per 500 MB served and saved nothing (docs/benchmarks.md, Sync). 16 MiB holds the indexes
  // a batch and a page of changes go through.
  db.pragma('cache_size = -16384');
  const log = options.log ?? (() => {});
  const audit = db.prepare(`INSERT INTO storey_sync_audit (at, token_id, token_name, remote, route, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  // Rows whose envelope never met the area are not visible (visibleOp), so they are left out here and a page of a
  // small area is a page of its own rows, not `limit` rows of the whole master scanned to send a few.
  const everMeets = `(@west IS NULL OR (ever_maxx >= @west AND ever_minx <= @east AND ever_maxy >= @south AND ever_miny <= @north))`;
  const changesPage = db.prepare(
    `SELECT tbl, key, op, row_json, sha256, minx, miny, maxx, maxy, ever_minx, ever_miny, ever_maxx, ever_maxy FROM storey_changes
      WHERE generation > @since AND generation <= @upto AND (tbl, key) > (@tbl, @key) AND ${everMeets} ORDER BY tbl, key LIMIT @limit`,
  );
  const allPuts = db.prepare(`SELECT tbl, key, op, row_json, sha256, minx, miny, maxx, maxy, ever_minx, ever_miny, ever_maxx, ever_maxy FROM storey_changes WHERE op = 'put' AND ${everMeets}`);
  const areaParams = (area: Area | null) => ({ west: area?.west ?? null, south: area?.south ?? null, east: area?.east ?? null, north: area?.north ?? null });
  // The tiles made of a batch's blobs, by the hash index (+tbl: not by the primary key's tbl = 'tiles', which would
  // scan every tile of the master).
  const tilesOfBlobs = db.prepare(
    `SELECT tbl, key, op, row_json, sha256, minx, miny, maxx, maxy, ever_minx, ever_miny, ever_maxx, ever_maxy FROM storey_changes
      WHERE sha256 IN (SELECT value FROM json_each(?)) AND +tbl = 'tiles' AND op = 'put'`,
  );
  // storey_blobs keeps the hash in an index of its own (schema 6): a lookup reads the index's small rows, then the
  // blob's row once. One statement per blob, so nothing stays open while the response drains.
  const blobBytes = db.prepare(`SELECT bytes FROM storey_blobs WHERE sha256 = ?`).pluck();

  function tokenArea(token: TokenInfo, url: URL): Area | null {
    const asked = url.searchParams.get('area');
    const area = intersectAreas(token.area, asked ? parseAreaParam(asked) : null);
    if (area === undefined) throw new HttpError(403, 'OUTSIDE_AREA', `The area ${asked} lies outside the area of the token "${token.name}".`);
    return area;
  }

  /** Each layer's kind (zoom ranges apply to imagery and terrain, not to 3D Tiles). */
  const layerKindRows = db.prepare(`SELECT key, json_extract(row_json, '$.kind') AS kind FROM storey_changes WHERE tbl = 'layers' AND op = 'put'`);
  const layerKinds = () => new Map((layerKindRows.all() as Array<{ key: string; kind: string }>).map((r) => [r.key, r.kind]));
  const tileWanted = (filter: SyncFilter, kinds: Map<string, string>, key: string) => {
    const slash = key.indexOf('/');
    const layer = key.slice(0, slash);
    return wantsTile(filter, layer, kinds.get(layer), key.slice(slash + 1));
  };

  /**
   * Every layer the token sees with its tiles in the area (count, zooms, an estimate of their size from the layer's
   * average tile), so a workstation can choose; `counts` are of what the filter chooses.
   */
  function manifest(token: TokenInfo, area: Area | null, filter: SyncFilter): ManifestResponse {
    return db.transaction(() => {
      let records = 0;
      let tiles = 0;
      const layers: ManifestResponse['layers'] = [];
      const perLayer = new Map<string, { tiles: number; zooms: Record<string, number> }>();
      const averages = new Map<string, number>();
      const kinds = layerKinds();
      for (const row of allPuts.iterate(areaParams(area)) as IterableIterator<ChangeRow>) {
        if (visibleOp(row, area) !== 'put') continue;
        if (row.tbl === 'tiles') {
          const slash = row.key.indexOf('/');
          const layer = row.key.slice(0, slash);
          const stats = perLayer.get(layer) ?? { tiles: 0, zooms: {} };
          perLayer.set(layer, stats);
          stats.tiles++;
          const z = kinds.get(layer) === '3dtiles' ? null : tileZoom(row.key.slice(slash + 1));
          if (z !== null) stats.zooms[z] = (stats.zooms[z] ?? 0) + 1;
          if (tileWanted(filter, kinds, row.key)) tiles++;
        } else if (row.tbl === 'layers') {
          const layer = JSON.parse(row.row_json!) as { name: string; kind: string; settings?: { tileCount?: number; byteSize?: number } };
          layers.push({ id: row.key, name: layer.name, kind: layer.kind });
          const s = layer.settings;
          if (s?.tileCount && s.byteSize) averages.set(row.key, s.byteSize / s.tileCount);
        } else if (filter.records) records++;
      }
      for (const layer of layers) {
        const stats = perLayer.get(layer.id) ?? { tiles: 0, zooms: {} };
        const zooms = Object.keys(stats.zooms).map(Number);
        Object.assign(layer, {
          tiles: stats.tiles, zooms: stats.zooms,
          minZoom: zooms.length ? Math.min(...zooms) : null, maxZoom: zooms.length ? Math.max(...zooms) : null,
          bytesEstimate: Math.round((averages.get(layer.id) ?? 0) * stats.tiles),
        });
      }
      return { protocol: PROTOCOL_VERSION, generation: currentGeneration(project), tokenName: token.name, area, fields: token.fields, layers, counts: { records, tiles } };
    })();
  }

  function changes(token: TokenInfo, area: Area | null, filter: SyncFilter, url: URL, detail: Record<string, unknown>): { text: string; next: string | null } {
    const since = intParam(url, 'since', 0);
    const upto = intParam(url, 'upto');
    const limit = Math.min(Math.max(intParam(url, 'limit', 2000), 1), 10_000);
    const cursorText = url.searchParams.get('cursor');
    let after: [string, string] = ['', ''];
    if (cursorText) {
      try {
        after = JSON.parse(Buffer.from(cursorText, 'base64url').toString('utf8')) as [string, string];
        if (!Array.isArray(after) || after.length !== 2 || after.some((s) => typeof s !== 'string')) throw new Error('shape');
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', 'The cursor is not one this server gave out.');
      }
    }
    const rows = db.transaction(() => {
      const generation = currentGeneration(project);
      if (upto !== generation) throw new HttpError(409, 'GENERATION_MOVED', `The server is at generation ${generation}, not ${upto}; start again from the manifest.`);
      return changesPage.all({ since, upto, tbl: after[0], key: after[1], limit, ...areaParams(area) }) as ChangeRow[];
    })();
    // What the workstation chose not to take is never named, not even as a delete (it holds none of it).
    const kinds = filter.layers === null && filter.minZoom === null && filter.maxZoom === null ? undefined : layerKinds();
    // The page is written as text: rows are stored as JSON already, and a token without a fields list gets them as
    // stored (no parse and re-serialise of thousands of rows per page). The shape is ChangesResponse.
    const records: string[] = [];
    const tiles: string[] = [];
    const layers: string[] = [];
    for (const row of rows) {
      const op = visibleOp(row, area);
      if (!op) continue;
      if (kinds && row.tbl === 'tiles' && !tileWanted(filter, kinds, row.key)) continue;
      if (kinds && row.tbl === 'layers' && filter.layers !== null && !filter.layers.some((l) => l.id === row.key)) continue;
      if (!filter.records && isRecordTable(row.tbl)) continue;
      if (row.tbl === 'tiles') {
        const slash = row.key.indexOf('/');
        tiles.push(JSON.stringify({ layer: row.key.slice(0, slash), path: row.key.slice(slash + 1), op, ...(op === 'put' ? { sha256: row.sha256! } : {}) }));
      } else if (row.tbl === 'layers') {
        layers.push(`{"id":${JSON.stringify(row.key)},"op":"${op}"${op === 'put' ? `,"row":${row.row_json!}` : ''}}`);
      } else if (isRecordTable(row.tbl)) {
        const json = op !== 'put' ? '' : token.fields ? JSON.stringify(restrictFields(JSON.parse(row.row_json!) as RowJson, token.fields)) : row.row_json!;
        records.push(`{"tbl":"${row.tbl}","key":${JSON.stringify(row.key)},"op":"${op}"${op === 'put' ? `,"row":${json}` : ''}}`);
      }
    }
    const last = rows[rows.length - 1];
    const next = rows.length === limit && last ? Buffer.from(JSON.stringify([last.tbl, last.key])).toString('base64url') : null;
    Object.assign(detail, { since, upto, records: records.length, tiles: tiles.length, layers: layers.length });
    const text = `{"generation":${upto},"records":[${records.join(',')}],"tiles":[${tiles.join(',')}],"layers":[${layers.join(',')}],"next":${JSON.stringify(next)}}`;
    return { text, next };
  }

  async function blobs(req: IncomingMessage, res: ServerResponse, area: Area | null, filter: SyncFilter, detail: Record<string, unknown>): Promise<void> {
    const body = (await readJson(req)) as { sha256?: unknown };
    const list = body.sha256;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || !SHA_PATTERN.test(s))) {
      throw new HttpError(400, 'BAD_REQUEST', 'The body must be {"sha256": [lower-case hex SHA-256, ...]}.');
    }
    if (list.length > MAX_BLOBS_PER_REQUEST) throw new HttpError(413, 'TOO_LARGE', `At most ${MAX_BLOBS_PER_REQUEST} blobs per request, not ${list.length}.`);
    const accept = String(req.headers['accept-encoding'] ?? '');
    const first = list.length ? (blobBytes.get(list[0]) as Buffer | undefined) : undefined;
    // Imagery (PNG, JPEG, WebP) and gzipped terrain do not shrink: compressing them only costs time on both ends.
    const worthCompressing = first !== undefined && !isCompressedFormat(first);
    const encoding = !worthCompressing ? 'identity' : /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : 'identity';
    res.writeHead(200, { 'content-type': 'application/x-storey-blobs', 'content-encoding': encoding, 'cache-control': 'no-store' });
    // Most tiles are compressed images already: a fast setting gains the rest (JSON-like terrain, glTF) cheaply.
    const encoder = encoding === 'br'
      ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 3 } })
      : encoding === 'gzip' ? zlib.createGzip({ level: 3 }) : undefined;
    const out = encoder ?? res;
    if (encoder) encoder.pipe(res);
    let count = 0;
    let bytes = 0;
    const kinds = layerKinds();
    // In hash order (a workstation writes them in that order). A blob goes only to a token that sees, and a
    // workstation that chose, a tile made of it: one query for the batch's tiles.
    const sorted = [...new Set(list as string[])].sort();
    const visible = new Set<string>();
    for (const row of tilesOfBlobs.all(JSON.stringify(sorted)) as ChangeRow[]) {
      if (visibleOp(row, area) === 'put' && tileWanted(filter, kinds, row.key)) visible.add(row.sha256!);
    }
    // Frames are copied into chunks of FRAME_CHUNK_BYTES and written a chunk at a time: one copy per blob, a write
    // (a run of full TLS records, one system call) per chunk instead of per tile, and a few large buffers to collect
    // instead of one per tile. A blob larger than a chunk goes as its header and itself.
    let chunk = Buffer.allocUnsafe(FRAME_CHUNK_BYTES);
    let used = 0;
    const send = async (buffer: Buffer) => {
      if (!out.write(buffer)) await drainedOrClosed(out, res);
    };
    const sendChunk = async () => {
      if (used === 0) return;
      const full = chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(FRAME_CHUNK_BYTES);
      used = 0;
      await send(full);
    };
    for (const sha of sorted) {
      if (res.destroyed) break;
      if (!visible.has(sha)) continue;
      const blob = blobBytes.get(sha) as Buffer | undefined;
      if (!blob) continue;
      // Sent as stored: the workstation checks every blob against its hash, so damage on the master is caught there.
      const frameBytes = FRAME_HEADER_BYTES + blob.length;
      if (used + frameBytes > FRAME_CHUNK_BYTES) await sendChunk();
      if (frameBytes > FRAME_CHUNK_BYTES) {
        out.write(frameHeader(sha, blob.length));
        await send(blob);
      } else {
        writeFrameHeader(chunk, used, sha, blob.length);
        blob.copy(chunk, used + FRAME_HEADER_BYTES);
        used += frameBytes;
      }
      count++;
      bytes += blob.length;
    }
    await sendChunk();
    out.end(END_FRAME);
    Object.assign(detail, { requested: list.length, sent: count, bytes });
  }

  function itemsSince(token: TokenInfo, url: URL): ItemsResponse {
    const since = intParam(url, 'since', 0);
    const rows = db.prepare(`SELECT kind, id, rev, body FROM storey_sync_items WHERE owner = ? AND rev > ? ORDER BY rev`).all(token.name, since) as Array<{ kind: 'note' | 'view'; id: string; rev: number; body: string | null }>;
    const rev = (db.prepare(`SELECT max(rev) FROM storey_sync_items WHERE owner = ?`).pluck().get(token.name) as number | null) ?? 0;
    return { rev, items: rows.map((r) => ({ kind: r.kind, id: r.id, rev: r.rev, body: r.body === null ? null : (JSON.parse(r.body) as RowJson) })) };
  }

  async function pushItems(req: IncomingMessage, token: TokenInfo, detail: Record<string, unknown>): Promise<{ results: ItemPushResult[] }> {
    const body = (await readJson(req)) as { items?: unknown };
    const items = body.items;
    const valid = (i: unknown): i is ItemPush => {
      const item = i as ItemPush;
      return typeof item === 'object' && item !== null && (item.kind === 'note' || item.kind === 'view') && typeof item.id === 'string' && item.id.length > 0 && item.id.length <= 200
        && (item.baseRev === null || Number.isInteger(item.baseRev)) && (item.body === null || (typeof item.body === 'object' && !Array.isArray(item.body)));
    };
    if (!Array.isArray(items) || !items.every(valid)) throw new HttpError(400, 'BAD_REQUEST', 'The body must be {"items": [{kind: "note"|"view", id, baseRev, body}]}.');
    const current = db.prepare(`SELECT rev, body FROM storey_sync_items WHERE owner = ? AND kind = ? AND id = ?`);
    const maxRev = db.prepare(`SELECT max(rev) FROM storey_sync_items WHERE owner = ?`).pluck();
    const write = db.prepare(
      `INSERT INTO storey_sync_items (owner, kind, id, rev, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (owner, kind, id) DO UPDATE SET rev = excluded.rev, body = excluded.body, updated_at = excluded.updated_at`,
    );
    const results = db.transaction(() => items.map((item): ItemPushResult => {
      const now = current.get(token.name, item.kind, item.id) as { rev: number; body: string | null } | undefined;
      if (now && now.rev !== item.baseRev) {
        return { kind: item.kind, id: item.id, status: 'conflict', current: { rev: now.rev, body: now.body === null ? null : (JSON.parse(now.body) as RowJson) } };
      }
      const rev = ((maxRev.get(token.name) as number | null) ?? 0) + 1;
      write.run(token.name, item.kind, item.id, rev, item.body === null ? null : JSON.stringify(item.body), new Date().toISOString());
      return { kind: item.kind, id: item.id, status: 'accepted', rev };
    }))();
    Object.assign(detail, { pushed: items.length, conflicts: results.filter((r) => r.status === 'conflict').length });
    return { results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://storey.invalid');
    const route = `${req.method} ${url.pathname}`;
    const detail: Record<string, unknown> = {};
    let token: TokenInfo | undefined;
    res.on('close', () => {
      try {
        audit.run(new Date().toISOString(), token?.id ?? null, token?.name ?? null, req.socket.remoteAddress ?? null, route, res.statusCode, JSON.stringify({ ...detail, completed: res.writableFinished }));
      } catch (error) {
        log(`audit write failed for ${route}: ${(error as Error).message}`);
      }
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      let bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      // Pages of records are text: compressed they cross a slow VPN several times faster.
      const accept = String(req.headers['accept-encoding'] ?? '');
      const encoding = bytes.length < 1024 ? 'identity' : /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : 'identity';
      if (encoding === 'br') bytes = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
      else if (encoding === 'gzip') bytes = zlib.gzipSync(bytes, { level: 6 });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': encoding, 'content-length': bytes.length, 'cache-control': 'no-store', ...headers });
      res.end(bytes);
    };
    try {
      const auth = authenticate(project, req.headers.authorization);
      if (!auth.ok) {
        token = auth.token;
        detail['refused'] = auth.code;
        throw new HttpError(auth.status, auth.code, auth.message);
      }
      token = auth.token;
      const area = tokenArea(token, url);
      const filter = requestFilter(url);
      if (route === 'GET /v1/manifest') json(200, manifest(token, area, filter));
      else if (route === 'GET /v1/changes') {
        // The next cursor also goes in a header, so a client can ask for the next page before this one is read.
        const page = changes(token, area, filter, url, detail);
        json(200, page.text, page.next ? { 'x-storey-next': page.next } : {});
      }
      else if (route === 'POST /v1/blobs') await blobs(req, res, area, filter, detail);
      else if (route === 'GET /v1/items') json(200, itemsSince(token, url));
      else if (route === 'POST /v1/items') json(200, await pushItems(req, token, detail));
      else throw new HttpError(404, 'NOT_FOUND', `There is no route ${route.slice(0, 200)}.`);
    } catch (error) {
      if (!(error instanceof HttpError)) log(`${route}: ${(error as Error).stack ?? String(error)}`);
      const failure = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'The sync server failed; the administrator can see why in its log.');
      if (res.headersSent) res.destroy();
      else json(failure.status, { error: { code: failure.code, message: failure.message } });
    }
  }

  const server: Server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      keepAliveTimeout: 30_000,
    },
    (req, res) => void handle(req, res),
  );
  server.on('tlsClientError', (error, socket: TLSSocket) => log(`TLS refused ${socket.remoteAddress ?? '?'}: ${error.message}`));
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      project.close();
    },
  };
}

/** PNG, JPEG, WebP, gzip, zstd, KTX2: formats that are compressed already. */
function isCompressedFormat(bytes: Buffer): boolean {
  const hex = bytes.subarray(0, 4).toString('hex');
  return hex === '89504e47' || hex.startsWith('ffd8ff') || (hex === '52494646' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    || hex.startsWith('1f8b') || hex === '28b52ffd' || hex === 'ab4b5458';
}

/** Waits until the stream takes more or the client has gone, leaving no listeners behind. */
function drainedOrClosed(out: NodeJS.WritableStream, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      res.off('close', done);
      resolve();
    };
    out.on('drain', done);
    res.on('close', done);
  });
}

/** The workstation's choice of records, layers and zooms (protocol 2); none given: everything, as in protocol 1. */
function requestFilter(url: URL): SyncFilter {
  const p = url.searchParams;
  try {
    return parseFilter({ records: p.get('records'), layers: p.get('layers'), minzoom: p.get('minzoom'), maxzoom: p.get('maxzoom') },
      { records: 'The parameter "records"', layers: 'The parameter "layers"', minzoom: 'The parameter "minzoom"', maxzoom: 'The parameter "maxzoom"' });
  } catch (error) {
    throw new HttpError(400, 'BAD_REQUEST', (error as Error).message);
  }
}

function parseAreaParam(text: string): Area {
  try {
    return parseArea(text, 'area');
  } catch (error) {
    throw new HttpError(400, 'BAD_REQUEST', (error as Error).message);
  }
}
