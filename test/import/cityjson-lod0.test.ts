/** CityJSON edge cases made here: an LoD0 footprint with a courtyard, and a geometry without a lod beside a solid. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCityJson } from '../../core/import/cityjson.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir();

test('an LoD0 footprint keeps its courtyard as a hole, and an instance without a lod does not hide an LoD1 solid', async () => {
  // Vertices in metres (RD New); building A: 30 m square with a 10 m courtyard; building B: a 10 m cube as LoD1 plus an
  // instance geometry with no lod.
  const vertices = [
    [85000, 447000, 0], [85030, 447000, 0], [85030, 447030, 0], [85000, 447030, 0],
    [85010, 447010, 0], [85010, 447020, 0], [85020, 447020, 0], [85020, 447010, 0],
    [85100, 447000, 0], [85110, 447000, 0], [85110, 447010, 0], [85100, 447010, 0],
    [85100, 447000, 10], [85110, 447000, 10], [85110, 447010, 10], [85100, 447010, 10],
  ];
  const cube = [[[[8, 11, 10, 9]], [[12, 13, 14, 15]], [[8, 9, 13, 12]], [[9, 10, 14, 13]], [[10, 11, 15, 14]], [[11, 8, 12, 15]]]];
  const doc = {
    type: 'CityJSON',
    version: '2.0',
    metadata: { referenceSystem: 'https://www.opengis.net/def/crs/EPSG/0/7415' },
    vertices,
    CityObjects: {
      A: { type: 'Building', attributes: {}, geometry: [{ type: 'MultiSurface', lod: '0', boundaries: [[[0, 1, 2, 3], [4, 5, 6, 7]]] }] },
      B: {
        type: 'Building',
        attributes: {},
        geometry: [
          { type: 'GeometryInstance', boundaries: [0], template: 0, transformationMatrix: [] },
          { type: 'Solid', lod: '1', boundaries: cube },
        ],
      },
    },
  };
  const file = join(dir, 'edge.city.json');
  writeFileSync(file, JSON.stringify(doc));
  const problems: Array<{ where: string; reason: string }> = [];
  const buildings = await readCityJson(file, undefined, problems);
  assert.deepEqual(problems, []);
  const a = buildings.find((b) => b.key === 'A')!;
  assert.equal(a.polygons.length, 1);
  assert.equal(a.polygons[0]!.length, 2, 'outer ring and the courtyard');
  const b = buildings.find((x) => x.key === 'B')!;
  assert.equal(b.polygons.length, 1, 'the LoD1 solid gives the footprint');
  assert.equal(b.roofZ! - b.groundZ!, 10);
});
