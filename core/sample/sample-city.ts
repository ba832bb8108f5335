/**
 * The embedded sample project: a synthetic district generated from a seed, so a fresh clone has a city to open and
 * tests have a project whose every number is known. Nothing here is real registry data, and the project says so.
 */
import type { Ring } from '../project/gpkg-geometry.js';
import { ProjectFile } from '../project/project-file.js';
import type {
  AddressRecord,
  BuildingRecord,
  FloorRecord,
  StairwellRecord,
  UnitRecord,
  UseCategory,
} from '../project/records.js';
import { RegistryStore } from '../project/registry-store.js';

export const SAMPLE_GENERATOR_VERSION = 1;
export const SAMPLE_SEED = 20261127;
/** Where the synthetic district sits (an open field's worth of coordinates; no real buildings are implied). */
export const SAMPLE_ORIGIN = { lonDegrees: 10.4, latDegrees: 55.4 };
export const SAMPLE_NAME = 'Sampleby district (synthetic sample)';
const POSTCODE = '9990';
const CITY = 'Sampleby';

export interface SampleCity {
  buildings: BuildingRecord[];
  floors: FloorRecord[];
  stairwells: StairwellRecord[];
  addresses: AddressRecord[];
  units: UnitRecord[];
}

/** mulberry32: small, fast and the same on every platform, which is all a sample needs. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min: number, max: number) => min + (max - min) * next(),
    int: (min: number, max: number) => Math.floor(min + (max - min + 1) * next()),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    uuid: () => {
      let hex = '';
      for (let i = 0; i < 4; i++) hex += Math.floor(next() * 0x100000000).toString(16).padStart(8, '0');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}
type Random = ReturnType<typeof createRandom>;

// Streets running north-south (columns) and east-west (rows); Danish letters on purpose, to exercise search.
const NS_STREETS = ['Ahornvej', 'Bøgegade', 'Kastanjealle', 'Mølledamsvej', 'Ågade', 'Enghavevej', 'Fjordvej', 'Hørgade'];
const EW_STREETS = ['Søndergade', 'Kirkestræde', 'Østre Allé', 'Lærkevej', 'Rosengårdsvej', 'Nørregade', 'Havnegade'];

const BLOCK_WIDTH_METERS = 104;
const BLOCK_DEPTH_METERS = 84;
const STREET_WIDTH_METERS = 18;
const COLUMNS = 7;
const ROWS = 6;
const GRID_ROTATION_RADIANS = (9 * Math.PI) / 180;
const EARTH_RADIUS_METERS = 6378137;

type BlockKind = 'perimeter' | 'towers' | 'villas' | 'industry' | 'school';

interface Lot {
  /** Corners in local metres, counter-clockwise. */
  corners: Array<[number, number]>;
  /** Where the entrance faces, for address points and the street name. */
  street: string;
  frontMid: [number, number];
  frontLengthMeters: number;
  kind: BlockKind;
  distance: number;
}

function toLonLat(x: number, y: number): [number, number] {
  const cos = Math.cos(GRID_ROTATION_RADIANS);
  const sin = Math.sin(GRID_ROTATION_RADIANS);
  const east = x * cos - y * sin;
  const north = x * sin + y * cos;
  const lat0 = (SAMPLE_ORIGIN.latDegrees * Math.PI) / 180;
  const lon = SAMPLE_ORIGIN.lonDegrees + (east / (EARTH_RADIUS_METERS * Math.cos(lat0))) * (180 / Math.PI);
  const lat = SAMPLE_ORIGIN.latDegrees + (north / EARTH_RADIUS_METERS) * (180 / Math.PI);
  // Round to ~1 cm so the stored coordinates are the same on every platform's floating point.
  return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
}

