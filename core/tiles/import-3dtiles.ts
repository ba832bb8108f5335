/**
 * 3D Tiles from a folder (tileset.json + content files, external tilesets), a .3tz archive (zip) or a .3dtiles
 * package (SQLite, table media(key, content)). Every file is stored under its path relative to the tileset root, so
 * the relative URIs inside tileset JSON keep working when served from the project. After the files are in, the
 * tileset's explicit content references are checked: a tileset pointing at a file that is not there is refused.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import yauzl from 'yauzl';
import { StoreyError } from '../../common/errors.js';
import { isGzip, isSafeTilePath, type LayerFacts, type LayerWriter } from './tile-store.js';
import { extensionOf, threeDTilesExtensions } from './tile-format.js';
import { tilesetExtent } from './tileset-extent.js';
import type { ProgressCallback } from './import-tiles.js';

function badInput(source: string, message: string): StoreyError {
  return new StoreyError('BAD_INPUT', `${source}: ${message}; nothing was imported.`);
}

/** Collects what the writer stored, so the tileset references can be checked at the end. */
class TilesetCollector {
  readonly paths = new Set<string>();
  readonly jsons = new Map<string, Buffer>();
  done = 0;

  constructor(
    private readonly writer: LayerWriter,
    readonly source: string,
    private readonly total: number,
    private readonly onProgress?: ProgressCallback,
  ) {}

  add(path: string, bytes: Buffer): void {
    this.writer.add(path, bytes, this.source);
    this.paths.add(path);
    if (extensionOf(path) === 'json') this.jsons.set(path, bytes);
    this.done += 1;
    this.onProgress?.({ done: this.done, total: this.total, detail: this.source });
  }

