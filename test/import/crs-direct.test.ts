/**
 * The direct path for projections on WGS 84 or an equivalent datum must give exactly proj4's numbers: it is the same
 * arithmetic without proj4's general wrapper. Systems with a datum shift still go through proj4 and agree trivially.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import proj4 from 'proj4';
import { transformToWgs84 } from '../../core/import/crs.js';

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const cases = [
  { crs: 'EPSG:25832', definition: '+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs', x: 690000, y: 6150000, span: 400000 },
  { crs: 'EPSG:7416', definition: '+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs', x: 590000, y: 6250000, span: 400000 },
  { crs: 'EPSG:32633', definition: '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs', x: 400000, y: 5000000, span: 600000 },
  { crs: 'EPSG:32733', definition: '+proj=utm +zone=33 +south +datum=WGS84 +units=m +no_defs', x: 400000, y: 7000000, span: 600000 },
  { crs: 'EPSG:3857', definition: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs', x: 1000000, y: 7000000, span: 2000000 },
  { crs: 'EPSG:28992', definition: '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs', x: 150000, y: 450000, span: 200000 },
];

for (const c of cases) {
  test(`${c.crs}: the same coordinates as proj4, to the last bit`, () => {
    const ours = transformToWgs84(c.crs, 'test');
    const theirs = proj4(c.definition, WGS84);
    // A fixed pseudo-random walk, so a failure can be repeated.
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * c.span;
    for (let i = 0; i < 2000; i++) {
      const x = c.x + next();
      const y = c.y + next();
      assert.deepEqual(ours(x, y), theirs.forward([x, y]), `${c.crs} at ${x}, ${y}`);
    }
  });
}