function rect(x0: number, y0: number, x1: number, y1: number): Array<[number, number]> {
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

function blockKind(column: number, row: number, distance: number, random: Random): BlockKind {
  if (column === 5 && row === 1) return 'school';
  if (distance < 1.3) return random.next() < 0.25 ? 'towers' : 'perimeter';
  if (distance < 2.6) return random.next() < 0.12 ? 'towers' : 'perimeter';
  if (row === 0 && column >= 4) return 'industry';
  return random.next() < 0.75 ? 'villas' : 'perimeter';
}

/** Splits [start, end] into lots of random widths. */
function splitSide(start: number, end: number, random: Random, minWidth: number, maxWidth: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let at = start;
  while (end - at >= minWidth) {
    let width = random.between(minWidth, maxWidth);
    if (end - (at + width) < minWidth) width = end - at;
    parts.push([at, at + width]);
    at += width;
  }
  return parts;
}

function lotsOfBlock(column: number, row: number, random: Random): Lot[] {
  const pitchX = BLOCK_WIDTH_METERS + STREET_WIDTH_METERS;
  const pitchY = BLOCK_DEPTH_METERS + STREET_WIDTH_METERS;
  const x0 = (column - COLUMNS / 2) * pitchX;
  const y0 = (row - ROWS / 2) * pitchY;
  const x1 = x0 + BLOCK_WIDTH_METERS;
  const y1 = y0 + BLOCK_DEPTH_METERS;
  const distance = Math.hypot(column + 0.5 - COLUMNS / 2, row + 0.5 - ROWS / 2);
  const kind = blockKind(column, row, distance, random);
  const west = NS_STREETS[column]!;
  const east = NS_STREETS[column + 1]!;
  const south = EW_STREETS[row]!;
  const north = EW_STREETS[row + 1]!;
  const lots: Lot[] = [];
  const lot = (corners: Array<[number, number]>, street: string, frontMid: [number, number], frontLengthMeters: number) =>
    lots.push({ corners, street, frontMid, frontLengthMeters, kind, distance });

  if (kind === 'perimeter') {
    const depth = random.between(11, 14);
    for (const [a, b] of splitSide(x0, x1, random, 14, 26)) {
      lot(rect(a, y0, b, y0 + depth), south, [(a + b) / 2, y0], b - a);
      lot(rect(a, y1 - depth, b, y1), north, [(a + b) / 2, y1], b - a);
    }
    for (const [a, b] of splitSide(y0 + depth, y1 - depth, random, 16, 30)) {
      lot(rect(x0, a, x0 + depth, b), west, [x0, (a + b) / 2], b - a);
      lot(rect(x1 - depth, a, x1, b), east, [x1, (a + b) / 2], b - a);
    }
  } else if (kind === 'towers') {
    for (const [cx, cy] of [[0.27, 0.3], [0.73, 0.3], [0.27, 0.72], [0.73, 0.72]] as const) {
      const size = random.between(18, 24);
      const x = x0 + cx * BLOCK_WIDTH_METERS;
      const y = y0 + cy * BLOCK_DEPTH_METERS;
      const street = cy < 0.5 ? south : north;
      lot(rect(x - size / 2, y - size / 2, x + size / 2, y + size / 2), street, [x, cy < 0.5 ? y - size / 2 : y + size / 2], size);
    }
  } else if (kind === 'villas') {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        if (random.next() < 0.12) continue;
        const w = random.between(9, 13);
        const d = random.between(8, 11);
        const x = x0 + 14 + i * 25 + random.between(-2, 2);
        const y = y0 + 14 + j * 27 + random.between(-2, 2);
        const street = j === 0 ? south : j === 2 ? north : i < 2 ? west : east;
        lot(rect(x - w / 2, y - d / 2, x + w / 2, y + d / 2), street, [x, j === 2 ? y + d / 2 : y - d / 2], w);
      }
    }
  } else if (kind === 'industry') {
    lot(rect(x0 + 6, y0 + 8, x0 + 52, y0 + 44), south, [x0 + 29, y0 + 8], 46);
    lot(rect(x0 + 60, y0 + 8, x1 - 6, y0 + 38), south, [x0 + 80, y0 + 8], 38);
    lot(rect(x0 + 10, y0 + 54, x0 + 70, y1 - 8), north, [x0 + 40, y1 - 8], 60);
  } else {
    // school: an L of two wings and a gym
    lot(rect(x0 + 8, y0 + 8, x0 + 78, y0 + 24), south, [x0 + 43, y0 + 8], 70);
    lot(rect(x0 + 8, y0 + 24, x0 + 24, y1 - 10), west, [x0 + 8, y0 + 50], 50);
    lot(rect(x0 + 50, y0 + 44, x1 - 10, y1 - 12), north, [x0 + 72, y1 - 12], 44);
  }
  return lots;
}

