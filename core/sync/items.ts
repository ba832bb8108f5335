/**
 * The analyst's own notes and saved views, synced both ways. Each item's last synced state (server revision and a
 * hash of its content) is kept in storey_sync_local; an item changed here and on the server since then keeps both
 * versions: the server's under its id, the local one as a copy listed in storey_sync_conflicts. Nothing is lost.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ProjectFile } from '../project/project-file.js';
import type { SyncConnection } from './http.js';
import type { ItemKind, ItemPush, ItemPushResult, ItemsResponse, RowJson } from './wire.js';

export interface ItemsSummary { pulled: number; pushed: number; conflicts: number }

const DELETED = 'deleted';
const tableOf = (kind: ItemKind) => (kind === 'note' ? 'storey_notes' : 'storey_views');
const hashOf = (body: RowJson | null) => (body === null ? DELETED : createHash('sha256').update(JSON.stringify(body)).digest('hex'));

function readLocal(project: ProjectFile, kind: ItemKind, id: string): RowJson | null {
  const row = project.db.prepare(`SELECT * FROM ${tableOf(kind)} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!row) return null;
  const { id: _id, ...body } = row;
  return body;
}

function writeLocal(project: ProjectFile, kind: ItemKind, id: string, body: RowJson | null): void {
  const table = tableOf(kind);
  if (body === null) {
    project.db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id);
    return;
  }
  const known = new Set((project.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  const columns = Object.keys(body).filter((c) => known.has(c) && c !== 'id');
  project.db
    .prepare(`INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')}) ON CONFLICT (id) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`)
    .run(id, ...columns.map((c) => body[c] ?? null));
}

export async function syncItems(project: ProjectFile, connection: SyncConnection, signal?: AbortSignal): Promise<ItemsSummary> {
  const db = project.db;
  const summary: ItemsSummary = { pulled: 0, pushed: 0, conflicts: 0 };
  const stateOf = db.prepare(`SELECT rev, hash FROM storey_sync_local WHERE kind = ? AND id = ?`);
  const setState = db.prepare(`INSERT INTO storey_sync_local (kind, id, rev, hash) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET rev = excluded.rev, hash = excluded.hash`);

  /** Takes the server's version; a local change since the last sync is kept as a conflict copy first. */
  const takeServer = (kind: ItemKind, id: string, rev: number, body: RowJson | null) => {
    const known = stateOf.get(kind, id) as { rev: number; hash: string } | undefined;
    if (known && known.rev >= rev) return;
    const local = readLocal(project, kind, id);
    const localHash = hashOf(local);
    const changedHere = known ? localHash !== known.hash : local !== null;
    if (body === null && changedHere && local !== null) {
      // Deleted there, changed here: ours stays and goes back up on this sync's push; nothing is lost.
      setState.run(kind, id, rev, DELETED);
      return;
    }
    if (changedHere && local !== null && localHash !== hashOf(body)) {
      const copyId = randomUUID();
      const copy = kind === 'view' ? { ...local, name: `${String(local['name'])} (conflict ${new Date().toISOString().slice(0, 16)})` } : local;
      writeLocal(project, kind, copyId, copy);
      db.prepare(`INSERT INTO storey_sync_conflicts (kind, id, copy_id, server_rev, detected_at) VALUES (?, ?, ?, ?, ?)`).run(kind, id, copyId, rev, new Date().toISOString());
      summary.conflicts++;
    }
    writeLocal(project, kind, id, body);
    setState.run(kind, id, rev, hashOf(body));
    summary.pulled++;
  };

  const since = Number(project.getMeta('sync.items_rev') ?? 0);
  const pulled = await connection.json<ItemsResponse>('GET', `/v1/items?since=${since}`, undefined, signal);
  project.transaction(() => {
    for (const item of pulled.items) takeServer(item.kind, item.id, item.rev, item.body);
    project.setMeta('sync.items_rev', String(pulled.rev));
  });

  const pushes: ItemPush[] = [];
  for (const kind of ['note', 'view'] as const) {
    const ids = new Set([
      ...(db.prepare(`SELECT id FROM ${tableOf(kind)}`).pluck().all() as string[]),
      ...(db.prepare(`SELECT id FROM storey_sync_local WHERE kind = ?`).pluck().all(kind) as string[]),
    ]);
    for (const id of ids) {
      const body = readLocal(project, kind, id);
      const known = stateOf.get(kind, id) as { rev: number; hash: string } | undefined;
      if (known ? hashOf(body) === known.hash : body === null) continue;
      pushes.push({ kind, id, baseRev: known?.rev ?? null, body });
    }
  }
  if (pushes.length === 0) return summary;
  const { results } = await connection.json<{ results: ItemPushResult[] }>('POST', '/v1/items', { items: pushes }, signal);
  project.transaction(() => {
    results.forEach((result, index) => {
      const pushed = pushes[index]!;
      if (result.status === 'accepted') {
        setState.run(pushed.kind, pushed.id, result.rev, hashOf(pushed.body));
        summary.pushed++;
      } else takeServer(result.kind, result.id, result.current.rev, result.current.body);
    });
  });
  return summary;
}
