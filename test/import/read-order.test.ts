/**
 * Inputs are read when their kind is joined (footprints before buildings before addresses, whatever order the files
 * are given in), and each file's rows are let go once they are records. The report must not show it: files are
 * listed in the order given, problems met while reading come before the joins' reasons, in the order of the files,
 * and every file is read exactly once.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ImportProgress } from '../../common/contract.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { tempDir } from '../support/temp.js';

const profile = loadProfile(join(findPackageRoot(import.meta.dirname), 'test', 'fixtures', 'bad-input', 'profile.json'));
const dir = tempDir();

const square = (x: number) => `[[[${x},6140000],[${x + 10},6140000],[${x + 10},6140010],[${x},6140010],[${x},6140000]]]`;

// Given in the reverse of the order they are joined: addresses, buildings, footprints.
const addresses = join(dir, 'a-addresses.ndjson');
writeFileSync(
  addresses,
  [
    '{"id":"a1","text":"Vestergade 1, 5000 Odense C","building":"b1"}',
    '{"id":"a2", broken',
    '{"id":"a3","text":"Søndergade 3, 5000 Odense C","building":"nowhere"}',
  ].join('\n') + '\n',
);
const buildings = join(dir, 'b-buildings.csv');
writeFileSync(buildings, ['id,use,floors', 'b1,120,2', 'b2,120', ',130,1', 'b3,140,4'].join('\n') + '\n');
const footprints = join(dir, 'c-footprints.geojson');
writeFileSync(
  footprints,
  JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { id: 'b1' }, geometry: { type: 'Polygon', coordinates: JSON.parse(square(590000)) } },
      { type: 'Feature', properties: { id: 'b3' }, geometry: { type: 'LineString', coordinates: [[590100, 6140000], [590110, 6140010]] } },
      { type: 'Feature', properties: { id: 'f9' }, geometry: { type: 'Polygon', coordinates: JSON.parse(square(590200)) } },
    ],
  }),
);

test('files are read in dependency order but reported in the order given, read problems first', async () => {
  const project = ProjectFile.create(join(dir, 'order.storey'), { name: 'order' });
  const events: ImportProgress[] = [];
  try {
    const report = await importRegistry(project, profile, [addresses, buildings, footprints], { onProgress: (p) => events.push(p) });
    assert.deepEqual(
      report.files.map((f) => [f.file, f.kind, f.rowsRead, f.rowsSkipped]),
      [
        ['a-addresses.ndjson', 'addresses', 2, 1],
        ['b-buildings.csv', 'buildings', 3, 2],
        ['c-footprints.geojson', 'footprints', 3, 1],
      ],
    );
    // One of each reason: the list keeps the order they were first met in. The files' own problems come first, in
    // the order the files were given, although the addresses were read last; then the joins', in join order.
    const reasons = report.skipped.map((s) => s.reason);
    assert.equal(reasons.length, 4, reasons.join(' | '));
    assert.match(reasons[0]!, /^not valid JSON/);
    assert.equal(reasons[1], 'malformed CSV row (2 fields where the header has 3)');
    assert.equal(reasons[2], 'footprint geometry rejected: a footprint must be a Polygon or MultiPolygon, not LineString');
    assert.equal(reasons[3], 'building without an id');
    assert.deepEqual(
      report.skipped.map((s) => s.examples),
      [['a-addresses.ndjson line 2'], ['b-buildings.csv line 3'], ['c-footprints.geojson feature 2'], ['b-buildings.csv line 4']],
    );
    // The footprint without a registry building keeps its place for the report after its row is gone.
    const joins = Object.fromEntries(report.joins.map((j) => [j.reason, j.examples]));
    assert.deepEqual(joins['footprints without a registry building (imported with footprint only)'], ['c-footprints.geojson feature 3']);
    assert.deepEqual(joins['addresses not linked to a building'], ['a-addresses.ndjson line 3']);
    // Each file read once; reading progress counts the files read so far.
    const started = events.filter((e) => e.phase === 'reading' && !e.detail.includes(':')).map((e) => [e.detail, e.done, e.total]);
    assert.deepEqual(started, [
      ['c-footprints.geojson', 0, 3],
      ['b-buildings.csv', 1, 3],
      ['a-addresses.ndjson', 2, 3],
    ]);
    const ids = project.db.prepare(`SELECT registry_id FROM buildings ORDER BY registry_id`).pluck().all();
    assert.deepEqual(ids, ['b1', 'b3', 'f9']);
    const named = project.db.prepare(`SELECT address FROM buildings WHERE registry_id = 'b1'`).pluck().get();
    assert.equal(named, 'Vestergade 1, 5000 Odense C');
  } finally {
    project.close();
  }
});