function polygonArea(corners: Array<[number, number]>): number {
  let area = 0;
  for (let i = 0; i < corners.length; i++) {
    const [xa, ya] = corners[i]!;
    const [xb, yb] = corners[(i + 1) % corners.length]!;
    area += xa * yb - xb * ya;
  }
  return Math.abs(area) / 2;
}

interface Program {
  category: UseCategory;
  useCode: string;
  useLabel: string;
  floorsAboveGround: number;
  basement: boolean;
  yearBuilt: number;
}

function programFor(lot: Lot, random: Random): Program {
  const year = (from: number, to: number) => random.int(from, to);
  switch (lot.kind) {
    case 'towers':
      return random.next() < 0.5
        ? { category: 'office', useCode: '321', useLabel: 'Office building', floorsAboveGround: random.int(8, 16), basement: true, yearBuilt: year(1968, 2021) }
        : { category: 'housing', useCode: '140', useLabel: 'Block of flats', floorsAboveGround: random.int(9, 14), basement: true, yearBuilt: year(1965, 2019) };
    case 'villas':
      return { category: 'housing', useCode: '120', useLabel: 'Detached house', floorsAboveGround: random.int(1, 2), basement: random.next() < 0.3, yearBuilt: year(1925, 2015) };
    case 'industry':
      return random.next() < 0.7
        ? { category: 'industry', useCode: '211', useLabel: 'Industrial building', floorsAboveGround: random.int(1, 2), basement: false, yearBuilt: year(1955, 2005) }
        : { category: 'garage', useCode: '218', useLabel: 'Parking garage', floorsAboveGround: random.int(2, 4), basement: false, yearBuilt: year(1970, 2010) };
    case 'school':
      return { category: 'public', useCode: '421', useLabel: 'School', floorsAboveGround: random.int(2, 3), basement: true, yearBuilt: year(1952, 1978) };
    case 'perimeter': {
      const central = lot.distance < 1.3;
      const floors = central ? random.int(4, 7) : random.int(3, 5);
      const yearBuilt = central ? year(1880, 1935) : year(1920, 1975);
      const roll = random.next();
      if (roll < (central ? 0.45 : 0.15)) {
        return { category: 'mixed', useCode: '140', useLabel: 'Flats above shops', floorsAboveGround: floors, basement: true, yearBuilt };
      }
      if (roll < (central ? 0.6 : 0.2)) {
        return { category: 'office', useCode: '321', useLabel: 'Office building', floorsAboveGround: floors, basement: true, yearBuilt };
      }
      if (roll < (central ? 0.66 : 0.24)) {
        return { category: 'retail', useCode: '322', useLabel: 'Shops', floorsAboveGround: Math.min(floors, 3), basement: true, yearBuilt };
      }
      return { category: 'housing', useCode: '140', useLabel: 'Block of flats', floorsAboveGround: floors, basement: random.next() < 0.7, yearBuilt };
    }
  }
}

const floorLabel = (levelIndex: number) => (levelIndex < 0 ? 'kl' : levelIndex === 0 ? 'st' : String(levelIndex));

