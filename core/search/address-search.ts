/**
 * Address search over the project's FTS5 index: every word of the query may be a prefix, accents and case do not
 * matter; whole-word matches come before prefix matches, then the shortest address. Query text never reaches SQL as syntax:
 * it is folded into plain words and each is quoted.
 */
import type { Statement } from 'better-sqlite3';
import type { AddressMatch } from '../../common/contract.js';
import { decodePoint } from '../project/gpkg-geometry.js';
import type { ProjectFile } from '../project/project-file.js';
import { searchTokens } from './fold.js';

/** Index hits a stage may look at; bounded so a broad query costs about as much as a narrow one. */
const STAGE_CANDIDATES = 400;
/** Words sent to the index per stage; the others are checked on the candidates. */
const INDEX_WORDS = 2;

type Mode = 'whole' | 'prefix';

/**
 * A guess at how many addresses a word matches, lower is rarer. The street name is the most selective word, then
 * the house number; postcodes, town names, single letters and floor or door
 * words ("st", "th") are common. A prefix matches more than the whole word. (FTS5 can count a word's addresses
 * through fts5vocab, but only by walking its whole doclist, which costs more than the search.)
 */
function selectivityCosts(tokens: string[], modes: Mode[]): number[] {
  // The street is the word followed by a house number ("Ridehusgade 49", wherever the town is typed), else the
  // first word of three letters or more.
  const isWord = (t: string | undefined) => t !== undefined && /\p{L}{3,}/u.test(t);
  const isNumber = (t: string | undefined) => t !== undefined && /^\d{1,3}\p{L}?$/u.test(t);
  let streetWord = tokens.findIndex((t, i) => isWord(t) && isNumber(tokens[i + 1]));
  if (streetWord === -1) streetWord = tokens.findIndex(isWord);
  const houseNumber = tokens.findIndex((t) => /^\d{1,3}\p{L}?$/u.test(t));
  return tokens.map((t, i) => {
    let cost: number;
    if (i === streetWord) cost = 10;
    else if (i === houseNumber) cost = 30;
    else if (/^\d{4,}$/.test(t) || t.length <= 2) cost = 90;
    else cost = 60 - Math.min(t.length, 10);
    return modes[i] === 'prefix' ? cost + 5 : cost;
  });
}

/** How many further pages of candidates a stage may read when its first page did not hold enough matches. */
const EXTRA_PAGES = 9;

interface Statements {
  candidates: Statement;
  moreCandidates: Statement;
  byFids: Statement;
}
const prepared = new WeakMap<ProjectFile, Statements>();

function statementsFor(project: ProjectFile): Statements {
  let statements = prepared.get(project);
  if (!statements) {
    statements = {
      candidates: project.db.prepare(`SELECT rowid, text FROM storey_address_search WHERE storey_address_search MATCH ? ORDER BY rowid LIMIT ${STAGE_CANDIDATES}`),
      moreCandidates: project.db.prepare(
        `SELECT rowid, text FROM storey_address_search WHERE storey_address_search MATCH ? AND rowid > ? ORDER BY rowid LIMIT ${STAGE_CANDIDATES}`,
      ),
      byFids: project.db.prepare(
        `SELECT a.fid, a.registry_id AS id, a.full_text AS text, a.building_id AS buildingId, a.geom AS geom
           FROM addresses a WHERE a.fid IN (SELECT value FROM json_each(?))`,
      ),
    };
    prepared.set(project, statements);
  }
  return statements;
}

function satisfies(words: string[], tokens: string[], modes: Mode[]): boolean {
  return tokens.every((t, i) => (modes[i] === 'whole' ? words.includes(t) : words.some((w) => w.startsWith(t))));
}

export function searchAddresses(project: ProjectFile, query: string, limit = 10): AddressMatch[] {
  const tokens = searchTokens(query);
  if (tokens.length === 0) return [];
  const { candidates, moreCandidates, byFids } = statementsFor(project);
  const quote = (t: string) => `"${t.replace(/"/g, '""')}"`;
  const last = tokens.length - 1;
  // Stages from strict to loose: every word whole; the last word still being typed; every word a prefix. The first
  // stage with matches answers. Each asks
  // the index only for its most selective words and checks the rest on the candidates: common words such as a
  // postcode or "th" would otherwise make the index walk most of a million addresses.
  const stages: Mode[][] = [tokens.map(() => 'whole'), tokens.map((_, i) => (i === last ? 'prefix' : 'whole')), tokens.map(() => 'prefix')];
  const stageOf = new Map<number, number>();
  for (const [index, modes] of stages.entries()) {
    if (index > 0 && modes.join() === stages[index - 1]!.join()) continue;
    const costs = selectivityCosts(tokens, modes);
    const chosen = tokens
      .map((t, i) => ({ t, mode: modes[i]!, cost: costs[i]! }))
      .sort((a, b) => a.cost - b.cost)
      .slice(0, INDEX_WORDS);
    const match = chosen.map((c) => (c.mode === 'whole' ? quote(c.t) : `${quote(c.t)}*`)).join(' ');
    // The words sent to the index may be common (say the town typed first); when a page of candidates holds too
    // few real matches, read on, a bounded number of pages.
    let page = candidates.all(match) as Array<{ rowid: number; text: string }>;
    for (let extra = 0; ; extra++) {
      for (const row of page) {
        if (stageOf.has(row.rowid)) continue;
        if (satisfies(row.text.split(/[^\p{L}\p{N}]+/u), tokens, modes)) stageOf.set(row.rowid, index);
      }
      if (page.length < STAGE_CANDIDATES || stageOf.size >= limit || extra >= EXTRA_PAGES) break;
      page = moreCandidates.all(match, page[page.length - 1]!.rowid) as Array<{ rowid: number; text: string }>;
    }
    // A stricter stage that found something is the answer: "Rugårdsvej 1" shows number 1 and its flats, not 10–19.
    if (stageOf.size > 0) break;
  }
  if (stageOf.size === 0) return [];
  const rows = byFids.all(JSON.stringify([...stageOf.keys()])) as Array<{ fid: number; id: string; text: string; buildingId: string | null; geom: Uint8Array | null }>;
  rows.sort((a, b) => stageOf.get(a.fid)! - stageOf.get(b.fid)! || a.text.length - b.text.length || a.text.localeCompare(b.text));
  return rows.slice(0, limit).map((row) => {
    const point = row.geom ? decodePoint(row.geom) : null;
    return { id: row.id, text: row.text, buildingId: row.buildingId, lonDegrees: point?.[0] ?? null, latDegrees: point?.[1] ?? null };
  });
}
