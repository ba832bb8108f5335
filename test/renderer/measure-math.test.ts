import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { geodesicDistance, pathLength, polygonArea } from '../../renderer/measure-math.js';

test('geodesic distance agrees with GDAL/PROJ on real Odense coordinates', () => {
  // Two access points of the Danish data (EPSG:25832), transformed and measured by GDAL as the reference.
  const points = [
    [588454.58, 6140353.14],
    [589212.33, 6139745.87],
  ];
  const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:25832', '-t_srs', 'EPSG:4326', '-output_xy'], { input: points.map((p) => p.join(' ')).join('\n') + '\n', encoding: 'utf8' });
  const [p, q] = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)) as [number[], number[]];
  const measured = geodesicDistance({ lonDegrees: p[0]!, latDegrees: p[1]! }, { lonDegrees: q[0]!, latDegrees: q[1]! });
  // In UTM the grid distance differs from the ground distance by the scale factor (about 0.9996 near the meridian).
  const grid = Math.hypot(points[1]![0]! - points[0]![0]!, points[1]![1]! - points[0]![1]!);
  assert.ok(Math.abs(measured - grid) / grid < 0.001, `${measured} vs grid ${grid}`);
});

test('known distances: one degree of latitude and a quarter meridian', () => {
  // The meridian arc from 55° to 56° N, integrated numerically from the WGS 84 meridian radius of curvature.
  const a = 6378137;
  const e2 = (1 / 298.257223563) * (2 - 1 / 298.257223563);
  let arc = 0;
  for (let i = 0; i < 10000; i++) {
    const phi = ((55 + (i + 0.5) / 10000) * Math.PI) / 180;
    arc += ((a * (1 - e2)) / (1 - e2 * Math.sin(phi) ** 2) ** 1.5) * ((1 / 10000) * Math.PI) / 180;
  }
  assert.ok(Math.abs(geodesicDistance({ lonDegrees: 10, latDegrees: 55 }, { lonDegrees: 10, latDegrees: 56 }) - arc) < 0.01);
  assert.ok(Math.abs(geodesicDistance({ lonDegrees: 0, latDegrees: 0 }, { lonDegrees: 0, latDegrees: 90 }) - 10_001_965.729) < 0.01);
  assert.equal(pathLength([{ lonDegrees: 10, latDegrees: 55 }]), 0);
});

test('the area of a 100 m square is 10,000 m²', () => {
  const lat = 55.4;
  const dLat = 100 / 111_340;
  const dLon = 100 / (111_320 * Math.cos((lat * Math.PI) / 180) * 1.0017);
  const square = [
    { lonDegrees: 10.4, latDegrees: lat },
    { lonDegrees: 10.4 + dLon, latDegrees: lat },
    { lonDegrees: 10.4 + dLon, latDegrees: lat + dLat },
    { lonDegrees: 10.4, latDegrees: lat + dLat },
  ];
  const side = geodesicDistance(square[0]!, square[1]!);
  const other = geodesicDistance(square[1]!, square[2]!);
  assert.ok(Math.abs(polygonArea(square) - side * other) / (side * other) < 0.001, `${polygonArea(square)} vs ${side * other}`);
});
