/**
 * Encrypted project files: SQLite3 Multiple Ciphers (ChaCha20-Poly1305, every page including the header and the WAL
 * encrypted and authenticated) through better-sqlite3-multiple-ciphers. Plain files keep the plain better-sqlite3
 * driver, so unencrypted projects read and write exactly as before; only a file that is not plain SQLite and comes
 * with a passphrase goes through the cipher build.
 *
 * Converting a file (encrypt, decrypt, new passphrase) writes a whole new file under a temporary name beside it,
 * checks that it opens with the new key, and renames it over the original: a failure leaves the original as it was.
 */
import type Database from 'better-sqlite3';
import CipherDatabase from 'better-sqlite3-multiple-ciphers';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** The smallest passphrase Storey accepts: a lost laptop gives an attacker all the time in the world. */
export const MIN_PASSPHRASE_LENGTH = 8;

export function checkPassphrase(passphrase: string, what = 'The passphrase'): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new StoreyError('BAD_ARGUMENT', `${what} is too short: use at least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
}

/** The key as hex, so no passphrase character can break out of the PRAGMA's quotes. */
function hexKey(passphrase: string): string {
  return Buffer.from(passphrase, 'utf8').toString('hex');
}

export function fileHeader(path: string): Buffer {
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

export function isPlainSqlite(header: Buffer): boolean {
  return header.toString('latin1') === SQLITE_MAGIC;
}

/**
 * True for a file that is not plain SQLite but has the shape of an encrypted database: whole pages (a multiple of
 * 512 bytes, at least one page). Encrypted pages look random, so this is the most a file can tell without its key.
 */
export function looksEncrypted(path: string): boolean {
  const size = statSync(path).size;
  return size >= 512 && size % 512 === 0 && !isPlainSqlite(fileHeader(path));
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

export function wrongKey(path: string, cause?: unknown): StoreyError {
  return new StoreyError('WRONG_KEY', `The passphrase does not open ${basename(path)} (or the file is not a Storey project). The file was not changed.`, { cause });
}

export function needsKey(path: string): StoreyError {
  return new StoreyError('ENCRYPTED', `${basename(path)} is encrypted: open it with its passphrase.`);
}

/** Sorts and temporary indexes of big queries stay in memory: SQLite's temporary files are not encrypted. */
function keepTempInMemory(db: Database.Database): void {
  db.pragma('temp_store = MEMORY');
}

/**
 * Opens an encrypted database with its passphrase and reads its schema, which is what proves the key: a wrong key
 * makes every page fail its authentication (SQLITE_NOTADB). Throws WRONG_KEY then, with the file untouched.
 */
export function openEncrypted(path: string, passphrase: string, options: { readonly: boolean; fileMustExist?: boolean }): Database.Database {
  const db = new CipherDatabase(path, { readonly: options.readonly, fileMustExist: options.fileMustExist ?? true }) as unknown as Database.Database;
  try {
    db.pragma(`hexkey = '${hexKey(passphrase)}'`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    keepTempInMemory(db);
    return db;
  } catch (error) {
    db.close();
    if (sqliteCode(error) === 'SQLITE_NOTADB') throw wrongKey(path, error);
    throw error;
  }
}

/** A new, empty encrypted database (the key is set before the first page is written). */
export function createEncrypted(path: string, passphrase: string): Database.Database {
  checkPassphrase(passphrase);
  const db = new CipherDatabase(path) as unknown as Database.Database;
  db.pragma(`hexkey = '${hexKey(passphrase)}'`);
  keepTempInMemory(db);
  return db;
}

export interface RekeyOptions {
  /** The passphrase of the source, when it is encrypted. */
  from?: string;
  /** The passphrase of the result; null writes a plain (unencrypted) file. */
  to: string | null;
}

/**
 * Writes a consistent copy of an open database to destPath under the key `to`. The copy is taken with VACUUM INTO
 * (one snapshot, whole even while the source is written), then re-keyed in place while it still has its temporary
 * name. When the source is encrypted, the temporary copy is encrypted under the source's key throughout, so no
 * plaintext reaches the disk; from a plain source, the only plaintext is the temporary copy, removed at once.
 */
export function writeRekeyedCopy(source: Database.Database, destPath: string, keys: RekeyOptions): void {
  if (keys.to !== null) checkPassphrase(keys.to, 'The new passphrase');
  const temporary = `${destPath}.partial-${process.pid}`;
  rmSync(temporary, { force: true });
  rmSync(`${temporary}-journal`, { force: true });
  try {
    source.prepare('VACUUM INTO ?').run(temporary);
    const copy = keys.from !== undefined ? openEncrypted(temporary, keys.from, { readonly: false }) : (new CipherDatabase(temporary, { fileMustExist: true }) as unknown as Database.Database);
    try {
      copy.pragma(`hexrekey = '${keys.to === null ? '' : hexKey(keys.to)}'`);
    } finally {
      copy.close();
    }
    // The proof: the copy opens with the new key and passes SQLite's check.
    const check = keys.to === null ? (new CipherDatabase(temporary, { readonly: true, fileMustExist: true }) as unknown as Database.Database) : openEncrypted(temporary, keys.to, { readonly: true });
    try {
      const result = check.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new StoreyError('DAMAGED', `The re-keyed copy of ${basename(destPath)} failed its check (${String(result)}); nothing was replaced.`);
    } finally {
      check.close();
    }
    if (keys.to !== null && isPlainSqlite(fileHeader(temporary))) throw new StoreyError('INTERNAL', `The copy of ${basename(destPath)} was not encrypted; nothing was replaced.`);
    renameSync(temporary, destPath);
  } finally {
    rmSync(temporary, { force: true });
    rmSync(`${temporary}-journal`, { force: true });
  }
}

/** Whether a project file on disk is encrypted (exists and is not plain SQLite). */
export function isEncryptedFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && looksEncrypted(path);
}