/** The whole synthetic district as records, the same for the same seed on every machine. */
export function generateSampleCity(seed = SAMPLE_SEED): SampleCity {
  const random = createRandom(seed);
  const city: SampleCity = { buildings: [], floors: [], stairwells: [], addresses: [], units: [] };
  const nextHouseNumber = new Map<string, number>();

  for (let column = 0; column < COLUMNS; column++) {
    for (let row = 0; row < ROWS; row++) {
      for (const lot of lotsOfBlock(column, row, random)) {
        const program = programFor(lot, random);
        const buildingId = random.uuid();
        const ring: Ring = [...lot.corners, lot.corners[0]!].map(([x, y]) => toLonLat(x, y));
        const footprintArea = polygonArea(lot.corners);
        const levels: number[] = [];
        if (program.basement) levels.push(-1);
        for (let level = 0; level < program.floorsAboveGround; level++) levels.push(level);

        const storeyHeight = (level: number) =>
          level < 0 ? 2.6 : program.category === 'office' ? 3.6 : level === 0 && program.category !== 'housing' ? 4.2 : 3.0;
        const roofMeters = program.category === 'industry' ? 1.5 : program.floorsAboveGround <= 2 ? 2.5 : 1.0;
        let heightMeters = roofMeters;
        for (const level of levels) if (level >= 0) heightMeters += storeyHeight(level);
        if (program.category === 'industry') heightMeters += random.between(2, 5); // tall halls
        heightMeters = Math.round(heightMeters * 10) / 10;

        // Stairwells and their house-number addresses along the front.
        const stairwellCount = lot.kind === 'villas' ? 1 : Math.max(1, Math.round(lot.frontLengthMeters / 13));
        const houseNumbers: string[] = [];
        const stairwellIds: string[] = [];
        const accessAddressIds: string[] = [];
        for (let s = 0; s < stairwellCount; s++) {
          const number = (nextHouseNumber.get(lot.street) ?? 0) + 1 + (lot.street.length % 2);
          nextHouseNumber.set(lot.street, number + 1);
          const houseNumber = String(number);
          houseNumbers.push(houseNumber);
          const stairwellId = random.uuid();
          stairwellIds.push(stairwellId);
          if (lot.kind !== 'villas') {
            city.stairwells.push({
              registryId: stairwellId,
              buildingId,
              label: `${lot.street} ${houseNumber}`,
              hasElevator: program.floorsAboveGround >= 5,
            });
          }
          const [lon, lat] = toLonLat(lot.frontMid[0] + (s - (stairwellCount - 1) / 2) * 4, lot.frontMid[1]);
          const addressId = random.uuid();
          accessAddressIds.push(addressId);
          city.addresses.push({
            registryId: addressId,
            lonDegrees: lon,
            latDegrees: lat,
            buildingId,
            street: lot.street,
            houseNumber,
            postcode: POSTCODE,
            city: CITY,
            fullText: `${lot.street} ${houseNumber}, ${POSTCODE} ${CITY}`,
          });
        }

        let dwellings = 0;
        let base = 0;
        for (const level of levels) {
          const floorId = random.uuid();
          const label = floorLabel(level);
          const height = storeyHeight(level);
          const floorBase = level < 0 ? -height : base;
          if (level >= 0) base += height;
          city.floors.push({
            registryId: floorId,
            buildingId,
            levelIndex: level,
            label,
            baseHeightMeters: Math.round(floorBase * 10) / 10,
            heightMeters: height,
            areaSquareMeters: Math.round(footprintArea),
          });
          if (level < 0) continue; // basements hold storage, not units
          const ground = level === 0;
          let use: { code: string; label: string; perStairwell: number; dwelling: boolean };
          if (lot.kind === 'villas') use = { code: '120', label: 'Dwelling', perStairwell: level === 0 ? 1 : 0, dwelling: true };
          else if (program.category === 'housing') use = { code: '140', label: 'Flat', perStairwell: 2, dwelling: true };
          else if (program.category === 'mixed') use = ground ? { code: '322', label: 'Shop', perStairwell: 1, dwelling: false } : { code: '140', label: 'Flat', perStairwell: 2, dwelling: true };
          else if (program.category === 'retail') use = { code: '322', label: 'Shop', perStairwell: ground ? 2 : 1, dwelling: false };
          else if (program.category === 'office') use = { code: '321', label: 'Office', perStairwell: 1, dwelling: false };
          else if (program.category === 'public') use = { code: '421', label: 'Teaching', perStairwell: ground ? 2 : 1, dwelling: false };
          else use = { code: program.useCode, label: program.useLabel, perStairwell: ground ? 1 : 0, dwelling: false };

          const unitsOnFloor = use.perStairwell * stairwellCount;
          const doors = use.perStairwell === 2 ? ['tv', 'th'] : use.perStairwell === 1 ? [''] : [];
          for (let s = 0; s < stairwellCount; s++) {
            for (const door of doors) {
              const unitId = random.uuid();
              const area = Math.round((footprintArea * 0.85) / unitsOnFloor);
              const houseNumber = houseNumbers[s]!;
              let addressId = accessAddressIds[s]!;
              // Units above the ground floor, or with a door, get an address of their own, as in the Danish registry.
              if (!ground || door) {
                addressId = random.uuid();
                const floorText = ground ? 'st.' : `${label}.`;
                city.addresses.push({
                  registryId: addressId,
                  buildingId,
                  street: lot.street,
                  houseNumber,
                  floorLabel: label,
                  door: door || null,
                  postcode: POSTCODE,
                  city: CITY,
                  fullText: `${lot.street} ${houseNumber}, ${floorText}${door ? ' ' + door : ''}, ${POSTCODE} ${CITY}`,
                });
              }
              city.units.push({
                registryId: unitId,
                buildingId,
                floorId,
                stairwellId: lot.kind === 'villas' ? null : stairwellIds[s]!,
                addressId,
                useCode: use.code,
                useLabel: use.label,
                areaSquareMeters: area,
                rooms: use.dwelling ? Math.max(1, Math.min(7, Math.round(area / 24))) : null,
              });
              if (use.dwelling) dwellings++;
            }
          }
        }

        city.buildings.push({
          registryId: buildingId,
          footprint: [[ring]],
          address: `${lot.street} ${houseNumbers[0]}${houseNumbers.length > 1 ? '–' + houseNumbers[houseNumbers.length - 1] : ''}, ${POSTCODE} ${CITY}`,
          useCode: program.useCode,
          useLabel: program.useLabel,
          useCategory: program.category,
          yearBuilt: program.yearBuilt,
          floorCount: program.floorsAboveGround,
          dwellingCount: dwellings,
          floorAreaSquareMeters: Math.round(footprintArea * program.floorsAboveGround),
          groundHeightMeters: null,
          heightMeters,
          heightSource: 'floors',
          attributes: { roofType: program.floorsAboveGround <= 2 ? 'pitched' : 'flat' },
        });
      }
    }
  }
  return city;
}

/** Writes the sample district to a new project file at path (refuses to overwrite). */
export function createSampleProject(path: string, seed = SAMPLE_SEED): ProjectFile {
  const city = generateSampleCity(seed);
  const project = ProjectFile.create(path, {
    name: SAMPLE_NAME,
    description:
      'Synthetic sample data generated by Storey: the buildings, floors, units and addresses are invented and describe no real place.',
    synthetic: true,
  });
  try {
    project.transaction(() => {
      const store = new RegistryStore(project);
      store.bulk(() => {
        for (const building of city.buildings) store.putBuilding(building, true);
        for (const floor of city.floors) store.putFloor(floor, true);
        for (const stairwell of city.stairwells) store.putStairwell(stairwell, true);
        for (const address of city.addresses) store.putAddress(address, true);
        for (const unit of city.units) store.putUnit(unit, true);
      });
      store.refreshExtents();
      project.setMeta('sample_generator', `${SAMPLE_GENERATOR_VERSION}:${seed}`);
    });
  } catch (error) {
    project.close();
    throw error;
  }
  return project;
}
