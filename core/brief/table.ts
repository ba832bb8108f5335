/**
 * Tables drawn with vector rules. When a table runs past the bottom of the content area it continues on a new page,
 * and the new page repeats the column header (and the caption, marked "continued").
 */
import { ink, label, type Doc } from './document.js';
import type { PageGeometry } from './paper.js';

export interface Column {
  header: string;
  /** Relative width; the table fills the width it is given. */
  weight: number;
  align?: 'left' | 'right';
}

/** A data row, or a group row spanning all columns (e.g. "Floor 2 · 18 units"). */
export type Row = { cells: string[] } | { group: string };

export interface TableOptions {
  x: number;
  y: number;
  width: number;
  caption?: string;
  columns: Column[];
  rows: Row[];
  geometry: PageGeometry;
  /** Adds a page (with whatever the caller puts on every page) and returns the y where content starts. */
  newPage(): number;
  fontSize?: number;
}

/** Draws the table and returns the y below it. */
export function drawTable(doc: Doc, options: TableOptions): number {
  const size = options.fontSize ?? 8.5;
  const rowHeight = size * 1.75;
  const total = options.columns.reduce((sum, c) => sum + c.weight, 0);
  const widths = options.columns.map((c) => (c.weight / total) * options.width);
  const lefts = widths.map((_, i) => options.x + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const right = options.x + options.width;
  const pad = 4;
  let y = options.y;

  const header = (continued: boolean) => {
    if (options.caption) {
      label(doc, continued ? `${options.caption} (continued)` : options.caption, options.x, y, { bold: true, size: 11, width: options.width });
      y += 18;
    }
    doc.rect(options.x, y, options.width, rowHeight).fill(ink.header);
    options.columns.forEach((column, i) =>
      label(doc, column.header, lefts[i]! + pad, y + (rowHeight - size) / 2 - 1, { bold: true, size, width: widths[i]! - 2 * pad, align: column.align ?? 'left' }),
    );
    doc.moveTo(options.x, y).lineTo(right, y).lineWidth(0.8).strokeColor(ink.line).stroke();
    doc.moveTo(options.x, y + rowHeight).lineTo(right, y + rowHeight).lineWidth(0.8).strokeColor(ink.line).stroke();
    y += rowHeight;
  };

  header(false);
  for (const row of options.rows) {
    if (y + rowHeight > options.geometry.contentBottom) {
      y = options.newPage();
      header(true);
    }
    if ('group' in row) {
      doc.rect(options.x, y, options.width, rowHeight).fill('#f4f6f8');
      label(doc, row.group, options.x + pad, y + (rowHeight - size) / 2 - 1, { bold: true, size, width: options.width - 2 * pad });
    } else {
      row.cells.forEach((cell, i) =>
        label(doc, cell, lefts[i]! + pad, y + (rowHeight - size) / 2 - 1, { size, width: widths[i]! - 2 * pad, align: options.columns[i]!.align ?? 'left' }),
      );
    }
    y += rowHeight;
    doc.moveTo(options.x, y).lineTo(right, y).lineWidth(0.4).strokeColor(ink.rule).stroke();
  }
  return y;
}
