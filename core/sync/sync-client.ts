/**
 * The workstation's side of sync (docs/sync-protocol.md): page the server's changes into staging, fetch the tile
 * bytes they need (each checked against its hash), apply the whole generation in one transaction, then sync notes
 * and views. Every step is written as it completes, so a dropped connection or a killed process resumes where it
 * stopped: staged pages and verified blobs are never fetched again.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { StoreyError } from '../../common/errors.js';
import { ProjectFile } from '../project/project-file.js';
import { sha256Hex } from '../tiles/tile-store.js';
import { formatArea, parseArea, type Area } from './area.js';
import { applyStaged, type ApplySummary } from './apply.js';
import { decodeBody, SyncConnection, SyncHttpError } from './http.js';
import { syncItems, type ItemsSummary } from './items.js';
import { FrameReader, type ChangesResponse, type ManifestResponse } from './wire.js';

export interface SyncProgress {
  phase: 'manifest' | 'changes' | 'tiles' | 'apply' | 'items' | 'done';
  items: number;
  itemsTotal: number | null;
  /** Bytes received from the server so far (as sent: compressed). */
  bytes: number;
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
  /** Changes per page and blobs per request (tests make these small). */
  pageSize?: number;
  blobBatch?: number;
  idleTimeoutMs?: number;
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

interface StagingState { upto: number; since: number; cursor: string | null; done: boolean }

/** Sync settings kept in the project (never the token). */
export interface SyncSettings { server: string; caPath: string | null; area: Area | null }

export function readSyncSettings(project: ProjectFile): SyncSettings | undefined {
  const server = project.getMeta('sync.server');
  if (!server) return undefined;
  const area = project.getMeta('sync.area');
  return { server, caPath: project.getMeta('sync.ca') ?? null, area: area ? parseArea(area, 'sync.area') : null };
}

export function writeSyncSettings(project: ProjectFile, settings: SyncSettings): void {
  project.transaction(() => {
    project.setMeta('sync.server', settings.server);
    if (settings.caPath) project.setMeta('sync.ca', settings.caPath);
    if (settings.area) project.setMeta('sync.area', formatArea(settings.area));
  });
}

function openConnection(project: ProjectFile, options: SyncOptions): { connection: SyncConnection; area: Area | null } {
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
  });
  return { connection, area: settings?.area ?? null };
}

