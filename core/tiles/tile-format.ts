/** What tile bytes are, from their first bytes: importers check tiles with it and the handler labels answers. */

export type ImageFormat = 'png' | 'jpg' | 'webp';

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

export const imageContentTypes: Record<ImageFormat, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

/** Content types by the extension of a stored path (terrain and 3D Tiles paths keep their file names). */
export const tileContentTypes: Record<string, string> = {
  json: 'application/json',
  terrain: 'application/vnd.quantized-mesh',
  b3dm: 'application/octet-stream',
  i3dm: 'application/octet-stream',
  pnts: 'application/octet-stream',
  cmpt: 'application/octet-stream',
  subtree: 'application/octet-stream',
  bin: 'application/octet-stream',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  ktx2: 'image/ktx2',
};

/** File extensions a 3D Tiles import takes from a folder or archive; other files (readme, licences) are left out. */
export const threeDTilesExtensions = new Set(['json', 'b3dm', 'i3dm', 'pnts', 'cmpt', 'glb', 'gltf', 'bin', 'subtree', 'png', 'jpg', 'jpeg', 'webp', 'ktx2']);

export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash ? path.slice(dot + 1).toLowerCase() : '';
}
