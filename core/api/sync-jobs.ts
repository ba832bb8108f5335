/**
 * Sync for the hosts: "New project from server" and "Sync now" as jobs on a worker thread (core/api/sync-worker.ts),
 * with progress to poll, cancel, and a summary; the server's offer for a token; the open project's sync settings and
 * its note and view conflicts. One sync at a time per host; while it runs, the project is not closed, switched or
 * imported into. Wraps a host's dispatcher like the web host's briefings do; every other operation passes through.
 *
 * Tokens are kept by a SyncTokenKeeper the host gives: the OS keychain on the desktop (main/desktop/token-store.ts),
 * this process's memory on the web host (SessionTokens), or nowhere (asked at each sync). A token is never written
 * into the project, never returned by an operation and never logged.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { operations, syncOperationNames, type SyncOperationName } from '../../common/contract.js';
import type { ApiResult } from '../../common/operations.js';
import { StoreyError, toErrorPayload, type ErrorCode } from '../../common/errors.js';
import type { AreaOfInterest } from '../../common/domain.js';
import type { SyncConflict, SyncJob, SyncServerOffer, SyncState, SyncTiled, TokenStorage } from '../../common/sync.js';
import type { Dispatch } from './dispatch.js';
import type { ProjectFile } from '../project/project-file.js';
import { formatArea, type Area } from '../sync/area.js';
import { isEverything } from '../sync/filter.js';
import { SyncConnection } from '../sync/http.js';
import { readSyncSettings, type SyncSummary } from '../sync/sync-client.js';
import type { ManifestResponse } from '../sync/wire.js';
import type { SyncWorkerData, SyncWorkerMessage } from './sync-worker.js';

/** Keeps sync tokens for the next sync of a project (keyed by the project's path). */
export interface SyncTokenKeeper {
  readonly storage: TokenStorage;
  recall(projectPath: string): string | undefined;
  /** False when this keeper does not keep tokens (storage 'ask'). */
  remember(projectPath: string, token: string): boolean;
  forget(projectPath: string): void;
}

/** The web host's tokens: in this process's memory only, gone when the host stops. */
export class SessionTokens implements SyncTokenKeeper {
  readonly storage = 'session' as const;
  private readonly tokens = new Map<string, string>();
  recall(projectPath: string): string | undefined {
    return this.tokens.get(projectPath);
  }
  remember(projectPath: string, token: string): boolean {
    this.tokens.set(projectPath, token);
    return true;
  }
  forget(projectPath: string): void {
    this.tokens.delete(projectPath);
  }
}

/** A host that cannot keep tokens safely: the token is asked for at each sync. */
export const noTokenKeeper: SyncTokenKeeper = { storage: 'ask', recall: () => undefined, remember: () => false, forget: () => {} };

export interface SyncHostContext {
  /** The open project, if any. */
  project(): ProjectFile | undefined;
  /** Makes the project at this path the open one (after New project from server). */
  open(path: string): void;
  /** Where a new project goes: the web host's folder (fileName checked there), the desktop's save dialog (null: cancelled). */
  newProjectPath(fileName: string | undefined, suggested: string): Promise<string | null>;
  tokens: SyncTokenKeeper;
  /** Starts core/api/sync-worker with its data (hosts know where its module is: source or bundle). */
  spawn: (data: SyncWorkerData) => Worker;
  /** The host serves read-only (storey serve --read-only): no sync. */
  readOnly?: boolean;
  /** Tests only: a pause per progress report in the worker, so a small sync's progress and cancel can be watched. */
  paceMs?: number;
}

type SyncOperation = SyncOperationName;

/** Operations refused while a sync runs: they would close, switch or write the project under it. */
const blockedWhileSyncing = new Set(['openProject', 'createProject', 'closeProject', 'startImport', 'startTileImport', 'setProjectPassphrase']);

const toAoi = (area: Area | null): AreaOfInterest | null =>
  area ? { westDegrees: area.west, southDegrees: area.south, eastDegrees: area.east, northDegrees: area.north } : null;
const toArea = (aoi: AreaOfInterest | null): Area | null =>
  aoi ? { west: aoi.westDegrees, south: aoi.southDegrees, east: aoi.eastDegrees, north: aoi.northDegrees } : null;

