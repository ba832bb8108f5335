/**
 * File ▸ Import tiles…: the person names a tile source on the host — typed, picked from the project folder, or (on
 * the desktop) chosen in the native dialog — and the host imports it on a worker thread. Tile sources can be many
 * gigabytes, so nothing is uploaded: the host reads the file where it is. The dialog shows tiles done of total and
 * the bytes written, cancels (the import rolls back), and ends with the new layer's facts.
 */
import type { HostInfo, LayerSummary, StoreyApi, TileImportJob, TileSourceEntry, TileSourceListing } from '../common/contract.js';
import { formatNumber, h } from './dom.js';
import { extentText, formatSize, layerDetails, sourceTypeLabels } from './layer-facts.js';

export interface TileImportDialogHost {
  api: StoreyApi;
  /** Called once the new layer is in the project. */
  onImported(layer: LayerSummary): void;
  onError(error: unknown): void;
}

const POLL_MS = 250;
const FIELD_STYLE = 'width: 100%; background: #10161d; color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; font: inherit;';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function openTileImportDialog(host: TileImportDialogHost): void {
  const { api } = host;
  const dialog = h('dialog', { class: 'import-dialog tile-import-dialog', 'aria-labelledby': 'tile-import-title' }) as HTMLDialogElement;
  const sourceInput = h('input', {
    id: 'tile-source',
    type: 'text',
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    placeholder: '/data/tiles/city.mbtiles, or a path in the project folder',
    style: FIELD_STYLE,
  });
  const nameInput = h('input', { id: 'tile-name', type: 'text', maxlength: '200', placeholder: 'the file or folder name', style: FIELD_STYLE });
  const chooserRow = h('div', { class: 'row', hidden: true });
  const browserTitle = h('div', { class: 'small muted', id: 'tile-browser-title' });
  const upButton = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Up one folder', title: 'Up one folder', disabled: true }, '↑');
  const list = h('ul', { class: 'item-list', id: 'tile-source-list', role: 'listbox', 'aria-label': 'Tile sources in the project folder', style: 'max-height: 190px; overflow-y: auto; margin: 4px 0;' });
  const status = h('div', { class: 'import-status', 'aria-live': 'polite' });
  const start = h('button', { class: 'primary', type: 'submit' }, 'Import');
  const close = h('button', { type: 'button', id: 'tile-import-close' }, 'Close');
  let job: TileImportJob | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let listing: TileSourceListing | null = null;

  const fields = [sourceInput, nameInput];
  const setBusy = (busy: boolean) => {
    start.disabled = busy;
    for (const field of fields) field.disabled = busy;
    for (const button of chooserRow.querySelectorAll('button')) button.disabled = busy;
    close.textContent = busy ? 'Cancel import' : 'Close';
  };

  const progressView = (j: TileImportJob) => {
    const { done, total, bytes } = j.progress;
    const counted = total > 0 ? `${formatNumber(done)} / ${formatNumber(total)} tiles` : done > 0 ? `${formatNumber(done)} tiles` : 'starting…';
    return h('div', { class: 'tile-import-progress' },
      h('div', { class: 'progress-label' }, `Importing ${j.source}: ${counted} · ${formatSize(bytes)}`),
      h('progress', { max: String(Math.max(total, 1)), value: String(total > 0 ? done : 0), 'aria-label': 'Tiles imported' }),
    );
  };
  const layerView = (layer: LayerSummary) =>
    h('div', { class: 'tile-import-result' },
      h('p', {}, h('strong', {}, `Imported “${layer.name}”`), ' — it is in the layer list.'),
      h('p', { class: 'small' }, layerDetails(layer)),
      extentText(layer) ? h('p', { class: 'small muted' }, extentText(layer)) : null,
      layer.attribution ? h('p', { class: 'small muted' }, `© ${layer.attribution}`) : null,
    );
  const showError = (text: string) => status.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, text));

  const stopPolling = () => clearInterval(timer);
  const poll = async () => {
    if (!job) return;
    try {
      job = await api.getTileImportJob({ jobId: job.id });
    } catch (error) {
      stopPolling();
      setBusy(false);
      showError(messageOf(error));
      return;
    }
    if (job.state === 'running') {
      status.replaceChildren(progressView(job));
      return;
    }
    stopPolling();
    setBusy(false);
    if (job.state === 'done' && job.layer) {
      status.replaceChildren(layerView(job.layer));
      host.onImported(job.layer);
    } else if (job.state === 'cancelled') {
      status.replaceChildren(h('p', { class: 'muted tile-import-cancelled' }, `Import of ${job.source} cancelled; the project is as it was.`));
    } else {
      showError(job.error?.message ?? `The import of ${job.source} failed.`);
    }
  };

  const choose = (entry: TileSourceEntry) => {
    sourceInput.value = entry.path;
    for (const item of list.querySelectorAll('li')) item.setAttribute('aria-selected', String(item.dataset['path'] === entry.path));
  };
  const entryItem = (entry: TileSourceEntry) => {
    const isSource = entry.sourceType !== null;
    const label = entry.folder ? `${entry.name}/` : entry.name;
    const facts = isSource ? sourceTypeLabels[entry.sourceType!] : entry.folder ? 'folder' : 'not a tile source';
    const size = entry.sizeBytes !== null ? ` · ${formatSize(entry.sizeBytes)}` : '';
    return h('li', { 'data-path': entry.path, 'data-source-type': entry.sourceType ?? '', role: 'option', 'aria-selected': 'false', class: isSource ? 'tile-source' : entry.folder ? 'tile-folder' : 'muted' },
      h('button', {
        type: 'button',
        class: 'link',
        ...(isSource || entry.folder ? {} : { disabled: true }),
        title: isSource ? `Import ${entry.name}` : entry.folder ? `Open ${entry.name}` : `${entry.name} is not a tile source`,
        // A folder that is itself a tile source (terrain, 3D Tiles, z/x/y) is chosen, not opened.
        onclick: () => (isSource ? choose(entry) : entry.folder ? void browse(entry.path) : undefined),
        ondblclick: () => {
          if (!isSource) return;
          choose(entry);
          form.requestSubmit();
        },
      }, label),
      h('span', { class: 'small muted' }, ` ${facts}${size}`),
    );
  };
  const browse = async (folder: string) => {
    try {
      listing = await api.listTileSources({ folder });
    } catch (error) {
      list.replaceChildren(h('li', { class: 'error-text' }, messageOf(error)));
      return;
    }
    browserTitle.textContent = `Project folder: ${[listing.rootName, listing.path].filter(Boolean).join('/')}`;
    upButton.disabled = listing.parent === null;
    list.replaceChildren(
      ...(listing.entries.length ? listing.entries.map(entryItem) : [h('li', { class: 'muted' }, 'This folder is empty.')]),
    );
  };
  upButton.addEventListener('click', () => {
    if (listing?.parent !== null && listing?.parent !== undefined) void browse(listing.parent);
  });

  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'tile-import-title' }, 'Import tiles'),
    h('p', { class: 'small muted' },
      'An .mbtiles, .gpkg, .3tz or .3dtiles file, or a folder with layer.json (terrain), tileset.json (3D Tiles) or z/x/y tiles. ',
      'The host reads it where it is; nothing is uploaded.'),
    h('label', { for: 'tile-source' }, 'Tile source on the host'), sourceInput,
    chooserRow,
    h('div', { class: 'row', style: 'align-items: center; justify-content: space-between; margin-top: 10px;' }, browserTitle, upButton),
    list,
    h('label', { for: 'tile-name' }, 'Layer name (optional)'), nameInput,
    status,
    h('div', { class: 'dialog-buttons' }, close, start),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const source = sourceInput.value.trim();
    if (!source) {
      showError('Name a tile source: type its path, or pick one from the project folder.');
      return;
    }
    setBusy(true);
    status.replaceChildren(h('p', { class: 'muted' }, `Checking ${source}…`));
    const name = nameInput.value.trim();
    void api.startTileImport({ source, ...(name ? { name } : {}) }).then(
      (started) => {
        job = started;
        status.replaceChildren(progressView(started));
        timer = setInterval(() => void poll(), POLL_MS);
      },
      (error: unknown) => {
        setBusy(false);
        showError(messageOf(error));
      },
    );
  });
  close.addEventListener('click', () => {
    if (job?.state === 'running') {
      close.disabled = true;
      void api.cancelTileImport({ jobId: job.id }).catch(host.onError).finally(() => (close.disabled = false));
      return;
    }
    dialog.close();
  });
  dialog.addEventListener('cancel', (event) => {
    // Esc must not hide a running import; the person cancels it with the button.
    if (job?.state === 'running') event.preventDefault();
  });
  dialog.addEventListener('close', () => {
    stopPolling();
    dialog.remove();
  });

  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  sourceInput.focus();
  void browse('');
  void api.getHostInfo({}).then((info: HostInfo) => {
    if (!info.canChooseFiles) return;
    const pick = (kind: 'file' | 'folder') => () =>
      void api.chooseTileSource({ kind }).then(({ path }) => {
        if (path) sourceInput.value = path;
      }, (error: unknown) => showError(messageOf(error)));
    chooserRow.append(
      h('button', { type: 'button', class: 'toolbar-button', id: 'tile-choose-file', onclick: pick('file') }, 'Choose file…'),
      h('button', { type: 'button', class: 'toolbar-button', id: 'tile-choose-folder', onclick: pick('folder') }, 'Choose folder…'),
    );
    chooserRow.hidden = false;
  }, host.onError);
}
