/**
 * A building without an address of its own is named by its shortest address: the order SQL gives with
 * `ORDER BY length(text), text`, kept in JavaScript so an import into empty tables can name buildings without a
 * second write of every row.
 */
/** SQLite's order for `ORDER BY length(text), text` (characters, then BINARY: UTF-8 bytes, i.e. code points). */
export function shorterThenEarlier(a: string, b: string): boolean {
  const la = codePointLength(a);
  const lb = codePointLength(b);
  if (la !== lb) return la < lb;
  for (let i = 0; i < a.length; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return false;
}

function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}
