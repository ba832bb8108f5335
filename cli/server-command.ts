/** `storey server ...`: serve a master project to workstations, record its generations, manage sync tokens. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StoreyError } from '../common/errors.js';
import { expandInputPaths, importRegistry } from '../core/import/importer.js';
import { loadProfile } from '../core/import/profile.js';
import { ProjectFile } from '../core/project/project-file.js';
import { parseArea, formatArea } from '../core/sync/area.js';
import { importTiles } from '../core/tiles/import-tiles.js';
import { captureGeneration, type CaptureSummary } from '../server/capture.js';
import { startSyncServer } from '../server/serve.js';
import { createToken, listTokens, parseExpiry, revokeToken } from '../server/tokens.js';

export const serverHelp = `  storey server serve --data MASTER.storey --listen HOST:PORT --tls-cert CERT.pem --tls-key KEY.pem [--client-ca CA.pem]
      Serve a master project to workstations over HTTPS (docs/sync-protocol.md).
  storey server import MASTER.storey (--profile PROFILE.json INPUT... | --tiles SOURCE...) [--create NAME]
      Import into the master and record what changed as a new generation.
  storey server capture MASTER.storey
      Record changes made by other tools (storey import, GDAL, QGIS) as a new generation.
  storey server token create --data MASTER.storey --name NAME [--area W,S,E,N] [--fields a,b,c] [--expires 30d]
  storey server token list --data MASTER.storey [--json]
  storey server token revoke --data MASTER.storey ID|NAME
      Sync tokens: shown once when created, only their hash is kept; a token sees only its area and fields.`;

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new StoreyError('FILE_NOT_FOUND', `Cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

function describeCapture(summary: CaptureSummary): string {
  if (!summary.changed) return `Nothing changed; the master still serves generation ${summary.generation}.`;
  const parts = Object.entries(summary.counts).map(([tbl, c]) => `${tbl} +${c.put}/-${c.delete}`);
  return `Generation ${summary.generation}: ${parts.join(', ')}`;
}

export async function commandServer(args: string[], usage: (message: string) => Error): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'serve') return serve(rest, usage);
  if (sub === 'import') return importAndCapture(rest, usage);
  if (sub === 'capture') {
    const [file, ...extra] = rest;
    if (!file || extra.length) throw usage('storey server capture needs exactly one master file');
    const project = ProjectFile.open(file);
    try {
      console.log(describeCapture(captureGeneration(project)));
    } finally {
      project.close();
    }
    return;
  }
  if (sub === 'token') return token(rest, usage);
  throw usage(`storey server needs serve, import, capture or token, not "${sub ?? ''}"`);
}

async function serve(args: string[], usage: (message: string) => Error): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:8443' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'client-ca': { type: 'string' } },
  });
  if (!values.data || !values['tls-cert'] || !values['tls-key']) throw usage('storey server serve needs --data, --tls-cert and --tls-key');
  const match = /^(.*):(\d+)$/.exec(values.listen);
  if (!match) throw usage(`--listen must be HOST:PORT, not "${values.listen}"`);
  const server = await startSyncServer({
    dataPath: values.data,
    host: match[1]!.replace(/^\[|\]$/g, ''),
    port: Number(match[2]),
    cert: readPem(values['tls-cert'], 'TLS certificate'),
    key: readPem(values['tls-key'], 'TLS key'),
    clientCa: values['client-ca'] ? readPem(values['client-ca'], 'client CA') : undefined,
    log: (line) => console.error(`storey server: ${line}`),
  });
  console.log(`Storey sync server on https://${values.listen.replace(/:\d+$/, '')}:${server.port} serving ${values.data}${values['client-ca'] ? ' (client certificates required)' : ''}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function importAndCapture(args: string[], usage: (message: string) => Error): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { profile: { type: 'string' }, tiles: { type: 'boolean', default: false }, create: { type: 'string' } } });
  const [file, ...inputs] = positionals;
  if (!file || inputs.length === 0 || (!values.profile && !values.tiles)) throw usage('storey server import needs MASTER.storey, --profile PROFILE.json or --tiles, and inputs');
  const project = values.create ? ProjectFile.create(file, { name: values.create }) : ProjectFile.open(file);
  try {
    if (values.profile) {
      const report = await importRegistry(project, loadProfile(values.profile), expandInputPaths(inputs));
      const records = Object.entries(report.records).map(([table, c]) => `${table} ${c.imported} new ${c.updated} updated`);
      console.log(`Imported with profile "${report.profile}": ${records.join(', ')}`);
    } else {
      for (const input of inputs) console.log(`Imported tile layer ${(await importTiles(project, input)).name}`);
    }
    console.log(describeCapture(captureGeneration(project)));
  } finally {
    project.close();
  }
}

async function token(args: string[], usage: (message: string) => Error): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { data: { type: 'string' }, name: { type: 'string' }, area: { type: 'string' }, fields: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const data = values.data ?? process.env['STOREY_SERVER_DATA'];
  if (!data) throw usage('storey server token needs --data MASTER.storey (or STOREY_SERVER_DATA)');
  const project = ProjectFile.open(data);
  try {
    if (action === 'create') {
      if (!values.name) throw usage('storey server token create needs --name');
      const { token: secret, info } = createToken(project, {
        name: values.name,
        area: values.area ? parseArea(values.area, '--area') : null,
        fields: values.fields ? values.fields.split(',').map((f) => f.trim()).filter(Boolean) : null,
        expiresAt: values.expires ? parseExpiry(values.expires) : null,
      });
      console.log(secret);
      console.error(`Token "${info.name}" (${info.id}) created; it is shown only now. Area: ${info.area ? formatArea(info.area) : 'everything'}. Expires: ${info.expiresAt ?? 'never'}.`);
    } else if (action === 'list') {
      const tokens = listTokens(project);
      if (values.json) console.log(JSON.stringify(tokens, null, 2));
      else for (const t of tokens) {
        const state = t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt && new Date(t.expiresAt) <= new Date() ? `expired ${t.expiresAt}` : 'active';
        console.log(`${t.id}  ${t.name}  area ${t.area ? formatArea(t.area) : 'all'}  fields ${t.fields?.join(',') ?? 'all'}  ${state}`);
      }
    } else if (action === 'revoke') {
      const target = positionals[0];
      if (!target) throw usage('storey server token revoke needs a token id or name');
      const count = revokeToken(project, target);
      if (count === 0) throw new StoreyError('NOT_FOUND', `No active token with id or name "${target}".`);
      console.log(`Revoked ${count} token${count === 1 ? '' : 's'}.`);
    } else throw usage(`storey server token needs create, list or revoke, not "${action ?? ''}"`);
  } finally {
    project.close();
  }
}
