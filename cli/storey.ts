/**
 * The `storey` command line. Each command is a thin wrapper over core/; errors print one line that says what and
 * where, and the exit code tells scripts what happened (0 done, 1 failed, 2 usage).
 */
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, rmSync } from 'node:fs';
import { StoreyError } from '../common/errors.js';
import { ProjectApi } from '../core/api/project-api.js';
import { ensureSampleProject, findPackageRoot } from '../core/paths.js';
import { ProjectFile } from '../core/project/project-file.js';
import { createSampleProject, SAMPLE_SEED } from '../core/sample/sample-city.js';
import { startWebHost } from '../main/web/web-host.js';

const HELP = `storey — offline 3D city workstation

Usage:
  storey sample OUT.storey [--seed N] [--force]
      Write the synthetic sample district to a new project file.
  storey info FILE.storey [--json]
      What the project holds: records, tile layers, schema version.
  storey serve [FILE.storey] [--port N] [--read-only]
      Serve the workstation UI on 127.0.0.1 (default: the sample project, made on first use).
  storey --help | --version

Environment:
  STOREY_HOME   folder for the sample project and settings (default: the platform's user data folder)
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
  const project = ProjectFile.open(file, { readOnly: true });
  try {
    const info = await new ProjectApi(project).getProjectInfo();
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
      return;
    }
    const lines = [
      `${info.fileName}: ${info.name}${info.synthetic ? ' [synthetic sample data]' : ''}`,
      `  schema version  ${info.schemaVersion}`,
      `  buildings       ${info.counts.buildings}`,
      `  floors          ${info.counts.floors}`,
      `  units           ${info.counts.units}`,
      `  stairwells      ${info.counts.stairwells}`,
      `  addresses       ${info.counts.addresses}`,
      `  tile layers     ${info.layers.length === 0 ? 'none' : ''}`,
      ...info.layers.map((l) => `    ${l.name} (${l.kind}): ${l.tileCount} tiles`),
    ];
    if (info.extent) {
      const e = info.extent;
      lines.push(`  extent          ${e.westDegrees.toFixed(5)}, ${e.southDegrees.toFixed(5)} – ${e.eastDegrees.toFixed(5)}, ${e.northDegrees.toFixed(5)} (lon/lat)`);
    }
    console.log(lines.join('\n'));
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
  if (positionals.length > 1) throw new UsageError('storey serve takes at most one project file');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, not "${values.port}"`);
  const projectPath = positionals[0] ?? ensureSampleProject();
  const staticRoot = join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(staticRoot, 'index.html'))) {
    throw new StoreyError('NOT_FOUND', `The UI is not built (${staticRoot} has no index.html): run \`npm run build\` first.`);
  }
  const host = await startWebHost({ projectPath, staticRoot, port, readOnly: values['read-only'] });
  console.log(`Storey is running at ${host.url}`);
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
      case 'serve':
        await commandServe(rest);
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
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
