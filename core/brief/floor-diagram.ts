/**
 * An exploded view of a building's storeys drawn as vectors: each floor a slab of the building's footprint at its
 * own height, pulled apart so every floor can be seen, in an isometric view from the south-west, labelled with its
 * floor label and unit count. Needs only the footprint and the floor records: no 3D renderer.
 */
import type { FloorSummary } from '../../common/contract.js';
import { ink, label, type Doc } from './document.js';
import type { Box } from './paper.js';

type Point3 = [number, number, number];

const COS30 = Math.cos(Math.PI / 6);
const SIN30 = 0.5;

/** Footprint rings ([lon, lat, lon, lat, ...] in degrees) to metres east/north of their mean point. */
export function localRings(polygons: number[][][]): Array<Array<[number, number]>> {
  const outer = polygons.map((p) => p[0]!).filter((r) => r.length >= 6);
  let lon0 = 0;
  let lat0 = 0;
  let n = 0;
  for (const ring of outer) {
    for (let i = 0; i < ring.length; i += 2) {
      lon0 += ring[i]!;
      lat0 += ring[i + 1]!;
      n++;
    }
  }
  if (n === 0) return [];
  lon0 /= n;
  lat0 /= n;
  const metresPerDegreeLat = 111_320;
  const metresPerDegreeLon = metresPerDegreeLat * Math.cos((lat0 * Math.PI) / 180);
  return outer.map((ring) => {
    const points: Array<[number, number]> = [];
    for (let i = 0; i < ring.length; i += 2) points.push([(ring[i]! - lon0) * metresPerDegreeLon, (ring[i + 1]! - lat0) * metresPerDegreeLat]);
    const [first, last] = [points[0]!, points[points.length - 1]!];
    if (points.length > 3 && first[0] === last[0] && first[1] === last[1]) points.pop();
    return points;
  });
}

const project = ([x, y, z]: Point3): [number, number] => [(x - y) * COS30, -(x + y) * SIN30 - z];

/** Slab colours from the ground up; basements darker. */
function slabColors(levelIndex: number): { top: string; side: string } {
  if (levelIndex < 0) return { top: '#9aa5b1', side: '#6c7782' };
  const tops = ['#cfe3f1', '#b7d4ea', '#a0c5e2', '#8ab6da'];
  const top = tops[levelIndex % tops.length]!;
  return { top, side: '#5f86a6' };
}

/**
 * Draws the exploded storeys into the box. Floors without heights stack at 3 m each. Returns false (and draws a
 * note instead) when there is no footprint or no floor to draw.
 */
export function drawFloorDiagram(doc: Doc, box: Box, polygons: number[][][] | null, floors: FloorSummary[]): boolean {
  doc.rect(box.x, box.y, box.width, box.height).lineWidth(0.5).strokeColor(ink.rule).stroke();
  const rings = polygons ? localRings(polygons) : [];
  if (rings.length === 0 || floors.length === 0) {
    label(doc, rings.length === 0 ? 'No footprint in the project: no floor picture.' : 'No floors registered for this building.', box.x + 8, box.y + box.height / 2 - 5, { color: ink.muted, width: box.width - 16 });
    return false;
  }
  const ordered = [...floors].sort((a, b) => a.levelIndex - b.levelIndex);
  const slabHeights = ordered.map((f) => (f.heightMeters && f.heightMeters > 0.5 ? f.heightMeters : 3));
  const extent = Math.max(...rings.flat().map(([x, y]) => Math.hypot(x, y)), 5);
  // Pull floors apart by a share of the building's size so gaps read at any footprint size.
  const gap = Math.max(2, extent * 0.35);
  const thickness = Math.max(0.6, extent * 0.04);
  let z = 0;
  const slabs = ordered.map((floor, i) => {
    const base = z;
    z += slabHeights[i]! * 0.25 + gap;
    return { floor, base };
  });

  // Fit every projected vertex (tops and bottoms of all slabs) into the box, leaving room for labels on the right.
  const all: Array<[number, number]> = [];
  for (const slab of slabs) for (const ring of rings) for (const [x, y] of ring) all.push(project([x, y, slab.base]), project([x, y, slab.base + thickness]));
  const minX = Math.min(...all.map((p) => p[0]));
  const maxX = Math.max(...all.map((p) => p[0]));
  const minY = Math.min(...all.map((p) => p[1]));
  const maxY = Math.max(...all.map((p) => p[1]));
  const labelRoom = 110;
  const pad = 14;
  const scale = Math.min((box.width - labelRoom - 2 * pad) / (maxX - minX || 1), (box.height - 2 * pad) / (maxY - minY || 1));
  const offsetX = box.x + pad + (box.width - labelRoom - 2 * pad - (maxX - minX) * scale) / 2;
  const offsetY = box.y + pad + (box.height - 2 * pad - (maxY - minY) * scale) / 2;
  const toPage = (p: Point3): [number, number] => {
    const [px, py] = project(p);
    return [offsetX + (px - minX) * scale, offsetY + (py - minY) * scale];
  };
  const polygon = (points: Array<[number, number]>, fill: string) => {
    doc.moveTo(points[0]![0], points[0]![1]);
    for (const p of points.slice(1)) doc.lineTo(p[0], p[1]);
    doc.closePath().lineWidth(0.5).fillColor(fill).strokeColor('#2f4858').fillAndStroke();
  };
  const labelX = box.x + box.width - labelRoom + 6;

  for (const { floor, base } of slabs) {
    const colors = slabColors(floor.levelIndex);
    const top = base + thickness;
    // Side faces, farthest first (larger x+y is farther away in this view), then the top face over them.
    const faces: Array<{ depth: number; points: Array<[number, number]> }> = [];
    for (const ring of rings) {
      ring.forEach((a, i) => {
        const b = ring[(i + 1) % ring.length]!;
        faces.push({
          depth: a[0] + a[1] + b[0] + b[1],
          points: [toPage([a[0], a[1], base]), toPage([b[0], b[1], base]), toPage([b[0], b[1], top]), toPage([a[0], a[1], top])],
        });
      });
    }
    faces.sort((p, q) => q.depth - p.depth);
    for (const face of faces) polygon(face.points, colors.side);
    for (const ring of rings) polygon(ring.map(([x, y]) => toPage([x, y, top])), colors.top);

    // Leader from the slab's right-most corner to its label.
    const rightMost = rings.flat().map(([x, y]) => toPage([x, y, top])).reduce((p, q) => (q[0] > p[0] ? q : p));
    doc.moveTo(rightMost[0] + 2, rightMost[1]).lineTo(labelX - 3, rightMost[1]).lineWidth(0.4).strokeColor(ink.line).dash(1.5, { space: 1.5 }).stroke().undash();
    label(doc, `${floor.label}  ·  ${floor.unitCount} unit${floor.unitCount === 1 ? '' : 's'}`, labelX, rightMost[1] - 4.5, { size: 8, width: labelRoom - 8 });
  }
  label(doc, 'Exploded storeys, seen from the south-west (not to scale vertically)', box.x + 6, box.y + box.height - 12, { size: 6.5, color: ink.muted, width: box.width - 12 });
  return true;
}
