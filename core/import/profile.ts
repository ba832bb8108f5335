/**
 * Import profiles: a small JSON file that tells Storey what each input file is, which columns are ids and join
 * keys, which attributes mean floors, heights, use and so on, and how codes read as labels. docs/import-profiles.md
 * documents every field; resources/profiles/ holds the shipped ones.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StoreyError } from '../../common/errors.js';
import { useCategories } from '../project/records.js';

export const inputKinds = ['footprints', 'buildings', 'floors', 'stairwells', 'units', 'addresses', 'groundHeights', 'cityModel'] as const;
export type InputKind = (typeof inputKinds)[number];

/** The roles a column can play, per kind of input. */
export const fieldRoles = {
  footprints: ['building', 'roofHeight', 'groundHeight'],
  buildings: ['name', 'address', 'use', 'yearBuilt', 'floorCount', 'dwellingCount', 'floorArea', 'roofHeight', 'groundHeight', 'height', 'groundHeightKey'],
  floors: ['building', 'label', 'level', 'area', 'height'],
  stairwells: ['building', 'label', 'elevator', 'houseNumberKey'],
  units: ['floor', 'stairwell', 'building', 'address', 'use', 'area', 'rooms'],
  addresses: ['text', 'street', 'houseNumber', 'floor', 'door', 'postcode', 'city', 'building', 'houseNumberKey', 'x', 'y', 'point'],
  groundHeights: ['height', 'x', 'y'],
  cityModel: ['name', 'use', 'yearBuilt', 'floorCount', 'height'],
} as const satisfies Record<InputKind, readonly string[]>;

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ProfileInput = z
  .object({
    kind: z.enum(inputKinds),
    /** File-name pattern matched against each input's base name; * and ? are wildcards. */
    match: z.string().min(1),
    format: z.enum(['geojson', 'cityjson', 'csv', 'ndjson']),
    /** CRS of coordinates when the file does not declare one (GeoJSON without `crs`, CSV x/y columns). */
    crs: z.string().optional(),
    /** CSV field delimiter; detected from the header line when absent. */
    delimiter: z.string().length(1).optional(),
    /** Keep only rows whose columns equal these values (null: empty or missing), e.g. current rows of a bitemporal register. */
    where: z.record(z.string(), Scalar).optional(),
    /** Column holding the registry id (CityJSON: an attribute name, or omit to use the CityObject key). */
    id: z.string().min(1).optional(),
    /** Column for each role (see fieldRoles). */
    fields: z.record(z.string(), z.string()).default({}),
    /** Extra columns kept as attributes of the record. */
    attributes: z.array(z.string()).default([]),
    /** Values that mean "no data" in this file, besides the empty string. */
    nullValues: z.array(z.union([z.string(), z.number()])).default([]),
    /** Roles where 0 means unknown (registers often write 0 for "not recorded"). */
    zeroIsNull: z.array(z.string()).default([]),
  })
  .strict();
export type ProfileInput = z.infer<typeof ProfileInput>;

export const Profile = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    /** Source attribution, shown with the data. */
    attribution: z.string().default(''),
    storeyHeightMeters: z.number().positive().max(20).default(3),
    defaultHeightMeters: z.number().positive().max(500).default(6),
    /** Z values that mean "no height" in geometry (e.g. -999). */
    noDataHeights: z.array(z.number()).default([]),
    /** Floor labels and their level index; numeric labels ("01", "2") are read as numbers. */
    levels: z.record(z.string(), z.number().int()).default({}),
    /** Per role, codes and their labels, e.g. { "use": { "140": "Block of flats" } }. */
    valueLabels: z.record(z.string(), z.record(z.string(), z.string())).default({}),
    /** Building use codes and the category the city view colours them by. */
    useCategories: z.record(z.string(), z.enum(useCategories)).default({}),
    /** Labels for attribute columns, shown in the building panel. */
    attributeLabels: z.record(z.string(), z.string()).default({}),
    inputs: z.array(ProfileInput).min(1),
  })
  .strict()
  .superRefine((profile, context) => {
    profile.inputs.forEach((input, index) => {
      const allowed: readonly string[] = fieldRoles[input.kind];
      for (const role of Object.keys(input.fields)) {
        if (!allowed.includes(role)) {
          context.addIssue({
            code: 'custom',
            path: ['inputs', index, 'fields', role],
            message: `"${role}" is not a field of ${input.kind} inputs (allowed: ${allowed.join(', ')})`,
          });
        }
      }
      if (input.kind !== 'cityModel' && !input.id) {
        context.addIssue({ code: 'custom', path: ['inputs', index, 'id'], message: `${input.kind} inputs need an id column` });
      }
      if ((input.kind === 'cityModel') !== (input.format === 'cityjson')) {
        context.addIssue({ code: 'custom', path: ['inputs', index, 'format'], message: 'cityModel inputs are CityJSON, and CityJSON is read as a cityModel' });
      }
    });
  });
export type Profile = z.infer<typeof Profile>;

export function parseProfile(json: unknown, where: string): Profile {
  const parsed = Profile.safeParse(json);
  if (!parsed.success) throw new StoreyError('BAD_INPUT', `${where} is not a valid import profile:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function loadProfile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StoreyError('FILE_NOT_FOUND', `Cannot read the profile ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StoreyError('BAD_INPUT', `The profile ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProfile(json, path);
}

/** Glob match on a base name: * any run of characters, ? one character; case-insensitive. */
export function matchesPattern(fileName: string, pattern: string): boolean {
  const regex = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    'i',
  );
  return regex.test(fileName);
}
