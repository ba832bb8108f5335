/**
 * The audit trail kept in the project: what left it (copies, briefings, exports, syncs) and changes of its key, each
 * with the time, the operating-system user and the machine. Read by `storey audit` and `storey info`.
 */
import { hostname, userInfo } from 'node:os';
import { StoreyError } from '../../common/errors.js';
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
  return recordAuditEntry(project, action, target, detail) !== undefined;
}

/** As recordAudit, giving the entry's id (undefined when read-only) so a longer operation can complete its detail. */
export function recordAuditEntry(project: ProjectFile, action: AuditAction, target: string | null, detail: Record<string, unknown> = {}): number | undefined {
  if (project.readOnly) return undefined;
  const result = project.db
    .prepare(`INSERT INTO storey_audit (at, user, host, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(new Date().toISOString(), currentUser(), hostname(), action, target, JSON.stringify(detail));
  return Number(result.lastInsertRowid);
}

/** Replaces the detail of an entry recorded by recordAuditEntry (its time, user and action stay). */
export function updateAuditDetail(project: ProjectFile, id: number, detail: Record<string, unknown>): void {
  project.db.prepare(`UPDATE storey_audit SET detail = ? WHERE id = ?`).run(JSON.stringify(detail), id);
}

/** The newest entries first. */
export function listAudit(project: ProjectFile, limit = 1000): AuditEntry[] {
  const rows = project.db.prepare(`SELECT at, user, host, action, target, detail FROM storey_audit ORDER BY id DESC LIMIT ?`).all(limit) as Array<Omit<AuditEntry, 'detail'> & { detail: string }>;
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

/**
 * Records an export (a briefing, a CSV table): what left the project must be on record, so when the record cannot be
 * written the export is refused (StoreyError READ_ONLY) and the caller hands nothing out. A project open read-only
 * (a briefing of a file another workstation has open, `storey serve --read-only`, `storey brief`) gets the row
 * through a short second connection: one appended row under SQLite's own locking, which waits for a writer that is
 * busy; an encrypted project's connection is opened with its key. Copies are recorded the same way.
 */
export function recordExport(project: ProjectFile, action: 'briefing' | 'export' | 'copy', target: string, detail: Record<string, unknown>): void {
  if (!project.readOnly) {
    recordAudit(project, action, target, detail);
    return;
  }
  const refuse = (why: string, cause?: unknown) =>
    new StoreyError('READ_ONLY', `${project.fileName} is open read-only and ${why}, so the ${action === 'copy' ? 'copy' : 'export'} was not made: exports and copies are recorded in the project's audit trail. Open the project for writing and try again.`, { cause });
  let db: ReturnType<ProjectFile['openAuditConnection']> | undefined;
  try {
    db = project.openAuditConnection();
    db.pragma('busy_timeout = 10000');
    db.prepare(`INSERT INTO storey_audit (at, user, host, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(new Date().toISOString(), currentUser(), hostname(), action, target, JSON.stringify(detail));
  } catch (error) {
    throw refuse(`its audit trail cannot be written (${(error as Error).message})`, error);
  } finally {
    db?.close();
  }
}

/** "floorCount >= 4 and use = Block of flats", or "all buildings": a filter as the audit trail and the CLI show it. */
export function filterText(conditions: ReadonlyArray<{ attribute: string; operator: string; value: string | number | null }>): string {
  if (conditions.length === 0) return 'all buildings';
  return conditions.map((c) => `${c.attribute} ${c.operator} ${c.value === null ? 'no data' : String(c.value)}`).join(' and ');
}
