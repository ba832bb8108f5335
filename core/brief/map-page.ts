/**
 * One saved view on paper: the rendered image at print resolution, the legend of the style it was rendered with,
 * a scale bar in vector lines (true at the centre of the view), a north arrow turned to true north, the view's name
 * and coordinates, and the data attributions.
 */
import { formatNumber, ink, label, paragraph, pdfColor, type Doc } from './document.js';
import type { Box } from './paper.js';
import type { MapImage } from './types.js';

/** The longest round length (1, 2 or 5 × 10ⁿ metres) that fits in maxMetres. */
export function niceLength(maxMetres: number): number {
  const power = 10 ** Math.floor(Math.log10(maxMetres));
  for (const step of [5, 2, 1]) if (step * power <= maxMetres) return step * power;
  return power;
}

export function formatCoordinate(value: number, positive: string, negative: string): string {
  return `${Math.abs(value).toFixed(5)}° ${value >= 0 ? positive : negative}`;
}

const metres = (m: number) => (m >= 1000 ? `${formatNumber(m / 1000, m % 1000 ? 1 : 0)} km` : `${formatNumber(m)} m`);

/** Draws a scale bar of four alternating segments; `pointsPerMetre` is the paper scale at the view's centre. */
export function drawScaleBar(doc: Doc, x: number, y: number, maxWidth: number, pointsPerMetre: number): { lengthMetres: number; widthPoints: number } {
  const lengthMetres = niceLength(maxWidth / pointsPerMetre);
  const width = lengthMetres * pointsPerMetre;
  const segments = 4;
  const h = 5;
  for (let i = 0; i < segments; i++) {
    doc.rect(x + (i * width) / segments, y, width / segments, h).lineWidth(0.6).fillColor(i % 2 ? '#ffffff' : ink.text).strokeColor(ink.text).fillAndStroke();
  }
  label(doc, '0', x - 2, y + h + 3, { size: 7 });
  const end = metres(lengthMetres);
  doc.font('regular').fontSize(7);
  label(doc, end, x + width - doc.widthOfString(end) / 2, y + h + 3, { size: 7 });
  return { lengthMetres, widthPoints: width };
}

/** A north arrow centred on (cx, cy), turned by northDegrees clockwise from the page's up. */
export function drawNorthArrow(doc: Doc, cx: number, cy: number, radius: number, northDegrees: number): void {
  doc.save();
  doc.circle(cx, cy, radius).lineWidth(0.6).strokeColor(ink.line).stroke();
  doc.rotate(northDegrees, { origin: [cx, cy] });
  const tip = radius * 0.82;
  doc.polygon([cx, cy - tip], [cx + radius * 0.3, cy + tip * 0.55], [cx, cy + tip * 0.25]).fillColor(ink.text).fill();
  doc.polygon([cx, cy - tip], [cx - radius * 0.3, cy + tip * 0.55], [cx, cy + tip * 0.25]).lineWidth(0.6).fillColor('#ffffff').strokeColor(ink.text).fillAndStroke();
  doc.restore();
  // The letter stays upright, just beyond the arrow's tip.
  const angle = (northDegrees * Math.PI) / 180;
  const nx = cx + Math.sin(angle) * (radius + 7);
  const ny = cy - Math.cos(angle) * (radius + 7);
  doc.font('bold').fontSize(8).fillColor(ink.text);
  doc.text('N', nx - doc.widthOfString('N') / 2, ny - 4.5, { lineBreak: false });
}

export function drawMapPage(doc: Doc, image: MapImage, layout: { map: Box; side: Box }, titleY: number, attribution: string, landscape: boolean): void {
  const { map, side } = layout;
  label(doc, image.viewName, map.x, titleY, { bold: true, size: 15, width: map.width });
  doc.image(image.png, map.x, map.y, { width: map.width, height: map.height });
  doc.rect(map.x, map.y, map.width, map.height).lineWidth(0.8).strokeColor(ink.text).stroke();

  // Paper points per ground metre at the view's centre: the image is scaled to the box's width.
  const pointsPerMetre = map.width / image.widthPx / image.metresPerPixel;
  const column = landscape ? { x: side.x, width: side.width } : { x: side.x, width: side.width / 2 - 10 };
  let y = side.y;

  label(doc, image.legend.title || 'Legend', column.x, y, { bold: true, size: 10, width: column.width });
  y += 16;
  const maxRows = Math.max(1, Math.floor(((landscape ? side.height * 0.5 : side.height - 20) - 16) / 13));
  const rows = image.legend.classes.slice(0, maxRows);
  for (const row of rows) {
    doc.rect(column.x, y, 12, 9).lineWidth(0.4).fillColor(pdfColor(row.color)).strokeColor(ink.line).fillAndStroke();
    label(doc, row.label, column.x + 17, y + 0.5, { size: 8, width: column.width - 60 });
    if (row.count !== null) label(doc, formatNumber(row.count), column.x + column.width - 42, y + 0.5, { size: 8, width: 42, align: 'right', color: ink.muted });
    y += 13;
  }
  if (image.legend.classes.length > rows.length) {
    label(doc, `… and ${image.legend.classes.length - rows.length} more classes`, column.x, y, { size: 7.5, color: ink.muted, width: column.width });
    y += 12;
  }

  // Scale bar, north arrow and position: under the legend (landscape) or in the right half of the band (portrait).
  let x = column.x;
  if (landscape) y += 12;
  else {
    x = side.x + side.width / 2 + 10;
    y = side.y;
  }
  const width = landscape ? column.width : side.width / 2 - 10;
  label(doc, 'Scale and north', x, y, { bold: true, size: 9, width: width - 50 });
  drawScaleBar(doc, x + 4, y + 22, width - 70, pointsPerMetre);
  drawNorthArrow(doc, x + width - 24, y + 30, 15, image.northDegrees);
  y += 60;
  const lines = [
    `Centre ${formatCoordinate(image.centre.latDegrees, 'N', 'S')}, ${formatCoordinate(image.centre.lonDegrees, 'E', 'W')}`,
    `Heading ${formatNumber(((image.headingDegrees % 360) + 360) % 360)}°, pitch ${formatNumber(image.pitchDegrees)}°`,
    `1 : ${formatNumber(Math.round(1 / (pointsPerMetre / 72 * 0.0254)))} at the centre${image.pitchDegrees > -80 ? ' (perspective view: the scale changes away from the centre)' : ''}`,
    `Rendered at ${formatNumber(image.widthPx)} × ${formatNumber(image.heightPx)} px (${formatNumber((image.widthPx / map.width) * 72)} dpi)`,
  ];
  for (const line of lines) y += paragraph(doc, line, x, y, width, { size: 7.5, color: ink.muted }) + 2;
  y += 6;
  label(doc, 'Data', x, y, { bold: true, size: 8, width });
  y += 12;
  paragraph(doc, `${attribution ? attribution + '. ' : ''}Base imagery: Natural Earth II (public domain), shipped with CesiumJS.`, x, y, width, { size: 7, color: ink.muted });
}