  /** Follows the root tileset and its external tilesets; every explicit content URI must be a stored file. */
  finish(root: string): LayerFacts {
    const rootBytes = this.jsons.get(root);
    if (!rootBytes) throw badInput(this.source, `has no ${root} at its top level`);
    const rootJson = this.parse(root);
    const seen = new Set<string>();
    const visit = (path: string, json: TilesetJson) => {
      if (seen.has(path)) return;
      seen.add(path);
      if (typeof json.asset?.version !== 'string') throw badInput(this.source, `${path} has no asset.version, so it is not a 3D Tiles tileset`);
      const dir = posix.dirname(path);
      for (const uri of contentUris(json.root)) {
        if (/^data:/i.test(uri)) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) throw badInput(this.source, `${path} refers to ${uri}, outside the tileset; Storey keeps tilesets self-contained`);
        if (uri.includes('{')) continue; // implicit tiling templates: their files came with the folder
        let decoded: string;
        try {
          decoded = decodeURIComponent(uri.split(/[?#]/)[0]!);
        } catch {
          throw badInput(this.source, `${path} has a malformed content URI ${uri}`);
        }
        const target = posix.normalize(posix.join(dir, decoded));
        if (!this.paths.has(target)) throw badInput(this.source, `${path} refers to ${uri}, which is not in the tileset`);
        if (extensionOf(target) === 'json') visit(target, this.parse(target));
      }
    };
    visit(root, rootJson);
    return {
      format: '3dtiles',
      encoding: 'identity',
      extent: tilesetExtent(rootJson),
      minZoom: null,
      maxZoom: null,
      attribution: '',
      source: this.source,
      root,
    };
  }

  private parse(path: string): TilesetJson {
    const bytes = this.jsons.get(path)!;
    try {
      const json = JSON.parse((isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8')) as TilesetJson;
      if (typeof json !== 'object' || json === null) throw new Error('not an object');
      return json;
    } catch (error) {
      throw badInput(this.source, `${path} is not valid JSON (${(error as Error).message})`);
    }
  }
}

export interface TilesetTile {
  boundingVolume?: { box?: number[]; region?: number[]; sphere?: number[] };
  transform?: number[];
  content?: { uri?: string; url?: string };
  contents?: Array<{ uri?: string }>;
  children?: TilesetTile[];
}

export interface TilesetJson {
  asset?: { version?: unknown };
  root?: TilesetTile;
}

function contentUris(tile: TilesetTile | undefined): string[] {
  const uris: string[] = [];
  const stack = tile ? [tile] : [];
  while (stack.length) {
    const t = stack.pop()!;
    const c = t.content?.uri ?? t.content?.url;
    if (typeof c === 'string') uris.push(c);
    for (const item of t.contents ?? []) if (typeof item.uri === 'string') uris.push(item.uri);
    if (Array.isArray(t.children)) stack.push(...t.children);
  }
  return uris;
}

/** The tileset file a folder or package starts from: tileset.json, or the one top-level JSON file there is. */
function pickRoot(paths: Iterable<string>, source: string): string {
  const top = [...paths].filter((p) => !p.includes('/') && extensionOf(p) === 'json');
  if (top.includes('tileset.json')) return 'tileset.json';
  if (top.length === 1) return top[0]!;
  throw badInput(source, top.length === 0 ? 'has no tileset.json' : `has several top-level JSON files (${top.join(', ')}) and no tileset.json`);
}

export function isTilesetFolder(path: string): boolean {
  try {
    return statSync(join(path, 'tileset.json')).isFile();
  } catch {
    return false;
  }
}

export function import3dTilesFolder(path: string, writer: LayerWriter, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  const files = (readdirSync(path, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath?: string; path?: string; isFile(): boolean }>)
    .filter((e) => e.isFile() && threeDTilesExtensions.has(extensionOf(e.name)))
    .map((e) => posix.join(...(e.parentPath ?? e.path ?? path).slice(path.length).split(/[\\/]/).filter(Boolean), e.name))
    .sort();
  const collector = new TilesetCollector(writer, source, files.length, onProgress);
  const root = pickRoot(files, source);
  for (const file of files) collector.add(file, readFileSync(join(path, file)));
  return collector.finish(root);
}

export function import3dTilesPackage(path: string, writer: LayerWriter, onProgress?: ProgressCallback): LayerFacts {
  const source = basename(path);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw badInput(source, `cannot be read as a .3dtiles package (${(error as Error).message})`);
  }
  try {
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'media'`).get()) throw badInput(source, 'has no "media" table, so it is not a .3dtiles package');
    const keys = db.prepare(`SELECT key FROM media`).pluck().all() as unknown[];
    const collector = new TilesetCollector(writer, source, keys.length, onProgress);
    const root = pickRoot(keys.filter((k): k is string => typeof k === 'string'), source);
    for (const [key, content] of db.prepare(`SELECT key, content FROM media ORDER BY key`).raw().iterate() as IterableIterator<[unknown, unknown]>) {
      if (typeof key !== 'string' || !isSafeTilePath(key)) throw badInput(source, `has an entry with the unusable key ${JSON.stringify(String(key).slice(0, 200))}`);
      if (!(content instanceof Uint8Array)) throw badInput(source, `entry ${key} holds no bytes`);
      collector.add(key, Buffer.from(content));
    }
    return collector.finish(root);
  } finally {
    db.close();
  }
}

/** A .3tz archive: a zip of the tileset folder (its @3dtilesIndex1@ lookup index is not needed here). */
export async function import3tz(path: string, writer: LayerWriter, onProgress?: ProgressCallback): Promise<LayerFacts> {
  const source = basename(path);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: true }, (error, file) =>
      error ? reject(badInput(source, `cannot be read as a .3tz (zip) archive (${error.message})`)) : resolve(file),
    ),
  );
  try {
    const collector = new TilesetCollector(writer, source, zip.entryCount, onProgress);
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (error: Error) => reject(badInput(source, `is a damaged zip archive (${error.message})`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (name.endsWith('/') || name === '@3dtilesIndex1@') {
          zip.readEntry();
          return;
        }
        if (!isSafeTilePath(name)) {
          reject(badInput(source, `has an entry with the unusable name ${JSON.stringify(name.slice(0, 200))}`));
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(badInput(source, `entry ${name} cannot be read (${error.message})`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e: Error) => reject(badInput(source, `entry ${name} is damaged (${e.message})`)));
          stream.on('end', () => {
            try {
              collector.add(name, Buffer.concat(chunks));
              zip.readEntry();
            } catch (e) {
              reject(e);
            }
          });
        });
      });
      zip.readEntry();
    });
    return collector.finish(pickRoot(collector.paths, source));
  } finally {
    zip.close();
  }
}
