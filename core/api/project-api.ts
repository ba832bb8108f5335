/**
 * StoreyApi over one open project file. Hosts (desktop IPC, web host) validate input with the contract's schemas
 * before calling in; this class trusts its typed input and throws StoreyError for what a person can act on.
 */
import * as views from './views-notes.js';
import type { StyleLevel, ViewState, AddressMatch, AttributeInfo, AttributeValue, BuildingRow, FilterCondition, ImportJob, ImportProfileSummary, ImportReport, BuildingDetail, FloorSummary, ProjectInfo, ProjectScopedApi, UnitSummary } from '../../common/contract.js';
import { StoreyError, type ErrorCode } from '../../common/errors.js';
import { BriefingSpec, type BriefingJob, type BriefingResult, type BriefingSpecInput, type CsvExport } from '../../common/briefing.js';
import { briefingResult, composeBriefing } from '../brief/compose.js';
import { BriefingJobs } from '../brief/briefing-jobs.js';
import { recordBriefing } from '../brief/audit-briefing.js';
import { briefingTotalSteps } from '../brief/briefing-jobs.js';
import { chosenViews } from '../brief/chosen-views.js';
import { mapRenderRequest, type MapRenderer } from '../brief/map-renderer.js';
import { throwIfCancelled } from '../brief/types.js';
import { recordExport, filterText } from '../project/audit.js';
import { buildingsCsv, csvFileName, type BuildingSort } from './csv-export.js';
import { decodePolygons } from '../project/gpkg-geometry.js';
import type { ProjectFile } from '../project/project-file.js';
import { searchAddresses } from '../search/address-search.js';
import { buildingsTilesetState } from '../tiler/stamp.js';
import { TileStore } from '../tiles/tile-store.js';
import { attributeCatalogue, columnFor, filterSql, floorColumns, unitColumns } from './attributes.js';
import type { ImportJobs } from '../import/import-jobs.js';
import { assignInputs, expandInputPaths } from '../import/importer.js';
import { loadProfile } from '../import/profile.js';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TileImportJob } from '../../common/tiles.js';
import { checkTileSource, listTileSources, resolveTileSourcePath } from '../tiles/tile-sources.js';

interface BuildingRecordRow {
  registry_id: string;
  name: string | null;
  address: string | null;
  use_code: string | null;
  use_label: string | null;
  use_category: string;
  year_built: number | null;
  floor_count: number | null;
  dwelling_count: number | null;
  floor_area_m2: number | null;
  ground_height_m: number | null;
  height_m: number;
  height_source: 'measured' | 'floors' | 'default';
  attributes: string;
}

const heightSourceLabels = { measured: 'measured', floors: 'from floor count', default: 'default (no data)' } as const;

function attributeList(row: BuildingRecordRow, labels: Map<string, string>): AttributeValue[] {
  const list: AttributeValue[] = [
    { key: 'registryId', label: 'Registry id', value: row.registry_id },
    { key: 'use', label: 'Use', value: row.use_label ?? row.use_code },
    { key: 'useCode', label: 'Use code', value: row.use_code },
    { key: 'yearBuilt', label: 'Year built', value: row.year_built },
    { key: 'floorCount', label: 'Floors above ground', value: row.floor_count },
    { key: 'dwellingCount', label: 'Dwellings', value: row.dwelling_count },
    { key: 'floorArea', label: 'Floor area', value: row.floor_area_m2, unit: 'm²' },
    { key: 'height', label: 'Height above ground', value: row.height_m, unit: 'm' },
    { key: 'heightSource', label: 'Height source', value: heightSourceLabels[row.height_source] },
    { key: 'groundHeight', label: 'Ground height', value: row.ground_height_m, unit: 'm' },
  ];
  const extra = JSON.parse(row.attributes) as Record<string, string | number | boolean | null>;
  for (const [key, value] of Object.entries(extra)) list.push({ key: `attributes.${key}`, label: labels.get(key) ?? key, value });
  return list;
}

function parseArea(text: string | undefined): ProjectInfo['areaOfInterest'] {
  if (!text) return null;
  try {
    return JSON.parse(text) as ProjectInfo['areaOfInterest'];
  } catch {
    return null;
  }
}

