/**
 * The write side of an import into a new project, on a thread of its own. SQLite's inserts (rows, unique ids,
 * R-trees, the search index) are close to half of such an import; here they run on a second core while the import
 * thread is still reading and joining the next kinds: each kind's records are posted as soon as they are final
 * (buildings first, then floors, stairwells, units and addresses), so the writing starts after the buildings are
 * joined instead of after every join. The writer thread builds the file exactly as ProjectFile.build does (a
 * temporary name, one transaction, linked into place only when it has landed), so a failure or a cancel on either
 * side still leaves no file. One writer thread is kept for the process between imports, not holding it open.
 *
 * Buildings are written before the addresses that name them (a building is named by its shortest address); the
 * writer names them at the end from the addresses it was given, the same choice importRegistry makes in JavaScript.
 */
import { Worker } from 'node:worker_threads';
import type { ImportReport } from '../../common/contract.js';
import { StoreyError, toErrorPayload, type ErrorPayload } from '../../common/errors.js';
import { ProjectFile, refuseExisting, sqliteCode, type NewProjectOptions } from '../project/project-file.js';
import type { AddressRecord, BuildingRecord, FloorRecord, StairwellRecord, UnitRecord } from '../project/records.js';
import { ADDRESS_BUILDING, ADDRESS_TEXT, addressRow, BUILDING_ADDRESS, buildingRow, floorRow, RegistryStore, stairwellRow, unitRow, type AddressRow, type BuildingRow } from '../project/registry-store.js';
import { readFootprintFile, type FootprintFile, type FootprintFileRequest } from './footprint-reader.js';
import { shorterThenEarlier } from './naming.js';
import { spawnBuildWriterWorker } from './worker-url.js';

/** What a writer thread is started with. */
export interface BuildWriterData {
  kind: 'build-writer';
}

interface RecordsOf {
  buildings: BuildingRecord;
  floors: FloorRecord;
  stairwells: StairwellRecord;
  units: UnitRecord;
  addresses: AddressRecord;
}
export type RecordTable = keyof RecordsOf;

/**
 * Records are made into rows on the import's thread (geometry encoded, attributes as JSON, search text folded),
 * which waits on the writer at the end anyway: the writer thread is left with SQLite's work alone, and the rows it
 * is handed are flat arrays and small byte arrays, quicker to copy between threads than the records' polygons.
 */
const rowOf: { [T in RecordTable]: (record: RecordsOf[T]) => unknown } = {
  buildings: buildingRow,
  floors: floorRow,
  stairwells: stairwellRow,
  units: unitRow,
  addresses: addressRow,
};

/** What the import sends last: the report and what goes beside the rows. */
export interface BuildFinish {
  report: ImportReport;
  /** The input paths, as storey_imports keeps them. */
  files: string[];
  attribution: string | null;
  attributeLabels: Record<string, string>;
}

type ToWriter =
  | { job: number; type: 'start'; path: string; project: NewProjectOptions; cancel: SharedArrayBuffer }
  | { job: number; type: 'rows'; table: RecordTable; rows: unknown[] }
  | { job: number; type: 'finish'; finish: BuildFinish }
  | { job: number; type: 'footprints'; request: number; file: FootprintFileRequest }
  | { job: number; type: 'abort' };
type FromWriter =
  | { job: number; type: 'written'; rows: number; table: RecordTable }
  | { job: number; type: 'footprints'; request: number; file: FootprintFile }
  | { job: number; type: 'footprints-failed'; request: number; error: ErrorPayload }
  | { job: number; type: 'done' }
  | { job: number; type: 'failed'; error: ErrorPayload };

/** The import thread's handle on one build. */
export interface BuildWriter {
  /** The footprint files the writer thread was asked to read, in the order asked (see startBuildWriter). */
  footprints: Array<Promise<FootprintFile>>;
  /** Hands over one kind's finished records (in the order they are to be written). */
  rows<T extends RecordTable>(table: T, records: Iterable<RecordsOf[T]>): void;
  /**
   * Writes what goes beside the rows, commits and gives the file its name; resolves once the project is on disk.
   * `cancelled` is polled meanwhile (true rolls the build back); `onWritten` hears the rows written so far.
   */
  finish(finish: BuildFinish, cancelled: () => boolean, onWritten: (rows: number, table: RecordTable) => void): Promise<void>;
  /** Rolls the build back (after a failure or a cancel on the import's side); resolves when no file is left. */
  abort(): Promise<void>;
}

const ROWS_PER_MESSAGE = 500;

let spare: Worker | null = null;
let nextJob = 1;

