/**
 * Encrypting, decrypting and re-keying a project file in place (`storey encrypt`, `storey decrypt`): the converted
 * project is written whole beside the original, checked, and renamed over it, so a wrong passphrase, a full disk or a
 * killed process leaves the original as it was.
 */
import { renameSync, rmSync } from 'node:fs';
import { StoreyError } from '../../common/errors.js';
import { ProjectFile } from './project-file.js';
import { recordAudit } from './audit.js';

export interface KeyChange {
  /** The current passphrase; omit for a plain file. */
  from?: string;
  /** The new passphrase, or null to decrypt. */
  to: string | null;
}

export function changeProjectKey(path: string, keys: KeyChange): void {
  const project = ProjectFile.open(path, { passphrase: keys.from });
  const converted = `${path}.converting-${process.pid}`;
  try {
    if (keys.to === null && !project.encrypted) throw new StoreyError('BAD_ARGUMENT', `${project.fileName} is not encrypted; there is nothing to decrypt.`);
    // Recorded first, so the converted file carries the entry.
    recordAudit(project, keys.to === null ? 'decrypt' : project.encrypted ? 'rekey' : 'encrypt', null);
    project.writeCopyWithKey(converted, keys.to);
  } catch (error) {
    project.close();
    rmSync(converted, { force: true });
    throw error;
  }
  // Closing checkpoints and removes the original's WAL; then the converted file takes its name in one rename.
  project.close();
  try {
    renameSync(converted, path);
  } catch (error) {
    rmSync(converted, { force: true });
    throw new StoreyError('READ_ONLY', `Cannot replace ${project.fileName} with its converted copy: ${(error as Error).message}. The original is unchanged.`, { cause: error });
  }
}

export function encryptProject(path: string, passphrase: string): void {
  changeProjectKey(path, { to: passphrase });
}

export function decryptProject(path: string, passphrase: string): void {
  changeProjectKey(path, { from: passphrase, to: null });
}