/** What a host provides for imports: the job runner and where the shipped profiles are. */
export interface ImportServices {
  jobs: ImportJobs;
  profilesDir: string;
  /** Desktop: the native open dialog for a tile source file or folder; null when the person cancelled. */
  chooseTileSource?: (kind: 'file' | 'folder') => Promise<string | null>;
  /** Desktop: writes a briefing's PDF where the person can keep it and opens it in the system's viewer; the path. */
  openPdf?: (fileName: string, pdf: Buffer) => Promise<string>;
}

export class ProjectApi implements ProjectScopedApi {
  /** Briefings, with map pages when the host gave a map renderer (the desktop); the web host runs its own jobs. */
  private readonly briefingJobs = new BriefingJobs();

  constructor(
    private readonly project: ProjectFile,
    private readonly imports?: ImportServices,
    /** Draws the map pages of briefings (desktop: the app's own renderer); without one, views are NOT_SUPPORTED. */
    private readonly maps?: MapRenderer,
  ) {}

  private importServices(): ImportServices {
    if (this.project.readOnly) throw new StoreyError('READ_ONLY', `${this.project.fileName} is open read-only, so nothing can be imported into it.`);
    if (!this.imports) throw new StoreyError('INTERNAL', 'This host does not run imports.');
    return this.imports;
  }

  async listViews() {
    return { views: views.listViews(this.project) };
  }

  async saveView({ name, state }: { name: string; state: ViewState }) {
    return views.saveView(this.project, name, state);
  }

  async deleteView({ id }: { id: string }) {
    return { deleted: views.deleteView(this.project, id) };
  }

  async listNotes() {
    return { notes: views.listNotes(this.project) };
  }

  async saveNote(note: { id?: string; text: string; buildingId: string | null; lonDegrees: number; latDegrees: number; heightMeters: number }) {
    return views.saveNote(this.project, note);
  }

  async deleteNote({ id }: { id: string }) {
    return { deleted: views.deleteNote(this.project, id) };
  }

  /** The web host answers this operation itself (main/brief-render/briefing-dispatch.ts). */
  async exportBriefing(input: BriefingSpecInput): Promise<BriefingResult> {
    const job = await this.briefingJobs.wait((await this.startBriefing(input)).id);
    if (job.result) return job.result;
    throw new StoreyError((job.error?.code ?? 'INTERNAL') as ErrorCode, job.error?.message ?? 'The briefing failed.');
  }

  async startBriefing(input: BriefingSpecInput): Promise<BriefingJob> {
    const spec = BriefingSpec.parse(input);
    const renderer = this.maps;
    if (spec.viewIds.length && !renderer) throw new StoreyError('NOT_SUPPORTED', 'This host cannot render map pages: leave out the saved views, or export the briefing from the web host or `storey brief`.');
    // Unknown views and buildings are refused now, before a job (and a renderer) starts.
    const views = await chosenViews(this, spec.viewIds);
    for (const id of spec.buildingIds) await this.getBuilding({ id });
    return this.briefingJobs.start(spec, async ({ signal, progress }) => {
      const renderStarted = performance.now();
      const maps = views.length && renderer ? await renderer.render(mapRenderRequest(views, spec.paper, spec.orientation, progress, briefingTotalSteps(spec), signal)) : [];
      throwIfCancelled(signal);
      const renderMs = performance.now() - renderStarted;
      const started = performance.now();
      const composed = await composeBriefing({
        api: this,
        project: this.project,
        spec: { ...spec, viewIds: views.map((v) => v.id) },
        maps,
        progress,
        signal,
        renderer: maps.length && renderer ? `Rendered by ${renderer.description} at ${maps[0]!.widthPx} × ${maps[0]!.heightPx} px per map.` : 'No map pages in this briefing.',
      });
      throwIfCancelled(signal);
      const result = briefingResult(spec, { ...composed, composeMs: performance.now() - started }, renderMs);
      recordBriefing(this.project, spec, result, {
        via: 'workstation',
        target: result.fileName,
        destination: 'handed to the UI to save or open',
        viewNames: views.map((v) => v.name),
      });
      return result;
    });
  }

  async getBriefingJob({ jobId }: { jobId: string }): Promise<BriefingJob> {
    return this.briefingJobs.get(jobId);
  }

  async cancelBriefing({ jobId }: { jobId: string }): Promise<BriefingJob> {
    return this.briefingJobs.cancel(jobId);
  }

