/**
 * Bulk appends written once. In WAL mode every page a transaction writes goes to the WAL and again into the file at
 * the checkpoint; with a rollback journal, pages appended past the file's end at a transaction's start are not
 * journaled (a rollback truncates them away), so a fill of new pages is written once. Only a connection that is the
 * file's only one may leave WAL: the initial sync of a new project (docs/benchmarks.md, Sync).
 */
import { existsSync, statSync } from 'node:fs';
import type { SqliteDatabase } from './project-file.js';

/**
 * Switches this connection's file to a rollback journal (TRUNCATE: the journal file is reused, not created and
 * deleted per commit) when no other connection has it open; the returned function switches back to WAL. A process
 * killed meanwhile leaves a hot journal that the next open rolls back (rollBackHotJournal), so the file still shows
 * its last commit. Returns undefined, changing nothing, when the file is not in WAL mode or another connection has
 * it open (its readers keep WAL's snapshots).
 */
export function appendWithRollbackJournal(db: SqliteDatabase): (() => void) | undefined {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  let mode: unknown;
  // Leaving WAL needs the file to itself: no waiting for other connections, which keep their WAL.
  db.pragma('busy_timeout = 0');
  try {
    mode = db.pragma('journal_mode = TRUNCATE', { simple: true });
  } catch {
    mode = undefined;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
  if (mode !== 'truncate') return undefined;
  return () => {
    if (!db.open) return;
    // DELETE first removes the journal file; then WAL, as every project is used. Should another connection have
    // opened the file meanwhile, the switch waits for it (busy_timeout) and may fail: the file is consistent in
    // rollback mode too, and every writable open (ProjectFile.open) sets WAL again.
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma('journal_mode = WAL');
    } catch {
      // see above: the next writable open switches it
    }
  };
}

/**
 * A writer killed in the middle of a commit in rollback mode leaves a hot journal, which only a writable connection
 * can roll back (a read-only one fails with SQLITE_READONLY_ROLLBACK). Rolls it back before a read-only look at the
 * file. Without write access, or while a live writer holds the file, this does nothing and the open reports what it
 * meets.
 */
export function rollBackHotJournal(path: string, openWritable: () => SqliteDatabase): void {
  const journal = `${path}-journal`;
  if (!existsSync(journal)) return;
  try {
    if (statSync(journal).size === 0) return;
    const db = openWritable();
    try {
      // The first read of a file with a hot journal rolls it back.
      db.prepare(`SELECT count(*) FROM sqlite_master`).get();
    } finally {
      db.close();
    }
  } catch {
    // no write access or a live writer: the read-only open below says what it finds
  }
}
