/**
 * Sync tokens kept by the OS keychain (Electron safeStorage: Keychain on macOS, DPAPI on Windows, the Secret Service
 * or kwallet on Linux), keyed by project path. The file holds only what safeStorage sealed. Where safeStorage has no
 * real keychain (Linux 'basic_text' would keep the token in the clear) nothing is stored: the token is asked for at
 * each sync instead. Never written into a project, never logged.
 */
import type { SyncTokenKeeper } from '../../core/api/sync-jobs.js';
import { SealedStore } from './keychain.js';

export class SyncTokenStore extends SealedStore implements SyncTokenKeeper {
  /** 'keychain' when tokens can be kept safely on this machine; 'ask' otherwise. */
  get storage(): 'keychain' | 'ask' {
    return this.available ? 'keychain' : 'ask';
  }
}
