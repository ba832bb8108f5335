/**
 * Test support for sync: a throwaway CA with server and client certificates (openssl), content hashes of a project
 * to compare with the server's area, a cutting TCP proxy and a proxy that injects faults per connection.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { importTiles } from '../../core/tiles/import-tiles.js';
import { sharedData } from '../support/shared-data.js';
import type { Area } from '../../core/sync/area.js';
import { recordTables, rowToJson } from '../../core/sync/wire.js';
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';

/**
 * A master as the tests' servers serve it: the Danish BBR records and the Geography Class imagery (and, with
 * `terrain`, the Heuvelrug terrain), not yet captured as a generation.
 */
export async function createDanishMaster(path: string, options: { terrain?: boolean } = {}): Promise<ProjectFile> {
  const master = ProjectFile.create(path, { name: 'Master' });
  await importRegistry(master, loadProfile(join(findPackageRoot(import.meta.dirname), 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
  await importTiles(master, sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles'));
  if (options.terrain) await importTiles(master, sharedData('nl-heuvelrug-terrain', 'tiles'));
  return master;
}

export interface Certificates {
  caPath: string;
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCertPath: string;
  clientKeyPath: string;
  /** A CA that signed nothing here: trusting only it, a client must refuse the server. */
  rogueCaPath: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCertificates(dir: string): Certificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Storey Test CA']);
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=Rogue CA']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  openssl(dir, ['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=analyst laptop']);
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2']);
  return {
    caPath: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem')),
    serverCert: readFileSync(join(dir, 'server.pem')),
    serverKey: readFileSync(join(dir, 'server.key')),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    rogueCaPath: join(dir, 'rogue.pem'),
  };
}

/**
 * A TCP proxy in front of the server that cuts every connection once `budget` bytes in total have gone from the
 * server to the client (a VPN dropping mid-transfer); the budget can be set while a transfer runs. The TLS session runs through it end to end.
 */
export async function cuttingProxy(targetPort: number, budget = Infinity): Promise<{ port: number; forwarded: () => number; setBudget: (bytes: number) => void; close: () => Promise<void> }> {
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      const room = budget - forwarded;
      if (room <= 0) return cut();
      const part = d.length > room ? d.subarray(0, room) : d;
      forwarded += part.length;
      client.write(part);
      if (part.length < d.length) cut();
    });
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    forwarded: () => forwarded,
    setBudget: (bytes: number) => {
      budget = bytes;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Registry rows (without fid) and tiles of a project, keyed; `area` restricts the master to what a token sees. */
export function content(project: ProjectFile, area?: Area): Map<string, string> {
  const db = project.db;
  const out = new Map<string, string>();
  let inArea: Set<string> | undefined;
  if (area) {
    inArea = new Set(db.prepare(`SELECT b.registry_id FROM buildings b JOIN rtree_buildings_footprint r ON r.id = b.fid
      WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?`).pluck().all(area.west, area.east, area.south, area.north) as string[]);
  }
  const pointIn = new Set(area ? db.prepare(`SELECT a.registry_id FROM addresses a JOIN rtree_addresses_geom r ON r.id = a.fid
      WHERE r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?`).pluck().all(area.west, area.east, area.south, area.north) as string[] : []);
  const buildings = new Set(db.prepare(`SELECT registry_id FROM buildings`).pluck().all() as string[]);
  for (const tbl of recordTables) {
    for (const row of db.prepare(`SELECT * FROM ${tbl}`).all() as Array<Record<string, unknown>>) {
      const id = String(row['registry_id']);
      const building = tbl === 'buildings' ? id : (row['building_id'] as string | null);
      if (inArea) {
        const seen = building && buildings.has(building) ? inArea.has(building) : tbl === 'addresses' && pointIn.has(id);
        if (!seen) continue;
      }
      out.set(`${tbl}/${id}`, JSON.stringify(rowToJson(row)));
    }
  }
  // The buildings tileset is each side's own, derived from its records (the server never sends it).
  const layers = db.prepare(`SELECT id, settings FROM storey_layers WHERE NOT (name = ? AND kind = '3dtiles')`).all(BUILDINGS_TILESET_NAME) as Array<{ id: string; settings: string }>;
  for (const layer of layers) {
    const e = (JSON.parse(layer.settings) as { extent: { westDegrees: number; southDegrees: number; eastDegrees: number; northDegrees: number } | null }).extent;
    if (area && e && !(e.eastDegrees >= area.west && e.westDegrees <= area.east && e.northDegrees >= area.south && e.southDegrees <= area.north)) continue;
    for (const t of db.prepare(`SELECT tile_path, sha256 FROM storey_tiles WHERE layer_id = ?`).all(layer.id) as Array<{ tile_path: string; sha256: string }>) {
      out.set(`tile/${layer.id}/${t.tile_path}`, t.sha256);
    }
  }
  return out;
}

export function assertSameContent(actual: Map<string, string>, expected: Map<string, string>, where = ''): void {
  assert.equal(actual.size, expected.size, `${where}same number of records and tiles`);
  for (const [key, value] of expected) assert.equal(actual.get(key), value, `${where}${key} differs`);
}

/** A small seeded generator (mulberry32): a failing run is replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What the line does to one connection, in one direction ('down' = server to client), once `atByte` bytes have
 * passed that way: cut it, stall it for good (bytes stop, the socket stays open), pause it for `pauseMs` and go on
 * (a slow VPN that recovers), or flip one byte (TLS notices and drops the connection).
 */
export type Fault =
  | { kind: 'none' }
  | { kind: 'cut' | 'stall' | 'flip'; direction: 'down' | 'up'; atByte: number }
  | { kind: 'pause'; direction: 'down' | 'up'; atByte: number; pauseMs: number };

export interface FaultProxy {
  port: number;
  /** Faults that actually struck (a connection that ended before its byte offset was spared). */
  struck: Record<'cut' | 'stall' | 'flip' | 'pause', number>;
  connections: () => number;
  close: () => Promise<void>;
}

/** A TCP proxy in front of the server that gives each new connection the fault `faultFor` picks for it. */
export async function faultProxy(targetPort: number, faultFor: (connection: number) => Fault): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const struck = { cut: 0, stall: 0, flip: 0, pause: 0 };
  let connections = 0;
  const server: Server = createServer((client) => {
    const fault = faultFor(connections++);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let ended = false;
    const cut = () => {
      ended = true;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    const pipe = (from: Socket, to: Socket, direction: 'down' | 'up') => {
      let passed = 0;
      let stalled = false;
      from.on('data', (chunk: Buffer) => {
        if (ended || stalled) return;
        if (fault.kind === 'none' || fault.direction !== direction || passed + chunk.length <= fault.atByte || passed > fault.atByte) {
          passed += chunk.length;
          to.write(chunk);
          return;
        }
        const offset = fault.atByte - passed;
        passed += chunk.length;
        struck[fault.kind]++;
        if (fault.kind === 'flip') {
          const changed = Buffer.from(chunk);
          changed[offset] = changed[offset]! ^ 0x5a;
          to.write(changed);
        } else if (fault.kind === 'cut') {
          stalled = true;
          to.write(chunk.subarray(0, offset), cut);
        } else if (fault.kind === 'stall') {
          to.write(chunk.subarray(0, offset));
          stalled = true;
        } else {
          to.write(chunk.subarray(0, offset));
          client.pause();
          upstream.pause();
          setTimeout(() => {
            if (ended) return;
            to.write(chunk.subarray(offset));
            client.resume();
            upstream.resume();
          }, fault.kind === 'pause' ? fault.pauseMs : 0);
        }
      });
    };
    pipe(upstream, client, 'down');
    pipe(client, upstream, 'up');
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    struck,
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
