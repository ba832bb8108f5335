/** `storey sync`: bring a project up to date with its server, or create one from a server (--init). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StoreyError } from '../common/errors.js';
import { ProjectFile } from '../core/project/project-file.js';
import { parseArea } from '../core/sync/area.js';
import { createProjectFromServer, syncProject, type SyncOptions, type SyncProgress, type SyncSummary } from '../core/sync/sync-client.js';

export const syncHelp = `  storey sync FILE.storey [--token-file FILE] [--client-cert C --client-key K] [--json]
  storey sync --init FILE.storey --server https://HOST:PORT --ca CA.pem [--area W,S,E,N] [--name NAME]
      Sync with the organisation's server: records and tiles of the area arrive as whole generations, notes and
      views go both ways (conflicts keep both). Resumes after a dropped connection. The token comes from
      STOREY_SYNC_TOKEN or --token-file and is never written into the project.`;

function describe(summary: SyncSummary): string {
  const lines = [summary.applied
    ? `Generation ${summary.generationBefore} → ${summary.generation}: records +${summary.applied.records.put}/-${summary.applied.records.delete}, tiles +${summary.applied.tiles.put}/-${summary.applied.tiles.delete}`
    : `Already at generation ${summary.generation}.`];
  lines.push(`Transferred ${(summary.bytesReceived / 1e6).toFixed(2)} MB (${summary.blobsFetched} tiles).`);
  const i = summary.items;
  lines.push(`Notes and views: ${i.pulled} received, ${i.pushed} sent${i.conflicts ? `, ${i.conflicts} conflict${i.conflicts === 1 ? '' : 's'} (both versions kept)` : ''}.`);
  return lines.join('\n');
}

export async function commandSync(args: string[], usage: (message: string) => Error): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      init: { type: 'boolean', default: false }, server: { type: 'string' }, ca: { type: 'string' }, area: { type: 'string' }, name: { type: 'string' },
      'token-file': { type: 'string' }, 'client-cert': { type: 'string' }, 'client-key': { type: 'string' }, json: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usage('storey sync needs exactly one project file');
  let token = process.env['STOREY_SYNC_TOKEN'];
  if (values['token-file']) token = readFileSync(values['token-file'], 'utf8').trim();
  if (!token) throw new StoreyError('UNAUTHORIZED', 'No sync token: set STOREY_SYNC_TOKEN or pass --token-file.');
  let last = 0;
  const started = Date.now();
  const onProgress = (p: SyncProgress) => {
    if (Date.now() - last < 500 && p.phase !== 'done') return;
    last = Date.now();
    const seconds = (Date.now() - started) / 1000;
    const total = p.itemsTotal ? `/${p.itemsTotal}` : '';
    console.error(`${p.phase}: ${p.items}${total} items, ${(p.bytes / 1e6).toFixed(1)} MB, ${(p.bytes / 1e6 / Math.max(seconds, 0.001)).toFixed(1)} MB/s`);
  };
  const options: SyncOptions = { token, onProgress, clientCertPath: values['client-cert'], clientKeyPath: values['client-key'] };
  let summary: SyncSummary;
  if (values.init) {
    if (!values.server || !values.ca) throw usage('storey sync --init needs --server and --ca');
    const area = values.area ? parseArea(values.area, '--area') : null;
    const created = await createProjectFromServer(file, { name: values.name ?? file.replace(/^.*[\\/]|\.storey$/g, ''), server: values.server, caPath: values.ca, area }, options);
    summary = created.summary;
    created.project.close();
  } else {
    const project = ProjectFile.open(file);
    try {
      summary = await syncProject(project, { ...options, server: values.server, caPath: values.ca });
    } finally {
      project.close();
    }
  }
  console.log(values.json ? JSON.stringify(summary, null, 2) : describe(summary));
}