  async openBriefingPdf({ jobId }: { jobId: string }): Promise<{ path: string }> {
    const open = this.imports?.openPdf;
    if (!open) throw new StoreyError('NOT_SUPPORTED', 'This host does not open PDFs itself: the page opens the briefing.');
    const job = this.briefingJobs.get(jobId);
    if (!job.result) throw new StoreyError('BAD_INPUT', `The briefing ${jobId} has no PDF: it is ${job.state === 'running' ? 'still running' : job.state}.`);
    return { path: await open(job.result.fileName, Buffer.from(job.result.pdfBase64, 'base64')) };
  }

  /** Every matching row (not only the table's first page), sorted as the table is; recorded as an export. */
  async exportCsv({ conditions, sort }: { conditions: FilterCondition[]; sort?: { column: BuildingSort; descending: boolean } }): Promise<CsvExport> {
    const { rows, count } = await this.queryBuildings({ conditions, sort, limit: Number.MAX_SAFE_INTEGER });
    const fileName = csvFileName(this.project.getMeta('name') ?? this.project.fileName);
    const csv = buildingsCsv(rows);
    recordExport(this.project, 'export', fileName, {
      format: 'csv',
      rows: count,
      filter: filterText(conditions),
      conditions,
      bytes: Buffer.byteLength(csv, 'utf8'),
      destination: 'handed to the UI to save',
    });
    return { fileName, rowCount: count, csv };
  }

  async listLayers() {
    return { layers: new TileStore(this.project).listLayers() };
  }

  async setLayerSettings({ id, ...change }: { id: string; visible?: boolean; order?: number; opacity?: number }) {
    return new TileStore(this.project).updateSettings(id, change);
  }

  async listTileSources({ folder }: { folder?: string }) {
    return listTileSources(dirname(this.project.path), folder ?? '');
  }

  async chooseTileSource({ kind }: { kind: 'file' | 'folder' }) {
    const choose = this.importServices().chooseTileSource;
    if (!choose) throw new StoreyError('NOT_SUPPORTED', 'This host has no file dialog: type the path of the tile source, or pick it from the project folder.');
    return { path: await choose(kind) };
  }

  async startTileImport({ source, ...options }: { source: string; name?: string; scheme?: 'xyz' | 'tms'; table?: string }): Promise<TileImportJob> {
    const services = this.importServices();
    const path = resolveTileSourcePath(dirname(this.project.path), source);
    // Fail fast on a missing file or one that is no tile source, before a worker starts.
    const type = checkTileSource(path);
    return services.jobs.tiles.start(path, type, { ...options, name: options.name || undefined });
  }

  async getTileImportJob({ jobId }: { jobId: string }): Promise<TileImportJob> {
    return this.importServices().jobs.tiles.get(jobId);
  }

  async cancelTileImport({ jobId }: { jobId: string }): Promise<TileImportJob> {
    return this.importServices().jobs.tiles.cancel(jobId);
  }

  async listAttributes({ level }: { level?: StyleLevel } = {}): Promise<{ attributes: AttributeInfo[] }> {
    const columns = level === 'floors' ? floorColumns : level === 'units' ? unitColumns : attributeCatalogue(this.project);
    return { attributes: columns.map((c) => c.info) };
  }

  async getAttributeValues({ attribute, level }: { attribute: string; level?: StyleLevel }) {
    let column;
    let rows: Array<[string, unknown, string, string | null]>;
    const db = this.project.db;
    if (level === 'floors' || level === 'units') {
      column = (level === 'floors' ? floorColumns : unitColumns).find((c) => c.info.key === attribute);
      if (!column) throw new StoreyError('BAD_ARGUMENT', `"${attribute}" is not an attribute of ${level}.`);
      rows = (level === 'floors'
        ? db.prepare(`SELECT f.registry_id, ${column.sql}, f.building_id, f.registry_id FROM floors f`)
        : db.prepare(`SELECT u.registry_id, ${column.sql}, u.building_id, u.floor_id FROM units u`)
      ).raw().all() as Array<[string, unknown, string, string | null]>;
    } else {
      column = columnFor(this.project, attribute);
      rows = db.prepare(`SELECT registry_id, ${column.sql}, registry_id, NULL FROM buildings`).raw().all() as Array<[string, unknown, string, string | null]>;
    }
    const numeric = column.info.kind === 'number';
    return {
      attribute: column.info,
      ids: rows.map((r) => r[0]),
      buildingIds: rows.map((r) => r[2]),
      floorIds: rows.map((r) => r[3]),
      values: rows.map(([, v]) => {
        if (v === null || v === undefined || v === '') return null;
        if (numeric) {
          const n = typeof v === 'number' ? v : Number(v);
          return Number.isFinite(n) ? n : null;
        }
        return String(v);
      }),
    };
  }

