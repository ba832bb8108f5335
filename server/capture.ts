/**
 * Capture: after anything changed the master (an import, another tool), compare every record, layer and tile with
 * the state served so far and record what differs under a new generation (docs/sync-protocol.md, "Generations").
 * A diff rather than triggers: the importer lifts triggers for bulk speed, and other GeoPackage tools may write too.
 */
import { createHash } from 'node:crypto';
import type { ProjectFile } from '../core/project/project-file.js';
import { unionEnvelopes, type Envelope } from '../core/sync/area.js';
import { recordTables, rowToJson } from '../core/sync/wire.js';
import { BUILDINGS_TILESET_NAME } from '../common/buildings-tileset.js';

export interface CaptureSummary {
  /** The generation the master now serves (unchanged when nothing differed). */
  generation: number;
  changed: boolean;
  counts: Record<string, { put: number; delete: number }>;
}

interface Known {
  op: string;
  hash: string | null;
  ever: Envelope | null;
}

interface EnvRow { minx: number | null; miny: number | null; maxx: number | null; maxy: number | null }

const envOf = (r: EnvRow | undefined): Envelope | null =>
  r && r.minx !== null && r.miny !== null && r.maxx !== null && r.maxy !== null ? { minx: r.minx, miny: r.miny, maxx: r.maxx, maxy: r.maxy } : null;

const hashOf = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

export function currentGeneration(project: ProjectFile): number {
  return (project.db.prepare(`SELECT max(generation) FROM storey_generations`).pluck().get() as number | null) ?? 0;
}

