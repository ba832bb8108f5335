/**
 * The project file: one SQLite database that is also a valid GeoPackage. Opening checks what the file is before
 * trusting it, upgrades older schemas with numbered migrations and refuses newer ones, all without changing a file
 * it refuses.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import { blobEnvelope } from './gpkg-geometry.js';
import { latestSchemaVersion, migrations } from './migrations.js';
import { acquireWriteLock, processAlive, releaseWriteLock } from './lock.js';
import { rollBackHotJournal } from './append-writes.js';
import { checkPassphrase, createEncrypted, looksEncrypted, needsKey, openEncrypted, writeRekeyedCopy } from './encryption.js';

export type SqliteDatabase = Database.Database;

/** GeoPackage's application_id ('GPKG') and the GeoPackage version Storey writes (1.3, which GDAL 3.6 and later accept under any file extension). */
const GPKG_APPLICATION_ID = 0x47504b47;
const GPKG_USER_VERSION = 10300;
const SQLITE_MAGIC = 'SQLite format 3\u0000';
const PAGE_BYTES = 16384;
/** Page cache of a project being built (KiB): a whole city's import stays in memory until it is written once. */
const BUILD_CACHE_KIB = 262144;

export interface NewProjectOptions {
  name: string;
  description?: string;
  synthetic?: boolean;
  /** Creates the project encrypted with this passphrase (core/project/encryption.ts). */
  passphrase?: string;
}

export interface OpenOptions {
  readOnly?: boolean;
  /**
   * Skip the cross-process write lock: only for a worker thread of the process that already holds it (an import
   * running off the host's event loop).
   */
  withoutLock?: boolean;
  /** The passphrase of an encrypted project; without it such a file is refused with ENCRYPTED. */
  passphrase?: string;
}

function databaseOptions(readOnly: boolean): Database.Options {
  const options: Database.Options = { readonly: readOnly, fileMustExist: true };
  // The desktop host runs inside Electron, whose ABI differs from Node's: it points this at its own build.
  const binding = process.env['STOREY_SQLITE_BINDING'];
  if (binding) options.nativeBinding = binding;
  return options;
}

