/**
 * The PDF document every briefing page is drawn on: embedded DejaVu fonts (they cover æøå, ĳ, ß, ü), buffered pages
 * so the header, footer and "n / N" can be written once the page count is known, and small drawing helpers.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { PageGeometry } from './paper.js';

export type Doc = InstanceType<typeof PDFDocument>;

const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const fonts = { regular: join(fontDir, 'DejaVuSans.ttf'), bold: join(fontDir, 'DejaVuSans-Bold.ttf') };

export const ink = { text: '#1d2530', muted: '#5b6673', line: '#8a949e', rule: '#c9d0d6', header: '#e8edf1', marking: '#b00020', accent: '#1f5f8b' };

export function createDocument(geometry: PageGeometry, info: { title: string; author: string; subject: string; creator: string }): Doc {
  const doc = new PDFDocument({
    size: [geometry.width, geometry.height],
    margins: { top: geometry.contentTop, bottom: geometry.height - geometry.contentBottom, left: geometry.margin, right: geometry.margin },
    bufferPages: true,
    autoFirstPage: false,
    info: { Title: info.title, Author: info.author, Subject: info.subject, Creator: info.creator, Producer: info.creator },
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  doc.font('regular');
  return doc;
}

/** Collects the document's bytes once it is ended. */
export function documentBytes(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Text at a fixed place that never wraps onto a new page: cut with an ellipsis when it does not fit. */
export function label(doc: Doc, text: string, x: number, y: number, options: { width?: number; size?: number; bold?: boolean; color?: string; align?: 'left' | 'center' | 'right' } = {}): void {
  doc.font(options.bold ? 'bold' : 'regular').fontSize(options.size ?? 9).fillColor(options.color ?? ink.text);
  const width = options.width;
  if (width === undefined) {
    doc.text(text, x, y, { lineBreak: false });
    return;
  }
  doc.text(text, x, y, { width, height: (options.size ?? 9) * 1.3, ellipsis: true, lineBreak: false, align: options.align ?? 'left' });
}

/** Wrapped text in a box; returns the height it took. */
export function paragraph(doc: Doc, text: string, x: number, y: number, width: number, options: { size?: number; bold?: boolean; color?: string } = {}): number {
  doc.font(options.bold ? 'bold' : 'regular').fontSize(options.size ?? 9).fillColor(options.color ?? ink.text);
  const height = doc.heightOfString(text, { width });
  doc.text(text, x, y, { width });
  return height;
}

/** CSS colours as the renderer reports them (#rgb, #rrggbb, rgb(), rgba()) to what pdfkit accepts. */
export function pdfColor(css: string): string | [number, number, number] {
  const value = css.trim();
  if (/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(value)) return value;
  const match = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/i.exec(value);
  if (match) return [Number(match[1]), Number(match[2]), Number(match[3])];
  return '#999999';
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