/**
 * Starts building a new project at path on the writer thread (the file must not exist yet). The footprint files
 * are read there first, before the file is even created: they are what the import thread needs soonest, and the
 * writer has nothing to write until the buildings are joined (footprint-reader.ts).
 */
export function startBuildWriter(path: string, project: NewProjectOptions, footprintFiles: FootprintFileRequest[] = []): BuildWriter {
  // Said at once (the writer checks again when it creates the file), not after every input has been read.
  refuseExisting(path);
  const worker = spare ?? spawnBuildWriterWorker();
  spare = null;
  worker.ref();
  const job = nextJob++;
  const cancel = new SharedArrayBuffer(4);
  let settled: { error: StoreyError | Error | null } | null = null;
  let waiting: (() => void) | null = null;
  let written = 0;
  let writing: RecordTable = 'buildings';
  let hearWritten: ((rows: number, table: RecordTable) => void) | null = null;
  const footprintRequests = new Map<number, { resolve: (file: FootprintFile) => void; reject: (error: Error) => void }>();
  const settle = (error: StoreyError | Error | null) => {
    if (settled) return;
    settled = { error };
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    // A healthy thread is kept for the next build, without keeping the process alive.
    if (!(error && !(error instanceof StoreyError)) && spare === null) {
      worker.unref();
      spare = worker;
    } else void worker.terminate();
    waiting?.();
    for (const request of footprintRequests.values()) request.reject(error ?? new Error('The new project was finished before a footprint file was read.'));
    footprintRequests.clear();
  };
  const onMessage = (message: FromWriter) => {
    if (message.job !== job) return;
    if (message.type === 'footprints' || message.type === 'footprints-failed') {
      const request = footprintRequests.get(message.request);
      footprintRequests.delete(message.request);
      if (message.type === 'footprints') request?.resolve(message.file);
      else request?.reject(new StoreyError(message.error.code, message.error.message));
    } else if (message.type === 'written') {
      written = message.rows;
      writing = message.table;
      hearWritten?.(written, writing);
    } else if (message.type === 'done') settle(null);
    else settle(new StoreyError(message.error.code, message.error.message));
  };
  const onError = (error: Error) => settle(error);
  const onExit = () => settle(new Error('The thread writing the new project stopped.'));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  const send = (message: ToWriter) => {
    if (!settled) worker.postMessage(message);
  };
  const outcome = () =>
    new Promise<void>((resolve, reject) => {
      const check = () => (settled!.error ? reject(settled!.error) : resolve());
      if (settled) check();
      else waiting = check;
    });
  const footprints = footprintFiles.map((file, request) => {
    const read = new Promise<FootprintFile>((resolve, reject) => footprintRequests.set(request, { resolve, reject }));
    // Awaited when the footprints are joined; a failure that stops the import before then is not waited for.
    read.catch(() => undefined);
    send({ job, type: 'footprints', request, file });
    return read;
  });
  send({ job, type: 'start', path, project, cancel });
  return {
    footprints,
    rows(table, records) {
      // In pieces, so the writer starts on the first rows while the rest are made.
      const make = rowOf[table] as (record: RecordsOf[typeof table]) => unknown;
      let rows: unknown[] = [];
      for (const record of records) {
        rows.push(make(record));
        if (rows.length === ROWS_PER_MESSAGE) {
          send({ job, type: 'rows', table, rows });
          rows = [];
        }
      }
      if (rows.length) send({ job, type: 'rows', table, rows });
    },
    async finish(finish, cancelled, onWritten) {
      hearWritten = onWritten;
      onWritten(written, writing);
      const flag = new Int32Array(cancel);
      const check = () => {
        if (cancelled()) Atomics.store(flag, 0, 1);
      };
      // Checked before the last message too, so a cancel asked for by now always lands before the commit.
      check();
      send({ job, type: 'finish', finish });
      const poll = setInterval(check, 10);
      try {
        await outcome();
      } finally {
        clearInterval(poll);
      }
    },
    async abort() {
      Atomics.store(new Int32Array(cancel), 0, 1);
      send({ job, type: 'abort' });
      await outcome().catch(() => undefined);
    },
  };
}

