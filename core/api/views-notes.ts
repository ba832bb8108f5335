/** Saved views and notes: the analyst's own content in the project file, written in small transactions. */
import { randomUUID } from 'node:crypto';
import type { Note, SavedView, ViewState } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';

function writable(project: ProjectFile): void {
  if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; views and notes cannot be saved.`);
}

export function listViews(project: ProjectFile): SavedView[] {
  const rows = project.db.prepare(`SELECT id, name, state, created_at, updated_at FROM storey_views ORDER BY updated_at DESC, name`).all() as Array<{
    id: string; name: string; state: string; created_at: string; updated_at: string;
  }>;
  return rows.map((r) => ({ id: r.id, name: r.name, state: JSON.parse(r.state) as ViewState, createdAt: r.created_at, updatedAt: r.updated_at }));
}

export function saveView(project: ProjectFile, name: string, state: ViewState): SavedView {
  writable(project);
  const now = new Date().toISOString();
  return project.transaction(() => {
    const existing = project.db.prepare(`SELECT id, created_at FROM storey_views WHERE name = ?`).get(name) as { id: string; created_at: string } | undefined;
    const id = existing?.id ?? randomUUID();
    project.db
      .prepare(`INSERT INTO storey_views (id, name, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`)
      .run(id, name, JSON.stringify(state), existing?.created_at ?? now, now);
    return { id, name, state, createdAt: existing?.created_at ?? now, updatedAt: now };
  });
}

export function deleteView(project: ProjectFile, id: string): boolean {
  writable(project);
  return project.db.prepare(`DELETE FROM storey_views WHERE id = ?`).run(id).changes > 0;
}

interface NoteRow {
  id: string; text: string; building_id: string | null; lon: number; lat: number; height_m: number; created_at: string; updated_at: string;
}
const noteOf = (r: NoteRow): Note => ({
  id: r.id, text: r.text, buildingId: r.building_id, lonDegrees: r.lon, latDegrees: r.lat, heightMeters: r.height_m, createdAt: r.created_at, updatedAt: r.updated_at,
});

export function listNotes(project: ProjectFile): Note[] {
  return (project.db.prepare(`SELECT * FROM storey_notes ORDER BY created_at DESC`).all() as NoteRow[]).map(noteOf);
}

export function saveNote(project: ProjectFile, note: { id?: string; text: string; buildingId: string | null; lonDegrees: number; latDegrees: number; heightMeters: number }): Note {
  writable(project);
  const now = new Date().toISOString();
  return project.transaction(() => {
    if (note.buildingId && !project.db.prepare(`SELECT 1 FROM buildings WHERE registry_id = ?`).get(note.buildingId)) {
      throw new StoreyError('NOT_FOUND', `No building with registry id ${note.buildingId} to pin the note to.`);
    }
    const existing = note.id ? (project.db.prepare(`SELECT created_at FROM storey_notes WHERE id = ?`).get(note.id) as { created_at: string } | undefined) : undefined;
    if (note.id && !existing) throw new StoreyError('NOT_FOUND', `No note ${note.id}.`);
    const id = note.id ?? randomUUID();
    project.db
      .prepare(
        `INSERT INTO storey_notes (id, text, building_id, lon, lat, height_m, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET text = excluded.text, building_id = excluded.building_id, lon = excluded.lon, lat = excluded.lat,
           height_m = excluded.height_m, updated_at = excluded.updated_at`,
      )
      .run(id, note.text, note.buildingId, note.lonDegrees, note.latDegrees, note.heightMeters, existing?.created_at ?? now, now);
    return noteOf(project.db.prepare(`SELECT * FROM storey_notes WHERE id = ?`).get(id) as NoteRow);
  });
}

export function deleteNote(project: ProjectFile, id: string): boolean {
  writable(project);
  return project.db.prepare(`DELETE FROM storey_notes WHERE id = ?`).run(id).changes > 0;
}
