/**
 * The one tile handler behind the desktop storey:// scheme and the web host: `/tiles/<layerId>/<path>` ->
 * {status, headers, body}, straight from the project file. The path is checked before it gets near SQL (which only
 * ever sees it as a bound parameter): encoded slashes, dot segments, NUL and control characters, double encoding,
 * over-long paths and ids that are not plain slugs are all answered 4xx. Bytes are checked against their SHA-256 on
 * every read (TileStore.readTile); a damaged tile is refused with a message, never served as good data.
 */
import { gunzipSync } from 'node:zlib';
import type { HandlerResponse } from './app-handler.js';
import { StoreyError } from '../../common/errors.js';
import { imageContentTypes, sniffImageFormat, tileContentTypes, extensionOf } from '../tiles/tile-format.js';
import { isGzip, isSafeTilePath, LAYER_ID_PATTERN, TileStore, type LayerSummary } from '../tiles/tile-store.js';
import type { ProjectFile } from '../project/project-file.js';

export const TILE_ROUTE_PREFIX = '/tiles/';
const MAX_URL_LENGTH = 1024;

export type TileHandler = (urlPath: string, requestHeaders?: { 'if-none-match'?: string | undefined }) => HandlerResponse;

export interface TileHandlerOptions {
  /** Told about every damaged tile it refused (hosts log it). */
  onDamaged?: (error: StoreyError) => void;
  /** Cache lifetime for tiles; layers never change after import (a re-import is a new layer id). */
  maxAgeSeconds?: number;
  /**
   * Bytes of recently served tiles kept in memory, already verified against their hash (default 64 MiB; 0: none).
   * A tile read from the file is always checked; a cached one is the same verified bytes.
   */
  cacheBytes?: number;
}

/** Verified answers by layer and path, least recently used first (Map keeps insertion order). */
class ResponseCache {
  private readonly entries = new Map<string, HandlerResponse>();
  private bytes = 0;
  constructor(private readonly limit: number) {}

  get(key: string): HandlerResponse | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, response: HandlerResponse): void {
    const size = response.body?.length ?? 0;
    if (size > this.limit / 8) return;
    this.entries.set(key, response);
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(oldest);
      this.bytes -= entry.body?.length ?? 0;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

function plain(status: number, message: string): HandlerResponse {
  const body = Buffer.from(message + '\n');
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    body,
  };
}

/** Splits a request path into layer id and tile path, or says why not (always a 4xx). */
export function parseTileUrl(urlPath: string): { layerId: string; tilePath: string } | { status: number; message: string } {
  if (urlPath.length > MAX_URL_LENGTH) return { status: 414, message: 'Tile path too long.' };
  const path = urlPath.split('?')[0]!.split('#')[0]!;
  if (!path.startsWith(TILE_ROUTE_PREFIX)) return { status: 404, message: 'Not a tile path.' };
  // Encoded slashes, backslashes, NUL and percent signs (double encoding) never name a stored tile.
  if (/%(2f|5c|00|25)/i.test(path)) return { status: 400, message: 'Bad tile path.' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.slice(TILE_ROUTE_PREFIX.length));
  } catch {
    return { status: 400, message: 'Bad tile path (malformed percent-encoding).' };
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0) return { status: 400, message: 'Bad tile path: expected /tiles/<layer>/<tile>.' };
  const layerId = decoded.slice(0, slash);
  const tilePath = decoded.slice(slash + 1);
  if (!LAYER_ID_PATTERN.test(layerId)) return { status: 400, message: 'Bad layer id.' };
  if (!isSafeTilePath(tilePath)) return { status: 400, message: 'Bad tile path.' };
  return { layerId, tilePath };
}

function contentType(tilePath: string, bytes: Uint8Array): string {
  const ext = extensionOf(tilePath);
  if (ext) return tileContentTypes[ext] ?? 'application/octet-stream';
  const image = sniffImageFormat(bytes);
  return image ? imageContentTypes[image] : 'application/octet-stream';
}

/**
 * A terrain layer taken at fewer zoom levels than its source has (a sync's choice narrows the layer's maxZoom) keeps
 * the source's layer.json, which lists the deeper levels as available: the globe would ask for tiles the project does
 * not hold and get 404s instead of refining the deepest level it has. As served, its `available` list ends at the
 * layer's maxZoom and `maxzoom` says so. The stored bytes stay as they are (checked against their hash before this);
 * null when nothing needs cutting.
 */
