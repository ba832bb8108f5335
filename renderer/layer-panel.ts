/**
 * The layer list: the project's imagery, terrain and 3D Tiles layers with their extent, zooms, size and attribution;
 * a checkbox turns a layer on or off, the arrows move it in the draw order, the slider sets its opacity, the name
 * flies to it. Settings are saved in the project (setLayerSettings), so the next session opens the same way.
 * "Import tiles…" opens the tile import dialog; the new layer joins the list when its import lands.
 */
import type { LayerSummary, StoreyApi } from '../common/contract.js';
import { h } from './dom.js';
import type { TileLayers } from './globe/tile-layers.js';
import { extentText, layerDetails } from './layer-facts.js';
import { openTileImportDialog } from './tile-import-dialog.js';

export interface LayerPanelHost {
  api: StoreyApi;
  layers: TileLayers;
  readOnly: boolean;
  onError(error: unknown): void;
}

/** Why terrain has no opacity slider: it is the ground everything else is drawn on, not a picture over it. */
export const TERRAIN_OPACITY_NOTE = 'Terrain has no opacity: it is the ground that imagery, buildings and notes are drawn on. Hide it with its checkbox.';

export interface LayerPanelControls {
  list(): LayerSummary[];
  setVisible(id: string, visible: boolean): Promise<void>;
  move(id: string, order: number): Promise<void>;
  setOpacity(id: string, opacity: number): Promise<void>;
  /** Opens the tile import dialog (File ▸ Import tiles…). */
  importTiles(): void;
  /** Reads the layers again from the project and brings the globe in line. */
  refresh(): Promise<void>;
}

export async function mountLayerPanel(container: HTMLElement, host: LayerPanelHost): Promise<LayerPanelControls> {
  let layers: LayerSummary[] = [];
  const list = h('ul', { class: 'item-list layer-list', id: 'layer-list' });

  const change = async (id: string, settings: { visible?: boolean; order?: number; opacity?: number }) => {
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

  const opacityControl = (layer: LayerSummary) => {
    const terrain = layer.kind === 'terrain';
    const percent = Math.round(layer.opacity * 100);
    const shown = h('span', { class: 'layer-opacity-value' }, terrain ? 'n/a' : `${percent}\u00a0%`);
    const slider = h('input', {
      type: 'range',
      min: '0',
      max: '100',
      step: '5',
      value: String(terrain ? 100 : percent),
      'aria-label': `Opacity of ${layer.name}`,
      style: 'flex: 1; min-width: 50px; max-width: 120px; accent-color: var(--accent); margin: 0;',
      ...(terrain ? { disabled: true, title: TERRAIN_OPACITY_NOTE } : { title: 'Opacity' }),
      oninput: (event) => (shown.textContent = `${(event.target as HTMLInputElement).value}\u00a0%`),
      onchange: (event) => void change(layer.id, { opacity: Number((event.target as HTMLInputElement).value) / 100 }).catch(host.onError),
    });
    // A disabled control shows no tooltip in every browser; the label around it carries the note as well.
    return h('label', { class: 'small muted layer-opacity', style: 'display: flex; align-items: center; gap: 6px; white-space: nowrap;', ...(terrain ? { title: TERRAIN_OPACITY_NOTE } : {}) }, 'Opacity', slider, shown);
  };

  const render = () => {
    list.replaceChildren(
      ...(layers.length === 0
        ? [h('li', { class: 'muted' }, 'No tile layers yet: Import tiles… adds MBTiles, GeoPackage tiles, terrain or 3D Tiles.')]
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
                h('div', { class: 'muted small layer-details' }, layerDetails(layer)),
                extentText(layer) ? h('div', { class: 'muted small layer-extent' }, extentText(layer)) : null,
                opacityControl(layer),
                layer.attribution ? h('div', { class: 'muted small layer-attribution' }, `© ${layer.attribution}`) : null,
                failure ? h('div', { class: 'small layer-failure', role: 'status' }, `Not shown: ${failure}`) : null,
              ),
              h('button', { class: 'icon-button', type: 'button', 'aria-label': `Move ${layer.name} up`, ...(index === 0 ? { disabled: true } : {}), onclick: () => void change(layer.id, { order: index - 1 }).catch(host.onError) }, '↑'),
              h('button', { class: 'icon-button', type: 'button', 'aria-label': `Move ${layer.name} down`, ...(index === layers.length - 1 ? { disabled: true } : {}), onclick: () => void change(layer.id, { order: index + 1 }).catch(host.onError) }, '↓'),
            );
          })),
    );
  };

  const refresh = async () => {
    layers = (await host.api.listLayers({})).layers;
    render();
    await host.layers.apply(layers);
    render();
  };
  const importTiles = () => {
    if (host.readOnly) {
      host.onError(new Error('This project is open read-only; tiles cannot be imported into it.'));
      return;
    }
    openTileImportDialog({ api: host.api, onImported: () => void refresh().catch(host.onError), onError: host.onError });
  };
  const importButton = h('button', {
    type: 'button',
    class: 'toolbar-button',
    id: 'layer-import-button',
    style: 'margin-top: 6px;',
    ...(host.readOnly ? { disabled: true, title: 'The project is open read-only' } : { title: 'Import MBTiles, GeoPackage tiles, terrain or 3D Tiles' }),
    onclick: importTiles,
  }, 'Import tiles…');
  container.replaceChildren(h('details', { class: 'tool', open: true }, h('summary', {}, 'Layers'), list, importButton));
  await refresh();
  const controls: LayerPanelControls = {
    list: () => layers,
    setVisible: (id, visible) => change(id, { visible }),
    move: (id, order) => change(id, { order }),
    setOpacity: (id, opacity) => change(id, { opacity }),
    importTiles,
    refresh,
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
    appliedOpacity: (id: string) => host.layers.appliedOpacity(id),
  };
  return controls;
}