export function captureGeneration(project: ProjectFile): CaptureSummary {
  const db = project.db;
  return project.transaction(() => {
    const generation = currentGeneration(project) + 1;
    const known = new Map<string, Known>();
    for (const r of db.prepare(`SELECT tbl, key, op, row_hash, ever_minx AS minx, ever_miny AS miny, ever_maxx AS maxx, ever_maxy AS maxy FROM storey_changes`).iterate() as IterableIterator<EnvRow & { tbl: string; key: string; op: string; row_hash: string | null }>) {
      known.set(`${r.tbl}\u0000${r.key}`, { op: r.op, hash: r.row_hash, ever: envOf(r) });
    }
    const write = db.prepare(
      `INSERT INTO storey_changes (tbl, key, generation, op, row_hash, row_json, sha256, minx, miny, maxx, maxy, ever_minx, ever_miny, ever_maxx, ever_maxy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tbl, key) DO UPDATE SET generation = excluded.generation, op = excluded.op, row_hash = excluded.row_hash,
         row_json = excluded.row_json, sha256 = excluded.sha256, minx = excluded.minx, miny = excluded.miny, maxx = excluded.maxx,
         maxy = excluded.maxy, ever_minx = excluded.ever_minx, ever_miny = excluded.ever_miny, ever_maxx = excluded.ever_maxx, ever_maxy = excluded.ever_maxy`,
    );
    const counts: CaptureSummary['counts'] = {};
    const count = (tbl: string, op: 'put' | 'delete') => {
      const c = (counts[tbl] ??= { put: 0, delete: 0 });
      c[op] += 1;
    };
    const seen = new Set<string>();
    const put = (tbl: string, key: string, rowJson: string | null, sha256: string | null, env: Envelope | null) => {
      const id = `${tbl}\u0000${key}`;
      seen.add(id);
      const hash = hashOf([rowJson, sha256, env]);
      const before = known.get(id);
      if (before && before.op === 'put' && before.hash === hash) return;
      const ever = unionEnvelopes(before?.ever ?? null, env);
      write.run(tbl, key, generation, 'put', hash, rowJson, sha256, env?.minx ?? null, env?.miny ?? null, env?.maxx ?? null, env?.maxy ?? null,
        ever?.minx ?? null, ever?.miny ?? null, ever?.maxx ?? null, ever?.maxy ?? null);
      count(tbl, 'put');
    };

    const buildingEnv = new Map<string, Envelope | null>();
    for (const r of db.prepare(`SELECT b.registry_id AS id, r.minx, r.miny, r.maxx, r.maxy FROM buildings b LEFT JOIN rtree_buildings_footprint r ON r.id = b.fid`).iterate() as IterableIterator<EnvRow & { id: string }>) {
      buildingEnv.set(r.id, envOf(r));
    }
    const pointEnv = new Map<string, Envelope | null>();
    for (const r of db.prepare(`SELECT a.registry_id AS id, r.minx, r.miny, r.maxx, r.maxy FROM addresses a LEFT JOIN rtree_addresses_geom r ON r.id = a.fid`).iterate() as IterableIterator<EnvRow & { id: string }>) {
      pointEnv.set(r.id, envOf(r));
    }
    for (const tbl of recordTables) {
      for (const row of db.prepare(`SELECT * FROM ${tbl}`).all() as Array<Record<string, unknown>>) {
        const key = String(row['registry_id']);
        const parent = typeof row['building_id'] === 'string' ? buildingEnv.get(row['building_id']) ?? null : null;
        const env = tbl === 'buildings' ? buildingEnv.get(key) ?? null : tbl === 'addresses' ? parent ?? pointEnv.get(key) ?? null : parent;
        put(tbl, key, JSON.stringify(rowToJson(row)), null, env);
      }
    }
    const layerEnv = new Map<string, Envelope | null>();
    // The buildings tileset is derived from the records (core/tiler) and carries their properties inside its tiles:
    // serving it would show a token buildings outside its area and fields it may not see. Each workstation tiles
    // the records it was given instead (cli/sync-command.ts), so the layer and its tiles are never offered.
    const derived = new Set(
      (db.prepare(`SELECT id FROM storey_layers WHERE name = ? AND kind = '3dtiles'`).pluck().all(BUILDINGS_TILESET_NAME) as string[]),
    );
    for (const layer of db.prepare(`SELECT id, name, kind, settings FROM storey_layers`).all() as Array<{ id: string; name: string; kind: string; settings: string }>) {
      if (derived.has(layer.id)) continue;
      const settings = JSON.parse(layer.settings) as { extent?: { westDegrees: number; southDegrees: number; eastDegrees: number; northDegrees: number } | null };
      const e = settings.extent;
      const env = e ? { minx: e.westDegrees, miny: e.southDegrees, maxx: e.eastDegrees, maxy: e.northDegrees } : null;
      layerEnv.set(layer.id, env);
      // The user's own choices on the master (visible, order, opacity) are not part of what a workstation receives.
      const { visible: _v, order: _o, opacity: _p, ...facts } = settings as Record<string, unknown>;
      put('layers', layer.id, JSON.stringify({ name: layer.name, kind: layer.kind, settings: facts }), null, env ?? WHOLE_WORLD);
    }
    for (const t of db.prepare(`SELECT layer_id, tile_path, sha256 FROM storey_tiles`).all() as Array<{ layer_id: string; tile_path: string; sha256: string }>) {
      if (derived.has(t.layer_id)) continue;
      put('tiles', `${t.layer_id}/${t.tile_path}`, null, t.sha256, layerEnv.get(t.layer_id) ?? WHOLE_WORLD);
    }

    const remove = db.prepare(
      `UPDATE storey_changes SET generation = ?, op = 'delete', row_hash = NULL, row_json = NULL, sha256 = NULL, minx = NULL, miny = NULL, maxx = NULL, maxy = NULL
        WHERE tbl = ? AND key = ?`,
    );
    for (const [id, before] of known) {
      if (before.op !== 'put' || seen.has(id)) continue;
      const [tbl, key] = id.split('\u0000') as [string, string];
      remove.run(generation, tbl, key);
      count(tbl, 'delete');
    }
    // Rows are read whole (all()) above: better-sqlite3 cannot write while a statement is still stepping.
    const changed = Object.keys(counts).length > 0;
    if (changed) db.prepare(`INSERT INTO storey_generations (generation, created_at, summary) VALUES (?, ?, ?)`).run(generation, new Date().toISOString(), JSON.stringify(counts));
    return { generation: changed ? generation : generation - 1, changed, counts };
  });
}

/** Layers and tiles without a known extent are offered to every area. */
const WHOLE_WORLD: Envelope = { minx: -180, miny: -90, maxx: 180, maxy: 90 };
