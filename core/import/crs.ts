/**
 * Coordinate reference systems: names as files spell them (EPSG:25832, urn:ogc:def:crs:EPSG::28992, OGC URLs,
 * CRS84) to proj4 transforms into WGS 84 longitude/latitude. Heights pass through unchanged, in metres.
 */
import proj4 from 'proj4';
import { StoreyError } from '../../common/errors.js';

const definitions: Record<number, string> = {
  4326: '+proj=longlat +datum=WGS84 +no_defs',
  4258: '+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs',
  3857: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
  // Amersfoort / RD New, with the 7-parameter shift to WGS 84 (good to about a metre without the RDNAPTRANS grid).
  28992:
    '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs',
  // Danish DKTM/System 34 are rare in registers; UTM on ETRS89 is what BBR and GeoDanmark use.
};

// ETRS89 / UTM zones 28N–38N (EPSG:25828–25838) and WGS 84 / UTM north and south (EPSG:32601–32660, 32701–32760).
for (let zone = 28; zone <= 38; zone++) definitions[25800 + zone] = `+proj=utm +zone=${zone} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;
for (let zone = 1; zone <= 60; zone++) {
  definitions[32600 + zone] = `+proj=utm +zone=${zone} +datum=WGS84 +units=m +no_defs`;
  definitions[32700 + zone] = `+proj=utm +zone=${zone} +south +datum=WGS84 +units=m +no_defs`;
}

/** Compound systems (horizontal + vertical): the horizontal part transforms, heights stay as they are. */
const compoundToHorizontal: Record<number, number> = {
  7415: 28992, // Amersfoort / RD New + NAP height
  5972: 25832, // ETRS89 / UTM 32N + NN2000 height
  7416: 25832, // ETRS89 / UTM 32N + DVR90 height
  7417: 25833, // ETRS89 / UTM 33N + DVR90 height
};

export function supportedEpsgCodes(): number[] {
  return [...Object.keys(definitions).map(Number), ...Object.keys(compoundToHorizontal).map(Number)].sort((a, b) => a - b);
}

/** Reads an EPSG code out of the usual spellings; null when the text names no EPSG code. */
export function parseCrsName(name: string): number | null {
  const text = name.trim();
  if (/^(urn:ogc:def:crs:OGC:(1\.3)?:CRS84|CRS84|OGC:CRS84|http:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84)$/i.test(text)) return 4326;
  const match =
    /^EPSG:\s*(\d+)$/i.exec(text) ??
    /^urn:ogc:def:crs:EPSG:[\d.]*:(\d+)$/i.exec(text) ??
    /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[\d.]+\/(\d+)$/i.exec(text);
  return match ? Number(match[1]) : null;
}

export type Transform = (x: number, y: number) => [number, number];

/**
 * A function from the named CRS to WGS 84 lon/lat degrees. Throws BAD_ARGUMENT naming the CRS and where it came
 * from when Storey does not know it.
 */
export function transformToWgs84(crsName: string, where: string): Transform {
  const code = parseCrsName(crsName);
  if (code === null) throw new StoreyError('BAD_ARGUMENT', `${where}: "${crsName}" is not a coordinate reference system Storey can read (expected e.g. EPSG:25832).`);
  const horizontal = compoundToHorizontal[code] ?? code;
  const definition = definitions[horizontal];
  if (!definition) {
    throw new StoreyError('BAD_ARGUMENT', `${where}: EPSG:${code} is not supported; Storey knows EPSG:4326, 3857, 28992, 7415, 25828–25838 and the WGS 84 UTM zones.`);
  }
  if (horizontal === 4326) return (x, y) => [x, y];
  const converter = proj4(definition, definitions[4326]!);
  const direct = directInverse(definition);
  if (direct) return direct;
  return (x, y) => converter.forward([x, y]) as [number, number];
}

/** The parts of a proj4 projection object the direct path reads (proj4's typings do not describe them). */
interface ProjectionInternals {
  projName?: string;
  to_meter?: number;
  from_greenwich?: number;
  axis?: string;
  datum?: { datum_type: number; a: number; es: number };
  inverse(point: { x: number; y: number }): { x: number; y: number } | null | undefined;
}

/** proj4's "WGS 84 or equivalent" datum type, and its tolerance for GRS 80 and WGS 84 being the same ellipsoid. */
const PJD_WGS84 = 4;
const SAME_ELLIPSOID_ES = 0.00000000005;
const R2D = 57.29577951308232; // proj4's R2D, the same double

/**
 * For projections on WGS 84 or an equivalent datum (ETRS89 and WGS 84 UTM, Web Mercator), proj4's transform to
 * WGS 84 degrees is the projection's inverse and a scaling to degrees; its general path around that (a point object
 * per call, sanity checks, a datum comparison) costs more than the mathematics on a footprint's vertices. This calls
 * the inverse directly, with the same arithmetic, so the results are the same numbers; any other case (datum shifts,
 * grids, unit or meridian changes) returns null and goes through proj4.
 */
function directInverse(definition: string): Transform | null {
  const source = proj4.Proj(definition) as unknown as ProjectionInternals;
  const target = proj4.Proj(definitions[4326]!) as unknown as ProjectionInternals;
  const plain = (p: ProjectionInternals) => !p.to_meter && !p.from_greenwich && (p.axis === undefined || p.axis === 'enu');
  if (source.projName === 'longlat' || !plain(source) || !plain(target) || typeof source.inverse !== 'function') return null;
  const a = source.datum;
  const b = target.datum;
  if (!a || !b || a.datum_type !== PJD_WGS84 || b.datum_type !== PJD_WGS84 || a.a !== b.a || Math.abs(a.es - b.es) > SAME_ELLIPSOID_ES) return null;
  return (x, y) => {
    const p = source.inverse({ x, y });
    return p ? [p.x * R2D, p.y * R2D] : [NaN, NaN];
  };
}
