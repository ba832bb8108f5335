/**
 * Save a copy, and checking a file: a consistent copy of an open project (VACUUM INTO reads one snapshot, so it is
 * whole even while the project is being written), written under a temporary name and renamed into place, so a full
 * disk or a killed process never leaves a half-written copy under the real name.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from './project-file.js';
import { recordExport } from './audit.js';

function diskError(error: unknown, what: string): StoreyError {
  const text = (error as Error).message;
  const code = (error as { code?: string }).code ?? '';
  if (/SQLITE_FULL|database or disk is full/i.test(code + text) || code === 'ENOSPC') {
    return new StoreyError('DISK_FULL', `${what}: the disk is full. Nothing was written; free some space and try again.`);
  }
  if (/SQLITE_CANTOPEN|SQLITE_READONLY|EACCES|EROFS|EPERM|unable to open/i.test(code + text)) {
    return new StoreyError('READ_ONLY', `${what}: the folder cannot be written to (${text}).`);
  }
  return new StoreyError('INTERNAL', `${what}: ${text}`, { cause: error });
}

/**
 * Writes a consistent copy of the project to destPath. Refuses to overwrite unless asked. An encrypted project's copy
 * is encrypted with the same passphrase unless `passphrase` says otherwise: a string encrypts the copy with it (a copy
 * for a colleague), null writes a plain copy.
 */
export function saveCopy(project: ProjectFile, destPath: string, options: { overwrite?: boolean; passphrase?: string | null } = {}): void {
  if (existsSync(destPath) && !options.overwrite) {
    throw new StoreyError('ALREADY_EXISTS', `${destPath} already exists; choose another name.`);
  }
  if (project.encrypted || (options.passphrase !== undefined && options.passphrase !== null)) {
    const existed = existsSync(destPath);
    try {
      if (options.passphrase === undefined) project.writeCopyWithSameKey(destPath);
      else project.writeCopyWithKey(destPath, options.passphrase);
    } catch (error) {
      throw error instanceof StoreyError ? error : diskError(error, `Cannot save a copy of ${project.fileName} as ${basename(destPath)}`);
    }
    try {
      recordExport(project, 'copy', destPath, { encrypted: true, ownPassphrase: options.passphrase !== undefined });
    } catch (error) {
      // A copy that is not on record is not handed out (an overwritten file is not brought back).
      if (!existed) rmSync(destPath, { force: true });
      throw error;
    }
    return;
  }
  const temporary = `${destPath}.partial-${process.pid}`;
  rmSync(temporary, { force: true });
  try {
    project.db.prepare('VACUUM INTO ?').run(temporary);
    // Check the copy before it takes the real name.
    const copy = new Database(temporary, { readonly: true, fileMustExist: true });
    try {
      const result = copy.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new Error(`the copy failed its check (${String(result)})`);
    } finally {
      copy.close();
    }
    // On record before it takes its name: a copy that cannot be recorded is not made.
    recordExport(project, 'copy', destPath, { encrypted: false });
    renameSync(temporary, destPath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error instanceof StoreyError ? error : diskError(error, `Cannot save a copy of ${project.fileName} as ${basename(destPath)}`);
  }
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

/** SQLite's full integrity check of a project file, opened read-only. */
export function checkProject(project: ProjectFile): CheckResult {
  try {
    const rows = project.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const problems = rows.map((r) => r.integrity_check).filter((t) => t !== 'ok');
    const fk = project.db.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`${fk.length} rows refer to records that are not there (foreign keys)`);
    return { ok: problems.length === 0, problems };
  } catch (error) {
    // Some damage (a broken page of the schema or of an index the check walks) stops the check itself.
    if (/^SQLITE_CORRUPT/.test(String((error as { code?: unknown }).code))) return { ok: false, problems: [(error as Error).message] };
    throw error;
  }
}
