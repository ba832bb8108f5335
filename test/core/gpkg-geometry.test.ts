import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { blobEnvelope, decodePoint, decodePolygons, encodeMultiPolygon, encodePoint, type Polygon } from '../../core/project/gpkg-geometry.js';

const coordinate = fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }));
const ring = fc.array(coordinate, { minLength: 3, maxLength: 20 }).map((points) => [...points, points[0]!] as Array<[number, number]>);
const polygon = fc.array(ring, { minLength: 1, maxLength: 3 });

test('multipolygons survive encode/decode exactly, and the header envelope bounds them', () => {
  fc.assert(
    fc.property(fc.array(polygon, { minLength: 1, maxLength: 4 }), (polygons: Polygon[]) => {
      const blob = encodeMultiPolygon(polygons, 4326);
      assert.deepEqual(decodePolygons(blob), polygons);
      const envelope = blobEnvelope(blob)!;
      for (const p of polygons) for (const r of p) for (const [x, y] of r) {
        assert.ok(x >= envelope.minX && x <= envelope.maxX && y >= envelope.minY && y <= envelope.maxY);
      }
    }),
  );
});

test('points round-trip and carry their srs id in the header', () => {
  const blob = encodePoint(10.3883, 55.3959, 4326);
  assert.deepEqual(decodePoint(blob), [10.3883, 55.3959]);
  assert.equal(new DataView(blob.buffer).getInt32(4, true), 4326);
  assert.equal(String.fromCharCode(blob[0]!, blob[1]!), 'GP');
});

test('an empty multipolygon has no envelope', () => {
  assert.equal(blobEnvelope(encodeMultiPolygon([], 4326)), null);
});

test('bytes that are not a geometry blob are rejected', () => {
  assert.throws(() => decodePolygons(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), /not a GeoPackage geometry blob/);
});
