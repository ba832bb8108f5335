/** One-line descriptions of tile layers, for the CLI's `layers` and `info` and for logs. */
import type { LayerSummary } from './layer-types.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function describeLayer(layer: LayerSummary): string {
  const parts = [`${layer.kind}, ${layer.format}${layer.encoding === 'identity' ? '' : ` (${layer.encoding})`}`, `${layer.tileCount} tiles`, formatBytes(layer.byteSize)];
  if (layer.minZoom !== null && layer.maxZoom !== null) parts.push(`zoom ${layer.minZoom}–${layer.maxZoom}`);
  const e = layer.extent;
  if (e) parts.push(`lon ${e.westDegrees.toFixed(4)}…${e.eastDegrees.toFixed(4)}, lat ${e.southDegrees.toFixed(4)}…${e.northDegrees.toFixed(4)}`);
  if (!layer.visible) parts.push('hidden');
  const head = `${layer.name} [${layer.id}]: ${parts.join(', ')}`;
  return layer.attribution ? `${head}\n      © ${layer.attribution.replace(/\s+/g, ' ').trim()}` : head;
}
