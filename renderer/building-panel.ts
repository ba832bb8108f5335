/** The side panel for one selected building: registry attributes, its storeys as a section, a floor's units. */
import type { AttributeValue, BuildingDetail, FloorSummary, UnitSummary } from '../common/contract.js';
import { h, formatNumber } from './dom.js';
import { colorOfCategory, useCategoryLabels } from './palette.js';

function formatValue(attribute: AttributeValue): string {
  const { value, unit } = attribute;
  if (value === null || value === '') return '—';
  // Measures (with a unit) get digit grouping; years, codes and counts read as written.
  const text = typeof value === 'number' && (unit || !Number.isInteger(value)) ? formatNumber(value, 1) : String(value);
  return unit ? `${text} ${unit}` : text;
}

export interface PanelCallbacks {
  onFloor(floor: FloorSummary): void;
  onClose(): void;
}

export function renderBuilding(detail: BuildingDetail, selectedFloorId: string | null, callbacks: PanelCallbacks): HTMLElement {
  const category = detail.useCategory;
  const storeys = [...detail.floors].reverse(); // top floor first, as in a section drawing
  return h(
    'section',
    { class: 'building', 'data-building-id': detail.id },
    h(
      'header',
      { class: 'panel-header' },
      h('div', {},
        h('h2', { class: 'building-title' }, detail.address ?? detail.name ?? 'Building'),
        h('span', { class: 'chip', style: `--chip: ${colorOfCategory(category)}` }, useCategoryLabels[category] ?? category),
      ),
      h('button', { class: 'icon-button', title: 'Clear selection (Esc)', 'aria-label': 'Clear selection', onclick: () => callbacks.onClose() }, '×'),
    ),
    h(
      'table',
      { class: 'attributes' },
      h('tbody', {}, ...detail.attributes.map((a) =>
        h('tr', { 'data-key': a.key }, h('th', { scope: 'row' }, a.label), h('td', {}, formatValue(a))),
      )),
    ),
    h('h3', {}, `Storeys (${detail.floors.length})`, h('span', { class: 'muted' }, ` · ${detail.unitCount} units · ${detail.stairwellCount} stairwells`)),
    detail.floors.length === 0
      ? h('p', { class: 'muted' }, 'The registry lists no floors for this building.')
      : h('ol', { class: 'storeys', reversed: true },
          ...storeys.map((floor) =>
            h('li', {},
              h('button', {
                class: floor.id === selectedFloorId ? 'storey selected' : 'storey',
                'data-floor-id': floor.id,
                'data-level': String(floor.levelIndex),
                onclick: () => callbacks.onFloor(floor),
              },
                h('span', { class: 'storey-label' }, floor.label),
                h('span', { class: 'storey-meta' },
                  floor.areaSquareMeters != null ? `${formatNumber(floor.areaSquareMeters)} m²` : '',
                  floor.baseHeightMeters != null ? ` · at ${formatNumber(floor.baseHeightMeters, 1)} m` : ''),
                h('span', { class: 'storey-units' }, `${floor.unitCount} ${floor.unitCount === 1 ? 'unit' : 'units'}`),
              ),
            ),
          ),
        ),
    h('div', { class: 'units', id: 'units' }),
  );
}

export function renderUnits(floor: FloorSummary, units: UnitSummary[]): HTMLElement {
  return h('div', { class: 'units-list', 'data-floor-id': floor.id },
    h('h3', {}, `Units on floor ${floor.label}`),
    units.length === 0
      ? h('p', { class: 'muted' }, 'No units are registered on this floor.')
      : h('table', { class: 'unit-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Address'), h('th', {}, 'Use'), h('th', { class: 'num' }, 'Area'), h('th', { class: 'num' }, 'Rooms'))),
          h('tbody', {}, ...units.map((u) =>
            h('tr', { 'data-unit-id': u.id },
              h('td', {}, u.address ?? '—'),
              h('td', {}, u.useLabel ?? '—'),
              h('td', { class: 'num' }, u.areaSquareMeters != null ? `${formatNumber(u.areaSquareMeters)} m²` : '—'),
              h('td', { class: 'num' }, u.rooms ?? '—'),
            ),
          )),
        ),
  );
}
