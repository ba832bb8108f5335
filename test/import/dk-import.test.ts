/**
 * The Danish BBR/GeoDanmark/DAR extract imported end to end with the shipped profile, checked against numbers
 * computed here straight from the files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ProjectApi } from '../../core/api/project-api.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { searchAddresses } from '../../core/search/address-search.js';
import type { ImportReport } from '../../common/contract.js';
import { readSimpleCsv, sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dk = sharedData('dk-odense');
const profile = loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json'));
const path = join(tempDir(), 'odense.storey');
let project: ProjectFile;
let report: ImportReport;

// Independent reading of the source files.
const bbr = readSimpleCsv(join(dk, 'derived', 'bbr_bygning_current.csv'));
const etager = readSimpleCsv(join(dk, 'derived', 'bbr_etage_current.csv'));
const enheder = readSimpleCsv(join(dk, 'derived', 'bbr_enhed_current.csv'));
const opgange = readSimpleCsv(join(dk, 'derived', 'bbr_opgang_current.csv'));
const hoejder = readSimpleCsv(join(dk, 'hoejder.csv'));
const footprints = (JSON.parse(readFileSync(join(dk, 'bygninger.json'), 'utf8')) as {
  features: Array<{ properties: { BBRUUID: string }; geometry: { coordinates: number[][][] } }>;
}).features;
const addresses = readFileSync(join(dk, 'dar10', 'Adresse.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; registreringtil: string | null; virkningtil: string | null; adressebetegnelse: string });
const currentAddresses = addresses.filter((a) => a.registreringtil === null && a.virkningtil === null);

const bbrIds = new Set(bbr.map((b) => b.id_lokalId!.toLowerCase()));
const footprintIds = new Set(footprints.map((f) => f.properties.BBRUUID.toLowerCase()));
const allBuildingIds = new Set([...bbrIds, ...footprintIds]);
const importedFloors = etager.filter((e) => allBuildingIds.has(e.bygning!.toLowerCase()));
const floorIds = new Set(importedFloors.map((e) => e.id_lokalId));
const stairwellIds = new Set(opgange.filter((o) => allBuildingIds.has(o.bygning!.toLowerCase())).map((o) => o.id_lokalId));
const importedUnits = enheder.filter((u) => floorIds.has(u.etage) || stairwellIds.has(u.opgang));

const count = (sql: string, ...params: unknown[]) => (project.db.prepare(sql).get(...params) as { n: number }).n;

before(async () => {
  project = ProjectFile.create(path, { name: 'Odense (test)' });
  report = await importRegistry(project, profile, [dk]);
});

test('record counts match the source files', () => {
  assert.equal(count('SELECT count(*) AS n FROM buildings'), allBuildingIds.size);
  assert.equal(allBuildingIds.size, 3172);
  assert.equal(count('SELECT count(*) AS n FROM buildings WHERE footprint IS NOT NULL'), footprintIds.size);
  assert.equal(count('SELECT count(*) AS n FROM floors'), importedFloors.length);
  assert.equal(count('SELECT count(*) AS n FROM stairwells'), stairwellIds.size);
  assert.equal(count('SELECT count(*) AS n FROM units'), importedUnits.length);
  assert.equal(count('SELECT count(*) AS n FROM addresses'), currentAddresses.length);
  assert.equal(report.records['buildings']!.imported, allBuildingIds.size);
  assert.equal(report.files.find((f) => f.kind === 'addresses')!.rowsFiltered, addresses.length - currentAddresses.length);
  // The joins the README of the data names: 2,455 footprints match a BBR building.
  assert.equal([...footprintIds].filter((id) => bbrIds.has(id)).length, 2455);
  assert.equal(report.joins.find((j) => j.reason.startsWith('footprints without a registry building'))?.count, footprintIds.size - 2455);
});

test('units per building match the registry', () => {
  const floorBuilding = new Map(importedFloors.map((e) => [e.id_lokalId!, e.bygning!.toLowerCase()]));
  const perBuilding = new Map<string, number>();
  for (const u of importedUnits) {
    const building = floorBuilding.get(u.etage!);
    if (building) perBuilding.set(building, (perBuilding.get(building) ?? 0) + 1);
  }
  const largest = [...perBuilding].sort((a, b) => b[1] - a[1]).slice(0, 10);
  assert.ok(largest[0]![1] >= 50, `largest building has ${largest[0]![1]} units`);
  for (const [building, n] of largest) {
    assert.equal(count('SELECT count(*) AS n FROM units WHERE lower(building_id) = ?', building), n, building);
  }
});

test('heights: roof Z minus ground height where both are known, else from floors or the default', () => {
  const ground = new Map(hoejder.map((h) => [h.id!, Number(h.interpolz)]));
  let checked = 0;
  for (const b of bbr.slice(0, 800)) {
    const id = b.id_lokalId!;
    const feature = footprints.find((f) => f.properties.BBRUUID.toLowerCase() === id.toLowerCase());
    const groundZ = ground.get(b.husnummer!);
    if (!feature || groundZ === undefined) continue;
    const zs = feature.geometry.coordinates.flat().map((p) => p[2]!).filter((z) => z !== -999);
    if (zs.length === 0) continue;
    const expected = Math.max(...zs) - groundZ;
    if (expected <= 0.5) continue;
    const row = project.db.prepare('SELECT height_m, height_source, ground_height_m FROM buildings WHERE registry_id = ?').get(id) as { height_m: number; height_source: string; ground_height_m: number };
    assert.equal(row.height_source, 'measured', id);
    assert.ok(Math.abs(row.height_m - expected) < 0.01, `${id}: ${row.height_m} vs ${expected}`);
    assert.equal(row.ground_height_m, groundZ);
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} buildings had both heights`);
  assert.equal(report.heights.measured + report.heights.floors + report.heights.default, allBuildingIds.size);
  const estimated = project.db.prepare(`SELECT height_source, floor_count, height_m FROM buildings WHERE height_source != 'measured' LIMIT 200`).all() as Array<{ height_source: string; floor_count: number | null; height_m: number }>;
  for (const row of estimated) {
    if (row.height_source === 'floors') assert.equal(row.height_m, row.floor_count! * profile.storeyHeightMeters);
    else assert.equal(row.height_m, profile.defaultHeightMeters);
  }
});

test('a building is named by its shortest address, as SQL orders them (worked out before the rows are written)', () => {
  const named = count('SELECT count(*) AS n FROM buildings WHERE address IS NOT NULL');
  assert.ok(named > 1000, `only ${named} buildings have an address`);
  const differing = count(`SELECT count(*) AS n FROM buildings b WHERE b.address IS NOT (SELECT a.full_text FROM addresses a
                             WHERE a.building_id = b.registry_id ORDER BY length(a.full_text), a.full_text LIMIT 1)`);
  assert.equal(differing, 0);
});

test('Ridehusgade 49: its building, floors and units as the registry has them', async () => {
  const [match] = searchAddresses(project, 'Ridehusgade 49, 2. th');
  assert.equal(match?.text, 'Ridehusgade 49, 2. th, 5000 Odense C');
  const detail = await new ProjectApi(project).getBuilding({ id: match!.buildingId! });
  const registryFloors = etager.filter((e) => e.bygning!.toLowerCase() === detail.id.toLowerCase());
  assert.deepEqual(detail.floors.map((f) => f.label).sort(), registryFloors.map((e) => e.eta006BygningensEtagebetegnelse).sort());
  const levels = detail.floors.map((f) => f.levelIndex);
  assert.deepEqual(levels, [...levels].sort((a, b) => a - b));
  const second = detail.floors.find((f) => f.label === '02' || f.label === '2')!;
  const { units } = await new ProjectApi(project).listFloorUnits({ floorId: second.id });
  assert.deepEqual(units.map((u) => u.id).sort(), enheder.filter((u) => u.etage === second.id).map((u) => u.id_lokalId).sort());
  assert.ok(units.some((u) => u.address === 'Ridehusgade 49, 2. th, 5000 Odense C'));
  assert.equal(detail.attributes.find((a) => a.key === 'attributes.kommunekode')?.label, 'Municipality code');
  assert.equal(detail.attributes.find((a) => a.key === 'use')?.value, 'Block of flats');
});

test('re-import updates instead of duplicating', async () => {
  const before = count('SELECT count(*) AS n FROM units');
  const again = await importRegistry(project, profile, [dk]);
  assert.equal(again.records['buildings']!.imported, 0);
  assert.equal(again.records['buildings']!.updated, allBuildingIds.size);
  assert.equal(again.records['units']!.updated, importedUnits.length);
  assert.equal(count('SELECT count(*) AS n FROM units'), before);
  assert.equal(count('SELECT count(*) AS n FROM storey_address_search'), currentAddresses.length);
  assert.equal(count('SELECT count(*) AS n FROM storey_imports'), 2);
});

test('ids differing only in case are one record: footprints alone first, then the registry, makes no twins', async () => {
  const path2 = join(tempDir(), 'case.storey');
  const p2 = ProjectFile.create(path2, { name: 'case' });
  try {
    // bygninger.json spells ids in upper case (BBRUUID), the BBR CSV in lower case (id_lokalId).
    await importRegistry(p2, profile, [join(dk, 'bygninger.json')]);
    const footprintOnly = p2.db.prepare('SELECT count(*) FROM buildings').pluck().get();
    assert.equal(footprintOnly, footprintIds.size);
    const report2 = await importRegistry(p2, profile, [dk]);
    assert.equal(p2.db.prepare('SELECT count(*) FROM buildings').pluck().get(), allBuildingIds.size);
    assert.equal(p2.db.prepare('SELECT count(DISTINCT lower(registry_id)) FROM buildings').pluck().get(), allBuildingIds.size);
    assert.equal(report2.records['buildings']!.updated, footprintIds.size);
  } finally {
    p2.close();
  }
});

test('search: exact, prefix, accent-insensitive, nothing, and SQL-looking input', () => {
  assert.equal(searchAddresses(project, 'Ridehusgade 49, 2. th, 5000 Odense C')[0]?.text, 'Ridehusgade 49, 2. th, 5000 Odense C');
  const prefix = searchAddresses(project, 'Rideh 4', 20);
  assert.ok(prefix.length > 0 && prefix.every((m) => /^Ridehusgade 4/.test(m.text)), JSON.stringify(prefix.map((m) => m.text)));
  const plain = searchAddresses(project, 'rugardsvej 10');
  assert.ok(plain.length > 0 && plain.every((m) => m.text.startsWith('Rugårdsvej 10')), JSON.stringify(plain.map((m) => m.text)));
  assert.deepEqual(searchAddresses(project, 'Rugårdsvej 10').map((m) => m.id), plain.map((m) => m.id));
  assert.ok(searchAddresses(project, 'ostre stationsvej').every((m) => m.text.startsWith('Østre Stationsvej')));
  assert.deepEqual(searchAddresses(project, 'Nowhere Street 999'), []);
  for (const hostile of ["'; DROP TABLE buildings; --", '" OR 1=1 --', 'NEAR(ride hus)', '*', 'text:ride', '^ride', '']) {
    assert.doesNotThrow(() => searchAddresses(project, hostile), hostile);
  }
  assert.equal(count('SELECT count(*) AS n FROM buildings'), allBuildingIds.size);
});

test('GDAL reads the imported project: feature tables, counts and SRS', () => {
  project.close();
  for (const [layer, n] of [['buildings', allBuildingIds.size], ['addresses', currentAddresses.length]] as const) {
    const out = execFileSync('ogrinfo', ['-ro', '-so', path, layer], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, new RegExp(`Feature Count: ${n}\\b`));
    assert.match(out, /ID\["EPSG",4326\]/);
  }
  const extent = execFileSync('ogrinfo', ['-ro', '-so', path, 'buildings'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // The data's README gives its WGS 84 box as about 9.40–12.68 E, 55.30–55.68 N.
  const [, w, s, e, n] = /Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)/.exec(extent)!.map(Number);
  assert.ok(Math.abs(w! - 9.4019) < 0.01 && Math.abs(s! - 55.3004) < 0.01 && Math.abs(e! - 12.6791) < 0.01 && Math.abs(n! - 55.676) < 0.01, extent);
  project = ProjectFile.open(path, { readOnly: true });
});

test('search finds an address when the town is typed before the street', () => {
  for (const query of ['Odense Ridehusgade 49', '5000 Odense C Ridehusgade 49 2 th']) {
    const matches = searchAddresses(project, query);
    assert.ok(matches.some((m) => m.text.startsWith('Ridehusgade 49')), `${query}: ${JSON.stringify(matches.map((m) => m.text))}`);
  }
});
