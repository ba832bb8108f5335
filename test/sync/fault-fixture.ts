/**
 * A small master for the fault and kill tests: the Danish records (a workstation syncs central Odense: 127 buildings
 * with their floors, units and addresses), the world PNG layer and 160 generated tiles over Odense, half of them
 * compressible (sent with br) and half JPEG-like (sent as they are). Generation 1 is captured; `nextGeneration`
 * then edits, deletes and adds records and tiles inside the area and captures generation 2.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import type { Area } from '../../core/sync/area.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { sha256Hex, TileStore } from '../../core/tiles/tile-store.js';
import { captureGeneration } from '../../server/capture.js';
import { createToken } from '../../server/tokens.js';
import { sharedData } from '../support/shared-data.js';
import { seededRandom } from './sync-support.js';

export const centralOdense: Area = { west: 10.36, south: 55.38, east: 10.41, north: 55.41 };

const root = findPackageRoot(import.meta.dirname);

function tileBytes(random: () => number, index: number): Buffer {
  const size = 1000 + Math.floor(random() * 5000);
  if (index % 2 === 0) return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size)]);
  // Text-like: compresses, so its batches travel as br.
  const words = Array.from({ length: size / 8 }, () => Math.floor(random() * 50).toString(36).padStart(6, 'x'));
  return Buffer.from(`{"tile":${index},"words":"${words.join(' ')}"}`);
}

export interface FaultMaster {
  master: ProjectFile;
  path: string;
  token: string;
  /** Edits, deletes and adds records and tiles in the area and captures generation 2. */
  nextGeneration: () => void;
}

export async function buildFaultMaster(dir: string, seed = 7): Promise<FaultMaster> {
  const random = seededRandom(seed);
  const path = join(dir, 'master.storey');
  const master = ProjectFile.create(path, { name: 'Master' });
  await importRegistry(master, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  await importTiles(master, sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'));
  let index = 0;
  await new TileStore(master).importLayer({ name: 'generated imagery', kind: 'imagery' }, (writer) => {
    for (; index < 160; index++) writer.add(`16/${35000 + (index % 16)}/${20000 + Math.floor(index / 16)}.bin`, tileBytes(random, index), 'generated');
    return { format: 'bin', encoding: 'identity', extent: { westDegrees: 10.37, southDegrees: 55.38, eastDegrees: 10.4, northDegrees: 55.4 }, minZoom: 16, maxZoom: 16, attribution: 'generated', source: 'generated' };
  });
  captureGeneration(master);
  const token = createToken(master, { name: 'faulty-line', area: centralOdense }).token;

  const nextGeneration = () => {
    const db = master.db;
    const inArea = db.prepare(`SELECT b.registry_id FROM buildings b JOIN rtree_buildings_footprint r ON r.id = b.fid
      WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ? ORDER BY b.registry_id`).pluck().all(centralOdense.west, centralOdense.east, centralOdense.south, centralOdense.north) as string[];
    const layer = db.prepare(`SELECT id FROM storey_layers WHERE name = 'generated imagery'`).pluck().get() as string;
    const tiles = db.prepare(`SELECT tile_path FROM storey_tiles WHERE layer_id = ? ORDER BY tile_path`).pluck().all(layer) as string[];
    master.transaction(() => {
      for (const id of inArea.slice(0, 12)) db.prepare(`UPDATE buildings SET name = 'Renamed ' || registry_id, year_built = 1950 WHERE registry_id = ?`).run(id);
      const units = db.prepare(`SELECT registry_id FROM units WHERE building_id IN (${inArea.map(() => '?').join(',')}) ORDER BY registry_id LIMIT 8`).pluck().all(...inArea) as string[];
      for (const id of units) db.prepare(`DELETE FROM units WHERE registry_id = ?`).run(id);
      const putTile = (tilePath: string, bytes: Buffer) => {
        const sha = sha256Hex(bytes);
        db.prepare(`INSERT OR IGNORE INTO storey_blobs (sha256, bytes) VALUES (?, ?)`).run(sha, bytes);
        db.prepare(`INSERT OR REPLACE INTO storey_tiles (layer_id, tile_path, sha256) VALUES (?, ?, ?)`).run(layer, tilePath, sha);
      };
      for (const tilePath of tiles.slice(0, 20)) putTile(tilePath, tileBytes(random, index++));
      for (const tilePath of tiles.slice(20, 30)) db.prepare(`DELETE FROM storey_tiles WHERE layer_id = ? AND tile_path = ?`).run(layer, tilePath);
      for (let i = 0; i < 20; i++) putTile(`17/${70000 + i}/${40000}.bin`, tileBytes(random, index++));
      db.exec(`DELETE FROM storey_blobs WHERE sha256 NOT IN (SELECT sha256 FROM storey_tiles)`);
    });
    captureGeneration(master);
  };
  return { master, path, token, nextGeneration };
}
