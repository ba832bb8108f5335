/**
 * A building's pages: its registry attributes, the exploded floor picture, and the table of its floors with their
 * units (which runs on over as many pages as it needs, repeating its header).
 */
import type { AttributeValue, BuildingDetail, UnitSummary } from '../../common/contract.js';
import { formatNumber, ink, label, type Doc } from './document.js';
import { drawFloorDiagram } from './floor-diagram.js';
import type { PageGeometry } from './paper.js';
import { drawTable, type Row } from './table.js';

export interface BuildingData {
  detail: BuildingDetail;
  /** Footprint polygons as listBuildingShapes gives them, or null when the building has none. */
  polygons: number[][][] | null;
  /** Units of each floor, by floor id. */
  units: Map<string, UnitSummary[]>;
}

function valueText(attribute: AttributeValue): string {
  const { value, unit } = attribute;
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  // Years and codes read as written, without thousands separators.
  const plain = /year|code|år|id$/i.test(attribute.key) || /year|code/i.test(attribute.label);
  const text = typeof value !== 'number' ? value : plain ? String(value) : formatNumber(value, Number.isInteger(value) ? 0 : 1);
  return unit ? `${text} ${unit}` : text;
}

const area = (m2: number | null) => (m2 === null ? '—' : `${formatNumber(m2)} m²`);

export function buildingTitle(detail: BuildingDetail): string {
  return detail.address ?? detail.name ?? `Building ${detail.id}`;
}

/** Draws the building from the top of a fresh page; `newPage` adds a page and returns where content starts. */
export function drawBuildingPages(doc: Doc, data: BuildingData, geometry: PageGeometry, newPage: () => number): void {
  const { detail } = data;
  const x = geometry.margin;
  let y = geometry.contentTop;
  label(doc, buildingTitle(detail), x, y, { bold: true, size: 15, width: geometry.contentWidth });
  y += 21;
  label(doc, `Building ${detail.id} · ${detail.floors.length} storeys · ${detail.unitCount} units · ${detail.stairwellCount} stairwells`, x, y, { size: 8.5, color: ink.muted, width: geometry.contentWidth });
  y += 18;

  const landscape = geometry.width > geometry.height;
  const leftWidth = landscape ? geometry.contentWidth * 0.46 : geometry.contentWidth;
  const diagram = landscape
    ? { x: x + leftWidth + 16, y, width: geometry.contentWidth - leftWidth - 16, height: Math.min(300, geometry.contentBottom - y - 40) }
    : { x, y, width: geometry.contentWidth, height: 230 };
  if (!landscape) y += diagram.height + 14;
  drawFloorDiagram(doc, diagram, data.polygons, detail.floors);

  const attributeRows: Row[] = detail.attributes.map((a) => ({ cells: [a.label, valueText(a)] }));
  let below = drawTable(doc, {
    x, y, width: leftWidth, geometry, newPage,
    columns: [{ header: 'Attribute', weight: 1 }, { header: 'Value', weight: 1.3 }],
    rows: attributeRows,
    fontSize: 8,
  });
  if (landscape) below = Math.max(below, diagram.y + diagram.height);
  y = below + 18;

  const rows: Row[] = [];
  for (const floor of detail.floors) {
    const units = data.units.get(floor.id) ?? [];
    rows.push({ group: `Floor ${floor.label} · level ${floor.levelIndex} · ${units.length} unit${units.length === 1 ? '' : 's'} · floor area ${area(floor.areaSquareMeters)}` });
    if (units.length === 0) rows.push({ cells: [floor.label, 'no units registered on this floor', '', '', ''] });
    for (const unit of units) {
      rows.push({ cells: [floor.label, unit.address ?? `unit ${unit.id}`, unit.useLabel ?? '—', area(unit.areaSquareMeters), unit.rooms === null ? '—' : String(unit.rooms)] });
    }
  }
  if (y + 60 > geometry.contentBottom) y = newPage();
  drawTable(doc, {
    x, y, width: geometry.contentWidth, geometry, newPage,
    caption: `Floors and units of ${buildingTitle(detail)}`,
    columns: [
      { header: 'Floor', weight: 0.6 },
      { header: 'Unit address', weight: 4 },
      { header: 'Use', weight: 2.6 },
      { header: 'Area', weight: 0.9, align: 'right' },
      { header: 'Rooms', weight: 0.7, align: 'right' },
    ],
    rows: rows.length ? rows : [{ group: 'No floors are registered for this building.' }],
  });
}