/** The organisation's CA file: there, small, and PEM certificates (the message names the path, never the content). */
export function checkCaFile(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new StoreyError('FILE_NOT_FOUND', `The CA file ${full} does not exist; give the path of the organisation's CA certificate (PEM).`);
  const stat = statSync(full);
  if (!stat.isFile()) throw new StoreyError('BAD_INPUT', `${full} is not a file; give the path of the organisation's CA certificate (PEM).`);
  if (stat.size > 1024 * 1024) throw new StoreyError('BAD_INPUT', `${full} is ${stat.size} bytes, too large for a CA certificate file (PEM).`);
  const text = readFileSync(full, 'latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new StoreyError('BAD_INPUT', `${full} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); give the organisation's CA certificate.`);
  }
  return full;
}

function summaryOf(summary: SyncSummary, durationMs: number, tiling: { tiled: SyncTiled; tilingError: string | null }): NonNullable<SyncJob['summary']> {
  const zero = { put: 0, delete: 0 };
  return {
    generationBefore: summary.generationBefore,
    generation: summary.generation,
    applied: summary.applied !== null,
    records: summary.applied?.records ?? zero,
    tiles: summary.applied?.tiles ?? zero,
    layers: summary.applied?.layers ?? zero,
    blobsFetched: summary.blobsFetched,
    bytesReceived: summary.bytesReceived,
    items: summary.items,
    durationMs,
    tiled: tiling.tiled,
    tilingError: tiling.tilingError,
  };
}

/** Conflicts of notes and views whose two versions are both still there (deleting one settles it). */
export function listSyncConflicts(project: ProjectFile): SyncConflict[] {
  const db = project.db;
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'storey_sync_conflicts'`).pluck().get();
  if (!hasTable) return [];
  return (db.prepare(`
    SELECT c.kind, c.id, c.copy_id AS copyId, c.detected_at AS detectedAt FROM storey_sync_conflicts c
    WHERE (c.kind = 'note' AND EXISTS (SELECT 1 FROM storey_notes n WHERE n.id = c.id) AND EXISTS (SELECT 1 FROM storey_notes n WHERE n.id = c.copy_id))
       OR (c.kind = 'view' AND EXISTS (SELECT 1 FROM storey_views v WHERE v.id = c.id) AND EXISTS (SELECT 1 FROM storey_views v WHERE v.id = c.copy_id))
    ORDER BY c.detected_at DESC`).all() as SyncConflict[]);
}

interface Running {
  job: SyncJob;
  worker: Worker;
  startedAt: number;
}

/** The host's sync jobs: one at a time, each on its own worker thread. */
export class SyncJobs {
  private readonly jobs = new Map<string, Running>();

  constructor(private readonly context: SyncHostContext) {}

  get running(): SyncJob | null {
    return [...this.jobs.values()].find((r) => r.job.state === 'running')?.job ?? null;
  }

  private requireIdle(): void {
    if (this.running) throw new StoreyError('BUSY', 'A sync is running already; wait for it or cancel it first.');
  }

  state(): SyncState {
    const project = this.context.project();
    const settings = project ? readSyncSettings(project) : undefined;
    return {
      configured: settings !== undefined,
      server: settings?.server ?? null,
      caPath: settings?.caPath ?? null,
      area: toAoi(settings?.area ?? null),
      filter: settings?.filter && !isEverything(settings.filter) ? settings.filter : null,
      generation: Number(project?.getMeta('sync.generation') ?? 0),
      tokenStorage: this.context.tokens.storage,
      tokenKept: project ? this.context.tokens.recall(project.path) !== undefined : false,
      running: this.running,
      conflicts: project ? listSyncConflicts(project) : [],
    };
  }

