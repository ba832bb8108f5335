/**
 * The side panel for a clicked feature of an imported 3D Tiles layer (a 3DBAG building, say): the layer, the
 * feature's id and every property of its row, as the tileset carries them. These are not registry records, so
 * there are no floors or units to open.
 */
import type { LayerFeature } from './globe/tile-layers.js';
import { formatNumber, h } from './dom.js';

export function renderLayerFeature(feature: LayerFeature, onClose: () => void): HTMLElement {
  return h(
    'section',
    { class: 'building layer-feature', 'data-layer-id': feature.layerId, 'data-feature-id': String(feature.featureId) },
    h(
      'header',
      { class: 'panel-header' },
      h('div', {},
        h('h2', { class: 'building-title' }, `Feature ${feature.featureId}`),
        h('span', { class: 'muted' }, `3D Tiles layer · ${feature.layerName}`),
      ),
      h('button', { class: 'icon-button', title: 'Clear selection (Esc)', 'aria-label': 'Clear selection', onclick: onClose }, '×'),
    ),
    feature.properties.length === 0
      ? h('p', { class: 'muted' }, 'This feature carries no properties.')
      : h('table', { class: 'attributes' },
          h('tbody', {}, ...feature.properties.map((p) =>
            h('tr', { 'data-key': p.name }, h('th', { scope: 'row' }, p.name), h('td', {}, shown(p.value))),
          )),
        ),
  );
}

function shown(value: string | number | boolean | null): string {
  if (value === null) return 'no data';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return Number.isInteger(value) ? formatNumber(value) : formatNumber(value, 2);
  return value;
}
