/**
 * Runs one sync on a worker thread, so the host's event loop (the Electron main process, the web host) keeps
 * answering while SQLite stages, writes tiles and applies a generation. Progress and the outcome go back as messages;
 * a 'cancel' message aborts the sync's AbortSignal (requests in flight stop; the project keeps its last whole
 * generation and the next sync resumes). The token, and an encrypted project's passphrase, live only in this thread's
 * memory: they come with the thread's data from the host, which holds them already.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../../common/errors.js';
import type { SyncTiled } from '../../common/sync.js';
import { ProjectFile } from '../project/project-file.js';
import { createProjectFromServer, syncProject, type SyncOptions, type SyncProgress, type SyncSummary } from '../sync/sync-client.js';
import { tileAfterChange } from '../tiler/after-import.js';
import type { Area } from '../sync/area.js';
import type { SyncFilter } from '../sync/filter.js';

export type SyncWorkerData =
  | { mode: 'sync'; projectPath: string; token: string; paceMs?: number; /** An encrypted project's key (memory only). */ passphrase?: string }
  | { mode: 'create'; projectPath: string; token: string; settings: { name: string; server: string; caPath: string; area: Area | null; filter?: SyncFilter | null }; paceMs?: number };

export type SyncWorkerMessage =
  | { type: 'progress'; progress: SyncProgress | TilingProgress }
  | { type: 'done'; summary: SyncSummary; tiled: SyncTiled; tilingError: string | null }
  | { type: 'failed'; error: { code: string; message: string } };

/** The step after the sync: the buildings tiled for the city view, counted in buildings. */
interface TilingProgress extends Omit<SyncProgress, 'phase'> {
  phase: 'tiling';
}

const port = parentPort!;
const data = workerData as SyncWorkerData;
const cancel = new AbortController();
port.on('message', (message: { type?: string }) => {
  if (message?.type === 'cancel') cancel.abort();
});
// The port must not keep the thread alive once the sync has ended.
port.unref();

const post = (message: SyncWorkerMessage) => port.postMessage(message);
const pause = data.paceMs ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
let lastAt = 0;
let lastPhase = '';
const onProgress = (progress: SyncProgress) => {
  const now = Date.now();
  // A message per phase change and at most ten a second otherwise: the host polls a few times a second.
  if (progress.phase !== lastPhase || now - lastAt >= 100) {
    lastAt = now;
    lastPhase = progress.phase;
    post({ type: 'progress', progress });
  }
  // Tests only: slows a small sync down so its progress and cancel can be watched (blocks only this thread).
  if (pause && data.paceMs) Atomics.wait(pause, 0, 0, data.paceMs);
};

const options: SyncOptions = { token: data.token, onProgress, signal: cancel.signal };
let project: ProjectFile | undefined;
try {
  let summary: SyncSummary;
  if (data.mode === 'create') {
    const created = await createProjectFromServer(data.projectPath, data.settings, options);
    project = created.project;
    summary = created.summary;
  } else {
    // The host's process holds the project's write lock; this thread works under it.
    project = ProjectFile.open(data.projectPath, { withoutLock: true, ...(data.passphrase !== undefined ? { passphrase: data.passphrase } : {}) });
    summary = await syncProject(project, options);
  }
  // The server never sends its buildings tileset: tile the records this project was given when they changed. A
  // failure leaves the sync standing; the city view draws the registry until the tileset is current again.
  let tiled: SyncTiled = null;
  let tilingError: string | null = null;
  const recordsChanged = summary.applied !== null && summary.applied.records.put + summary.applied.records.delete > 0;
  if (recordsChanged && !cancel.signal.aborted) {
    try {
      const report = await tileAfterChange(project, (done, total) => {
        const now = Date.now();
        if (done === total || now - lastAt >= 100) {
          lastAt = now;
          post({ type: 'progress', progress: { phase: 'tiling', items: done, itemsTotal: total, bytes: summary.bytesReceived, bytesPerSecond: 0, secondsLeft: null } });
        }
      }, () => cancel.signal.aborted);
      tiled = report ? { buildings: report.buildings, tiles: report.tiles, rebuilt: report.rebuilt, kept: report.kept } : null;
    } catch (error) {
      tilingError = error instanceof Error ? error.message : String(error);
    }
  }
  post({ type: 'done', summary, tiled, tilingError });
} catch (error) {
  post({ type: 'failed', error: toErrorPayload(error) });
} finally {
  project?.close();
}
