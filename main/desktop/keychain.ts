/**
 * Passphrases of encrypted projects, and through SealedStore the sync tokens (token-store.ts), kept by the OS keychain
 * (Electron safeStorage: Keychain on macOS, DPAPI on Windows, the Secret Service / kwallet on Linux). The file holds
 * only what safeStorage encrypted, keyed by project path; nothing is remembered when the OS offers no real keychain
 * (Linux 'basic_text' would store it in the clear).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { PassphraseKeychain } from '../../core/workspace/workspace.js';

export type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

/**
 * Secrets sealed by safeStorage, one per project path, in a JSON file of their own (written whole, then renamed into
 * place, readable by the user only). Nothing is kept where safeStorage has no real keychain.
 */
export class SealedStore {
  constructor(
    private readonly file: string,
    protected readonly safeStorage: Keychain,
  ) {}

  /** True when secrets can be kept safely on this machine. */
  get available(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return this.safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  }

  /** Whether a secret is kept for this project (it may still turn out stale when it is tried). */
  has(projectPath: string): boolean {
    return this.available && projectPath in this.read();
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      // A damaged file: the secrets are asked for again (and the file is rewritten on the next remember).
      return {};
    }
  }

  private write(entries: Record<string, string>): void {
    const temporary = `${this.file}.partial`;
    writeFileSync(temporary, JSON.stringify(entries, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  remember(projectPath: string, secret: string): boolean {
    if (!this.available) return false;
    this.write({ ...this.read(), [projectPath]: this.safeStorage.encryptString(secret).toString('base64') });
    return true;
  }

  recall(projectPath: string): string | undefined {
    const sealed = this.read()[projectPath];
    if (!sealed || !this.available) return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      // Another user's or machine's entry: the secret is asked for again.
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

/** Passphrases of encrypted projects. */
export class ProjectKeychain extends SealedStore implements PassphraseKeychain {
  /** What the passphrase dialog says when it cannot offer "Remember on this computer". */
  get unavailableReason(): string | null {
    if (this.available) return null;
    return this.safeStorage.isEncryptionAvailable()
      ? 'This computer has no OS keychain for Storey (no Secret Service or KWallet is running), and Storey will not keep passphrases in the clear.'
      : 'The OS keychain is not available to Storey on this computer, so passphrases are asked each time.';
  }
}
