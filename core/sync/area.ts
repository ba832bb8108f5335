/** Areas are W,S,E,N boxes in WGS 84 degrees; sync sends what meets them (by envelope). */
import { StoreyError } from '../../common/errors.js';

export interface Area {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Parses "W,S,E,N"; `what` names the option or parameter in the error. */
export function parseArea(text: string, what: string): Area {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw new StoreyError('BAD_ARGUMENT', `${what} must be W,S,E,N in degrees (four numbers), not "${text}".`);
  }
  const [west, south, east, north] = parts as [number, number, number, number];
  if (west >= east || south >= north || west < -180 || east > 180 || south < -90 || north > 90) {
    throw new StoreyError('BAD_ARGUMENT', `${what} "${text}" is not a box: west < east and south < north, within ±180/±90.`);
  }
  return { west, south, east, north };
}

export function formatArea(area: Area): string {
  return `${area.west},${area.south},${area.east},${area.north}`;
}

/** The common part of two areas (null = everything), or undefined when they do not meet. */
export function intersectAreas(a: Area | null, b: Area | null): Area | null | undefined {
  if (!a) return b;
  if (!b) return a;
  const out = { west: Math.max(a.west, b.west), south: Math.max(a.south, b.south), east: Math.min(a.east, b.east), north: Math.min(a.north, b.north) };
  return out.west <= out.east && out.south <= out.north ? out : undefined;
}

export interface Envelope {
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
}

export function envelopeMeets(env: Envelope | null, area: Area | null): boolean {
  if (!area) return true;
  if (!env) return false;
  return env.maxx >= area.west && env.minx <= area.east && env.maxy >= area.south && env.miny <= area.north;
}

export function unionEnvelopes(a: Envelope | null, b: Envelope | null): Envelope | null {
  if (!a) return b;
  if (!b) return a;
  return { minx: Math.min(a.minx, b.minx), miny: Math.min(a.miny, b.miny), maxx: Math.max(a.maxx, b.maxx), maxy: Math.max(a.maxy, b.maxy) };
}