  /** The server's manifest for a token: what it would sync (checks the address, the CA and the token on the way). */
  async probe(input: { server: string; caPath: string; token: string; area: AreaOfInterest | null }): Promise<SyncServerOffer> {
    const caPath = checkCaFile(input.caPath);
    const connection = new SyncConnection({ server: input.server, token: input.token, ca: readFileSync(caPath), idleTimeoutMs: 20_000 });
    try {
      const area = toArea(input.area);
      const manifest = await connection.json<ManifestResponse>('GET', `/v1/manifest${area ? `?area=${formatArea(area)}` : ''}`);
      return { protocol: manifest.protocol, generation: manifest.generation, tokenName: manifest.tokenName, area: toAoi(manifest.area), fields: manifest.fields, layers: manifest.layers, counts: manifest.counts };
    } finally {
      connection.close();
    }
  }

  async startFromServer(input: z.output<typeof operations.startSyncFromServer.input>): Promise<SyncJob> {
    if (this.context.readOnly) throw new StoreyError('READ_ONLY', 'This Storey host was started read-only; it cannot create projects.');
    this.requireIdle();
    const caPath = checkCaFile(input.caPath);
    const suggested = input.name.replace(/[^\p{L}\p{N} _-]+/gu, '').trim() || 'synced project';
    const path = await this.context.newProjectPath(input.fileName, suggested);
    if (path === null) throw new StoreyError('CANCELLED', 'No file was chosen for the new project.');
    if (this.context.project()?.path === resolve(path)) throw new StoreyError('ALREADY_EXISTS', `${basename(path)} is the open project; choose another name.`);
    this.requireIdle();
    return this.launch('create', path, new URL(input.server).host, input.token, input.rememberToken, {
      mode: 'create', projectPath: path, token: input.token, paceMs: this.context.paceMs,
      settings: { name: input.name, server: new URL(input.server).origin, caPath, area: toArea(input.area), ...(input.filter ? { filter: input.filter } : {}) },
    });
  }