export function layerJsonWithinZooms(layer: LayerSummary | undefined, bytes: Buffer): Buffer | null {
  if (!layer || layer.kind !== 'terrain' || layer.maxZoom === null || isGzip(bytes)) return null;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const available = (json as { available?: unknown } | null)?.available;
  if (!Array.isArray(available) || available.length <= layer.maxZoom + 1) return null;
  return Buffer.from(JSON.stringify({ ...(json as object), available: available.slice(0, layer.maxZoom + 1), maxzoom: layer.maxZoom }));
}

/**
 * A handler over the store of the open project. `store` may be a getter, for hosts that switch projects; with no
 * project open every tile is 404.
 */
export function createTileHandler(store: TileStore | (() => TileStore | undefined), options: TileHandlerOptions = {}): TileHandler {
  const currentStore = typeof store === 'function' ? store : () => store;
  const cacheControl = `private, max-age=${options.maxAgeSeconds ?? 86400}`;
  const cacheLimit = options.cacheBytes ?? 64 * 1024 * 1024;
  const cache = cacheLimit > 0 ? new ResponseCache(cacheLimit) : undefined;
  let cachedFor: TileStore | undefined;
  return (urlPath, requestHeaders = {}) => {
    const parsed = parseTileUrl(urlPath);
    if ('status' in parsed) return plain(parsed.status, parsed.message);
    const tiles = currentStore();
    if (!tiles) return plain(404, 'No project is open.');
    if (tiles !== cachedFor) {
      cache?.clear();
      cachedFor = tiles;
    }
    const { layerId, tilePath } = parsed;
    const key = `${layerId}/${tilePath}`;
    const ifNoneMatch = requestHeaders['if-none-match'];
    const cached = cache?.get(key);
    if (cached && !ifNoneMatch) return cached;
    if (ifNoneMatch) {
      const hash = cached ? cached.headers['ETag']!.slice(1, -1) : tiles.tileHash(layerId, tilePath);
      if (hash && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${hash}"`)) {
        return { status: 304, headers: { ETag: `"${hash}"`, 'Cache-Control': cacheControl }, body: null };
      }
    }
    let tile;
    try {
      tile = tiles.readTile(layerId, tilePath);
    } catch (error) {
      if (error instanceof StoreyError && error.code === 'DAMAGED') {
        options.onDamaged?.(error);
        return plain(500, `${error.message} It is not served; re-import the layer or restore a copy of the project.`);
      }
      throw error;
    }
    if (!tile) return plain(404, `Layer ${layerId} has no tile ${tilePath}.`);
    const layer = tilePath === 'layer.json' ? tiles.getLayer(layerId) : undefined;
    const cut = layerJsonWithinZooms(layer, tile.bytes);
    const body = cut ?? tile.bytes;
    const headers: Record<string, string> = {
      'Content-Type': contentType(tilePath, body),
      'Content-Length': String(body.length),
      // A cut layer.json is not the stored bytes: its tag says to which level, so it never passes for them.
      ETag: cut ? `"${tile.sha256}-z${layer!.maxZoom}"` : `"${tile.sha256}"`,
      'Cache-Control': cacheControl,
      'X-Content-Type-Options': 'nosniff',
    };
    // Terrain is often stored gzipped: the bytes go out as stored and the browser inflates them.
    if (isGzip(body) && extensionOf(tilePath) !== 'gz') headers['Content-Encoding'] = 'gzip';
    const response = { status: 200, headers, body };
    cache?.set(key, response);
    return response;
  };
}

/** A tile store that follows whichever project is open (one store, with its prepared statements, per project). */
export function projectTileStore(currentProject: () => ProjectFile | undefined): () => TileStore | undefined {
  const stores = new WeakMap<ProjectFile, TileStore>();
  return () => {
    const project = currentProject();
    if (!project || !project.db.open) return undefined;
    let store = stores.get(project);
    if (!store) stores.set(project, (store = new TileStore(project)));
    return store;
  };
}

/**
 * The same answer with gzipped bytes inflated, for transports that do not decode Content-Encoding themselves (a custom
 * protocol handler in Electron is not an HTTP stack, so the page would get the raw gzip bytes).
 */
export function withoutContentEncoding(response: HandlerResponse): HandlerResponse {
  if (response.headers['Content-Encoding'] !== 'gzip' || !response.body) return response;
  const body = gunzipSync(response.body);
  const headers: Record<string, string> = { ...response.headers, 'Content-Length': String(body.length) };
  delete headers['Content-Encoding'];
  return { ...response, headers, body };
}
