/**
 * Runs one registry import on a worker thread, so a host's event loop (the Electron main process, the web host)
 * keeps answering while SQLite works. Progress and the outcome go back as messages; cancelling is a shared flag the
 * import polls, because a message cannot arrive while the write transaction runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../../common/errors.js';
import { ProjectFile } from '../project/project-file.js';
import { importRegistry } from './importer.js';
import { tileAfterChange } from '../tiler/after-import.js';
import type { Profile } from './profile.js';
import { runTileImport } from '../tiles/tile-import-run.js';
import type { TileImportWorkerData } from '../tiles/tile-import-jobs.js';

export interface ImportWorkerData extends WorkerKey {
  projectPath: string;
  profile: Profile;
  inputs: string[];
  cancelFlag: SharedArrayBuffer;
}

/** The passphrase of an encrypted project: handed to the worker thread in memory, never written anywhere. */
export interface WorkerKey {
  passphrase?: string;
}

async function runRegistryImport(data: ImportWorkerData): Promise<void> {
  const cancelled = new Int32Array(data.cancelFlag);
  let project: ProjectFile | undefined;
  try {
    // The host's process holds the write lock; this thread works under it.
    project = ProjectFile.open(data.projectPath, { withoutLock: true, passphrase: data.passphrase });
    const report = await importRegistry(project, data.profile, data.inputs, {
      shouldCancel: () => Atomics.load(cancelled, 0) === 1,
      onProgress: (progress) => parentPort!.postMessage({ type: 'progress', progress }),
    });
    // The city view draws buildings from 3D Tiles: tile what the import changed, here, off the host's thread. The
    // import has landed; a failure to tile only leaves the view drawing the registry.
    let tilingError: string | null = null;
    if (Atomics.load(cancelled, 0) !== 1) {
      try {
        // Cancel still works while tiling: the import has landed, the tiling stops and the previous tileset stays.
        await tileAfterChange(
          project,
          (done, total) => parentPort!.postMessage({ type: 'progress', progress: { phase: 'tiling', detail: `3D Tiles: ${done} of ${total} buildings`, done, total } }),
          () => Atomics.load(cancelled, 0) === 1,
        );
      } catch (error) {
        tilingError = error instanceof Error ? error.message : String(error);
        console.error(`Tiling after the import failed: ${tilingError}`);
      }
    }
    // The job says so too, so the import dialog can tell the person (not only the log).
    parentPort!.postMessage({ type: 'done', report, tilingError });
  } catch (error) {
    parentPort!.postMessage({ type: 'failed', error: toErrorPayload(error) });
  } finally {
    project?.close();
  }
}

// Tile imports run in this same worker module (one bundle per host), told apart by their data.
const data = workerData as ImportWorkerData | TileImportWorkerData;
if ('kind' in data && data.kind === 'tiles') await runTileImport(data, (message) => parentPort!.postMessage(message));
else await runRegistryImport(data as ImportWorkerData);