  startSync(input: { token?: string; rememberToken?: boolean }): SyncJob {
    this.requireIdle();
    const project = this.context.project();
    if (!project) throw new StoreyError('NO_PROJECT', 'No project is open; open the project to sync first.');
    if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; it cannot be synced. Open it for writing to sync.`);
    const settings = readSyncSettings(project);
    if (!settings) throw new StoreyError('NOT_FOUND', `${project.fileName} was not made from a server, so it has nothing to sync with; use File ▸ New project from server.`);
    const token = input.token ?? this.context.tokens.recall(project.path);
    if (!token) throw new StoreyError('UNAUTHORIZED', `Give the sync token for ${new URL(settings.server).host}; ${this.context.tokens.storage === 'ask' ? 'this computer keeps none' : 'none is kept for this project'}.`);
    const remember = input.token === undefined ? true : input.rememberToken ?? false;
    // An encrypted project: the worker opens the file with the key the host opened it with (in memory, never logged).
    const passphrase = project.passphraseForWorkerThread();
    return this.launch('sync', project.path, new URL(settings.server).host, token, remember, {
      mode: 'sync', projectPath: project.path, token, paceMs: this.context.paceMs, ...(passphrase !== undefined ? { passphrase } : {}),
    });
  }

  private launch(kind: SyncJob['kind'], path: string, server: string, token: string, remember: boolean, data: SyncWorkerData): SyncJob {
    const id = randomUUID();
    const running: Running = {
      job: {
        id, kind, state: 'running', server, fileName: basename(path),
        progress: { phase: 'starting', items: 0, itemsTotal: null, bytes: 0, bytesPerSecond: 0, secondsLeft: null },
        summary: null, error: null, tokenKept: false, opened: false,
      },
      worker: this.context.spawn(data),
      startedAt: Date.now(),
    };
    this.jobs.set(id, running);
    const tokens = this.context.tokens;
    const finish = (patch: Partial<SyncJob>) => {
      running.job = { ...running.job, ...patch };
    };
    running.worker.on('message', (message: SyncWorkerMessage) => {
      if (running.job.state !== 'running') return;
      if (message.type === 'progress') finish({ progress: message.progress });
      else if (message.type === 'done') {
        const tokenKept = remember && tokens.remember(path, token);
        let opened = false;
        let error: SyncJob['error'] = null;
        if (kind === 'create') {
          try {
            this.context.open(path);
            opened = true;
          } catch (openError) {
            error = toErrorPayload(openError);
          }
        }
        finish({
          state: error ? 'failed' : 'done', summary: summaryOf(message.summary, Date.now() - running.startedAt, message), tokenKept, opened, error,
          progress: { ...running.job.progress, phase: 'done', secondsLeft: 0 },
        });
      } else {
        // A refused token is not kept (and one kept before is forgotten: it was revoked or has expired).
        if (message.error.code === 'UNAUTHORIZED') tokens.forget(path);
        else if (remember && message.error.code !== 'BAD_ARGUMENT') tokens.remember(path, token);
        finish({ state: message.error.code === 'CANCELLED' ? 'cancelled' : 'failed', error: message.error, tokenKept: tokens.recall(path) !== undefined });
      }
    });
    running.worker.on('error', (error) => {
      if (running.job.state === 'running') finish({ state: 'failed', error: { code: 'INTERNAL', message: `The sync worker stopped: ${error.message}` } });
    });
    running.worker.on('exit', () => {
      if (running.job.state === 'running') finish({ state: 'failed', error: { code: 'INTERNAL', message: 'The sync worker exited without a result.' } });
    });
    return running.job;
  }

  get(jobId: string): SyncJob {
    const running = this.jobs.get(jobId);
    if (!running) throw new StoreyError('NOT_FOUND', `No sync job ${jobId}.`);
    return running.job;
  }

  cancel(jobId: string): SyncJob {
    const running = this.jobs.get(jobId);
    if (!running) throw new StoreyError('NOT_FOUND', `No sync job ${jobId}.`);
    if (running.job.state === 'running') running.worker.postMessage({ type: 'cancel' });
    return running.job;
  }

  forgetToken(): boolean {
    const project = this.context.project();
    if (!project) return false;
    const had = this.context.tokens.recall(project.path) !== undefined;
    this.context.tokens.forget(project.path);
    return had;
  }

  /** Cancels the running sync, if any, and waits for it to end (a host shutting down). */
  async shutdown(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.cancel(running.id);
    await this.wait(running.id);
  }

  /** Waits until a job has ended (tests, and hosts shutting down). */
  async wait(jobId: string): Promise<SyncJob> {
    const running = this.jobs.get(jobId);
    if (!running) throw new StoreyError('NOT_FOUND', `No sync job ${jobId}.`);
    while (running.job.state === 'running') await new Promise((r) => setTimeout(r, 20));
    return running.job;
  }
}

/** Answers the sync operations and holds back project switches and imports while a sync runs. */
export function withSync(dispatch: Dispatch, jobs: SyncJobs): Dispatch {
  const answer = async (operation: SyncOperation, input: Record<string, unknown>): Promise<unknown> => {
    switch (operation) {
      case 'getSyncState':
        return jobs.state();
      case 'probeSyncServer':
        return jobs.probe(input as Parameters<SyncJobs['probe']>[0]);
      case 'startSyncFromServer':
        return jobs.startFromServer(input as z.output<typeof operations.startSyncFromServer.input>);
      case 'startSync':
        return jobs.startSync(input as { token?: string; rememberToken?: boolean });
      case 'getSyncJob':
        return jobs.get(String(input['jobId']));
      case 'cancelSync':
        return jobs.cancel(String(input['jobId']));
      case 'forgetSyncToken':
        return { forgotten: jobs.forgetToken() };
    }
  };
  return async (operation, input): Promise<ApiResult> => {
    if (!(syncOperationNames as readonly string[]).includes(operation)) {
      const running = jobs.running;
      if (running && blockedWhileSyncing.has(operation)) {
        return { ok: false, error: { code: 'BUSY' satisfies ErrorCode, message: `A sync of ${running.fileName} with ${running.server} is running; wait for it or cancel it first.` } };
      }
      return dispatch(operation, input);
    }
    const name = operation as SyncOperation;
    const parsed = operations[name].input.safeParse(input ?? {});
    if (!parsed.success) return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Bad arguments for ${name}: ${z.prettifyError(parsed.error)}` } };
    try {
      return { ok: true, value: await answer(name, parsed.data as Record<string, unknown>) };
    } catch (error) {
      if (!(error instanceof StoreyError)) console.error('storey: sync operation failed:', error instanceof Error ? error.message : String(error));
      return { ok: false, error: toErrorPayload(error) };
    }
  };
}
