// bench/search: address search latency on a project with 1,000,000 synthetic addresses (p50/p99), against a plain
// SQLite LIKE prefix scan over the same table, in the same run. Goal: Storey's p99 under 5 ms.
// Usage: npm run bench:search [-- --addresses 1000000 --queries 2000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { RegistryStore } from '../core/project/registry-store.js';
import { searchAddresses } from '../core/search/address-search.js';

const { values } = parseArgs({ options: { addresses: { type: 'string', default: '1000000' }, queries: { type: 'string', default: '2000' } } });
const addressCount = Number(values.addresses);
const queryCount = Number(values.queries);
const root = findPackageRoot(import.meta.dirname);
const work = mkdtempSync(join(tmpdir(), 'storey-bench-search-'));

// A deterministic national-scale address list: 4,000 street names × numbers × floors/doors, Danish letters included.
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const stems = ['Ahorn', 'Bøge', 'Birke', 'Ege', 'Elme', 'Gran', 'Hassel', 'Lærke', 'Lind', 'Pile', 'Rønne', 'Skov', 'Sø', 'Å', 'Mølle', 'Kirke', 'Strand', 'Havne', 'Rosen', 'Nørre', 'Søndre', 'Østre', 'Vestre', 'Gammel', 'Ny', 'Rugårds', 'Fjord', 'Eng', 'Bakke', 'Dal'];
const middles = ['', 'hus', 'gårds', 'bro', 'lunds', 'holm', 'høj', 'toft', 'vang', 'mark'];
const kinds = ['vej', 'gade', 'allé', 'stræde', 'plads', 'vænge', 'parken', 'stien'];
const streets: string[] = [];
for (const stem of stems) for (const middle of middles) for (const kind of kinds) streets.push(`${stem}${middle}${kind}`);
const towns = ['5000 Odense C', '5200 Odense V', '8000 Aarhus C', '2100 København Ø', '9000 Aalborg', '6700 Esbjerg', '7100 Vejle'];

const path = join(work, 'search.storey');
const project = ProjectFile.create(path, { name: 'search benchmark' });
const built = performance.now();
const texts: string[] = [];
project.transaction(() => {
  const store = new RegistryStore(project);
  store.bulk(() => {
    for (let i = 0; i < addressCount; i++) {
      const street = streets[Math.floor(random() * streets.length)]!;
      const number = 1 + Math.floor(random() * 180);
      const floor = random() < 0.6 ? `, ${['st.', '1.', '2.', '3.', '4.'][Math.floor(random() * 5)]} ${['tv', 'th', 'mf'][Math.floor(random() * 3)]}` : '';
      const text = `${street} ${number}${floor}, ${towns[Math.floor(random() * towns.length)]}`;
      if (i % Math.ceil(addressCount / queryCount) === 0) texts.push(text);
      store.putAddress({ registryId: `a${i}`, fullText: text, lonDegrees: 8 + random() * 4, latDegrees: 55 + random() * 2 }, true);
    }
  });
});
const buildSeconds = (performance.now() - built) / 1000;

// Queries as people type them: a whole address, a street and number, a prefix, and the same without accents.
const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').replace(/ø/g, 'o').replace(/æ/g, 'ae');
const queries = texts.slice(0, queryCount).map((text, i) => {
  const [street, rest] = text.split(' ');
  switch (i % 4) {
    case 0: return text;
    case 1: return `${street} ${rest?.replace(',', '')}`;
    case 2: return `${street!.slice(0, Math.max(3, street!.length - 3))} ${rest?.replace(',', '')}`;
    default: return fold(`${street} ${rest?.replace(',', '')}`);
  }
});

function percentiles(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: Number(at(0.5).toFixed(3)), p99: Number(at(0.99).toFixed(3)), max: Number(at(1).toFixed(3)) };
}

const storeyTimes: number[] = [];
let empty = 0;
for (const query of queries) {
  const started = performance.now();
  const matches = searchAddresses(project, query, 10);
  storeyTimes.push(performance.now() - started);
  if (matches.length === 0) empty++;
}
// Baseline: what an app without a search index does, a LIKE prefix scan (case-insensitive, no accent folding).
const like = project.db.prepare(`SELECT registry_id, full_text FROM addresses WHERE full_text LIKE ? LIMIT 10`);
const baselineTimes: number[] = [];
for (const query of queries.slice(0, 200)) {
  const started = performance.now();
  like.all(`${query}%`);
  baselineTimes.push(performance.now() - started);
}
project.close();
if (!process.env.STOREY_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${path}`);

const slowest = storeyTimes.map((t, i) => [t, queries[i]] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
console.log("slowest:", slowest.map(([t, q]) => `${t.toFixed(1)} ms "${q}"`).join("; "));
const storey = percentiles(storeyTimes);
const baseline = percentiles(baselineTimes);
const result = {
  benchmark: 'search',
  addresses: addressCount,
  buildSeconds: Number(buildSeconds.toFixed(1)),
  queries: queries.length,
  queriesWithoutMatch: empty,
  storeyMs: storey,
  baseline: 'SQLite LIKE prefix scan (200 of the queries)',
  baselineMs: baseline,
  ratioP50: Number((storey.p50 / baseline.p50).toFixed(4)),
  goal: 'p99 < 5 ms',
};
console.log(`${addressCount.toLocaleString('en')} addresses indexed in ${result.buildSeconds} s`);
console.log(`Storey search:  p50 ${storey.p50} ms, p99 ${storey.p99} ms, max ${storey.max} ms over ${queries.length} queries (${empty} without a match)`);
console.log(`LIKE baseline:  p50 ${baseline.p50} ms, p99 ${baseline.p99} ms`);
console.log(`ratio p50 (Storey / baseline): ${result.ratioP50}   goal: p99 < 5 ms → ${storey.p99 < 5 ? 'met' : 'NOT met'}`);
mkdirSync(join(root, 'bench', 'output'), { recursive: true });
writeFileSync(join(root, 'bench', 'output', 'search.json'), JSON.stringify(result, null, 2));
