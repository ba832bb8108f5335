/**
 * The workstation's side of sync (docs/sync-protocol.md): page the server's changes into staging, fetch the tile
 * bytes they need (each checked against its hash), apply the whole generation in one transaction, then sync notes
 * and views. Every step is written as it completes, so a dropped connection or a killed process resumes where it
 * stopped: staged pages and verified blobs are never fetched again.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { StoreyError } from '../../common/errors.js';
import { appendWithRollbackJournal } from '../project/append-writes.js';
import { recordAuditEntry, updateAuditDetail } from '../project/audit.js';
import { ProjectFile } from '../project/project-file.js';
import { sha256Hex } from '../tiles/tile-store.js';
import { formatArea, parseArea, type Area } from './area.js';
import { applyStaged, type ApplySummary } from './apply.js';
import { EVERYTHING, filterKey, filterQuery, layerRange, newlyWanted, normalizeFilter, parseStoredFilter, wantsTile, type SyncFilter } from './filter.js';
import { decodeBody, SyncConnection, SyncHttpError } from './http.js';
import { syncItems, type ItemsSummary } from './items.js';
import { FrameReader, recordTables, type ChangesResponse, type ManifestResponse } from './wire.js';

export interface SyncProgress {
  phase: 'manifest' | 'changes' | 'tiles' | 'apply' | 'items' | 'done';
  /** Done in this phase: changes staged, or tiles fetched. */
  items: number;
  itemsTotal: number | null;
  /** Bytes received from the server so far (as sent: compressed). */
  bytes: number;
  /** Received bytes per second since the sync started. */
  bytesPerSecond: number;
  /** While the tiles come: the time the rest will take at the rate so far; null when not known yet. */
  secondsLeft: number | null;
}

export interface SyncOptions {
  /** The bearer token (never stored in the project). */
  token: string;
  /** Override the project's sync.server / sync.ca. */
  server?: string;
  caPath?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
  onProgress?: (progress: SyncProgress) => void;
  /** Cancels the sync (CANCELLED): the project keeps its last whole generation and the next sync resumes. */
  signal?: AbortSignal;
  /** Changes per page, and blobs per request (fixed; by default batches adapt to the tiles' size). */
  pageSize?: number;
  blobBatch?: number;
  /** Blob requests in flight at once (default 3). */
  blobRequests?: number;
  idleTimeoutMs?: number;
  /**
   * A new choice of records, layers and zooms, kept in the project for this and later syncs (null: everything).
   * Left out: the project's own. A changed choice brings what is newly wanted and drops what is no longer wanted.
   */
  filter?: SyncFilter | null;
}

export interface SyncSummary {
  generationBefore: number;
  generation: number;
  applied: ApplySummary | null;
  blobsFetched: number;
  bytesReceived: number;
  pagesFetched: number;
  items: ItemsSummary;
}

/** A listing of changes being paged into staging: where it is, and whether it is complete. */
interface PassState { cursor: string | null; done: boolean }

interface StagingState extends PassState {
  upto: number;
  since: number;
  /** The choice this staging was made for (filterKey); absent in staging of an older version: everything. */
  filter?: string;
  /** After a changed choice: what is newly wanted, listed again from generation 0 (its query parameters). */
  rebase?: PassState & { query: string };
}

/** Sync settings kept in the project (never the token). */
export interface SyncSettings {
  server: string;
  caPath: string | null;
  area: Area | null;
  /** The records, layers and zooms this project takes (sync.filter); null or left out: everything. */
  filter?: SyncFilter | null;
}

export function readSyncSettings(project: ProjectFile): SyncSettings | undefined {
  const server = project.getMeta('sync.server');
  if (!server) return undefined;
  const area = project.getMeta('sync.area');
  return {
    server, caPath: project.getMeta('sync.ca') ?? null, area: area ? parseArea(area, 'sync.area') : null,
    filter: parseStoredFilter(project.getMeta('sync.filter'), 'sync.filter'),
  };
}