export async function syncProject(project: ProjectFile, options: SyncOptions): Promise<SyncSummary> {
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; it cannot be synced.`);
  const { connection, area } = openConnection(project, options);
  const areaParam = area ? `&area=${formatArea(area)}` : '';
  const generationBefore = Number(project.getMeta('sync.generation') ?? 0);
  const summary: SyncSummary = { generationBefore, generation: generationBefore, applied: null, blobsFetched: 0, bytesReceived: 0, pagesFetched: 0, items: { pulled: 0, pushed: 0, conflicts: 0 } };
  const progress = (phase: SyncProgress['phase'], items: number, itemsTotal: number | null) =>
    options.onProgress?.({ phase, items, itemsTotal, bytes: summary.bytesReceived });
  try {
    for (let attempt = 0; ; attempt++) {
      progress('manifest', 0, null);
      const manifest = await connection.json<ManifestResponse>('GET', `/v1/manifest?${areaParam.slice(1)}`);
      const local = Number(project.getMeta('sync.generation') ?? 0);
      const stagedText = project.getMeta('sync.staging');
      let staging = stagedText ? (JSON.parse(stagedText) as StagingState) : undefined;
      if (manifest.generation === local && !staging) break;
      if (!staging || staging.upto !== manifest.generation || staging.since !== local) {
        // Staged rows of another target generation are not part of this one.
        project.transaction(() => {
          project.db.exec(`DELETE FROM storey_sync_staging`);
          staging = { upto: manifest.generation, since: local, cursor: null, done: false };
          project.setMeta('sync.staging', JSON.stringify(staging));
        });
      }
      try {
        await fetchChanges(project, connection, staging!, areaParam, options.pageSize ?? 2000, summary, progress);
      } catch (error) {
        if (error instanceof SyncHttpError && error.status === 409 && attempt < 5) continue;
        throw error;
      }
      await fetchBlobs(project, connection, areaParam, options.blobBatch ?? 500, summary, progress);
      progress('apply', 0, null);
      summary.applied = applyStaged(project, manifest.generation);
      summary.generation = manifest.generation;
      break;
    }
    progress('items', 0, null);
    summary.items = await syncItems(project, connection);
    progress('done', 0, null);
    return summary;
  } finally {
    connection.close();
  }
}

async function fetchChanges(
  project: ProjectFile, connection: SyncConnection, staging: StagingState, areaParam: string, pageSize: number,
  summary: SyncSummary, progress: (phase: SyncProgress['phase'], items: number, total: number | null) => void,
): Promise<void> {
  const insert = project.db.prepare(`INSERT OR REPLACE INTO storey_sync_staging (tbl, key, op, row_json, sha256) VALUES (?, ?, ?, ?, ?)`);
  let staged = project.db.prepare(`SELECT count(*) FROM storey_sync_staging`).pluck().get() as number;
  while (!staging.done) {
    const cursor = staging.cursor ? `&cursor=${staging.cursor}` : '';
    const response = await connection.request('GET', `/v1/changes?since=${staging.since}&upto=${staging.upto}&limit=${pageSize}${cursor}${areaParam}`);
    const body = await readCounted(connection, response, summary);
    const page = JSON.parse(body.toString('utf8')) as ChangesResponse;
    summary.pagesFetched++;
    project.transaction(() => {
      for (const r of page.records) insert.run(r.tbl, r.key, r.op, r.row ? JSON.stringify(r.row) : null, null);
      for (const t of page.tiles) insert.run('tiles', `${t.layer}/${t.path}`, t.op, null, t.sha256 ?? null);
      for (const l of page.layers) insert.run('layers', l.id, l.op, l.row ? JSON.stringify(l.row) : null, null);
      staging.cursor = page.next;
      staging.done = page.next === null;
      project.setMeta('sync.staging', JSON.stringify(staging));
    });
    staged += page.records.length + page.tiles.length + page.layers.length;
    progress('changes', staged, null);
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

async function fetchBlobs(
  project: ProjectFile, connection: SyncConnection, areaParam: string, batchSize: number,
  summary: SyncSummary, progress: (phase: SyncProgress['phase'], items: number, total: number | null) => void,
): Promise<void> {
  const db = project.db;
  const needed = db.prepare(
    `SELECT DISTINCT s.sha256 FROM storey_sync_staging s WHERE s.tbl = 'tiles' AND s.op = 'put' AND NOT EXISTS (SELECT 1 FROM storey_blobs b WHERE b.sha256 = s.sha256)`,
  ).pluck().all() as string[];
  const insert = db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`);
  let done = 0;
  for (let start = 0; start < needed.length; start += batchSize) {
    const batch = needed.slice(start, start + batchSize);
    const wanted = new Set(batch);
    const response = await connection.request('POST', `/v1/blobs?${areaParam.slice(1)}`, { sha256: batch }, { 'accept-encoding': 'br, gzip' });
    const encoding = String(response.headers['content-encoding'] ?? 'identity');
    const decoder = encoding === 'br' ? createBrotliDecompress() : encoding === 'gzip' ? createGunzip() : undefined;
    let verified: Array<[string, Buffer]> = [];
    let verifiedBytes = 0;
    let problem: StoreyError | undefined;
    // Verified blobs are written every few MB: after a cut only the blob in flight is fetched again.
    const flush = () => {
      if (verified.length === 0) return;
      const rows = verified;
      verified = [];
      verifiedBytes = 0;
      project.transaction(() => {
        for (const [sha, bytes] of rows) insert.run(sha, bytes);
      });
    };
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
      if (verifiedBytes > 4 * 1024 * 1024 || verified.length >= 256) {
        flush();
        progress('tiles', done, needed.length);
      }
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
    }
    if (problem) throw problem;
    flush();
    progress('tiles', done, needed.length);
    if (wanted.size > 0) {
      throw new StoreyError('NOT_FOUND', `The server did not send ${wanted.size} of the tiles this generation needs (e.g. ${[...wanted][0]}); nothing was applied. Sync again later.`);
    }
  }
}

/** "New project from server": creates FILE, stores the server, CA and area, and runs the first sync. */
export async function createProjectFromServer(path: string, settings: SyncSettings & { name: string }, options: SyncOptions): Promise<{ project: ProjectFile; summary: SyncSummary }> {
  const project = ProjectFile.create(path, { name: settings.name, description: `Synced from ${settings.server}` });
  try {
    writeSyncSettings(project, settings);
    const summary = await syncProject(project, options);
    return { project, summary };
  } catch (error) {
    // The file stays: it records the server, and the next sync resumes what this one staged.
    project.close();
    throw error;
  }
}
