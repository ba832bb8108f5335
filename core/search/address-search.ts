/**
 * Address search over the project's FTS5 index: every word of the query is a prefix, accents and case do not
 * matter, the best matches (BM25, then the shortest address) come first. Query text never reaches SQL as syntax:
 * it is folded into plain words and each is quoted.
 */
import type { AddressMatch } from '../../common/contract.js';
import { decodePoint } from '../project/gpkg-geometry.js';
import type { ProjectFile } from '../project/project-file.js';
import { searchTokens } from './fold.js';

export function searchAddresses(project: ProjectFile, query: string, limit = 10): AddressMatch[] {
  const tokens = searchTokens(query);
  if (tokens.length === 0) return [];
  const match = tokens.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' ');
  const rows = project.db
    .prepare(
      `SELECT a.registry_id AS id, a.full_text AS text, a.building_id AS buildingId, a.geom AS geom
         FROM (SELECT rowid, rank FROM storey_address_search WHERE storey_address_search MATCH ? ORDER BY rank LIMIT ?) s
         JOIN addresses a ON a.fid = s.rowid
        ORDER BY s.rank, length(a.full_text), a.full_text`,
    )
    .all(match, Math.max(limit * 5, 50)) as Array<{ id: string; text: string; buildingId: string | null; geom: Uint8Array | null }>;
  return rows.slice(0, limit).map((row) => {
    const point = row.geom ? decodePoint(row.geom) : null;
    return { id: row.id, text: row.text, buildingId: row.buildingId, lonDegrees: point?.[0] ?? null, latDegrees: point?.[1] ?? null };
  });
}