export function writeSyncSettings(project: ProjectFile, settings: SyncSettings): void {
  project.transaction(() => {
    project.setMeta('sync.server', settings.server);
    if (settings.caPath) project.setMeta('sync.ca', settings.caPath);
    if (settings.area) project.setMeta('sync.area', formatArea(settings.area));
    if (settings.filter !== undefined) project.setMeta('sync.filter', filterKey(settings.filter));
  });
}

/** Keeps a new choice of records, layers and zooms; the next sync brings and drops what it changes. */
export function writeSyncFilter(project: ProjectFile, filter: SyncFilter | null): void {
  project.setMeta('sync.filter', filterKey(filter));
}

function openConnection(project: ProjectFile, options: SyncOptions): { connection: SyncConnection; area: Area | null; server: string } {
  const settings = readSyncSettings(project);
  const server = options.server ?? settings?.server;
  if (!server) throw new StoreyError('BAD_ARGUMENT', `${project.fileName} has no sync server; create it with storey sync --init or pass --server.`);
  const caPath = options.caPath ?? settings?.caPath ?? undefined;
  const read = (path: string | undefined, what: string) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new StoreyError('FILE_NOT_FOUND', `Cannot read the ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const connection = new SyncConnection({
    server,
    token: options.token,
    ca: read(caPath, 'CA file'),
    cert: read(options.clientCertPath, 'client certificate'),
    key: read(options.clientKeyPath, 'client key'),
    idleTimeoutMs: options.idleTimeoutMs,
    signal: options.signal,
  });
  return { connection, area: settings?.area ?? null, server };
}

/** The page cache a sync gives its connection, in KiB. */
const SYNC_CACHE_KIB = 64 * 1024;

type Report = (phase: SyncProgress['phase'], items: number, total: number | null) => void;

/** Progress with rate and time left: the rate over the whole sync, the time left from the tiles' own pace. */
function progressReporter(summary: SyncSummary, onProgress: SyncOptions['onProgress']): Report {
  const started = performance.now();
  let tilesStarted = 0;
  return (phase, items, total) => {
    if (!onProgress) return;
    const now = performance.now();
    const seconds = Math.max((now - started) / 1000, 1e-3);
    let secondsLeft: number | null = null;
    if (phase === 'tiles') {
      if (!tilesStarted) tilesStarted = now;
      const tileSeconds = (now - tilesStarted) / 1000;
      if (items > 0 && total !== null && tileSeconds > 0) secondsLeft = ((total - items) * tileSeconds) / items;
      if (total !== null && items >= total) secondsLeft = 0;
    }
    onProgress({ phase, items, itemsTotal: total, bytes: summary.bytesReceived, bytesPerSecond: summary.bytesReceived / seconds, secondsLeft });
  };
}

export async function syncProject(project: ProjectFile, options: SyncOptions, how: { init?: boolean } = {}): Promise<SyncSummary> {
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; it cannot be synced.`);
  const { connection, area, server } = openConnection(project, options);
  // A new choice is kept once the server has shown it can take it (a refused one leaves the project unchanged).
  const wanted = normalizeFilter(options.filter !== undefined ? options.filter : readSyncSettings(project)?.filter);
  const wantedKey = filterKey(wanted);
  // Every request carries the choice (none for everything, which a protocol 1 server understands too).
  const areaParam = `${area ? `&area=${formatArea(area)}` : ''}${filterQuery(wanted)}`;
  const generationBefore = Number(project.getMeta('sync.generation') ?? 0);
  const summary: SyncSummary = { generationBefore, generation: generationBefore, applied: null, blobsFetched: 0, bytesReceived: 0, pagesFetched: 0, items: { pulled: 0, pushed: 0, conflicts: 0 } };
  const progress = progressReporter(summary, options.onProgress);
  let tokenName: string | null = null;
  let auditId: number | undefined;
  // Who synced what, in the project's own audit trail: written with the generation it applies (one transaction),
  // completed after notes and views, and written for a failed or cancelled sync too.
  const auditDetail = (outcome: string, error?: StoreyError) => ({
    outcome, init: how.init === true, token: tokenName, generationFrom: generationBefore, generationTo: summary.generation,
    records: summary.applied?.records ?? { put: 0, delete: 0 }, tiles: summary.applied?.tiles ?? { put: 0, delete: 0 },
    layers: summary.applied?.layers ?? { put: 0, delete: 0 }, items: summary.items, blobs: summary.blobsFetched, bytes: summary.bytesReceived,
    ...(error ? { error: error.code, message: error.message } : {}),
  });
  // A larger page cache while the sync runs (this connection only; put back below): the staged rows, the indexes
  // the blob writes and the apply's link checks go through, and the pages a batch's writes touch stay in memory.
  const cachePages = project.db.pragma('cache_size', { simple: true }) as number;
  project.db.pragma(`cache_size = -${SYNC_CACHE_KIB}`);
  // The first sync of a new project appends almost everything it writes: with a rollback journal each tile is
  // written once instead of into the WAL and again at the checkpoint. Only while this connection is the file's only
  // one (New project from server, storey sync --init); back to WAL when the sync ends.
  const endAppends = how.init ? appendWithRollbackJournal(project.db) : undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      progress('manifest', 0, null);
      const manifest = await connection.json<ManifestResponse>('GET', `/v1/manifest?${areaParam.slice(1)}`);
      tokenName = manifest.tokenName;
      if (wantedKey !== filterKey(EVERYTHING) && manifest.protocol < 2) {
        throw new StoreyError('NOT_SUPPORTED', `${server} speaks sync protocol ${manifest.protocol}, which sends every layer whole; it cannot take this project's choice of layers and zooms. Ask its administrator to update Storey, or sync everything (storey sync --layers all).`);
      }
      const local = Number(project.getMeta('sync.generation') ?? 0);
      // The choice the project's data was synced under: a project of protocol 1 holds everything; one that holds
      // nothing yet will hold what it wants.
      const appliedText = project.getMeta('sync.filter.applied');
      const applied = appliedText ? parseStoredFilter(appliedText, 'sync.filter.applied')! : local === 0 ? wanted : EVERYTHING;
      const changed = filterKey(applied) !== wantedKey;
      if ((changed || how.init) && wanted.layers) {
        const unknown = wanted.layers.filter((l) => !manifest.layers.some((m) => m.id === l.id)).map((l) => l.id);
        if (unknown.length) {
          throw new StoreyError('BAD_ARGUMENT', `${server} offers this token no layer ${unknown.join(', ')}; it offers ${manifest.layers.map((l) => `${l.id} (${l.name})`).join(', ') || 'no tile layers'}.`);
        }
      }
      if (options.filter !== undefined && project.getMeta('sync.filter') !== wantedKey) writeSyncFilter(project, wanted);
      const stagedText = project.getMeta('sync.staging');
      let staging = stagedText ? (JSON.parse(stagedText) as StagingState) : undefined;
      if (manifest.generation === local && !staging && !changed) break;
      if (!staging || staging.upto !== manifest.generation || staging.since !== local || (staging.filter ?? filterKey(EVERYTHING)) !== wantedKey) {
        // Staged rows of another target generation or choice are not part of this one.
        project.transaction(() => {
          project.db.exec(`DELETE FROM storey_sync_staging`);
          staging = { upto: manifest.generation, since: local, cursor: null, done: false, filter: wantedKey };
          if (changed) {
            // A changed choice: what is no longer wanted is deleted by this generation's apply, and what is newly
            // wanted is listed again from the start (tiles already held are not fetched again).
            const serverLayers = new Map(manifest.layers.map((l) => [l.id, l.kind]));
            stageDrops(project, wanted, serverLayers);
            const extra = newlyWanted(applied, wanted, [...serverLayers.keys()]);
            if (extra) staging.rebase = { query: filterQuery(extra), cursor: null, done: false };
          }
          project.setMeta('sync.staging', JSON.stringify(staging));
        });
      }
      try {
        await fetchChanges(project, connection, staging!, staging!, staging!.since, areaParam, options.pageSize ?? 2000, summary, progress);
        const rebase = staging!.rebase;
        if (rebase) await fetchChanges(project, connection, staging!, rebase, 0, `${area ? `&area=${formatArea(area)}` : ''}${rebase.query}`, options.pageSize ?? 2000, summary, progress);
      } catch (error) {
        if (error instanceof SyncHttpError && error.status === 409 && attempt < 5) continue;
        throw error;
      }
      await fetchBlobs(project, connection, areaParam, options, summary, progress);
      if (options.signal?.aborted) throw connection.networkError(options.signal.reason instanceof Error ? options.signal.reason : Object.assign(new Error('cancelled'), { name: 'AbortError' }));
      progress('apply', 0, null);
      try {
        summary.applied = applyStaged(project, manifest.generation, () => {
          summary.generation = manifest.generation;
          project.setMeta('sync.filter.applied', wantedKey);
          narrowLayerZooms(project, wanted, new Map(manifest.layers.map((l) => [l.id, l.kind])));
          auditId = recordAuditEntry(project, 'sync', server, auditDetail('applied'));
        });
      } catch (error) {
        // Rolled back, audit entry included (a link checked at the commit can still fail it).
        summary.generation = generationBefore;
        auditId = undefined;
        throw error;
      }
      break;
    }
    progress('items', 0, null);
    summary.items = await syncItems(project, connection, options.signal);
    if (auditId !== undefined) updateAuditDetail(project, auditId, auditDetail('completed'));
    else recordAuditEntry(project, 'sync', server, auditDetail('completed'));
    progress('done', 0, null);
    return summary;
  } catch (error) {
    const failure = error instanceof StoreyError ? error : undefined;
    try {
      const detail = auditDetail(failure?.code === 'CANCELLED' ? 'cancelled' : 'failed', failure ?? new StoreyError('INTERNAL', (error as Error).message));
      if (auditId !== undefined) updateAuditDetail(project, auditId, detail);
      else recordAuditEntry(project, 'sync', server, detail);
    } catch {
      // The audit row is not worth hiding the sync's own error (a full disk would fail both).
    }
    throw error;
  } finally {
    connection.close();
    if (project.db.open) project.db.pragma(`cache_size = ${cachePages}`);
    endAppends?.();
  }
}

