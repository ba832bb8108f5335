/**
 * Whole-file text decoding (readers.ts decodeUtf8): pieces of plain ASCII are copied as Latin-1 and only the others go
 * through the UTF-8 decoder. Whatever the bytes, the text must be what Node's UTF-8 decoder gives for the whole buffer:
 * characters that straddle a piece's end, malformed sequences (replaced alike) and a byte-order mark included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeUtf8 } from '../../core/import/readers.js';

const PIECE = 64 * 1024;

test('text made of any characters, cut anywhere near the piece ends, decodes as a whole-buffer UTF-8 decode does', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }), (word, shift, pieces) => {
      // ASCII filler up to just before a piece end, then the characters across it, repeated over several pieces.
      const filler = 'x'.repeat(PIECE - shift);
      const buffer = Buffer.from(Array.from({ length: pieces }, () => filler + word).join('') + '\n');
      assert.equal(decodeUtf8(buffer), buffer.toString('utf8'));
    }),
    { numRuns: 60 },
  );
});

test('arbitrary bytes, malformed UTF-8 included, decode as Node decodes them', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 3 * PIECE, size: 'max' }), fc.nat({ max: 255 }), (bytes, ascii) => {
      // Mostly ASCII (as real files are) with the random bytes spread through it.
      const buffer = Buffer.from(bytes.map((b, i) => (i % 7 === 0 ? b : (b + ascii) & 0x7f)));
      assert.equal(decodeUtf8(buffer), buffer.toString('utf8'));
    }),
    { numRuns: 40 },
  );
});

test('a byte-order mark and Danish letters come through as the UTF-8 decoder gives them', () => {
  const buffer = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"vej":"Rugårdsvej","by":"Odense SØ"}')]);
  assert.equal(decodeUtf8(buffer), '\ufeff{"vej":"Rugårdsvej","by":"Odense SØ"}');
  assert.equal(decodeUtf8(Buffer.alloc(0)), '');
});
