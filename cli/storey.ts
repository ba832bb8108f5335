/**
 * The `storey` command line. Each command is a thin wrapper over core/; errors print one line that says what and
 * where, and the exit code tells scripts what happened (0 done, 1 failed, 2 usage).
 */
import { parseArgs } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, rmSync, statSync } from 'node:fs';
import { StoreyError } from '../common/errors.js';
import { ProjectApi } from '../core/api/project-api.js';
import { ensureSampleProject, findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { createSampleProject, SAMPLE_SEED } from '../core/sample/sample-city.js';
import { importIntoNewProject, importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { searchAddresses } from '../core/search/address-search.js';
import type { ImportProgress, ImportReport } from '../common/contract.js';
import { checkProject, saveCopy } from '../core/project/copy.js';
import { startWebHost } from '../main/web/web-host.js';
import { briefHelp, commandBrief } from './brief-command.js';
import { commandServer, serverHelp } from './server-command.js';
import { commandSync, syncHelp } from './sync-command.js';
import { importTiles, tileSourceType } from '../core/tiles/import-tiles.js';
import { exportLayer } from '../core/tiles/export-tiles.js';
import { TileStore } from '../core/tiles/tile-store.js';
import { describeLayer } from '../core/tiles/describe-layer.js';
import { tileAfterChange } from '../core/tiler/after-import.js';
import { tileBuildings } from '../core/tiler/tiler.js';
import { commandDecrypt, commandEncrypt, encryptHelp } from './encrypt-command.js';
import { auditHelp, commandAudit } from './audit-command.js';
import { newPassphrase, openProject } from './passphrase.js';

const HELP = `storey — offline 3D city workstation

Usage:
  storey sample OUT.storey [--seed N] [--force]
      Write the synthetic sample district to a new project file.
  storey info FILE.storey [--json]
      What the project holds: records, tile layers, schema version.
  storey import FILE.storey --profile PROFILE.json INPUT... [--json] [--create NAME] [--no-tile]
      Import registry files (or folders of them) as the profile describes; one transaction, re-import updates.
      Then the buildings are tiled as 3D Tiles for the city view (--no-tile: later, with storey tile).
  storey import FILE.storey --tiles SOURCE... [--name NAME] [--scheme xyz|tms] [--table TABLE] [--create NAME]
      Import tile layers: .mbtiles, .gpkg, .3tz, .3dtiles, or a folder with layer.json (terrain), tileset.json
      (3D Tiles) or z/x/y images. Without --profile, inputs that are all tile sources are imported as tiles.
  storey layers FILE.storey [--json]
      The tile layers of a project: kind, format, tiles, size, zooms, extent, attribution.
  storey export-layer FILE.storey LAYER --out OUT [--overwrite]
      Write a layer (id or name) out: imagery as MBTiles, 3D Tiles as a .3dtiles package.
  storey tile FILE.storey [--leaf-size N]
      Tile the project's buildings into a 3D Tiles 1.1 layer (glTF with feature ids and registry properties).
  storey search FILE.storey "QUERY" [--limit N] [--json]
      Address search: every word a prefix, accents and case ignored.
  storey copy FILE.storey COPY.storey [--overwrite] [--encrypt]
      A consistent copy of a project, even while it is open elsewhere. An encrypted project's copy keeps its
      passphrase; --encrypt encrypts the copy with another one (STOREY_NEW_PASSPHRASE, or asked), e.g. for a colleague.
${encryptHelp}
${auditHelp}
  storey check FILE.storey
      SQLite's integrity check of a project (exit code 1 when damaged).
${briefHelp}
${syncHelp}
${serverHelp}
  storey serve [FILE.storey | FOLDER] [--port N] [--read-only]
      Serve the workstation UI on 127.0.0.1. Given a folder, the UI opens, creates and copies projects in it and
      reopens the last one used; given a file, it opens that file (and offers the others in its folder).
      Default: the sample project, made on first use.
  storey --help | --version

Environment:
  STOREY_HOME   folder for the sample project and settings (default: the platform's user data folder)
  STOREY_PASSPHRASE       passphrase of an encrypted project (else asked on the terminal)
  STOREY_NEW_PASSPHRASE   passphrase for an encrypted copy (storey copy --encrypt)
`;

class UsageError extends Error {}

function packageRoot(): string {
  return findPackageRoot(dirname(fileURLToPath(import.meta.url)));
}

async function commandSample(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { seed: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const out = positionals[0];
  if (!out || positionals.length > 1) throw new UsageError('storey sample needs exactly one output file');
  const seed = values.seed === undefined ? SAMPLE_SEED : Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, not "${values.seed}"`);
  if (values.force && existsSync(out)) for (const f of [out, `${out}-wal`, `${out}-shm`]) rmSync(f, { force: true });
  const project = createSampleProject(out, seed);
  const info = await new ProjectApi(project).getProjectInfo();
  project.close();
  console.log(`Wrote ${out}: ${info.counts.buildings} buildings, ${info.counts.floors} floors, ${info.counts.units} units (synthetic sample).`);
}

async function commandInfo(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('storey info needs exactly one project file');
  const project = await openProject(file, { readOnly: true });
  try {
    const info = await new ProjectApi(project).getProjectInfo();
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
      return;
    }
    const lines = [
      `${info.fileName}: ${info.name}${info.synthetic ? ' [synthetic sample data]' : ''}`,
      `  schema version  ${info.schemaVersion}`,
      `  encrypted       ${project.encrypted ? 'yes' : 'no'}`,
      `  buildings       ${info.counts.buildings}`,
      `  floors          ${info.counts.floors}`,
      `  units           ${info.counts.units}`,
      `  stairwells      ${info.counts.stairwells}`,
      `  addresses       ${info.counts.addresses}`,
      `  tile layers     ${info.layers.length === 0 ? 'none' : ''}`,
      ...info.layers.map((l) => `    ${describeLayer(l)}`),
    ];
    if (info.lastImport) {
      const l = info.lastImport;
      lines.push(`  last import     ${l.startedAt} with "${l.profile}": ${l.buildingsImported} buildings new, ${l.buildingsUpdated} updated`);
    }
    if (info.attribution) lines.push(`  attribution     ${info.attribution}`);
    if (info.extent) {
      const e = info.extent;
      lines.push(`  extent          ${e.westDegrees.toFixed(5)}, ${e.southDegrees.toFixed(5)} – ${e.eastDegrees.toFixed(5)}, ${e.northDegrees.toFixed(5)} (lon/lat)`);
    }
    console.log(lines.join('\n'));
  } finally {
    project.close();
  }
}

function formatReport(report: ImportReport): string {
  const lines = [`Imported with profile "${report.profile}" in ${(report.durationMs / 1000).toFixed(1)} s`];
  for (const f of report.files) {
    lines.push(`  ${f.file} (${f.kind}): ${f.rowsRead} rows read${f.rowsFiltered ? `, ${f.rowsFiltered} filtered out` : ''}${f.rowsSkipped ? `, ${f.rowsSkipped} skipped` : ''}`);
  }
  if (report.ignoredFiles.length) lines.push(`  not matched by the profile (ignored): ${report.ignoredFiles.join(', ')}`);
  lines.push('Records:');
  for (const [table, c] of Object.entries(report.records)) lines.push(`  ${table.padEnd(11)} ${String(c.imported).padStart(7)} new ${String(c.updated).padStart(7)} updated`);
  lines.push(`Heights: ${report.heights.measured} measured, ${report.heights.floors} from floor counts, ${report.heights.default} default (estimated)`);
  const tallies = (title: string, list: ImportReport['skipped']) => {
    if (!list.length) return;
    lines.push(title);
    for (const t of list) lines.push(`  ${String(t.count).padStart(6)}  ${t.reason}   e.g. ${t.examples.slice(0, 2).join('; ')}`);
  };
  tallies('Skipped rows:', report.skipped);
  tallies('Joins:', report.joins);
  return lines.join('\n');
}

async function commandImport(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      create: { type: 'string' },
      tiles: { type: 'boolean', default: false },
      'no-tile': { type: 'boolean', default: false },
      name: { type: 'string' },
      scheme: { type: 'string' },
      table: { type: 'string' },
    },
  });
  const [file, ...inputs] = positionals;
  if (!file || inputs.length === 0) throw new UsageError('storey import needs a project file and at least one input file or folder');
  if (values.tiles || (!values.profile && inputs.every((i) => tileSourceType(i) !== undefined && existsSync(i)))) {
    await commandImportTiles(file, inputs, values);
    return;
  }
  if (!values.profile) throw new UsageError('storey import needs --profile PROFILE.json');
  const profile = loadProfile(values.profile);
  // Into a new file, the project is built under a temporary name and appears only once the import has landed.
  const isNew = values.create !== undefined && !existsSync(file);
  let project = isNew ? undefined : await openProject(file);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY;
  let lastPhase = '';
  try {
    const importOptions = {
      signal: controller.signal,
      onProgress: (p: ImportProgress) => {
        const text = `${p.phase}: ${p.detail}${p.total > 1 ? ` (${p.done}/${p.total})` : ''}`;
        if (tty) process.stderr.write(`\r\x1b[2K${text}`);
        else if (p.phase !== lastPhase) process.stderr.write(`${text}\n`);
        lastPhase = p.phase;
      },
    };
    const report = project
      ? await importRegistry(project, profile, inputs, importOptions)
      : await importIntoNewProject(file, { name: values.create || profile.name }, profile, inputs, importOptions);
    project ??= ProjectFile.open(file);
    if (tty) process.stderr.write('\r\x1b[2K');
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    // The city view draws the buildings from 3D Tiles at city scale: tile what the import changed.
    if (!values['no-tile'] && !controller.signal.aborted) {
      const tiled = await tileAfterChange(project, (done, total) => {
        if (tty) process.stderr.write(`\r\x1b[2Ktiling: ${done} of ${total} buildings`);
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      if (tiled && !values.json) console.log(`Tiled ${tiled.buildings} buildings into ${tiled.tiles} tiles (${tiled.rebuilt} built, ${tiled.kept} unchanged; ${(tiled.bytes / 1024 / 1024).toFixed(1)} MB) in ${(tiled.durationMs / 1000).toFixed(1)} s.`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    project?.close();
  }
}

async function commandImportTiles(file: string, inputs: string[], values: { name?: string; scheme?: string; table?: string; create?: string; json?: boolean }): Promise<void> {
  if (values.name !== undefined && inputs.length > 1) throw new UsageError('--name names one layer; import one tile source at a time to name it');
  if (values.scheme !== undefined && values.scheme !== 'xyz' && values.scheme !== 'tms') throw new UsageError(`--scheme must be xyz or tms, not "${values.scheme}"`);
  const project = values.create !== undefined && !existsSync(file) ? ProjectFile.create(file, { name: values.create || basename(file, '.storey') }) : await openProject(file);
  const tty = process.stderr.isTTY;
  try {
    const layers = [];
    for (const input of inputs) {
      const layer = await importTiles(project, input, {
        name: values.name,
        scheme: values.scheme as 'xyz' | 'tms' | undefined,
        table: values.table,
        onProgress: (p) => {
          if (tty) process.stderr.write(`\r\x1b[2K${p.detail}: ${p.done}/${p.total} tiles`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      layers.push(layer);
      if (!values.json) console.log(`Imported ${describeLayer(layer)}`);
    }
    if (values.json) console.log(JSON.stringify(layers, null, 2));
  } finally {
    project.close();
  }
}

async function commandLayers(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new UsageError('storey layers needs one project file');
  const project = await openProject(positionals[0]!, { readOnly: true });
  try {
    const layers = new TileStore(project).listLayers();
    if (values.json) console.log(JSON.stringify(layers, null, 2));
    else console.log(layers.length === 0 ? `${project.fileName} has no tile layers.` : layers.map(describeLayer).join('\n'));
  } finally {
    project.close();
  }
}

async function commandExportLayer(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, overwrite: { type: 'boolean', default: false } } });
  if (positionals.length !== 2) throw new UsageError('storey export-layer needs a project file and a layer id or name');
  if (!values.out) throw new UsageError('storey export-layer needs --out FILE (.mbtiles for imagery, .3dtiles for 3D Tiles)');
  const project = await openProject(positionals[0]!, { readOnly: true });
  try {
    const result = exportLayer(project, positionals[1]!, values.out, { overwrite: values.overwrite });
    console.log(`Wrote ${result.path}: ${result.tileCount} tiles (${result.format}).`);
  } finally {
    project.close();
  }
}

async function commandTile(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'leaf-size': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('storey tile needs one project file');
  const leafSize = values['leaf-size'] === undefined ? undefined : Number(values['leaf-size']);
  if (leafSize !== undefined && !(Number.isInteger(leafSize) && leafSize >= 1)) throw new UsageError(`--leaf-size must be a positive whole number, not "${values['leaf-size']}"`);
  const project = await openProject(positionals[0]!);
  try {
    let last = 0;
    const report = await tileBuildings(project, {
      leafSize,
      onProgress: (done, total) => {
        const percent = Math.floor((done / total) * 100);
        if (percent >= last + 10 || done === total) {
          last = percent;
          process.stderr.write(`  tiling: ${done} of ${total} buildings\n`);
        }
      },
    });
    console.log(`Tiled ${report.buildings} buildings into ${report.tiles} tiles (${report.rebuilt} built, ${report.kept} unchanged; ${(report.bytes / 1024 / 1024).toFixed(1)} MB, ${report.depth + 1} levels) in ${(report.durationMs / 1000).toFixed(1)} s: layer ${report.layer.id}.`);
  } finally {
    project.close();
  }
}

async function commandSearch(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { limit: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
  });
  const [file, ...words] = positionals;
  if (!file || words.length === 0) throw new UsageError('storey search needs a project file and a query');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError(`--limit must be 1–100, not "${values.limit}"`);
  const project = await openProject(file, { readOnly: true });
  try {
    const matches = searchAddresses(project, words.join(' '), limit);
    if (values.json) console.log(JSON.stringify(matches, null, 2));
    else if (matches.length === 0) console.log(`No address matches "${words.join(' ')}".`);
    else for (const m of matches) console.log(`${m.text}${m.buildingId ? `   building ${m.buildingId}` : ''}`);
  } finally {
    project.close();
  }
}

async function commandCopy(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { overwrite: { type: 'boolean', default: false }, encrypt: { type: 'boolean', default: false } } });
  if (positionals.length !== 2) throw new UsageError('storey copy needs a project file and the path of the copy');
  const copyPassphrase = values.encrypt ? await newPassphrase(basename(positionals[1]!)) : undefined;
  const project = await openProject(positionals[0]!, { readOnly: true });
  try {
    saveCopy(project, positionals[1]!, { overwrite: values.overwrite, passphrase: copyPassphrase });
    console.log(`Copied ${positionals[0]} to ${positionals[1]}.`);
  } finally {
    project.close();
  }
}

async function commandCheck(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('storey check needs one project file');
  const project = await openProject(positionals[0]!, { readOnly: true });
  try {
    const result = checkProject(project);
    if (result.ok) console.log(`${project.fileName}: ok`);
    else console.log(`${project.fileName} is damaged:\n  ${result.problems.slice(0, 20).join('\n  ')}`);
    return result.ok ? 0 : 1;
  } finally {
    project.close();
  }
}

async function commandServe(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { port: { type: 'string' }, 'read-only': { type: 'boolean', default: false } },
  });
  if (positionals.length > 1) throw new UsageError('storey serve takes at most one project file or folder');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not "${values.port}"`);
  const target = positionals[0] ?? ensureSampleProject();
  const isFolder = existsSync(target) && statSync(target).isDirectory();
  const staticRoot = join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(staticRoot, 'index.html'))) {
    throw new StoreyError('NOT_FOUND', `The UI is not built (${staticRoot} has no index.html): run \`npm run build\` first.`);
  }
  const host = await startWebHost({ ...(isFolder ? { folder: target } : { projectPath: target }), staticRoot, port, readOnly: values['read-only'] });
  const open = host.workspace.project;
  console.log(`Storey is running at ${host.url}`);
  console.log(open ? `Project: ${open.path}` : `No project open yet: choose one in the browser (folder ${target}).`);
  const stop = () => {
    void host.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP);
        return command === undefined ? 2 : 0;
      case '--version':
        console.log((await import('node:fs')).readFileSync(join(packageRoot(), 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1]);
        return 0;
      case 'sample':
        await commandSample(rest);
        return 0;
      case 'info':
        await commandInfo(rest);
        return 0;
      case 'import':
        await commandImport(rest);
        return 0;
      case 'layers':
        await commandLayers(rest);
        return 0;
      case 'export-layer':
        await commandExportLayer(rest);
        return 0;
      case 'tile':
        await commandTile(rest);
        return 0;
      case 'search':
        await commandSearch(rest);
        return 0;
      case 'copy':
        await commandCopy(rest);
        return 0;
      case 'check':
        return await commandCheck(rest);
      case 'encrypt':
        await commandEncrypt(rest, (message) => new UsageError(message));
        return 0;
      case 'decrypt':
        await commandDecrypt(rest, (message) => new UsageError(message));
        return 0;
      case 'audit':
        await commandAudit(rest, (message) => new UsageError(message));
        return 0;
      case 'serve':
        await commandServe(rest);
        return 0;
      case 'sync':
        await commandSync(rest, (message) => new UsageError(message));
        return 0;
      case 'server':
        await commandServer(rest, (message) => new UsageError(message));
        return 0;
      case 'brief':
        await commandBrief(rest, (message) => new UsageError(message));
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`storey: ${(error as Error).message}\nRun \`storey --help\` for usage.`);
      return 2;
    }
    if (error instanceof StoreyError) {
      console.error(`storey: ${error.message} [${error.code}]`);
      return 1;
    }
    console.error('storey: unexpected error:', error);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0 || (process.argv[2] !== 'serve' && !(process.argv[2] === 'server' && process.argv[3] === 'serve'))) process.exitCode = code;