/**
 * A layer taken at fewer zooms says so in its settings: the globe asks an imagery layer for tiles up to its maxZoom
 * and draws deeper levels from the last one it has, instead of asking for tiles that were never taken.
 */
function narrowLayerZooms(project: ProjectFile, wanted: SyncFilter, serverLayers: Map<string, string>): void {
  const db = project.db;
  const update = db.prepare(`UPDATE storey_layers SET settings = ? WHERE id = ?`);
  for (const row of db.prepare(`SELECT id, settings FROM storey_layers`).all() as Array<{ id: string; settings: string }>) {
    const kind = serverLayers.get(row.id);
    const range = layerRange(wanted, row.id);
    if (!range || kind === undefined || kind === '3dtiles' || (range.min === null && range.max === null)) continue;
    const settings = JSON.parse(row.settings) as { minZoom?: number | null; maxZoom?: number | null };
    const min = range.min === null ? settings.minZoom ?? null : Math.max(settings.minZoom ?? range.min, range.min);
    const max = range.max === null ? settings.maxZoom ?? null : Math.min(settings.maxZoom ?? range.max, range.max);
    if (min === (settings.minZoom ?? null) && max === (settings.maxZoom ?? null)) continue;
    update.run(JSON.stringify({ ...settings, minZoom: min, maxZoom: max }), row.id);
  }
}

