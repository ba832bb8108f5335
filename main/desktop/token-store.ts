/**
 * Sync tokens kept by the OS keychain (Electron safeStorage: Keychain on macOS, DPAPI on Windows, the Secret Service
 * or kwallet on Linux), keyed by project path. The file holds only what safeStorage sealed. Where safeStorage has no
 * real keychain (Linux 'basic_text' would keep the token in the clear) nothing is stored: the token is asked for at
 * each sync instead. Never written into a project, never logged.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { SyncTokenKeeper } from '../../core/api/sync-jobs.js';

type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

export class SyncTokenStore implements SyncTokenKeeper {
  constructor(
    private readonly file: string,
    private readonly safeStorage: Keychain,
  ) {}

  /** 'keychain' when tokens can be kept safely on this machine; 'ask' otherwise. */
  get storage(): 'keychain' | 'ask' {
    if (!this.safeStorage.isEncryptionAvailable()) return 'ask';
    return this.safeStorage.getSelectedStorageBackend?.() === 'basic_text' ? 'ask' : 'keychain';
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      // A damaged file: the tokens are asked for again (and the file is rewritten on the next remember).
      return {};
    }
  }

  private write(entries: Record<string, string>): void {
    const temporary = `${this.file}.partial`;
    writeFileSync(temporary, JSON.stringify(entries, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  remember(projectPath: string, token: string): boolean {
    if (this.storage !== 'keychain') return false;
    this.write({ ...this.read(), [projectPath]: this.safeStorage.encryptString(token).toString('base64') });
    return true;
  }

  recall(projectPath: string): string | undefined {
    const sealed = this.read()[projectPath];
    if (!sealed || this.storage !== 'keychain') return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      // Sealed by another user or machine: asked for again.
      return undefined;
    }
  }

  forget(projectPath: string): void {
    const entries = this.read();
    if (!(projectPath in entries)) return;
    delete entries[projectPath];
    this.write(entries);
  }
}
