/** `storey sync`: bring a project up to date with its server, or create one from a server (--init). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StoreyError } from '../common/errors.js';
import { ProjectFile } from '../core/project/project-file.js';
import { parseArea } from '../core/sync/area.js';
import { describeFilter, parseFilter, type SyncFilter } from '../core/sync/filter.js';
import { createProjectFromServer, syncProject, type SyncOptions, type SyncProgress, type SyncSummary } from '../core/sync/sync-client.js';
import { tileAfterChange } from '../core/tiler/after-import.js';

export const syncHelp = `  storey sync FILE.storey [--token-file FILE] [--client-cert C --client-key K] [--json] [--no-tile] [CHOICE]
  storey sync --init FILE.storey --server https://HOST:PORT --ca CA.pem [--area W,S,E,N] [--name NAME] [--no-tile] [CHOICE]
      Sync with the organisation's server: records and tiles of the area arrive as whole generations, notes and
      views go both ways (conflicts keep both). Resumes after a dropped connection, a kill or Ctrl-C (which
      cancels, keeping the last whole generation); --init on a file it started continues it. The token comes from
      STOREY_SYNC_TOKEN or --token-file and is never written into the project. When records changed, the
      buildings are tiled again for the city view (--no-tile: later, with storey tile).
      CHOICE (kept in the project for later syncs; given again, it replaces the kept one as a whole, bringing what
      is newly wanted and deleting what is no longer wanted): --layers ID[:MIN-MAX],... (tile layers by id, each
      with its own zoom range; "all": every layer; "none": no tiles), --min-zoom N / --max-zoom N (for the chosen imagery and
      terrain layers without a range of their own), --no-records (tiles only). Without any: everything.`;

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
      'no-tile': { type: 'boolean', default: false },
      layers: { type: 'string' }, 'min-zoom': { type: 'string' }, 'max-zoom': { type: 'string' }, 'no-records': { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usage('storey sync needs exactly one project file');
  let token = process.env['STOREY_SYNC_TOKEN'];
  if (values['token-file']) token = readFileSync(values['token-file'], 'utf8').trim();
  if (!token) throw new StoreyError('UNAUTHORIZED', 'No sync token: set STOREY_SYNC_TOKEN or pass --token-file.');
  const onProgress = progressPrinter(process.stderr);
  // Ctrl-C cancels: the project keeps its last whole generation and the next sync continues from there.
  const cancel = new AbortController();
  const onInterrupt = () => {
    if (cancel.signal.aborted) process.exit(130);
    process.stderr.write('\nCancelling… (Ctrl-C again to quit at once)\n');
    cancel.abort();
  };
  process.on('SIGINT', onInterrupt);
  const filter = choiceOf(values);
  if (filter !== undefined && !values.json) process.stderr.write(`Taking ${describeFilter(filter)}.\n`);
  const options: SyncOptions = { token, onProgress, signal: cancel.signal, clientCertPath: values['client-cert'], clientKeyPath: values['client-key'], ...(filter !== undefined ? { filter } : {}) };
  let summary: SyncSummary;
  try {
    summary = await runSync(file, values, options, usage);
  } finally {
    process.off('SIGINT', onInterrupt);
    onProgress.finish();
  }
  console.log(values.json ? JSON.stringify(summary, null, 2) : describe(summary));
  // The server never sends its buildings tileset (server/capture.ts): this workstation tiles the records it holds.
  const recordsChanged = summary.applied !== null && summary.applied.records.put + summary.applied.records.delete > 0;
  if (recordsChanged && !values['no-tile'] && !cancel.signal.aborted) await tileSynced(file, values.json);
}

/** Tiles the synced buildings for the city view; a failure leaves the sync as it is and says how to try again. */
async function tileSynced(file: string, json: boolean): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const project = ProjectFile.open(file);
  try {
    const tiled = await tileAfterChange(project, (done, total) => {
      if (tty) process.stderr.write(`\r\x1b[2Ktiling: ${done} of ${total} buildings`);
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    if (tiled && !json) console.log(`Tiled ${tiled.buildings} buildings into ${tiled.tiles} tiles for the city view (${tiled.rebuilt} built, ${tiled.kept} unchanged) in ${(tiled.durationMs / 1000).toFixed(1)} s.`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`storey: the sync stands, but tiling its buildings failed (${message}); the city view draws them from the registry until \`storey tile ${file}\` succeeds.\n`);
  } finally {
    project.close();
  }
}

/** The choice of records, layers and zooms the options make; undefined when none is given (the project's stays). */
function choiceOf(values: { layers?: string; 'min-zoom'?: string; 'max-zoom'?: string; 'no-records'?: boolean }): SyncFilter | undefined {
  if (values.layers === undefined && values['min-zoom'] === undefined && values['max-zoom'] === undefined && !values['no-records']) return undefined;
  const text = values.layers?.trim();
  if (text === '') throw new StoreyError('BAD_ARGUMENT', '--layers is empty: give layer ids (ID or ID:MIN-MAX, comma-separated), "all" or "none".');
  // An unknown id is refused once the server has listed its layers, with the ids it offers.
  const layers = text === 'all' ? null : text === 'none' ? '' : text;
  return parseFilter(
    { records: values['no-records'] ? '0' : '1', layers: layers ?? null, minzoom: values['min-zoom'] ?? null, maxzoom: values['max-zoom'] ?? null },
    { records: '--no-records', layers: '--layers', minzoom: '--min-zoom', maxzoom: '--max-zoom' },
  );
}

async function runSync(file: string, values: { init?: boolean; server?: string; ca?: string; area?: string; name?: string }, options: SyncOptions, usage: (message: string) => Error): Promise<SyncSummary> {
  let summary: SyncSummary;
  if (values.init) {
    if (!values.server || !values.ca) throw usage('storey sync --init needs --server and --ca');
    const area = values.area ? parseArea(values.area, '--area') : null;
    const created = await createProjectFromServer(file, { name: values.name ?? file.replace(/^.*[\\/]|\.storey$/g, ''), server: values.server, caPath: values.ca, area, ...(options.filter !== undefined ? { filter: options.filter } : {}) }, options);
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
  return summary;
}

const phaseNames: Record<SyncProgress['phase'], string> = { manifest: 'asking the server', changes: 'changes', tiles: 'tiles', apply: 'applying', items: 'notes and views', done: 'done' };

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.ceil(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Progress: one line rewritten in place on a terminal, a plain line every few seconds (and per phase) otherwise. */
export function progressPrinter(out: NodeJS.WriteStream): ((p: SyncProgress) => void) & { finish: () => void } {
  const tty = out.isTTY === true;
  let lastAt = 0;
  let lastPhase = '';
  let drawn = false;
  const print = (p: SyncProgress) => {
    const now = Date.now();
    const changed = p.phase !== lastPhase;
    if (!changed && now - lastAt < (tty ? 200 : 2000)) return;
    lastAt = now;
    lastPhase = p.phase;
    const items = p.phase === 'changes' || p.phase === 'tiles' ? `, ${p.items}${p.itemsTotal !== null ? `/${p.itemsTotal}` : ''} ${p.phase === 'tiles' ? 'tiles' : 'items'}` : '';
    const left = p.secondsLeft !== null && p.secondsLeft > 0 ? `, ${formatSeconds(p.secondsLeft)} left` : '';
    const line = `${phaseNames[p.phase]}${items}, ${(p.bytes / 1e6).toFixed(1)} MB at ${(p.bytesPerSecond / 1e6).toFixed(1)} MB/s${left}`;
    if (tty) {
      out.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else out.write(`${line}\n`);
  };
  return Object.assign(print, {
    finish: () => {
      if (drawn) out.write('\n');
      drawn = false;
    },
  });
}
