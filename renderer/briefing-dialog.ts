/**
 * File ▸ Export briefing (Ctrl+P): title, author, marking, paper, which saved views become map pages, which
 * buildings get detail pages, and whether the summary and attribute table of the current filter go in. The host
 * renders the maps and composes the PDF as a job; the dialog shows its stage (rendering map k of n, composing, writing)
 * on a progress bar with a Cancel button that stops the work, and then opens (and offers to save) the PDF.
 */
import type { BriefingJob, BriefingResult, FilterCondition, SavedView, StoreyApi } from '../common/contract.js';
import { formatNumber, h } from './dom.js';

export interface BriefingContext {
  projectName: string;
  /** The project's own classification marking, if it has one. */
  marking: string;
  /** The building selected in the workstation, offered for a detail page. */
  selectedBuilding: { id: string; label: string } | null;
  filter: FilterCondition[];
  /** The host keeps and opens the PDF itself (the desktop, whose window opens no other windows); else the browser does. */
  hostOpensPdf: boolean;
}

function pdfUrl(result: BriefingResult): string {
  const bytes = Uint8Array.from(atob(result.pdfBase64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
}

export function openBriefingDialog(api: StoreyApi, context: BriefingContext, onError: (error: unknown) => void): void {
  const dialog = h('dialog', { class: 'import-dialog briefing-dialog', 'aria-labelledby': 'briefing-title' }) as HTMLDialogElement;
  const field = (id: string, labelText: string, input: HTMLElement) => [h('label', { for: id }, labelText), input];
  const title = h('input', { id: 'briefing-title-input', value: `${context.projectName} briefing`, maxlength: '200', required: true });
  const author = h('input', { id: 'briefing-author', maxlength: '200', placeholder: 'Your name' });
  const marking = h('input', { id: 'briefing-marking', maxlength: '100', value: context.marking || 'UNCLASSIFIED' });
  const paper = h('select', { id: 'briefing-paper' }, ...['a4', 'a3', 'letter'].map((p) => h('option', { value: p }, p === 'letter' ? 'Letter' : p.toUpperCase())));
  const orientation = h('select', { id: 'briefing-orientation', 'aria-label': 'Orientation' }, h('option', { value: 'landscape' }, 'Landscape'), h('option', { value: 'portrait' }, 'Portrait'));
  const viewList = h('div', { id: 'briefing-views', class: 'check-list' }, h('span', { class: 'muted small' }, 'Loading saved views…'));
  const buildingBox = context.selectedBuilding
    ? h('input', { type: 'checkbox', id: 'briefing-building', checked: true, value: context.selectedBuilding.id })
    : null;
  const moreBuildings = h('textarea', { id: 'briefing-more-buildings', rows: '2', placeholder: 'More building ids, one per line', spellcheck: 'false' });
  const table = h('input', { type: 'checkbox', id: 'briefing-table', checked: context.filter.length > 0 });
  const status = h('div', { class: 'import-status', 'aria-live': 'polite' });
  const start = h('button', { class: 'primary', type: 'submit', id: 'briefing-start' }, 'Make PDF');
  const close = h('button', { type: 'button' }, 'Close');
  let views: SavedView[] = [];

  const chosenViews = () => [...viewList.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((c) => c.value);
  const chosenBuildings = () => [
    ...(buildingBox?.checked ? [buildingBox.value] : []),
    ...moreBuildings.value.split(/\s+/).map((s) => s.trim()).filter(Boolean),
  ];

  let running: BriefingJob | null = null;
  const stageNames: Record<BriefingJob['progress']['stage'], string> = {
    starting: 'Starting',
    rendering: 'Rendering maps',
    composing: 'Composing pages',
    writing: 'Writing the PDF',
    done: 'Done',
  };
  const cancel = h('button', { type: 'button', id: 'briefing-cancel' }, 'Cancel');
  cancel.addEventListener('click', () => void stop());
  const stop = async () => {
    if (!running || running.state !== 'running') return;
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    try {
      running = await api.cancelBriefing({ jobId: running.id });
    } catch (error) {
      onError(error);
    }
  };

  const make = async () => {
    const viewIds = chosenViews();
    const buildingIds = [...new Set(chosenBuildings())];
    if (viewIds.length === 0 && buildingIds.length === 0 && !table.checked) {
      status.replaceChildren(h('p', { class: 'small' }, 'Choose at least one saved view, a building or the attribute table.'));
      return;
    }
    start.disabled = true;
    const started = Date.now();
    const stage = h('div', { class: 'progress-label', id: 'briefing-stage' });
    const bar = h('progress', { id: 'briefing-progress', max: '1', value: '0' }) as HTMLProgressElement;
    const elapsed = h('span', { class: 'muted small', id: 'briefing-elapsed' });
    cancel.disabled = false;
    cancel.textContent = 'Cancel';
    const show = (job: BriefingJob) => {
      const { stage: name, detail, done, total } = job.progress;
      stage.textContent = `${detail.charAt(0).toUpperCase()}${detail.slice(1)}`;
      bar.max = total;
      bar.value = done;
      bar.setAttribute('aria-valuetext', `${stageNames[name]}, step ${done + 1} of ${total}`);
      elapsed.textContent = `${stageNames[name]} · ${done} of ${total} steps done · ${Math.round((Date.now() - started) / 1000)} s`;
      document.body.dataset['briefingStage'] = name;
    };
    status.replaceChildren(stage, h('div', { class: 'progress-row dialog-buttons' }, bar, cancel), elapsed);
    document.body.dataset['briefingState'] = 'running';
    try {
      running = await api.startBriefing({
        title: title.value,
        author: author.value,
        marking: marking.value,
        paper: paper.value as 'a4',
        orientation: orientation.value as 'landscape',
        viewIds,
        buildingIds,
        includeTable: table.checked,
        filter: context.filter,
      });
      show(running);
      while (running.state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 400));
        running = await api.getBriefingJob({ jobId: running.id });
        show(running);
      }
      document.body.dataset['briefingState'] = running.state;
      const result = running.result;
      if (running.state === 'cancelled') {
        status.replaceChildren(h('p', { id: 'briefing-cancelled' }, 'Cancelled: the work was stopped and no PDF was made.'));
      } else if (!result) {
        status.replaceChildren(h('p', { class: 'small error-text' }, `No PDF: ${running.error?.message ?? 'the briefing failed.'}`));
      } else {
        const url = pdfUrl(result);
        const jobId = running.id;
        const link = h('a', { href: url, download: result.fileName, id: 'briefing-download', class: 'link' }, `Save ${result.fileName}`);
        const where = h('p', { class: 'small muted', id: 'briefing-opened' });
        // The desktop keeps it in Documents and opens it in the system's viewer; in a browser the browser opens it.
        const openPdf = () => {
          if (!context.hostOpensPdf) {
            window.open(url, '_blank', 'noopener');
            return;
          }
          api.openBriefingPdf({ jobId }).then(({ path }) => (where.textContent = `Opened ${path}`), onError);
        };
        const open = h('a', { href: url, id: 'briefing-open', onclick: (event: Event) => { event.preventDefault(); openPdf(); } }, 'Open the PDF');
        status.replaceChildren(
          h('p', {}, `Done: ${result.pageCount} pages in ${formatNumber((Date.now() - started) / 1000, 1)} s (maps ${formatNumber(result.renderMs / 1000, 1)} s, composition ${formatNumber(result.composeMs / 1000, 1)} s).`),
          h('p', {}, open, ' · ', link),
          where,
        );
        document.body.dataset['briefing'] = `${result.pageCount}:${result.fileName}`;
        openPdf();
      }
    } catch (error) {
      document.body.dataset['briefingState'] = 'failed';
      status.replaceChildren(h('p', { class: 'small error-text' }, `No PDF: ${error instanceof Error ? error.message : String(error)}`));
      onError(error);
    } finally {
      start.disabled = false;
    }
  };

  const form = h('form', { method: 'dialog' },
    h('h3', { id: 'briefing-title' }, 'Export briefing'),
    ...field('briefing-title-input', 'Title', title),
    ...field('briefing-author', 'Author', author),
    ...field('briefing-marking', 'Classification marking (on every page)', marking),
    h('label', { for: 'briefing-paper' }, 'Paper'),
    h('div', { class: 'row' }, paper, orientation),
    h('label', {}, 'Map pages (saved views)'),
    viewList,
    h('label', {}, 'Building pages'),
    buildingBox ? h('label', { class: 'check' }, buildingBox, ` ${context.selectedBuilding!.label}`) : h('p', { class: 'muted small' }, 'No building is selected; add ids below or select one first.'),
    moreBuildings,
    h('label', { class: 'check' }, table, context.filter.length ? ` Summary and attribute table of the current filter (${context.filter.length} condition${context.filter.length === 1 ? '' : 's'})` : ' Summary and attribute table of all buildings (no filter is set)'),
    status,
    h('div', { class: 'dialog-buttons' }, close, start),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void make();
  });
  close.addEventListener('click', () => dialog.close());
  // Closing the dialog (Close, Esc) while a briefing runs stops it: nobody would be there to take the PDF.
  dialog.addEventListener('close', () => {
    void stop();
    dialog.remove();
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  title.select();

  api.listViews({}).then((result) => {
    views = result.views;
    viewList.replaceChildren(
      ...(views.length === 0
        ? [h('span', { class: 'muted small' }, 'No saved views yet: save one in Views & notes to get a map page.')]
        : views.map((v) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: v.id, 'data-view-name': v.name }), ` ${v.name}`))),
    );
  }, onError);
}
