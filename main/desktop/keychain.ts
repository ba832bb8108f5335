/**
 * Passphrases of encrypted projects kept by the OS keychain (Electron safeStorage: Keychain on macOS, DPAPI on
 * Windows, the Secret Service / kwallet on Linux). The file holds only what safeStorage encrypted, keyed by project
 * path; nothing is remembered when the OS offers no real keychain (Linux 'basic_text' would store it in the clear).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { PassphraseKeychain } from '../../core/workspace/workspace.js';

type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

export class ProjectKeychain implements PassphraseKeychain {
  constructor(
    private readonly file: string,
    private readonly safeStorage: Keychain,
  ) {}

  /** True when passphrases can be kept safely on this machine. */
  get available(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return this.safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  }

  /** What the passphrase dialog says when it cannot offer "Remember on this computer". */
  get unavailableReason(): string | null {
    if (this.available) return null;
    return this.safeStorage.isEncryptionAvailable()
      ? 'This computer has no OS keychain for Storey (no Secret Service or KWallet is running), and Storey will not keep passphrases in the clear.'
      : 'The OS keychain is not available to Storey on this computer, so passphrases are asked each time.';
  }

  /** Whether a passphrase is kept for this project (it may still turn out stale when it is tried). */
  has(projectPath: string): boolean {
    return this.available && projectPath in this.read();
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private write(entries: Record<string, string>): void {
    const temporary = `${this.file}.partial`;
    writeFileSync(temporary, JSON.stringify(entries, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  remember(projectPath: string, passphrase: string): boolean {
    if (!this.available) return false;
    this.write({ ...this.read(), [projectPath]: this.safeStorage.encryptString(passphrase).toString('base64') });
    return true;
  }

  recall(projectPath: string): string | undefined {
    const sealed = this.read()[projectPath];
    if (!sealed || !this.available) return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      // Another user's or machine's entry: the passphrase is asked again.
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
