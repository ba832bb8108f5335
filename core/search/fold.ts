/**
 * Folding for search: lower case, accents off, and the Nordic letters that are not accented letters in Unicode
 * mapped to what people type without them (ø→o, æ→ae). "Rugårdsvej" and "rugardsvej" fold to the same text.
 */
const specials: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', đ: 'd', ł: 'l', ı: 'i', þ: 'th', ð: 'd' };

export function foldForSearch(text: string): string {
  // Plain ASCII (most addresses) has no accents or special letters: lower case is all there is to do, which spares
  // the normalisation and two regular expressions per address of a bulk import.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text.toLowerCase();
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[øæœßđłıþð]/g, (c) => specials[c] ?? c);
}

/** The words of a query, folded; at most 8, so a pasted paragraph cannot make a huge query. */
export function searchTokens(query: string): string[] {
  return foldForSearch(query)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 8);
}
