/** `storey brief`: a PDF briefing of a project file, with progress lines on stderr. */
import { writeFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BriefingSpec, Orientation, PaperSize } from '../common/briefing.js';
import { StoreyError } from '../common/errors.js';
import { briefingFromFile } from '../main/brief-render/make-briefing.js';

export const briefHelp = `  storey brief FILE.storey --out BRIEFING.pdf [--title T] [--author A] [--marking M] [--paper a4-landscape]
              [--view NAME ...] [--building ID ...] [--table] [--filter 'floorCount>=4' ...]
      A PDF briefing: map pages of saved views (rendered by Chromium), building pages with floors and units,
      the summary and attribute table of the filtered buildings (--table), provenance. Paper: a4, a3 or letter,
      -portrait or -landscape.`;

/** "floorCount>=4" or "use=Block of flats": the attribute, an operator, and a number or text ("null" = no data). */
function parseFilter(text: string, usage: (message: string) => Error) {
  const match = /^([^<>=!]+)(<=|>=|!=|=|<|>)(.*)$/.exec(text);
  if (!match) throw usage(`--filter "${text}" is not ATTRIBUTE OP VALUE (e.g. floorCount>=4)`);
  const raw = match[3]!.trim();
  const value = raw === 'null' ? null : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return { attribute: match[1]!.trim(), operator: match[2] as '=' | '!=' | '<' | '<=' | '>' | '>=', value };
}

export async function commandBrief(args: string[], usage: (message: string) => Error): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      title: { type: 'string' },
      author: { type: 'string', default: '' },
      marking: { type: 'string' },
      paper: { type: 'string', default: 'a4-landscape' },
      view: { type: 'string', multiple: true, default: [] },
      building: { type: 'string', multiple: true, default: [] },
      table: { type: 'boolean', default: false },
      filter: { type: 'string', multiple: true, default: [] },
    },
  });
  if (positionals.length !== 1) throw usage('storey brief needs one project file');
  if (!values.out) throw usage('storey brief needs --out BRIEFING.pdf');
  const [paper, orientation = 'landscape'] = values.paper.toLowerCase().split('-');
  if (!PaperSize.safeParse(paper).success || !Orientation.safeParse(orientation).success) {
    throw usage(`--paper must be a4, a3 or letter, optionally with -portrait or -landscape (e.g. a3-portrait), not "${values.paper}"`);
  }
  const parsed = BriefingSpec.safeParse({
    title: values.title ?? `Briefing on ${positionals[0]!.replace(/^.*[\\/]/, '').replace(/\.storey$/, '')}`,
    author: values.author,
    ...(values.marking !== undefined ? { marking: values.marking } : {}),
    paper,
    orientation,
    viewIds: values.view,
    buildingIds: values.building,
    includeTable: values.table || values.filter.length > 0,
    filter: values.filter.map((f) => parseFilter(f, usage)),
  });
  if (!parsed.success) throw usage(`bad briefing options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const started = performance.now();
  // Written beside the target and renamed once the briefing is on record, so neither a failure nor Ctrl+C leaves
  // half a PDF (or an unrecorded one) under the asked-for name.
  const out = resolve(values.out);
  const partial = `${out}.partial-${process.pid}`;
  const controller = new AbortController();
  const interrupt = () => {
    console.error('storey brief: cancelling…');
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  let result;
  try {
    result = await briefingFromFile(positionals[0]!, parsed.data, (message) => console.error(`storey brief: ${message}`), undefined, {
      signal: controller.signal,
      deliver: (output) => {
        try {
          writeFileSync(partial, output.pdf);
        } catch (error) {
          throw new StoreyError('BAD_ARGUMENT', `Cannot write ${values.out}: ${(error as Error).message}`, { cause: error });
        }
        return out;
      },
      undeliver: () => rmSync(partial, { force: true }),
    });
    renameSync(partial, out);
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof StoreyError) throw error;
    throw new StoreyError('BAD_ARGUMENT', `Cannot write ${values.out}: ${(error as Error).message}`, { cause: error });
  } finally {
    process.off('SIGINT', interrupt);
  }
  console.error(`storey brief: maps ${(result.renderMs / 1000).toFixed(1)} s, composition ${(result.composeMs / 1000).toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`Wrote ${values.out}: ${result.pageCount} pages, ${(result.pdf.length / 1e6).toFixed(1)} MB; recorded in the project's audit trail.`);
}