/** The ST_* functions the GeoPackage R-tree triggers call. */
function registerSpatialFunctions(db: SqliteDatabase): void {
  const envelope = (blob: unknown) => (blob instanceof Uint8Array ? blobEnvelope(blob) : null);
  const options = { deterministic: true, varargs: false } as const;
  db.function('ST_IsEmpty', options, (blob: unknown) => (envelope(blob) ? 0 : 1));
  db.function('ST_MinX', options, (blob: unknown) => envelope(blob)?.minX ?? null);
  db.function('ST_MaxX', options, (blob: unknown) => envelope(blob)?.maxX ?? null);
  db.function('ST_MinY', options, (blob: unknown) => envelope(blob)?.minY ?? null);
  db.function('ST_MaxY', options, (blob: unknown) => envelope(blob)?.maxY ?? null);
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Checks the file is a database; true when it is an encrypted one (which needs the passphrase). */
function checkIsSqliteFile(path: string, passphrase?: string): boolean {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new StoreyError('NOT_A_PROJECT', `${path} is a folder, not a Storey project file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof StoreyError) throw error;
    if (sqliteCode(error) === 'ENOENT') throw new StoreyError('FILE_NOT_FOUND', `There is no file at ${path}.`);
    throw new StoreyError('NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`);
  }
  if (size === 0) throw new StoreyError('NOT_SQLITE', `${basename(path)} is empty (0 bytes); it is not a Storey project.`);
  const header = Buffer.alloc(16);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StoreyError('READ_ONLY', `${basename(path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, { cause: error });
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) {
    if (looksEncrypted(path)) {
      if (passphrase === undefined) throw needsKey(path);
      return true;
    }
    throw new StoreyError(
      'NOT_SQLITE',
      `${basename(path)} is not a SQLite database, so it cannot be a Storey project file.`,
    );
  }
  return false;
}

export class ProjectFile {
  private constructor(
    readonly path: string,
    readonly db: SqliteDatabase,
    readonly readOnly: boolean,
    private locked: boolean,
    private readonly passphrase?: string,
    /** The name errors show: a project being built lives under a temporary name until it is renamed into place. */
    private readonly shownAs?: string,
  ) {}

  /** Whether the file is encrypted (it was opened or created with a passphrase). */
  get encrypted(): boolean {
    return this.passphrase !== undefined;
  }

  /**
   * The passphrase, for a worker thread of this process that opens the same file (the workstation's sync worker,
   * core/api/sync-jobs.ts): it goes to that thread in memory and is never logged, written or returned by an
   * operation. Undefined for a plain project.
   */
  passphraseForWorkerThread(): string | undefined {
    return this.passphrase;
  }

  /**
   * Writes a consistent copy under another key: a passphrase, or null for a plain copy. The project's own passphrase
   * never leaves this object.
   */
  writeCopyWithKey(destPath: string, passphrase: string | null): void {
    writeRekeyedCopy(this.db, destPath, { from: this.passphrase, to: passphrase });
  }

  /**
   * A second, writable connection to the file, with its key when it is encrypted: how a project open read-only still
   * appends to its audit trail (core/project/audit.ts). The caller closes it.
   */
  openAuditConnection(): SqliteDatabase {
    return (this.passphrase !== undefined
      ? openEncrypted(this.path, this.passphrase, { readonly: false, fileMustExist: true })
      : new Database(this.path, { fileMustExist: true })) as SqliteDatabase;
  }

  /** The same encryption as this project: encrypted with its passphrase, or plain. */
  writeCopyWithSameKey(destPath: string): void {
    this.writeCopyWithKey(destPath, this.passphrase ?? null);
  }

  /** Creates a new, empty project at path. Refuses to overwrite an existing file. */
  static create(path: string, options: NewProjectOptions): ProjectFile {
    refuseExisting(path);
    return ProjectFile.createAt(path, options, 'wal');
  }

  /**
   * Creates a new project at path and fills it in one go (an import into a new file): the file is built under a
   * temporary name beside path without a journal file or fsyncs (nothing else can see it, so a crash loses only the
   * temporary file), then switched to WAL like every project, flushed to disk once and given its name. Until then
   * path does not exist, so a failed or cancelled fill leaves nothing behind (the temporary file is removed) and a
   * file that appears at path meanwhile is not overwritten. `fill` runs before the project has its name: it must not
   * hand the project to other connections (workers, audit); it is closed when build returns. Foreign keys are
   * checked once after `fill` (a broken link fails the build) instead of row by row, so their ON DELETE actions do
   * not run inside `fill`: it should only add rows.
   */
  static async build<T>(path: string, options: NewProjectOptions, fill: (project: ProjectFile) => Promise<T> | T): Promise<T> {
    refuseExisting(path);
    removeDeadBuilds(path);
    const temp = join(dirname(path), `${buildPrefix(path)}${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}.building`);
    let project: ProjectFile | undefined;
    try {
      project = ProjectFile.createAt(temp, options, 'build', basename(path));
      const result = await fill(project);
      const broken = project.db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>;
      if (broken.length > 0) {
        throw new StoreyError('INTERNAL', `The new project ${basename(path)} was not written: ${broken.length} row(s) of ${broken[0]!.table} refer to ${broken[0]!.parent} rows that are missing.`);
      }
      // WAL as every project has it; the switch rewrites the header, and close() leaves no -wal or -shm behind.
      project.db.pragma('journal_mode = WAL');
      project.close();
      const fd = openSync(temp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      moveIntoPlace(temp, path);
      return result;
    } catch (error) {
      project?.close();
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(temp + suffix, { force: true });
      throw error;
    }
  }

  /** `wal`: a project as it is used. `build`: one being filled under a temporary name (see build). */
  private static createAt(path: string, options: NewProjectOptions, mode: 'wal' | 'build', shownAs?: string): ProjectFile {
    let db: SqliteDatabase;
    if (options.passphrase !== undefined) checkPassphrase(options.passphrase);
    try {
      db = options.passphrase !== undefined ? createEncrypted(path, options.passphrase) : new Database(path, { ...databaseOptions(false), fileMustExist: false });
    } catch (error) {
      // A project being built is named by where it is going, not by its temporary name.
      throw new StoreyError('NOT_FOUND', `Cannot create ${shownAs ? join(dirname(path), shownAs) : path}: ${(error as Error).message}`, { cause: error });
    }
    registerSpatialFunctions(db);
    // A file being built has a private name nobody opens: no lock file for it.
    if (mode === 'wal') acquireWriteLock(path);
    // 16 KiB pages: a bulk import or tile load writes (and checkpoints) a quarter as many pages, each a system call,
    // and tile blobs span fewer overflow pages. Set before the first write; a file keeps its page size.
    db.pragma(`page_size = ${PAGE_BYTES}`);
    if (mode === 'wal') {
      // WAL first: every later write of the new file then commits without the rollback journal's fsyncs.
      db.pragma('synchronous = NORMAL');
      db.pragma('journal_mode = WAL');
    } else {
      // Pages go straight into the file, once, with no fsync until build() flushes it; the journal is kept in
      // memory (it holds little, the file being new) so a failed transaction still rolls back cleanly.
      db.pragma('synchronous = OFF');
      db.pragma('journal_mode = MEMORY');
      db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`application_id = ${GPKG_APPLICATION_ID}`);
    db.pragma(`user_version = ${GPKG_USER_VERSION}`);
    db.exec(`CREATE TABLE storey_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    const project = new ProjectFile(path, db, false, mode === 'wal', options.passphrase, shownAs);
    project.migrate(0);
    // Links are checked once, when the build is done (see build), rather than row by row.
    if (mode === 'build') db.pragma('foreign_keys = OFF');
    const now = new Date().toISOString();
    project.setMeta('format', 'storey');
    project.setMeta('name', options.name);
    project.setMeta('description', options.description ?? '');
    project.setMeta('synthetic', options.synthetic ? 'true' : 'false');
    project.setMeta('created_at', now);
    return project;
  }

  /**
   * Opens an existing project. Throws StoreyError FILE_NOT_FOUND, NOT_SQLITE, NOT_A_PROJECT, NEWER_VERSION, DAMAGED
   * or READ_ONLY (an older file opened read-only cannot be upgraded). A refused file is left untouched.
   */
  static open(path: string, options: OpenOptions = {}): ProjectFile {
    const encrypted = checkIsSqliteFile(path, options.passphrase);
    const passphrase = encrypted ? options.passphrase : undefined;
    const connect = (readonly: boolean) => (passphrase !== undefined ? openEncrypted(path, passphrase, { readonly }) : new Database(path, databaseOptions(readonly)));
    const name = basename(path);
    // A sync killed while it wrote a new project with a rollback journal leaves a hot journal (append-writes.ts).
    rollBackHotJournal(path, () => connect(false));
    // Inspect read-only first, so nothing is written to a file we end up refusing.
    let version: number;
    let probe: SqliteDatabase;
    try {
      probe = connect(true);
    } catch (error) {
      throw asOpenError(error, name);
    }
    try {
      const hasMeta = probe
        .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'storey_meta'`)
        .get();
      if (!hasMeta) {
        throw new StoreyError('NOT_A_PROJECT', `${name} is a SQLite database but not a Storey project (it has no storey_meta table).`);
      }
      const row = probe.prepare(`SELECT value FROM storey_meta WHERE key = 'schema_version'`).get() as
        | { value: string }
        | undefined;
      version = row ? Number(row.value) : NaN;
      if (!Number.isInteger(version) || version < 1) {
        throw new StoreyError('NOT_A_PROJECT', `${name} has no valid Storey schema version; it is not a Storey project.`);
      }
      if (version > latestSchemaVersion) {
        throw new StoreyError(
          'NEWER_VERSION',
          `${name} was written by a newer Storey (project schema ${version}); this version reads schema ${latestSchemaVersion} and older. Update Storey to open it.`,
        );
      }
    } catch (error) {
      throw asOpenError(error, name);
    } finally {
      probe.close();
    }
    const readOnly = options.readOnly ?? false;
    if (version < latestSchemaVersion && readOnly) {
      throw new StoreyError(
        'READ_ONLY',
        `${name} uses project schema ${version} and must be upgraded to ${latestSchemaVersion}, which needs write access.`,
      );
    }
    const lock = !readOnly && !options.withoutLock;
    if (lock) acquireWriteLock(path);
    let db: SqliteDatabase;
    try {
      db = connect(readOnly);
      registerSpatialFunctions(db);
      if (!readOnly) db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL keeps the file consistent through a crash (only the very last commit may be lost to a
      // power cut), and spares an fsync per transaction.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      if (lock) releaseWriteLock(path);
      throw asOpenError(error, name);
    }
    const project = new ProjectFile(path, db, readOnly, lock, passphrase);
    if (version < latestSchemaVersion) {
      try {
        project.migrate(version);
      } catch (error) {
        project.close();
        throw asOpenError(error, name);
      }
    }
    return project;
  }

  get fileName(): string {
    return this.shownAs ?? basename(this.path);
  }

  get schemaVersion(): number {
    return Number(this.getMeta('schema_version'));
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare(`SELECT value FROM storey_meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare(`INSERT INTO storey_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  /** Runs fn in one transaction: it lands whole or not at all. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (error) {
      // SQLite has rolled the transaction back: the file holds what it held before. Say so in words.
      if (sqliteCode(error) === 'SQLITE_FULL') {
        throw new StoreyError('DISK_FULL', `The disk holding ${this.fileName} is full; nothing of this change was saved and the project is as it was. Free some space and try again.`, { cause: error });
      }
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.locked) {
      this.locked = false;
      releaseWriteLock(this.path);
    }
  }

  private migrate(fromVersion: number): void {
    for (const migration of migrations) {
      if (migration.version <= fromVersion) continue;
      // A table others reference is rebuilt with foreign keys off (they cannot change inside a transaction), and the
      // links are checked before the commit: a file whose links do not hold is refused, unchanged.
      const keysOff = migration.rebuildsReferencedTable === true;
      if (keysOff) this.db.pragma('foreign_keys = OFF');
      try {
        this.transaction(() => {
          migration.up(this.db);
          if (keysOff) {
            const broken = this.db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>;
            if (broken.length > 0) {
              throw new StoreyError('DAMAGED', `${this.fileName} cannot be upgraded to schema ${migration.version}: ${broken.length} row(s) of ${broken[0]!.table} refer to ${broken[0]!.parent} rows that are missing; nothing was changed.`);
            }
          }
          this.setMeta('schema_version', String(migration.version));
        });
      } finally {
        if (keysOff) this.db.pragma('foreign_keys = ON');
      }
    }
  }
}

/** Temporary files of builds of path start with this (hidden, beside it). */
const buildPrefix = (path: string) => `.${basename(path)}.`;

/**
 * A process killed while it built a project (ProjectFile.build) leaves its temporary file: the next build of the same
 * project removes those of processes of this host that are gone. Others (a live process, another computer sharing
 * the folder) are left alone.
 */
function removeDeadBuilds(path: string): void {
  const prefix = buildPrefix(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return; // the folder's own error comes when the file is created
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(.+)-(\d+)-[0-9a-f]{8}\.building(-journal|-wal|-shm)?$/.exec(name.slice(prefix.length));
    if (!match || match[1] !== hostname()) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dirname(path), name), { force: true });
  }
}

function refuseExisting(path: string): void {
  try {
    statSync(path);
  } catch {
    return;
  }
  throw new StoreyError('ALREADY_EXISTS', `${path} already exists; choose another name or remove it first.`);
}

/**
 * Gives a finished file its name without overwriting one that appeared meanwhile (a hard link fails when the name
 * exists; where links are not supported, a rename after a check), then makes the new name durable.
 */
function moveIntoPlace(temp: string, path: string): void {
  let linked = false;
  try {
    linkSync(temp, path);
    linked = true;
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'EEXIST') throw new StoreyError('ALREADY_EXISTS', `${path} appeared while the project was being made; it was left as it is. Choose another name.`, { cause: error });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    refuseExisting(path);
    renameSync(temp, path);
  }
  if (linked) unlinkSync(temp);
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some systems cannot fsync a folder (Windows); the file itself is already on disk.
  }
}

function asOpenError(error: unknown, name: string): StoreyError {
  if (error instanceof StoreyError) return error;
  const code = sqliteCode(error);
  const detail = (error as Error).message;
  if (code === 'SQLITE_NOTADB') return new StoreyError('NOT_SQLITE', `${name} is not a SQLite database: ${detail}`);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_CORRUPT_INDEX') {
    return new StoreyError('DAMAGED', `${name} is damaged (${detail}); open the last good copy instead.`);
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return new StoreyError('READ_ONLY', `${name} cannot be opened for writing (${detail}).`);
  }
  return new StoreyError('INTERNAL', `Cannot open ${name}: ${detail}`, { cause: error });
}
