/**
 * One writer per project file across processes and machines sharing a folder: a lock file beside the project names
 * who holds it. SQLite alone would keep the file consistent, but two analysts editing one project would silently
 * overwrite each other's work; the second gets a clear "open read-only?" instead. A lock left by a process that
 * died (same host, no such process) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { StoreyError } from '../../common/errors.js';

interface LockInfo {
  app: 'storey';
  pid: number;
  host: string;
  user: string;
  since: string;
}

/** Locks this process holds, counted: two windows of one process may share a project. */
const held = new Map<string, number>();

export function lockPathOf(projectPath: string): string {
  return `${projectPath}.lock`;
}

/** Whether a process with this id runs on this machine (one we may not signal counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return info.app === 'storey' && Number.isInteger(info.pid) ? info : null;
  } catch {
    return null;
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}

/** Takes the write lock of a project, or throws LOCKED naming who has it. */
export function acquireWriteLock(projectPath: string): void {
  const count = held.get(projectPath);
  if (count) {
    held.set(projectPath, count + 1);
    return;
  }
  const path = lockPathOf(projectPath);
  const info: LockInfo = { app: 'storey', pid: process.pid, host: hostname(), user: userName(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(info));
      } finally {
        closeSync(fd);
      }
      held.set(projectPath, 1);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
        throw new StoreyError('READ_ONLY', `${basename(projectPath)} is in a folder Storey cannot write to (${code}); open it read-only.`);
      }
      if (code !== 'EEXIST') throw error;
      const holder = readLock(path);
      const stale = !holder || (holder.host === info.host && (holder.pid === process.pid || !processAlive(holder.pid)));
      if (stale && attempt === 0) {
        try {
          unlinkSync(path);
        } catch {
          // someone else took it over first; the next attempt tells
        }
        continue;
      }
      throw new StoreyError(
        'LOCKED',
        holder
          ? `${basename(projectPath)} is open for writing in another Storey (${holder.user} on ${holder.host}, process ${holder.pid}, since ${holder.since}). Open it read-only instead, or close it there first.`
          : `${basename(projectPath)} is locked by another program (${path}). Open it read-only instead.`,
      );
    }
  }
}

export function releaseWriteLock(projectPath: string): void {
  const count = held.get(projectPath);
  if (!count) return;
  if (count > 1) {
    held.set(projectPath, count - 1);
    return;
  }
  held.delete(projectPath);
  const path = lockPathOf(projectPath);
  if (readLock(path)?.pid === process.pid) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
