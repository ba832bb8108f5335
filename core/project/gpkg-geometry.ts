/**
 * GeoPackage geometry blobs (GeoPackageBinary header + little-endian WKB), for the polygons and points Storey keeps.
 * Only what the project file needs: 2D polygons, multipolygons and points in one SRS.
 */

/** A ring is a list of [x, y] pairs; a polygon is its outer ring followed by holes. */
export type Ring = Array<[number, number]>;
export type Polygon = Ring[];

const WKB_POINT = 1;
const WKB_POLYGON = 3;
const WKB_MULTIPOLYGON = 6;

interface Envelope {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

function headerSize(flags: number): number {
  const envelopeKind = (flags >> 1) & 0x07;
  const envelopeDoubles = [0, 4, 6, 6, 8][envelopeKind];
  if (envelopeDoubles === undefined) throw new Error(`invalid GeoPackage envelope indicator ${envelopeKind}`);
  return 8 + envelopeDoubles * 8;
}

function writeHeader(view: DataView, srsId: number, envelope: Envelope | null): number {
  view.setUint8(0, 0x47); // 'G'
  view.setUint8(1, 0x50); // 'P'
  view.setUint8(2, 0); // version 1
  // flags: little endian (bit 0), envelope kind 1 (xy) or 0, empty bit (4) when there is no envelope
  const flags = envelope ? 0b0000_0011 : 0b0001_0001;
  view.setUint8(3, flags);
  view.setInt32(4, srsId, true);
  if (!envelope) return 8;
  view.setFloat64(8, envelope.minX, true);
  view.setFloat64(16, envelope.maxX, true);
  view.setFloat64(24, envelope.minY, true);
  view.setFloat64(32, envelope.maxY, true);
  return 40;
}

function envelopeOf(polygons: Polygon[]): Envelope | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (const [x, y] of ring) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return minX <= maxX ? { minX, maxX, minY, maxY } : null;
}

function polygonByteLength(polygon: Polygon): number {
  let size = 1 + 4 + 4;
  for (const ring of polygon) size += 4 + ring.length * 16;
  return size;
}

function writePolygon(view: DataView, offset: number, polygon: Polygon): number {
  view.setUint8(offset, 1);
  view.setUint32(offset + 1, WKB_POLYGON, true);
  view.setUint32(offset + 5, polygon.length, true);
  offset += 9;
  for (const ring of polygon) {
    view.setUint32(offset, ring.length, true);
    offset += 4;
    for (const [x, y] of ring) {
      view.setFloat64(offset, x, true);
      view.setFloat64(offset + 8, y, true);
      offset += 16;
    }
  }
  return offset;
}

/** Encodes polygons as a GeoPackage MULTIPOLYGON blob (rings must be closed: first point repeated last). */
export function encodeMultiPolygon(polygons: Polygon[], srsId: number): Uint8Array {
  const envelope = envelopeOf(polygons);
  const headerBytes = envelope ? 40 : 8;
  let size = headerBytes + 1 + 4 + 4;
  for (const polygon of polygons) size += polygonByteLength(polygon);
  // Every byte is written below, so the memory need not be cleared. A blob of under 4 kB is a slice of Node's shared
  // buffer pool: no memory of its own to allocate, track and free per footprint (an import encodes thousands).
  const bytes = Buffer.allocUnsafe(size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  let offset = writeHeader(view, srsId, envelope);
  view.setUint8(offset, 1);
  view.setUint32(offset + 1, WKB_MULTIPOLYGON, true);
  view.setUint32(offset + 5, polygons.length, true);
  offset += 9;
  for (const polygon of polygons) offset = writePolygon(view, offset, polygon);
  return bytes;
}

export function encodePoint(x: number, y: number, srsId: number): Uint8Array {
  const bytes = new Uint8Array(40 + 21);
  const view = new DataView(bytes.buffer);
  const offset = writeHeader(view, srsId, { minX: x, maxX: x, minY: y, maxY: y });
  view.setUint8(offset, 1);
  view.setUint32(offset + 1, WKB_POINT, true);
  view.setFloat64(offset + 5, x, true);
  view.setFloat64(offset + 13, y, true);
  return bytes;
}

function asView(blob: Uint8Array): DataView {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new Error('not a GeoPackage geometry blob');
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** Reads a polygon or multipolygon blob back into polygons. */
export function decodePolygons(blob: Uint8Array): Polygon[] {
  const view = asView(blob);
  let offset = headerSize(view.getUint8(3));
  const readPolygon = (): Polygon => {
    const little = view.getUint8(offset) === 1;
    const type = view.getUint32(offset + 1, little);
    if (type !== WKB_POLYGON) throw new Error(`expected a WKB polygon, found type ${type}`);
    const ringCount = view.getUint32(offset + 5, little);
    offset += 9;
    const polygon: Polygon = [];
    for (let r = 0; r < ringCount; r++) {
      const pointCount = view.getUint32(offset, little);
      offset += 4;
      const ring: Ring = [];
      for (let p = 0; p < pointCount; p++) {
        ring.push([view.getFloat64(offset, little), view.getFloat64(offset + 8, little)]);
        offset += 16;
      }
      polygon.push(ring);
    }
    return polygon;
  };
  const little = view.getUint8(offset) === 1;
  const type = view.getUint32(offset + 1, little);
  if (type === WKB_POLYGON) return [readPolygon()];
  if (type !== WKB_MULTIPOLYGON) throw new Error(`expected a WKB (multi)polygon, found type ${type}`);
  const count = view.getUint32(offset + 5, little);
  offset += 9;
  const polygons: Polygon[] = [];
  for (let i = 0; i < count; i++) polygons.push(readPolygon());
  return polygons;
}

export function decodePoint(blob: Uint8Array): [number, number] {
  const view = asView(blob);
  const offset = headerSize(view.getUint8(3));
  const little = view.getUint8(offset) === 1;
  const type = view.getUint32(offset + 1, little);
  if (type !== WKB_POINT) throw new Error(`expected a WKB point, found type ${type}`);
  return [view.getFloat64(offset + 5, little), view.getFloat64(offset + 13, little)];
}

/**
 * The envelope in a blob's header, or null when it has none or is empty. These back the ST_* functions the
 * GeoPackage R-tree triggers call; GDAL registers the same names when it edits the file.
 */
export function blobEnvelope(blob: Uint8Array): Envelope | null {
  const view = asView(blob);
  const flags = view.getUint8(3);
  if (flags & 0b0001_0000) return null;
  if (((flags >> 1) & 0x07) === 0) {
    const polygons = (() => {
      try {
        return decodePolygons(blob);
      } catch {
        return null;
      }
    })();
    if (polygons) return envelopeOf(polygons);
    const [x, y] = decodePoint(blob);
    return { minX: x, maxX: x, minY: y, maxY: y };
  }
  const little = (flags & 1) === 1;
  return {
    minX: view.getFloat64(8, little),
    maxX: view.getFloat64(16, little),
    minY: view.getFloat64(24, little),
    maxY: view.getFloat64(32, little),
  };
}
