/**
 * Where the desktop keeps a briefing it opens for the person: a folder of their own (Documents/Storey briefings), under
 * the briefing's file name, never over an existing file (" (2)", " (3)", ... instead), so opening a briefing loses
 * nothing and the PDF is still there after the viewer closes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { StoreyError } from '../../common/errors.js';

export function keepBriefingPdf(folder: string, fileName: string, pdf: Buffer): string {
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new StoreyError('BAD_INPUT', `${fileName} is not a PDF; nothing was written.`);
  const stem = basename(fileName, extname(fileName)).replace(/[^\p{L}\p{N} ._-]/gu, '_').replace(/^\.+/, '') || 'briefing';
  mkdirSync(folder, { recursive: true });
  for (let n = 1; ; n++) {
    const path = join(folder, n === 1 ? `${stem}.pdf` : `${stem} (${n}).pdf`);
    if (existsSync(path)) continue;
    // 'wx': fails instead of overwriting should another process take the name meanwhile.
    writeFileSync(path, pdf, { flag: 'wx' });
    return path;
  }
}
