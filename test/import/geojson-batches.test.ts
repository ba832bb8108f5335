/**
 * GeoJSON FeatureCollections are parsed in batches of features (readers.ts parseFeatureBatches) rather than as one
 * string of the whole file. The batches must give exactly what JSON.parse gives for the whole text, or decline (null)
 * so the whole-document parse runs: never a different document, whatever the features hold (strings with "},{" or
 * "}]" in them, nested arrays of objects, non-ASCII text, items that are not objects) and however the file is laid out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { FEATURE_BATCH_BYTES, parseFeatureBatches } from '../../core/import/readers.js';
import { sharedData } from '../support/shared-data.js';

const parseWhole = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, ''));

test('the Danish footprints file is parsed in batches, to the same document as JSON.parse, and its bytes are left as they were', () => {
  const bytes = readFileSync(join(sharedData('dk-odense'), 'bygninger.json'));
  const copy = Buffer.from(bytes);
  const batched = parseFeatureBatches(bytes);
  assert.ok(batched, 'a plain FeatureCollection takes the batch path');
  assert.ok(bytes.length > 10 * FEATURE_BATCH_BYTES, 'the file spans many batches');
  assert.deepEqual(batched, parseWhole(copy));
  assert.equal((batched['features'] as unknown[]).length, 2471);
  assert.ok(bytes.equals(copy));
});

/** Text that trips a naive split: braces, brackets and commas inside strings, escapes, non-ASCII letters. */
const trickyText = fc.oneof(
  fc.constantFrom('},{', '}]', '} , {', '"}', '\\', 'Rugårdsvej', 'Odense SØ', '{"features":[1]}', '\u2028', '😀'),
  fc.string({ maxLength: 12 }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(trickyText, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(trickyText, tie('node'), { maxKeys: 4 })),
})).node;
const feature = fc.record({
  type: fc.constant('Feature'),
  geometry: fc.record({ type: fc.constant('Polygon'), coordinates: fc.array(fc.array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 6 }), { maxLength: 2 }) }),
  properties: fc.dictionary(trickyText, value, { maxKeys: 5 }),
});
/** Features padded so that a collection spans several batches. */
const padded = fc.tuple(feature, fc.nat({ max: FEATURE_BATCH_BYTES / 2 })).map(([f, pad]) => ({ ...f, properties: { ...f.properties, pad: 'x'.repeat(pad) } }));
const item = fc.oneof({ weight: 8, arbitrary: padded }, { weight: 1, arbitrary: value });

/** The collection written out in one of several layouts, with members before and after the features. */
const collection = fc
  .record({ features: fc.array(item, { maxLength: 12 }), indent: fc.constantFrom(undefined, 0, 1, 2, '\t'), before: fc.dictionary(trickyText, value, { maxKeys: 2 }), after: fc.dictionary(trickyText, value, { maxKeys: 2 }), bom: fc.boolean() })
  .map(({ features, indent, before, after, bom }) => {
    const doc = { type: 'FeatureCollection', ...before, crs: { type: 'name', properties: { name: 'EPSG:25832' } }, features, ...after };
    return Buffer.from((bom ? '\ufeff' : '') + JSON.stringify(doc, null, indent));
  });

test('any FeatureCollection parses in batches to what JSON.parse gives, or is left to the whole-document parse', () => {
  let batched = 0;
  fc.assert(
    fc.property(collection, (bytes) => {
      const copy = Buffer.from(bytes);
      const result = parseFeatureBatches(bytes);
      assert.ok(bytes.equals(copy), 'the bytes are put back');
      if (result !== null) {
        batched++;
        assert.deepEqual(result, parseWhole(copy));
      }
    }),
    // Features of tens of kB shrink slowly: the first failing case is reported as it is.
    { numRuns: 120, endOnFailure: true },
  );
  // Declining is allowed, but it must stay the exception: most collections take the batch path.
  assert.ok(batched > 60, `only ${batched} of 120 collections were parsed in batches`);
});

test('text that is not valid JSON is never parsed in batches: the whole-document parse reports it', () => {
  fc.assert(
    fc.property(collection, fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '{'), (bytes, at, insert) => {
      const text = bytes.toString('utf8');
      const cut = at % (text.length + 1);
      const broken = Buffer.from(text.slice(0, cut) + insert + text.slice(cut + (insert === '' ? 1 : 0)));
      let valid = true;
      try {
        parseWhole(broken);
      } catch {
        valid = false;
      }
      const result = parseFeatureBatches(broken);
      if (!valid) assert.equal(result, null);
      else if (result !== null) assert.deepEqual(result, parseWhole(broken));
    }),
    { numRuns: 150, endOnFailure: true },
  );
});

test('a features member given twice, escaped, or not at the top level leaves the document to JSON.parse', () => {
  const cases = [
    '{"type":"FeatureCollection","features":[{"a":1}],"features":[{"b":2}]}',
    '{"type":"FeatureCollection","features":[{"a":1}],"feat\\u0075res":[{"b":2}]}',
    '{"meta":{"features":[1]},"type":"FeatureCollection","features":[{"a":1}]}',
    '{"name":"features","type":"FeatureCollection","features":[{"a":1}]}',
  ];
  for (const text of cases) {
    const result = parseFeatureBatches(Buffer.from(text));
    if (result !== null) assert.deepEqual(result, JSON.parse(text), text);
  }
  // Written twice, JSON.parse keeps the last one; the batches must not give the first.
  assert.equal(parseFeatureBatches(Buffer.from(cases[0]!)), null);
  // An escaped "features" before the real one is overridden by it, as JSON.parse does.
  const escapedFirst = '{"type":"FeatureCollection","feat\\u0075res":[{"a":0}],"features":[{"a":1}]}';
  assert.deepEqual(parseFeatureBatches(Buffer.from(escapedFirst)), JSON.parse(escapedFirst));
});
