/** How a tile layer is described in the layer list and the tile import dialog: kind, format, tiles, size, zooms, extent. */
import type { LayerSummary, TileSourceType } from '../common/contract.js';
import { formatNumber } from './dom.js';

export const kindLabels: Record<LayerSummary['kind'], string> = { imagery: 'Imagery', terrain: 'Terrain', '3dtiles': '3D Tiles' };

export const sourceTypeLabels: Record<TileSourceType, string> = {
  mbtiles: 'MBTiles',
  gpkg: 'GeoPackage tiles',
  '3tz': '3D Tiles archive',
  '3dtiles': '3D Tiles package',
  'terrain-folder': 'terrain folder',
  '3dtiles-folder': '3D Tiles folder',
  'xyz-folder': 'z/x/y tile folder',
};

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes)} B`;
  return bytes < 1024 * 1024 ? `${formatNumber(bytes / 1024, 0)} KB` : bytes < 1024 ** 3 ? `${formatNumber(bytes / 1024 / 1024, 1)} MB` : `${formatNumber(bytes / 1024 ** 3, 2)} GB`;
}

export function layerDetails(layer: LayerSummary): string {
  const parts = [`${kindLabels[layer.kind]} · ${layer.format}`, `${formatNumber(layer.tileCount)} tiles`, formatSize(layer.byteSize)];
  if (layer.minZoom !== null && layer.maxZoom !== null) parts.push(`zoom ${layer.minZoom}–${layer.maxZoom}`);
  return parts.join(' · ');
}

export function extentText(layer: LayerSummary): string | null {
  const e = layer.extent;
  if (!e) return null;
  const f = (v: number) => formatNumber(v, 3);
  return `lon ${f(e.westDegrees)} … ${f(e.eastDegrees)}, lat ${f(e.southDegrees)} … ${f(e.northDegrees)}`;
}