  async queryBuildings({ conditions, sort, limit }: { conditions: FilterCondition[]; sort?: { column: string; descending: boolean }; limit?: number }) {
    const { where, params } = filterSql(this.project, conditions);
    const db = this.project.db;
    const ids = db.prepare(`SELECT registry_id FROM buildings WHERE ${where}`).pluck().all(...params) as string[];
    const sortColumns: Record<string, string> = {
      address: 'address', use: 'use_label', yearBuilt: 'year_built', floorCount: 'floor_count', heightMeters: 'height_m', dwellingCount: 'dwelling_count',
    };
    const order = sort ? `${sortColumns[sort.column]} IS NULL, ${sortColumns[sort.column]} ${sort.descending ? 'DESC' : 'ASC'}, registry_id` : 'address IS NULL, address, registry_id';
    const rows = db
      .prepare(
        `SELECT registry_id AS id, address, use_label AS use, year_built AS yearBuilt, floor_count AS floorCount,
                height_m AS heightMeters, dwelling_count AS dwellingCount
           FROM buildings WHERE ${where} ORDER BY ${order} LIMIT ?`,
      )
      .all(...params, limit ?? 1000) as BuildingRow[];
    return { count: ids.length, ids, rows };
  }

  async listImportProfiles(): Promise<{ profiles: ImportProfileSummary[] }> {
    if (!this.imports) return { profiles: [] };
    const dir = this.imports.profilesDir;
    const profiles = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const profile = loadProfile(join(dir, f));
        return { id: f.slice(0, -5), name: profile.name, description: profile.description, patterns: profile.inputs.map((i) => i.match) };
      });
    return { profiles };
  }

  async startImport({ profile, inputs }: { profile: string; inputs: string[] }): Promise<ImportJob> {
    const services = this.importServices();
    const isShipped = /^[\w-]+$/.test(profile);
    const loaded = loadProfile(isShipped ? join(services.profilesDir, `${profile}.json`) : profile);
    // Fail fast on missing or unmatched inputs, before a worker starts.
    assignInputs(loaded, expandInputPaths(inputs));
    return services.jobs.start(loaded, inputs);
  }

  async getImportJob({ jobId }: { jobId: string }): Promise<ImportJob> {
    return this.importServices().jobs.get(jobId);
  }

  async cancelImport({ jobId }: { jobId: string }): Promise<ImportJob> {
    return this.importServices().jobs.cancel(jobId);
  }

  /** Labels an import profile gave to extra attribute columns. */
  private attributeLabels(): Map<string, string> {
    const rows = this.project.db.prepare(`SELECT key, value FROM storey_meta WHERE key LIKE 'attribute_label:%'`).all() as Array<{ key: string; value: string }>;
    return new Map(rows.map((r) => [r.key.slice('attribute_label:'.length), r.value]));
  }

  async getProjectInfo(): Promise<ProjectInfo> {
    const db = this.project.db;
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const extentRow = db
      .prepare(`SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'buildings'`)
      .get() as { min_x: number | null; min_y: number | null; max_x: number | null; max_y: number | null } | undefined;
    const layers = new TileStore(this.project).listLayers();
    const last = db.prepare(`SELECT report FROM storey_imports ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
    const lastReport = last ? (JSON.parse(last) as ImportReport) : null;
    return {
      fileName: this.project.fileName,
      encrypted: this.project.encrypted,
      name: this.project.getMeta('name') ?? this.project.fileName,
      description: this.project.getMeta('description') ?? '',
      synthetic: this.project.getMeta('synthetic') === 'true',
      schemaVersion: this.project.schemaVersion,
      readOnly: this.project.readOnly,
      counts: {
        buildings: count('buildings'),
        floors: count('floors'),
        units: count('units'),
        stairwells: count('stairwells'),
        addresses: count('addresses'),
      },
      layers,
      attribution: this.project.getMeta('attribution') ?? '',
      marking: this.project.getMeta('marking') ?? '',
      areaOfInterest: parseArea(this.project.getMeta('area_of_interest')),
      buildingsTileset: buildingsTilesetState(this.project, layers),
      lastImport: lastReport
        ? {
            startedAt: lastReport.startedAt,
            profile: lastReport.profile,
            buildingsImported: lastReport.records['buildings']?.imported ?? 0,
            buildingsUpdated: lastReport.records['buildings']?.updated ?? 0,
          }
        : null,
      extent:
        extentRow && extentRow.min_x != null && extentRow.min_y != null && extentRow.max_x != null && extentRow.max_y != null
          ? {
              westDegrees: extentRow.min_x,
              southDegrees: extentRow.min_y,
              eastDegrees: extentRow.max_x,
              northDegrees: extentRow.max_y,
            }
          : null,
    };
  }

  async listBuildingShapes({ ids }: { ids?: string[] } = {}) {
    const columns = `SELECT registry_id, footprint, height_m, floor_count, use_category FROM buildings`;
    const rows = (
      ids
        ? this.project.db.prepare(`${columns} WHERE footprint IS NOT NULL AND registry_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids))
        : this.project.db.prepare(`${columns} WHERE footprint IS NOT NULL`).all()
    ) as Array<{ registry_id: string; footprint: Uint8Array; height_m: number; floor_count: number | null; use_category: string }>;
    return {
      buildings: rows.map((row) => ({
        id: row.registry_id,
        polygons: decodePolygons(row.footprint).map((polygon) => polygon.map((ring) => ring.flat())),
        heightMeters: row.height_m,
        floorCount: row.floor_count,
        useCategory: row.use_category,
      })),
    };
  }

  async getBuilding({ id }: { id: string }): Promise<BuildingDetail> {
    const db = this.project.db;
    const row = db.prepare(`SELECT * FROM buildings WHERE registry_id = ?`).get(id) as BuildingRecordRow | undefined;
    if (!row) throw new StoreyError('NOT_FOUND', `No building with registry id ${id} in this project.`);
    const floors = db
      .prepare(
        `SELECT f.registry_id AS id, f.level_index AS levelIndex, f.label, f.base_height_m AS baseHeightMeters,
                f.height_m AS heightMeters, f.area_m2 AS areaSquareMeters,
                (SELECT count(*) FROM units u WHERE u.floor_id = f.registry_id) AS unitCount
           FROM floors f WHERE f.building_id = ? ORDER BY f.level_index`,
      )
      .all(id) as FloorSummary[];
    const stairwellCount = (db.prepare(`SELECT count(*) AS n FROM stairwells WHERE building_id = ?`).get(id) as { n: number }).n;
    const unitCount = (db.prepare(`SELECT count(*) AS n FROM units WHERE building_id = ?`).get(id) as { n: number }).n;
    return {
      id: row.registry_id,
      name: row.name,
      address: row.address,
      useCategory: row.use_category,
      heightMeters: row.height_m,
      heightSource: row.height_source,
      attributes: attributeList(row, this.attributeLabels()),
      floors,
      stairwellCount,
      unitCount,
    };
  }

  async searchAddresses({ query, limit }: { query: string; limit?: number }): Promise<{ matches: AddressMatch[] }> {
    return { matches: searchAddresses(this.project, query, limit) };
  }

  async listFloorUnits({ floorId }: { floorId: string }): Promise<{ units: UnitSummary[] }> {
    const db = this.project.db;
    if (!db.prepare(`SELECT 1 FROM floors WHERE registry_id = ?`).get(floorId)) {
      throw new StoreyError('NOT_FOUND', `No floor with registry id ${floorId} in this project.`);
    }
    const units = db
      .prepare(
        `SELECT u.registry_id AS id, u.floor_id AS floorId, a.full_text AS address, u.use_label AS useLabel,
                u.area_m2 AS areaSquareMeters, u.rooms
           FROM units u LEFT JOIN addresses a ON a.registry_id = u.address_id
          WHERE u.floor_id = ? ORDER BY a.full_text, u.registry_id`,
      )
      .all(floorId) as UnitSummary[];
    return { units };
  }
}
