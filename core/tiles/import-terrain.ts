/**
 * Cesium quantized-mesh terrain: a folder with layer.json and z/x/y.terrain tiles, gzipped or not. Tile bytes are kept
 * exactly as they were (the handler labels gzipped ones Content-Encoding: gzip); layer.json is kept too, unless it
 * points outside the project (absolute tile URLs, a parent layer), in which case a local copy replaces those parts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { StoreyError } from '../../common/errors.js';
import { isGzip, type LayerFacts, type LayerWriter } from './tile-store.js';
import { flipRow, geographicTmsExtent, TileRange } from './tile-math.js';
import type { ProgressCallback } from './import-tiles.js';

const LOCAL_TEMPLATE = '{z}/{x}/{y}.terrain?v={version}';
const NUMBER_DIR = /^\d{1,10}$/;
const TERRAIN_FILE = /^(\d{1,10})\.terrain$/;

interface LayerJson {
  format?: unknown;
  scheme?: unknown;
  tiles?: unknown;
  attribution?: unknown;
  parentUrl?: unknown;
  [key: string]: unknown;
}

function badInput(source: string, message: string): StoreyError {
  return new StoreyError('BAD_INPUT', `${source}: ${message}; nothing was imported.`);
}

function readLayerJson(path: string, source: string): { bytes: Buffer; json: LayerJson } {
  const bytes = readFileSync(path);
  let json: LayerJson;
  try {
    json = JSON.parse((isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8')) as LayerJson;
  } catch (error) {
    throw badInput(source, `layer.json is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badInput(source, 'layer.json is not a JSON object');
  if (typeof json.format !== 'string' || !json.format.startsWith('quantized-mesh')) {
    throw badInput(source, `layer.json has format ${JSON.stringify(json.format)}; Storey imports quantized-mesh terrain`);
  }
  return { bytes, json };
}

function isLocalTemplate(template: unknown): boolean {
  return typeof template === 'string' && !/^[a-z][a-z0-9+.-]*:|^\/|\.\./i.test(template) && template.includes('{z}');
}

export function isTerrainFolder(path: string): boolean {
  try {
    return statSync(join(path, 'layer.json')).isFile();
  } catch {
    return false;
  }
}

export function importTerrainFolder(path: string, writer: LayerWriter, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  const layer = readLayerJson(join(path, 'layer.json'), source);
  const templates = Array.isArray(layer.json.tiles) ? layer.json.tiles : [];
  let layerBytes: Buffer = layer.bytes;
  if (!templates.every(isLocalTemplate) || templates.length === 0 || layer.json.parentUrl !== undefined) {
    // Cesium would fetch these from the network; the copy in the project points at its own tiles instead.
    const local = { ...layer.json, tiles: [LOCAL_TEMPLATE] };
    delete local.parentUrl;
    layerBytes = Buffer.from(JSON.stringify(local, null, 2));
  }
  const tms = layer.json.scheme !== 'slippyMap';
  const found: Array<{ zoom: number; x: number; y: number; file: string }> = [];
  for (const z of readdirSync(path, { withFileTypes: true })) {
    if (!z.isDirectory() || !NUMBER_DIR.test(z.name)) continue;
    for (const x of readdirSync(join(path, z.name), { withFileTypes: true })) {
      if (!x.isDirectory() || !NUMBER_DIR.test(x.name)) continue;
      for (const y of readdirSync(join(path, z.name, x.name), { withFileTypes: true })) {
        const match = TERRAIN_FILE.exec(y.name);
        if (y.isFile() && match) found.push({ zoom: Number(z.name), x: Number(x.name), y: Number(match[1]), file: `${z.name}/${x.name}/${y.name}` });
      }
    }
  }
  if (found.length === 0) throw badInput(source, 'has layer.json but no z/x/y.terrain tiles');
  writer.add('layer.json', layerBytes, source);
  const range = new TileRange();
  let done = 0;
  for (const t of found) {
    if (t.zoom > 30 || t.x >= 2 ** (t.zoom + 1) || t.y >= 2 ** t.zoom) throw badInput(source, `${t.file} lies outside the zoom ${t.zoom} terrain grid`);
    const bytes = readFileSync(join(path, t.file));
    if (bytes.length < 88 && !isGzip(bytes)) throw badInput(source, `${t.file} is too short (${bytes.length} bytes) to be a quantized-mesh tile`);
    writer.add(t.file, bytes, source);
    range.add(t.zoom, t.x, tms ? t.y : flipRow(t.zoom, t.y));
    done += 1;
    onProgress?.({ done, total: found.length, detail: source });
  }
  return {
    format: 'quantized-mesh',
    encoding: writer.gzipped === 0 ? 'identity' : writer.gzipped === found.length ? 'gzip' : 'mixed',
    extent: range.extent(geographicTmsExtent),
    minZoom: range.minZoom,
    maxZoom: range.maxZoom,
    attribution: typeof layer.json.attribution === 'string' ? layer.json.attribution : '',
    source,
    root: 'layer.json',
  };
}
