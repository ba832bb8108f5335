/** File ▸ Import: pick a profile, name files or folders on this computer, watch the progress, cancel, read the report. */
import type { ImportJob, ImportReport, StoreyApi } from '../common/contract.js';
import { formatNumber, h } from './dom.js';

export function openImportDialog(api: StoreyApi, onImported: () => void, onError: (error: unknown) => void): void {
  const dialog = h('dialog', { class: 'import-dialog', 'aria-labelledby': 'import-title' }) as HTMLDialogElement;
  const profileSelect = h('select', { id: 'import-profile', required: true });
  const inputs = h('textarea', {
    id: 'import-inputs',
    rows: '4',
    placeholder: 'One file or folder per line, e.g.\n/data/registry/dk-odense',
    spellcheck: 'false',
  });
  const profileInfo = h('p', { class: 'muted small' });
  const status = h('div', { class: 'import-status', 'aria-live': 'polite' });
  const start = h('button', { class: 'primary', type: 'submit' }, 'Import');
  const cancel = h('button', { type: 'button' }, 'Close');
  let job: ImportJob | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let profiles: Awaited<ReturnType<StoreyApi['listImportProfiles']>>['profiles'] = [];

  const showProfile = () => {
    const p = profiles.find((x) => x.id === profileSelect.value);
    profileInfo.textContent = p ? `${p.description} Reads: ${p.patterns.join(', ')}` : '';
  };
  const progressView = (j: ImportJob) => {
    const fraction = j.progress.total > 0 ? j.progress.done / j.progress.total : 0;
    return h('div', {},
      h('div', { class: 'progress-label' }, `${j.progress.phase}: ${j.progress.detail}`),
      h('progress', { max: '1', value: String(j.state === 'done' ? 1 : fraction) }),
    );
  };
  const reportView = (report: ImportReport) =>
    h('div', { class: 'import-report' },
      h('p', {}, `Imported with “${report.profile}” in ${(report.durationMs / 1000).toFixed(1)} s.`),
      h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Records'), h('th', { class: 'num' }, 'new'), h('th', { class: 'num' }, 'updated'))),
        h('tbody', {}, ...Object.entries(report.records).map(([table, c]) =>
          h('tr', {}, h('td', {}, table), h('td', { class: 'num' }, formatNumber(c.imported)), h('td', { class: 'num' }, formatNumber(c.updated))))),
      ),
      h('p', { class: 'muted' }, `Heights: ${report.heights.measured} measured, ${report.heights.floors} from floor counts, ${report.heights.default} estimated by default.`),
      ...[...report.skipped.map((t) => ({ ...t, kind: 'skipped' })), ...report.joins.map((t) => ({ ...t, kind: 'join' }))]
        .slice(0, 8)
        .map((t) => h('p', { class: 'small' }, h('strong', {}, formatNumber(t.count)), ` ${t.reason} `, h('span', { class: 'muted' }, `(e.g. ${t.examples[0] ?? ''})`))),
    );
  /**
   * The import landed but tiling the buildings for the city view failed: said plainly, because the city then looks
   * and behaves as before (drawn from the registry) and nothing else would tell the person.
   */
  const tilingNotice = (reason: string) => {
    const command = h('code', {}, 'storey tile PROJECT.storey');
    void api.getProjectInfo({}).then((info) => (command.textContent = `storey tile ${info.fileName}`), () => undefined);
    return h('div', { class: 'import-tiling-failed', role: 'alert' },
      h('p', {}, h('strong', {}, 'The import stands, but the buildings were not tiled for the city view. ')),
      // A Cancel pressed while tiling says so itself ("… was cancelled; the previous tileset stays.").
      h('p', { class: 'small' }, /was cancelled/.test(reason) ? reason : `Tiling failed: ${reason}`),
      h('p', { class: 'small' }, 'The city is drawn from the registry instead: every building, floor and attribute is there, but a large city draws more slowly. To tile again, run ', command, ' on this computer, or import again.'),
    );
  };
  const stopPolling = () => clearInterval(timer);
  const poll = async () => {
    if (!job) return;
    try {
      job = await api.getImportJob({ jobId: job.id });
    } catch (error) {
      stopPolling();
      onError(error);
      return;
    }
    if (job.state === 'running') {
      status.replaceChildren(progressView(job));
      return;
    }
    stopPolling();
    start.disabled = false;
    cancel.textContent = 'Close';
    if (job.state === 'done' && job.report) {
      status.replaceChildren(...(job.tilingError ? [tilingNotice(job.tilingError)] : []), reportView(job.report));
      onImported();
    } else {
      status.replaceChildren(h('p', { class: job.state === 'cancelled' ? 'muted' : 'error-text' }, job.error?.message ?? `Import ${job.state}.`));
    }
  };

  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'import-title' }, 'Import registry data'),
    h('label', { for: 'import-profile' }, 'Profile'), profileSelect, profileInfo,
    h('label', { for: 'import-inputs' }, 'Files or folders on this computer'), inputs,
    status,
    h('div', { class: 'dialog-buttons' }, cancel, start),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const paths = inputs.value.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!paths.length) {
      status.replaceChildren(h('p', { class: 'error-text' }, 'Name at least one file or folder.'));
      return;
    }
    start.disabled = true;
    void api.startImport({ profile: profileSelect.value, inputs: paths }).then(
      (started) => {
        job = started;
        cancel.textContent = 'Cancel import';
        status.replaceChildren(progressView(started));
        timer = setInterval(() => void poll(), 250);
      },
      (error: unknown) => {
        start.disabled = false;
        status.replaceChildren(h('p', { class: 'error-text' }, error instanceof Error ? error.message : String(error)));
      },
    );
  });
  cancel.addEventListener('click', () => {
    if (job?.state === 'running') {
      void api.cancelImport({ jobId: job.id }).catch(onError);
      return;
    }
    stopPolling();
    dialog.close();
  });
  dialog.addEventListener('close', () => {
    stopPolling();
    dialog.remove();
  });
  profileSelect.addEventListener('change', showProfile);
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  void api.listImportProfiles({}).then(({ profiles: list }) => {
    profiles = list;
    profileSelect.replaceChildren(...list.map((p) => h('option', { value: p.id }, p.name)));
    showProfile();
  }, onError);
}
