import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { breaks, classifyCategories, classifyNumbers, noDataColor, ramps } from '../../renderer/classify.js';

const ramp = ramps['yellow-blue']!;

test('equal intervals split the range evenly and label the years each class holds', () => {
  const years = [1880, 1900, 1920, 1940, 1960, 1980, 2000, 2020, null];
  const result = classifyNumbers(years, 7, 'equal', ramp);
  assert.deepEqual(breaks([1880, 2020], 7, 'equal'), [1880, 1900, 1920, 1940, 1960, 1980, 2000, 2020]);
  assert.deepEqual(result.classes.map((c) => c.label), ['1880 – 1899', '1900 – 1919', '1920 – 1939', '1940 – 1959', '1960 – 1979', '1980 – 1999', '2000 – 2020']);
  assert.deepEqual(result.classes.map((c) => c.count), [1, 1, 1, 1, 1, 1, 2]);
  assert.equal(result.noData.count, 1);
  assert.equal(result.colors[8], noDataColor);
  assert.equal(result.colors[0], result.classes[0]!.color);
  assert.equal(result.colors[7], result.classes[6]!.color);
});

test('quantiles put about the same number of values in each class', () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
  const result = classifyNumbers(values, 4, 'quantile', ramp);
  assert.equal(result.classes.length, 4);
  for (const c of result.classes) assert.ok(Math.abs(c.count - 250) <= 1, JSON.stringify(result.classes));
});

test('every value gets exactly one class colour, and class counts add up (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: -50, max: 3000 }), { nil: null }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 7 }), fc.constantFrom('equal', 'quantile' as const), (values, n, method) => {
      const result = classifyNumbers(values, n, method as 'equal' | 'quantile', ramp);
      const legend = new Set([...result.classes.map((c) => c.color), noDataColor]);
      assert.ok(result.colors.every((c) => legend.has(c)));
      assert.equal(result.classes.reduce((s, c) => s + c.count, 0) + result.noData.count, values.length);
      assert.ok(result.classes.length <= n);
    }),
  );
});

test('categories are coloured by value, most frequent first, with the rest as Other', () => {
  const values = ['a', 'b', 'a', 'c', null, 'a', 'b'];
  const result = classifyCategories(values, 2);
  assert.deepEqual(result.classes.map((c) => `${c.label}:${c.count}`), ['a:3', 'Other (2 values):3']);
  assert.equal(result.colors[4], noDataColor);
  assert.equal(result.colors[0], result.classes[0]!.color);
  assert.equal(result.colors[1], result.classes[1]!.color);
});

test('floor and unit values reach buildings as their mean or most common value', async () => {
  const { aggregateByOwner } = await import('../../renderer/classify.js');
  const numbers = aggregateByOwner(['b1', 'b1', 'b2', 'b2', null], [60, 100, null, 50, 999], 'number');
  assert.deepEqual([...numbers], [['b1', 80], ['b2', 50]]);
  const uses = aggregateByOwner(['b1', 'b1', 'b1', 'b2'], ['Flat', 'Shop', 'Flat', null], 'category');
  assert.deepEqual([...uses], [['b1', 'Flat'], ['b2', null]]);
  const scale = classifyNumbers([10, 20, 30, 40, 50], 5, 'equal', ramp);
  assert.equal(scale.colorOf(35), scale.classes[3]!.color);
  assert.equal(scale.colorOf(null), noDataColor);
});
