/**
 * The audit trail kept in the project: what left it (copies, briefings, exports, syncs) and changes of its key, each
 * with the time, the operating-system user and the machine. Read by `storey audit` and `storey info`.
 */
import { hostname, userInfo } from 'node:os';
import type { ProjectFile } from './project-file.js';

export type AuditAction = 'copy' | 'briefing' | 'export' | 'sync' | 'encrypt' | 'decrypt' | 'rekey';

export interface AuditEntry {
  at: string;
  user: string;
  host: string;
  action: AuditAction;
  target: string | null;
  detail: Record<string, unknown>;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

/**
 * Records one entry. A project opened read-only cannot be written: the entry is not recorded then, and false says so
 * (the caller decides whether that matters).
 */
export function recordAudit(project: ProjectFile, action: AuditAction, target: string | null, detail: Record<string, unknown> = {}): boolean {
  if (project.readOnly) return false;
  project.db
    .prepare(`INSERT INTO storey_audit (at, user, host, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(new Date().toISOString(), currentUser(), hostname(), action, target, JSON.stringify(detail));
  return true;
}

/** The newest entries first. */
export function listAudit(project: ProjectFile, limit = 1000): AuditEntry[] {
  const rows = project.db.prepare(`SELECT at, user, host, action, target, detail FROM storey_audit ORDER BY id DESC LIMIT ?`).all(limit) as Array<Omit<AuditEntry, 'detail'> & { detail: string }>;
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}