/**
 * Stages the deletion of what a changed choice no longer wants: tiles outside it and layers not chosen (only the
 * server's layers: the workstation's own buildings tileset stays), and every record when records are not chosen.
 */
function stageDrops(project: ProjectFile, wanted: SyncFilter, serverLayers: Map<string, string>): void {
  const db = project.db;
  const drop = db.prepare(`INSERT OR REPLACE INTO storey_sync_staging (tbl, key, op, row_json, sha256) VALUES (?, ?, 'delete', NULL, NULL)`);
  const tilesOf = db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ?`).pluck();
  for (const id of db.prepare(`SELECT id FROM storey_layers`).pluck().all() as string[]) {
    const kind = serverLayers.get(id);
    if (kind === undefined) continue;
    const chosen = layerRange(wanted, id) !== undefined;
    for (const path of tilesOf.all(id) as string[]) if (!chosen || !wantsTile(wanted, id, kind, path)) drop.run('tiles', `${id}/${path}`);
    if (!chosen) drop.run('layers', id);
  }
  if (!wanted.records) {
    for (const tbl of recordTables) for (const key of db.prepare(`SELECT registry_id FROM ${tbl}`).pluck().all() as string[]) drop.run(tbl, key);
  }
}

async function fetchChanges(
  project: ProjectFile, connection: SyncConnection, staging: StagingState, pass: PassState, since: number, areaParam: string, pageSize: number,
  summary: SyncSummary, progress: Report,
): Promise<void> {
  const insert = project.db.prepare(`INSERT OR REPLACE INTO storey_sync_staging (tbl, key, op, row_json, sha256) VALUES (?, ?, ?, ?, ?)`);
  let staged = project.db.prepare(`SELECT count(*) FROM storey_sync_staging`).pluck().get() as number;
  const ask = (cursor: string | null) => {
    const pending = connection.request('GET', `/v1/changes?since=${since}&upto=${staging.upto}&limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}${areaParam}`);
    pending.catch(() => {}); // awaited (and its failure thrown) in turn; never an unhandled rejection meanwhile
    return { cursor, pending };
  };
  let inFlight = pass.done ? undefined : ask(pass.cursor);
  try {
    while (inFlight) {
      const response = await inFlight.pending;
      // The server names the next page in a header: it is asked for now and computed while this one is stored.
      const announced = response.headers['x-storey-next'];
      inFlight = typeof announced === 'string' && announced ? ask(announced) : undefined;
      const body = await readCounted(connection, response, summary);
      const page = JSON.parse(body.toString('utf8')) as ChangesResponse;
      summary.pagesFetched++;
      project.transaction(() => {
        for (const r of page.records) insert.run(r.tbl, r.key, r.op, r.row ? JSON.stringify(r.row) : null, null);
        for (const t of page.tiles) insert.run('tiles', `${t.layer}/${t.path}`, t.op, null, t.sha256 ?? null);
        for (const l of page.layers) insert.run('layers', l.id, l.op, l.row ? JSON.stringify(l.row) : null, null);
        pass.cursor = page.next;
        pass.done = page.next === null;
        project.setMeta('sync.staging', JSON.stringify(staging));
      });
      staged += page.records.length + page.tiles.length + page.layers.length;
      progress('changes', staged, null);
      if (inFlight?.cursor !== page.next) {
        // Not the page the body names (an older server sends no header): ask for the right one.
        void inFlight?.pending.then((r) => r.destroy(), () => {});
        inFlight = page.next === null ? undefined : ask(page.next);
      }
    }
  } catch (error) {
    void inFlight?.pending.then((r) => r.destroy(), () => {});
    throw error;
  }
}

async function readCounted(connection: SyncConnection, response: IncomingMessage, summary: SyncSummary): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      summary.bytesReceived += chunk.length;
    }
  } catch (error) {
    throw connection.networkError(error as Error);
  }
  if (!response.complete) throw connection.networkError(new Error('the response ended early'));
  return decodeBody(Buffer.concat(chunks), response);
}

/**
 * Verified blobs are written in transactions of about this many bytes. In a first sync's rollback journal each commit
 * waits on two fsyncs: 500 MB in 4 MB commits blocked the event loop about 0.8 s longer than in 16 MB commits.
 */
const COMMIT_BYTES = 16 * 1024 * 1024;
/** A batch aims at this many bytes: large enough that request overhead vanishes, small enough to resume cheaply. */
const BATCH_TARGET_BYTES = 8 * 1024 * 1024;
const FIRST_BATCH = 64;
const MAX_BATCH = 1000;

/**
 * Fetches the blobs the staged tiles need, several batches in flight over keep-alive connections: while one
 * response is hashed and written, the next ones are on the wire. Batch sizes follow the tiles' average size.
 * Every verified blob is written within a few MB of its arrival, so a cut or a kill costs only what was in flight.
 */
async function fetchBlobs(project: ProjectFile, connection: SyncConnection, areaParam: string, options: SyncOptions, summary: SyncSummary, progress: Report): Promise<void> {
  const db = project.db;
  // In hash order: the server sends a batch in the order asked, so blobs arrive and are inserted in key order, which
  // appends to storey_blobs' b-tree instead of touching a random leaf per blob (that read back and rewrote several
  // times the tiles' bytes per sync).
  const needed = db.prepare(
    `SELECT DISTINCT s.sha256 FROM storey_sync_staging s WHERE s.tbl = 'tiles' AND s.op = 'put' AND NOT EXISTS (SELECT 1 FROM storey_blobs b WHERE b.sha256 = s.sha256) ORDER BY s.sha256`,
  ).pluck().all() as string[];
  if (needed.length === 0) return;
  const insert = db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let next = 0;
  let done = 0;
  let doneBytes = 0;
  let failure: unknown;
  progress('tiles', 0, needed.length);

  const nextBatch = (): string[] | undefined => {
    if (failure !== undefined || next >= needed.length) return undefined;
    const size = options.blobBatch ?? (done === 0 ? FIRST_BATCH : Math.min(MAX_BATCH, Math.max(16, Math.round(BATCH_TARGET_BYTES / (doneBytes / done)))));
    const batch = needed.slice(next, next + size);
    next += batch.length;
    return batch;
  };

  // The verified blobs of every batch in flight, written together every COMMIT_BYTES, whenever a batch fails and at
  // the end: a dropped line costs only the blobs cut mid-frame, a killed process at most what was not yet written.
  let verified: Array<[string, Buffer]> = [];
  let verifiedBytes = 0;
  const flush = () => {
    if (verified.length === 0) return;
    const rows = verified;
    verified = [];
    verifiedBytes = 0;
    project.transaction(() => {
      for (const [sha, bytes] of rows) insert.run(sha, bytes);
    });
    progress('tiles', done, needed.length);
  };

  const fetchBatch = async (batch: string[]) => {
    const wanted = new Set(batch);
    const response = await connection.request('POST', `/v1/blobs?${areaParam.slice(1)}`, { sha256: batch }, { 'accept-encoding': 'br, gzip' }, signal);
    const encoding = String(response.headers['content-encoding'] ?? 'identity');
    const decoder = encoding === 'br' ? createBrotliDecompress() : encoding === 'gzip' ? createGunzip() : undefined;
    let problem: StoreyError | undefined;
    const reader = new FrameReader((sha, bytes) => {
      if (problem) return;
      if (!wanted.has(sha)) {
        problem = new StoreyError('DAMAGED', `The server sent a tile (${sha.slice(0, 12)}…) that was not asked for; nothing of this generation was applied.`);
        return;
      }
      if (sha256Hex(bytes) !== sha) {
        problem = new StoreyError('DAMAGED', `A tile from the server does not match its hash ${sha} (damaged on the server or on the way); nothing of this generation was applied. Tell the administrator; storey check on the master finds it.`);
        return;
      }
      wanted.delete(sha);
      verified.push([sha, bytes]);
      verifiedBytes += bytes.length;
      summary.blobsFetched++;
      done++;
      doneBytes += bytes.length;
      if (verifiedBytes >= COMMIT_BYTES) flush();
    });
    try {
      response.on('data', (chunk: Buffer) => (summary.bytesReceived += chunk.length));
      const stream = decoder ? response.pipe(decoder) : response;
      if (decoder) response.on('error', (error) => decoder.destroy(error));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        reader.push(chunk);
        if (problem) break;
      }
      if (!problem && (!reader.ended || !response.complete)) throw new Error('the tile batch ended early');
    } catch (error) {
      flush();
      throw connection.networkError(error as Error);
    } finally {
      response.destroy();
      decoder?.destroy();
    }
    if (problem) throw problem;
    progress('tiles', done, needed.length);
    if (wanted.size > 0) {
      throw new StoreyError('NOT_FOUND', `The server did not send ${wanted.size} of the tiles this generation needs (e.g. ${[...wanted][0]}); nothing was applied. Sync again later.`);
    }
  };

  // Checkpoints (each ending in an fsync) every 128 MB rather than every 16 MB while tiles arrive: blob writes run
  // at about twice the rate. A crash loses nothing committed (WAL, synchronous=NORMAL); the setting is this
  // connection's and is put back below.
  const checkpointPages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const pageBytes = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.max(checkpointPages, Math.ceil((128 * 1024 * 1024) / pageBytes))}`);
  const worker = async () => {
    for (let batch = nextBatch(); batch; batch = nextBatch()) {
      try {
        await fetchBatch(batch);
      } catch (error) {
        // The first failure counts; the batches still in flight are stopped (what they verified is kept).
        if (failure === undefined) failure = error;
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.blobRequests ?? 3) }, worker));
    flush();
  } catch (error) {
    // A failed write (a full disk) when nothing else failed first.
    if (failure === undefined) failure = error;
  } finally {
    db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  }
  if (failure !== undefined) throw failure;
}

