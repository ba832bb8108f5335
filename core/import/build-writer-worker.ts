/**
 * The writer thread of an import into a new project (build-writer.ts). A module of its own, apart from
 * import-worker, so the thread loads only SQLite and the project code it writes with: it starts in tens of
 * milliseconds rather than the few hundred that the import worker's libraries (profiles, projections, glTF) take.
 */
import { parentPort } from 'node:worker_threads';
import { serveBuildWriter } from './build-writer.js';

serveBuildWriter(parentPort!);
