/**
 * Opening a finished briefing on the desktop: ProjectApi hands the job's PDF to the host's openPdf (the desktop keeps
 * it in Documents/Storey briefings and opens it in the system's viewer, as its window lets no page open windows), and
 * keepBriefingPdf never writes over a file that is there. On the Danish data, with a stand-in for the system viewer.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BriefingJob } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi } from '../../core/api/project-api.js';
import { keepBriefingPdf } from '../../core/brief/keep-pdf.js';
import { ImportJobs } from '../../core/import/import-jobs.js';
import { importRegistry } from '../../core/import/importer.js';
import { loadProfile } from '../../core/import/profile.js';
import { findPackageRoot } from '../../core/paths.js';
import { ProjectFile } from '../../core/project/project-file.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir();
let project: ProjectFile;

before(async () => {
  project = ProjectFile.create(join(dir, 'odense.storey'), { name: 'Odense' });
  await importRegistry(project, loadProfile(join(root, 'resources', 'profiles', 'dk-bbr.json')), [sharedData('dk-odense')]);
});

after(() => project?.close());

async function finished(api: ProjectApi, job: BriefingJob): Promise<BriefingJob> {
  while (job.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    job = await api.getBriefingJob({ jobId: job.id });
  }
  return job;
}

test('a finished briefing is handed to the host to keep and open; a host that cannot says NOT_SUPPORTED', async () => {
  const kept = join(dir, 'Storey briefings');
  const opened: string[] = [];
  const services = {
    jobs: new ImportJobs(project.path, () => {
      throw new Error('no imports here');
    }),
    profilesDir: join(root, 'resources', 'profiles'),
    openPdf: async (fileName: string, pdf: Buffer) => {
      const path = keepBriefingPdf(kept, fileName, pdf);
      opened.push(path);
      return path;
    },
  };
  const api = new ProjectApi(project, services);
  const [building] = (await api.queryBuildings({ conditions: [{ attribute: 'floorCount', operator: '>=', value: 4 }], limit: 1 })).rows;
  assert.ok(building, 'a building of four floors or more');
  const job = await finished(api, await api.startBriefing({ title: 'Ørstedsgade', buildingIds: [building.id] }));
  assert.equal(job.state, 'done', JSON.stringify(job.error));

  const first = await api.openBriefingPdf({ jobId: job.id });
  const again = await api.openBriefingPdf({ jobId: job.id });
  assert.deepEqual(opened, [first.path, again.path]);
  assert.equal(first.path, join(kept, job.result!.fileName));
  assert.equal(again.path, join(kept, `${job.result!.fileName.replace(/\.pdf$/, '')} (2).pdf`), 'opened twice: a second file, the first kept');
  assert.deepEqual(readFileSync(first.path), Buffer.from(job.result!.pdfBase64, 'base64'), 'the PDF as composed');

  await assert.rejects(api.openBriefingPdf({ jobId: 'nope' }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_FOUND');
  await assert.rejects(new ProjectApi(project).openBriefingPdf({ jobId: job.id }), (e: unknown) => e instanceof StoreyError && e.code === 'NOT_SUPPORTED');
});

test('keepBriefingPdf writes only PDFs, under a safe name, never over a file that is there', () => {
  const folder = join(dir, 'kept');
  const pdf = Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1');
  assert.equal(keepBriefingPdf(folder, '../../etc/Briefing: Ø/2026?.pdf', pdf), join(folder, '2026_.pdf'), 'only the base name, odd characters replaced');
  assert.equal(keepBriefingPdf(folder, '2026?.pdf', pdf), join(folder, '2026_ (2).pdf'));
  assert.throws(() => keepBriefingPdf(folder, 'x.pdf', Buffer.from('<html>')), (e: unknown) => e instanceof StoreyError && e.code === 'BAD_INPUT');
  assert.deepEqual(readdirSync(folder).sort(), ['2026_ (2).pdf', '2026_.pdf']);
});
