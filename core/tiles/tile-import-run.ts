/**
 * The worker side of a tile import (see tile-import-jobs.ts): opens the project under the host's lock, imports the
 * source as one transaction, and reports progress and the outcome as messages. Cancelling is the shared flag, read
 * before every tile, because no message can arrive while the import's synchronous loop holds the thread.
 */
import { toErrorPayload } from '../../common/errors.js';
import { ProjectFile } from '../project/project-file.js';
import { importTiles } from './import-tiles.js';
import type { TileImportWorkerData, TileWorkerMessage } from './tile-import-jobs.js';
import type { WorkerKey } from '../import/import-worker.js';

export async function runTileImport(data: TileImportWorkerData, post: (message: TileWorkerMessage) => void): Promise<void> {
  const cancelled = new Int32Array(data.cancelFlag);
  const pause = data.paceMs > 0 ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  let project: ProjectFile | undefined;
  try {
    project = ProjectFile.open(data.projectPath, { withoutLock: true, passphrase: (data as TileImportWorkerData & WorkerKey).passphrase });
    const layer = await importTiles(project, data.source, {
      ...data.options,
      shouldCancel: () => {
        if (pause) Atomics.wait(pause, 0, 0, data.paceMs);
        return Atomics.load(cancelled, 0) === 1;
      },
      onProgress: (p) => post({ type: 'progress', progress: { done: p.done, total: p.total, bytes: p.bytes ?? 0, detail: p.detail } }),
    });
    post({ type: 'done', layer });
  } catch (error) {
    post({ type: 'failed', error: toErrorPayload(error) });
  } finally {
    project?.close();
  }
}