/**
 * "New project from server": creates FILE with the server, CA and area, and runs the first sync. The file appears
 * under its name only once it records its server (a killed start leaves no half-made project there); when FILE
 * exists already and was started from the same server, this continues its first sync instead.
 */
export async function createProjectFromServer(path: string, settings: SyncSettings & { name: string }, options: SyncOptions): Promise<{ project: ProjectFile; summary: SyncSummary }> {
  let project: ProjectFile;
  if (existsSync(path)) {
    project = ProjectFile.open(path);
    const existing = readSyncSettings(project);
    if (existing?.server !== settings.server) {
      project.close();
      throw new StoreyError('ALREADY_EXISTS', `${path} already exists${existing ? ` and syncs with ${existing.server}` : ''}; choose another name, or run storey sync on it.`);
    }
  } else {
    const partial = `${path}.partial`;
    for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(partial + suffix, { force: true });
    const fresh = ProjectFile.create(partial, { name: settings.name, description: `Synced from ${settings.server}` });
    try {
      // The choice is kept by the first sync, once the server has shown it can take it.
      writeSyncSettings(fresh, { ...settings, filter: undefined });
      fresh.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      fresh.close();
    }
    renameSync(partial, path);
    project = ProjectFile.open(path);
  }
  // A continued start takes the choice given now (a changed one brings and drops what it changes).
  if (settings.filter !== undefined) options = { ...options, filter: settings.filter };
  try {
    const summary = await syncProject(project, options, { init: true });
    return { project, summary };
  } catch (error) {
    // The file stays: it records the server, and the next sync resumes what this one staged.
    project.close();
    throw error;
  }
}
