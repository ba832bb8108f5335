/**
 * The layer list: the project's imagery, terrain and 3D Tiles layers with their extent, zooms, size and attribution;
 * a checkbox turns a layer on or off, the arrows move it in the draw order, the name flies to it. Settings are saved
 * in the project (setLayerSettings), so the next session opens the same way.
 */
import type { LayerSummary, StoreyApi } from '../common/contract.js';
import { formatNumber, h } from './dom.js';
import type { TileLayers } from './globe/tile-layers.js';

export interface LayerPanelHost {
  api: StoreyApi;
  layers: TileLayers;
  readOnly: boolean;
  onError(error: unknown): void;
}

const kindLabels: Record<LayerSummary['kind'], string> = { imagery: 'Imagery', terrain: 'Terrain', '3dtiles': '3D Tiles' };

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${formatNumber(bytes / 1024, 0)} KB` : `${formatNumber(bytes / 1024 / 1024, 1)} MB`;
}

function details(layer: LayerSummary): string {
  const parts = [`${kindLabels[layer.kind]} · ${layer.format}`, `${formatNumber(layer.tileCount)} tiles`, size(layer.byteSize)];
  if (layer.minZoom !== null && layer.maxZoom !== null) parts.push(`zoom ${layer.minZoom}–${layer.maxZoom}`);
  return parts.join(' · ');
}

export interface LayerPanelControls {
  list(): LayerSummary[];
  setVisible(id: string, visible: boolean): Promise<void>;
  move(id: string, order: number): Promise<void>;
}

export async function mountLayerPanel(container: HTMLElement, host: LayerPanelHost): Promise<LayerPanelControls> {
  let layers: LayerSummary[] = [];
  const list = h('ul', { class: 'item-list layer-list', id: 'layer-list' });

  const change = async (id: string, settings: { visible?: boolean; order?: number }) => {
    if (host.readOnly) {
      // A read-only project cannot keep the setting; the view still follows the click.
      layers = layers.map((l) => (l.id === id ? { ...l, ...settings } : l));
    } else {
      await host.api.setLayerSettings({ id, ...settings });
      layers = (await host.api.listLayers({})).layers;
    }
    render();
    await host.layers.apply(layers);
    render();
  };

  const render = () => {
    list.replaceChildren(
      ...(layers.length === 0
        ? [h('li', { class: 'muted' }, 'No tile layers. Import MBTiles, terrain or 3D Tiles with storey import --tiles.')]
        : layers.map((layer, index) => {
            const failure = host.layers.failures.get(layer.id);
            return h(
              'li',
              { class: 'layer-item', 'data-layer-id': layer.id },
              h('input', {
                type: 'checkbox',
                'aria-label': `Show ${layer.name}`,
                ...(layer.visible ? { checked: true } : {}),
                onchange: (event) => void change(layer.id, { visible: (event.target as HTMLInputElement).checked }).catch(host.onError),
              }),
              h(
                'div',
                { class: 'layer-text' },
                h('button', { class: 'link', type: 'button', title: 'Fly to this layer', onclick: () => layer.extent && host.layers.flyTo(layer.extent) }, layer.name),
                h('div', { class: 'muted small' }, details(layer)),
                layer.attribution ? h('div', { class: 'muted small layer-attribution' }, `© ${layer.attribution}`) : null,
                failure ? h('div', { class: 'small layer-failure', role: 'status' }, `Not shown: ${failure}`) : null,
              ),
              h('button', { class: 'icon-button', type: 'button', 'aria-label': `Move ${layer.name} up`, ...(index === 0 ? { disabled: true } : {}), onclick: () => void change(layer.id, { order: index - 1 }).catch(host.onError) }, '↑'),
              h('button', { class: 'icon-button', type: 'button', 'aria-label': `Move ${layer.name} down`, ...(index === layers.length - 1 ? { disabled: true } : {}), onclick: () => void change(layer.id, { order: index + 1 }).catch(host.onError) }, '↓'),
            );
          })),
    );
  };

  container.replaceChildren(h('details', { class: 'tool', open: true }, h('summary', {}, 'Layers'), list));
  layers = (await host.api.listLayers({})).layers;
  render();
  await host.layers.apply(layers);
  render();
  const controls: LayerPanelControls = {
    list: () => layers,
    setVisible: (id, visible) => change(id, { visible }),
    move: (id, order) => change(id, { order }),
  };
  // Hooks for end-to-end tests: what the layer list and the globe show, through the same paths a click takes.
  (window as unknown as { storeyLayers: unknown }).storeyLayers = {
    ...controls,
    terrainOn: () => host.layers.terrainOn,
    groundHeights: (points: Array<{ lonDegrees: number; latDegrees: number }>) => host.layers.groundHeights(points),
    globeHeight: (lon: number, lat: number) => host.layers.globeHeight(lon, lat),
    tilesetsLoaded: () => host.layers.tilesetsLoaded(),
    pickFeature: (x: number, y: number) => host.layers.pickFeature(x, y),
    pickedKind: (x: number, y: number) => host.layers.pickedKind(x, y),
    failures: () => Object.fromEntries(host.layers.failures),
  };
  return controls;
}
