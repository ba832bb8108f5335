/**
 * Building attributes the UI can style and filter by: the registry columns Storey knows, plus whatever extra
 * attributes imports brought. Attribute keys from the UI are looked up in this catalogue and never reach SQL as
 * text: each maps to a fixed column or to json_extract with a bound path.
 */
import type { AttributeInfo, FilterCondition } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import type { ProjectFile } from '../project/project-file.js';

interface Column {
  info: AttributeInfo;
  sql: string;
}

const fixedColumns: Column[] = [
  { info: { key: 'yearBuilt', label: 'Year built', kind: 'number' }, sql: 'year_built' },
  { info: { key: 'floorCount', label: 'Floors above ground', kind: 'number' }, sql: 'floor_count' },
  { info: { key: 'heightMeters', label: 'Height above ground', kind: 'number', unit: 'm' }, sql: 'height_m' },
  { info: { key: 'dwellingCount', label: 'Dwellings', kind: 'number' }, sql: 'dwelling_count' },
  { info: { key: 'floorArea', label: 'Floor area', kind: 'number', unit: 'm²' }, sql: 'floor_area_m2' },
  { info: { key: 'groundHeight', label: 'Ground height', kind: 'number', unit: 'm' }, sql: 'ground_height_m' },
  { info: { key: 'useCategory', label: 'Use (category)', kind: 'category' }, sql: 'use_category' },
  { info: { key: 'use', label: 'Use', kind: 'category' }, sql: 'use_label' },
  { info: { key: 'heightSource', label: 'Height source', kind: 'category' }, sql: 'height_source' },
];

const catalogues = new WeakMap<ProjectFile, { version: string; columns: Column[] }>();

/**
 * The catalogue: fixed columns plus every extra attribute any building has. Scanning all attributes costs a moment
 * on a big city, so the result is kept until the project's data changes (this connection's or another's commits).
 */
export function attributeCatalogue(project: ProjectFile): Column[] {
  const version = `${project.db.pragma('data_version', { simple: true })}:${project.db.prepare('SELECT total_changes()').pluck().get()}`;
  const cached = catalogues.get(project);
  if (cached?.version === version) return cached.columns;
  const columns = scanCatalogue(project);
  catalogues.set(project, { version, columns });
  return columns;
}

function scanCatalogue(project: ProjectFile): Column[] {
  const labels = new Map(
    (project.db.prepare(`SELECT key, value FROM storey_meta WHERE key LIKE 'attribute_label:%'`).all() as Array<{ key: string; value: string }>).map((r) => [
      r.key.slice('attribute_label:'.length),
      r.value,
    ]),
  );
  const extra = project.db
    .prepare(
      `SELECT j.key AS key, sum(j.type IN ('integer', 'real')) AS numbers, sum(j.type = 'text') AS texts
         FROM buildings b, json_each(b.attributes) j
        GROUP BY j.key ORDER BY j.key`,
    )
    .all() as Array<{ key: string; numbers: number; texts: number }>;
  const columns = [...fixedColumns];
  for (const row of extra) {
    if (row.numbers === 0 && row.texts === 0) continue;
    columns.push({
      info: { key: `attributes.${row.key}`, label: labels.get(row.key) ?? row.key, kind: row.numbers >= row.texts ? 'number' : 'category' },
      sql: `json_extract(attributes, '$."${row.key.replace(/"/g, '""').replace(/'/g, "''")}"')`,
    });
  }
  return columns;
}

/** Floor and unit attributes, for styling at those levels. */
export const floorColumns: Column[] = [
  { info: { key: 'area', label: 'Floor area', kind: 'number', unit: 'm²' }, sql: 'f.area_m2' },
  { info: { key: 'unitCount', label: 'Units on the floor', kind: 'number' }, sql: '(SELECT count(*) FROM units u WHERE u.floor_id = f.registry_id)' },
  { info: { key: 'levelIndex', label: 'Level', kind: 'number' }, sql: 'f.level_index' },
  { info: { key: 'label', label: 'Floor label', kind: 'category' }, sql: 'f.label' },
];
export const unitColumns: Column[] = [
  { info: { key: 'area', label: 'Unit area', kind: 'number', unit: 'm²' }, sql: 'u.area_m2' },
  { info: { key: 'rooms', label: 'Rooms', kind: 'number' }, sql: 'u.rooms' },
  { info: { key: 'use', label: 'Unit use', kind: 'category' }, sql: 'u.use_label' },
];

export function columnFor(project: ProjectFile, key: string): Column {
  const column = attributeCatalogue(project).find((c) => c.info.key === key);
  if (!column) throw new StoreyError('BAD_ARGUMENT', `"${key}" is not an attribute of the buildings in this project.`);
  return column;
}

const operators: Record<FilterCondition['operator'], string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** A WHERE clause and its parameters for conditions joined by AND. */
export function filterSql(project: ProjectFile, conditions: FilterCondition[]): { where: string; params: unknown[] } {
  if (conditions.length === 0) return { where: '1', params: [] };
  const catalogue = attributeCatalogue(project);
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const condition of conditions) {
    const column = catalogue.find((c) => c.info.key === condition.attribute);
    if (!column) throw new StoreyError('BAD_ARGUMENT', `"${condition.attribute}" is not an attribute of the buildings in this project.`);
    if (condition.value === null) {
      if (condition.operator !== '=' && condition.operator !== '!=') throw new StoreyError('BAD_ARGUMENT', `"no data" can only be compared with = or ≠.`);
      parts.push(`${column.sql} IS ${condition.operator === '=' ? '' : 'NOT '}NULL`);
      continue;
    }
    if (column.info.kind === 'number' && typeof condition.value !== 'number') {
      throw new StoreyError('BAD_ARGUMENT', `${column.info.label} is a number; "${condition.value}" is not.`);
    }
    parts.push(`${column.sql} ${operators[condition.operator]} ?`);
    params.push(condition.value);
  }
  return { where: parts.join(' AND '), params };
}