/** The writer thread: serves builds one after another, for as long as the process keeps it. */
export function serveBuildWriter(port: { on(event: 'message', listener: (message: ToWriter) => void): unknown; postMessage(message: FromWriter): void }): void {
  let current: { job: number; queue: ToWriter[]; wake: (() => void) | null } | null = null;
  port.on('message', (message) => {
    if (message.type === 'footprints') {
      // Before the build of its job starts (see startBuildWriter); the file is read whole here, in one go.
      readFootprintFile(message.file).then(
        (file) => port.postMessage({ job: message.job, type: 'footprints', request: message.request, file }),
        (error: unknown) => port.postMessage({ job: message.job, type: 'footprints-failed', request: message.request, error: toErrorPayload(error) }),
      );
      return;
    }
    if (message.type === 'start') {
      current = { job: message.job, queue: [], wake: null };
      const job = current;
      void build(message, () => nextMessage(job)).then(
        () => port.postMessage({ job: message.job, type: 'done' }),
        (error: unknown) => port.postMessage({ job: message.job, type: 'failed', error: toErrorPayload(error) }),
      );
      return;
    }
    if (!current || current.job !== message.job) return;
    current.queue.push(message);
    current.wake?.();
  });
  const nextMessage = (job: NonNullable<typeof current>): Promise<ToWriter> =>
    new Promise((resolve) => {
      const take = () => {
        job.wake = null;
        resolve(job.queue.shift()!);
      };
      if (job.queue.length) take();
      else job.wake = take;
    });

  async function build(start: Extract<ToWriter, { type: 'start' }>, next: () => Promise<ToWriter>): Promise<void> {
    const cancelled = new Int32Array(start.cancel);
    const checkCancelled = () => {
      if (Atomics.load(cancelled, 0) === 1) throw new StoreyError('CANCELLED', 'The import was cancelled; the project is unchanged.');
    };
    let rows = 0;
    await ProjectFile.build(start.path, start.project, async (project) => {
      const db = project.db;
      db.exec('BEGIN');
      try {
        const store = new RegistryStore(project);
        const endBulk = store.beginBulk();
        /** Buildings without an address of their own, by registry id: named by their shortest address at the end. */
        const unnamed = new Map<string, number>();
        const shortest = new Map<string, string>();
        for (;;) {
          const message = await next();
          checkCancelled();
          if (message.type === 'abort') throw new StoreyError('CANCELLED', 'The import was cancelled; the project is unchanged.');
          if (message.type === 'rows') {
            for (const row of message.rows) {
              switch (message.table) {
                case 'buildings': {
                  const b = row as BuildingRow;
                  const fid = store.writeBuilding(b, true)!;
                  if (b.values[BUILDING_ADDRESS] === null) unnamed.set(b.values[0] as string, fid);
                  break;
                }
                case 'floors':
                  store.writeFloor(row as unknown[], true);
                  break;
                case 'stairwells':
                  store.writeStairwell(row as unknown[], true);
                  break;
                case 'units':
                  store.writeUnit(row as unknown[], true);
                  break;
                case 'addresses': {
                  const a = row as AddressRow;
                  store.writeAddress(a, true);
                  const buildingId = a.values[ADDRESS_BUILDING] as string | null;
                  const fullText = a.values[ADDRESS_TEXT] as string;
                  if (buildingId) {
                    const current = shortest.get(buildingId);
                    if (current === undefined || shorterThenEarlier(fullText, current)) shortest.set(buildingId, fullText);
                  }
                  break;
                }
              }
              if (++rows % 500 === 0) {
                checkCancelled();
                if (rows % 5000 === 0) port.postMessage({ job: start.job, type: 'written', rows, table: message.table });
              }
            }
            continue;
          }
          if (message.type !== 'finish') continue;
          const { report, files, attribution, attributeLabels } = message.finish;
          const name = db.prepare(`UPDATE buildings SET address = ? WHERE fid = ?`);
          for (const [registryId, fid] of unnamed) {
            const text = shortest.get(registryId);
            if (text !== undefined) name.run(text, fid);
          }
          endBulk();
          store.refreshExtents();
          if (attribution) project.setMeta('attribution', attribution);
          for (const [column, label] of Object.entries(attributeLabels)) project.setMeta(`attribute_label:${column}`, label);
          db.prepare(`INSERT INTO storey_imports (started_at, profile, files, report) VALUES (?, ?, ?, ?)`).run(report.startedAt, report.profile, JSON.stringify(files), JSON.stringify(report));
          port.postMessage({ job: start.job, type: 'written', rows, table: 'addresses' });
          checkCancelled();
          db.exec('COMMIT');
          return;
        }
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        if (sqliteCode(error) === 'SQLITE_FULL') {
          throw new StoreyError('DISK_FULL', `The disk holding ${project.fileName} is full; nothing was saved. Free some space and try again.`, { cause: error });
        }
        throw error;
      }
    });
  }
}
