/**
 * Sync with the organisation's server, from the File menu: "New project from server…" (address, the organisation's
 * CA file, token, what the server offers, the area, where to save) and "Sync now" (F9). Both run as a job on the
 * host's worker thread: a progress bar with items, bytes, rate and time left, a cancel button, and a summary of
 * what changed. After a generation lands the page reloads, so every panel shows the new generation whole (never
 * half of one); the summary is shown again after the reload.
 */
import type { AreaOfInterest, HostInfo, StoreyApi, SyncChoice, SyncJob, SyncServerOffer, SyncState, TokenStorage } from '../common/contract.js';
import { formatNumber, h } from './dom.js';
import { areaInputs, areaSourceButtons } from './project-dialogs.js';

export interface SyncDialogHooks {
  api: StoreyApi;
  host: HostInfo;
  onError: (error: unknown) => void;
  /** The current view's extent, for "use the current view". */
  viewExtent?: () => AreaOfInterest | null;
  /** Two clicks on the globe; null when cancelled. */
  drawArea?: () => Promise<AreaOfInterest | null>;
  /** Remembers where the analyst is before the page reloads onto the synced generation. */
  beforeReload?: () => Promise<void>;
}

/** The summary of a finished sync, carried across the reload that shows its generation. */
const PENDING_SUMMARY = 'storey.syncSummary';

const phaseLabels: Record<SyncJob['progress']['phase'], string> = {
  starting: 'Starting',
  manifest: 'Asking the server',
  changes: 'Receiving changes',
  tiles: 'Fetching tiles',
  apply: 'Applying the generation',
  items: 'Notes and views',
  tiling: 'Tiling the buildings for the city view',
  done: 'Done',
};

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 0)} KB`;
  if (bytes < 1024 ** 3) return `${formatNumber(bytes / 1024 ** 2, 1)} MB`;
  return `${formatNumber(bytes / 1024 ** 3, 2)} GB`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.ceil(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function formatArea(a: AreaOfInterest): string {
  return [a.westDegrees, a.southDegrees, a.eastDegrees, a.northDegrees].map((v) => v.toFixed(4)).join(', ');
}

function modal(className: string, title: string): { dialog: HTMLDialogElement; close: () => void } {
  const dialog = h('dialog', { class: `app-dialog sync-dialog ${className}`, 'aria-label': title }) as HTMLDialogElement;
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  return { dialog, close };
}

/** What the dialog says about keeping the token, and the checkbox when it can be kept. */
function tokenKeeping(storage: TokenStorage): { element: HTMLElement; keep: () => boolean } {
  if (storage === 'ask') {
    return {
      element: h('p', { class: 'muted small', id: 'sync-token-note' }, 'This computer offers no OS keychain Storey trusts, so the token is not kept: Storey asks for it at each sync. It is never written into the project.'),
      keep: () => false,
    };
  }
  const box = h('input', { type: 'checkbox', id: 'sync-keep-token', checked: true }) as HTMLInputElement;
  const text = storage === 'keychain'
    ? 'Keep the token in this computer\u2019s keychain for the next syncs'
    : 'Keep the token for this session';
  const note = storage === 'keychain'
    ? 'Sealed by the operating system\u2019s keychain; never written into the project or a log.'
    : 'In the browser the token is kept only in the Storey host\u2019s memory until it stops: never on disk, in the project or in a log.';
  return {
    element: h('div', {}, h('label', { class: 'checkbox' }, box, text), h('p', { class: 'muted small', id: 'sync-token-note' }, note)),
    keep: () => box.checked,
  };
}

type OfferLayer = SyncServerOffer['layers'][number];

/** A layer's tiles between two zooms (tiles that name no zoom, like terrain's layer.json, always count). */
function tilesInRange(layer: OfferLayer, min: number | null, max: number | null): number {
  const zooms = Object.entries(layer.zooms ?? {});
  const zoomless = (layer.tiles ?? 0) - zooms.reduce((n, [, c]) => n + c, 0);
  return zoomless + zooms.filter(([z]) => (min === null || Number(z) >= min) && (max === null || Number(z) <= max)).reduce((n, [, c]) => n + c, 0);
}

/**
 * What to take (protocol 2): registry records, and each tile layer with a checkbox and, for imagery and terrain, a
 * zoom range; the tiles and an estimate of their size follow the choice. `read` gives undefined for everything
 * (which also takes layers the server adds later) and throws a message a person can act on for a bad range.
 */
function choiceView(offer: SyncServerOffer): { element: HTMLElement; read: () => SyncChoice | undefined } {
  const records = h('input', { type: 'checkbox', id: 'sync-records', checked: true }) as HTMLInputElement;
  const total = h('p', { class: 'small', id: 'sync-choice-total' });
  const rows = offer.layers.map((layer) => {
    const box = h('input', { type: 'checkbox', id: `sync-layer-${layer.id}`, checked: true, 'data-layer': layer.id }) as HTMLInputElement;
    const zoomed = layer.kind !== '3dtiles' && layer.minZoom !== null && layer.minZoom !== undefined && layer.maxZoom !== null && layer.maxZoom !== undefined;
    const zoomInput = (id: string, value: number | null | undefined, label: string) => h('input', {
      type: 'number', id, class: 'zoom-input', min: String(layer.minZoom ?? 0), max: String(layer.maxZoom ?? 30), step: '1', value: String(value ?? ''), 'aria-label': `${label} zoom of ${layer.name}`,
    }) as HTMLInputElement;
    const min = zoomed ? zoomInput(`sync-minzoom-${layer.id}`, layer.minZoom, 'Lowest') : undefined;
    const max = zoomed ? zoomInput(`sync-maxzoom-${layer.id}`, layer.maxZoom, 'Highest') : undefined;
    const tiles = h('td', { class: 'num', id: `sync-layer-tiles-${layer.id}` });
    const size = h('td', { class: 'num' });
    const range = () => {
      const read = (input: HTMLInputElement | undefined, what: string): number | null => {
        if (!input || input.value.trim() === '') return null;
        const value = Number(input.value);
        if (!Number.isInteger(value) || value < 0 || value > 30) throw new Error(`${layer.name}: the ${what} zoom must be a whole number from 0 to 30.`);
        return value;
      };
      const lo = read(min, 'lowest');
      const hi = read(max, 'highest');
      if (lo !== null && hi !== null && lo > hi) throw new Error(`${layer.name}: the lowest zoom ${lo} is above the highest ${hi}.`);
      return { lo, hi };
    };
    const row = h('tr', {},
      h('td', {}, h('label', { class: 'checkbox' }, box, layer.name)),
      h('td', { class: 'muted' }, layer.kind),
      h('td', {}, zoomed ? h('span', { class: 'zoom-range' }, min!, ' – ', max!) : h('span', { class: 'muted' }, layer.kind === '3dtiles' ? 'whole' : '—')),
      tiles, size,
    );
    return { layer, box, min, max, tiles, size, range, row };
  });
  const update = () => {
    let tileSum = 0;
    let byteSum = 0;
    for (const r of rows) {
      let count: number;
      try {
        const { lo, hi } = r.range();
        count = r.box.checked ? tilesInRange(r.layer, lo, hi) : 0;
      } catch {
        // A range being typed (or a bad one, said at submit) counts nothing yet.
        count = 0;
      }
      const bytes = r.layer.tiles ? ((r.layer.bytesEstimate ?? 0) * count) / r.layer.tiles : 0;
      r.tiles.textContent = formatNumber(count);
      r.size.textContent = bytes ? `≈ ${formatBytes(bytes)}` : '';
      if (r.min) r.min.disabled = !r.box.checked;
      if (r.max) r.max.disabled = !r.box.checked;
      tileSum += count;
      byteSum += bytes;
    }
    total.textContent = `Takes ${records.checked ? formatNumber(offer.counts.records) : 'no'} records and ${formatNumber(tileSum)} ${tileSum === 1 ? 'tile' : 'tiles'}${byteSum ? ` (about ${formatBytes(byteSum)})` : ''}.`;
  };
  const element = h('fieldset', { class: 'sync-choice', id: 'sync-choice' },
    h('legend', {}, 'What to take'),
    h('label', { class: 'checkbox' }, records, `Registry records: buildings, storeys, units, addresses (${formatNumber(offer.counts.records)})`),
    rows.length
      ? h('table', { class: 'sync-table', id: 'sync-layers' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Tile layer'), h('th', {}, 'kind'), h('th', {}, 'zoom levels'), h('th', { class: 'num' }, 'tiles'), h('th', { class: 'num' }, 'size'))),
          h('tbody', {}, ...rows.map((r) => r.row)))
      : h('p', { class: 'muted small' }, 'No tile layers.'),
    total,
    h('p', { class: 'muted small' }, 'Counts are for the area asked about. With every layer at all its zooms, layers the server adds later come too; Sync now keeps this choice.'),
  );
  element.addEventListener('input', update);
  element.addEventListener('change', update);
  update();
  return {
    element,
    read: () => {
      const layers: NonNullable<SyncChoice['layers']> = [];
      let whole = true;
      for (const r of rows) {
        const { lo, hi } = r.range();
        if (!r.box.checked) {
          whole = false;
          continue;
        }
        // A bound at the layer's own first or last zoom is no bound: deeper zooms the server adds later come too.
        const minZoom = lo === null || lo <= (r.layer.minZoom ?? 0) ? null : lo;
        const maxZoom = hi === null || hi >= (r.layer.maxZoom ?? 30) ? null : hi;
        if (minZoom !== null || maxZoom !== null) whole = false;
        layers.push({ id: r.layer.id, minZoom, maxZoom });
      }
      if (whole && records.checked) return undefined;
      if (!records.checked && layers.length === 0) throw new Error('Choose the registry records or at least one tile layer to take.');
      return { records: records.checked, layers: whole ? null : layers, minZoom: null, maxZoom: null };
    },
  };
}

function offerView(offer: SyncServerOffer): { element: HTMLElement; choice?: ReturnType<typeof choiceView> } {
  const headline = h('p', {}, `Token “${offer.tokenName}”: generation ${offer.generation}, ${formatNumber(offer.counts.records)} records and ${formatNumber(offer.counts.tiles)} tiles${offer.area ? ` in its area (${formatArea(offer.area)})` : ' (no area limit)'}${offer.fields ? `; fields: ${offer.fields.join(', ')}` : ''}.`);
  if (offer.protocol >= 2) {
    const choice = choiceView(offer);
    return { element: h('div', { class: 'sync-offer', id: 'sync-offer' }, headline, choice.element), choice };
  }
  return {
    element: h('div', { class: 'sync-offer', id: 'sync-offer' }, headline,
      offer.layers.length
        ? h('ul', { class: 'sync-layers' }, ...offer.layers.map((l) => h('li', {}, `${l.name} `, h('span', { class: 'muted' }, `(${l.kind})`))))
        : h('p', { class: 'muted small' }, 'No tile layers.'),
      h('p', { class: 'muted small' }, 'This server speaks version 1 of the sync protocol: every layer the token may see comes at every zoom level; the area below limits what comes.')),
  };
}

/** The project's choice in a line: "records; every layer" or "no records; Imagery (z0–8)". */
function describeChoice(choice: SyncChoice | null | undefined): string {
  if (!choice) return 'records and every tile layer';
  const zoom = (lo: number | null, hi: number | null) => (lo === null && hi === null ? '' : ` (zoom ${lo ?? 0}–${hi ?? 'all'})`);
  const layers = choice.layers === null ? `every tile layer${zoom(choice.minZoom, choice.maxZoom)}` : choice.layers.length === 0 ? 'no tile layers'
    : choice.layers.map((l) => `${l.id}${zoom(l.minZoom ?? choice.minZoom, l.maxZoom ?? choice.maxZoom)}`).join(', ');
  return `${choice.records ? 'records' : 'no records'}; ${layers}`;
}

/** Progress: phase, a bar, items, bytes, rate and time left. */
function progressView(job: SyncJob): HTMLElement {
  const p = job.progress;
  const bar = h('progress', { max: '1' }) as HTMLProgressElement;
  // Without a total (asking, paging changes, applying) the bar runs indeterminate.
  if (p.phase === 'done') bar.value = 1;
  else if (p.itemsTotal) bar.value = Math.min(1, p.items / p.itemsTotal);
  const unit = p.phase === 'tiles' ? 'tiles' : p.phase === 'tiling' ? 'buildings' : 'changes';
  const items = p.phase === 'tiles' || p.phase === 'changes' || p.phase === 'tiling'
    ? `${formatNumber(p.items)}${p.itemsTotal !== null ? ` of ${formatNumber(p.itemsTotal)}` : ''} ${unit} · `
    : '';
  const left = p.secondsLeft !== null && p.secondsLeft > 0 ? ` · about ${formatSeconds(p.secondsLeft)} left` : '';
  return h('div', { class: 'sync-progress', id: 'sync-progress', 'data-phase': p.phase },
    h('div', { class: 'progress-label' }, `${phaseLabels[p.phase]} — ${job.fileName} ⇄ ${job.server}`),
    bar,
    h('div', { class: 'small', id: 'sync-progress-numbers' }, `${items}${formatBytes(p.bytes)} received at ${formatBytes(p.bytesPerSecond)}/s${left}`),
  );
}

/** What a finished sync changed. */
/** "1,234 buildings tiled for the city view; tiles built again: 3, unchanged: 9." */
function tiledLine(tiled: NonNullable<NonNullable<SyncJob['summary']>['tiled']>): string {
  const line = `${formatNumber(tiled.buildings)} buildings tiled for the city view`;
  if (tiled.rebuilt === undefined || tiled.kept === undefined) return `${line}.`;
  if (tiled.kept === 0) return `${line} (${formatNumber(tiled.tiles)} tile${tiled.tiles === 1 ? '' : 's'}).`;
  return `${line}; tiles built again: ${formatNumber(tiled.rebuilt)}, unchanged: ${formatNumber(tiled.kept)}.`;
}

export function summaryView(job: SyncJob): HTMLElement {
  const s = job.summary!;
  const row = (label: string, put: number, deleted: number) => h('tr', {}, h('td', {}, label), h('td', { class: 'num' }, formatNumber(put)), h('td', { class: 'num' }, formatNumber(deleted)));
  const i = s.items;
  return h('div', { class: 'sync-summary', id: 'sync-summary', 'data-generation': String(s.generation) },
    h('p', { id: 'sync-summary-headline' }, s.applied
      ? `${job.kind === 'create' ? 'Created from' : 'Synced with'} ${job.server}: generation ${s.generationBefore} → ${s.generation}.`
      : `Already at the server’s generation ${s.generation}: records and tiles are current.`),
    s.applied
      ? h('table', { class: 'sync-table' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { class: 'num' }, 'added or changed'), h('th', { class: 'num' }, 'deleted'))),
          h('tbody', {}, row('Records', s.records.put, s.records.delete), row('Tiles', s.tiles.put, s.tiles.delete), row('Layers', s.layers.put, s.layers.delete)),
        )
      : null,
    h('p', { id: 'sync-summary-items' }, `Notes and views: ${formatNumber(i.pulled)} received, ${formatNumber(i.pushed)} sent.`),
    i.conflicts
      ? h('p', { class: 'sync-conflicts', id: 'sync-summary-conflicts' }, `${i.conflicts} changed here and on the server: both versions are kept and marked “conflict” in Views & notes. Delete the one you do not want.`)
      : null,
    s.tiled ? h('p', { id: 'sync-summary-tiled' }, tiledLine(s.tiled)) : null,
    s.tilingError
      ? h('p', { class: 'sync-conflicts', id: 'sync-summary-tiling-error' }, `The sync stands, but tiling its buildings for the city view failed (${s.tilingError}); the city is drawn from the registry until \`storey tile\` or the next sync succeeds.`)
      : null,
    h('p', { class: 'muted small' }, `Received ${formatBytes(s.bytesReceived)} (${formatNumber(s.blobsFetched)} tiles) in ${(s.durationMs / 1000).toFixed(1)} s.${job.tokenKept ? ' The token is kept for the next sync.' : ''}`),
  );
}

/**
 * Runs a started job in its dialog: polls progress, cancels on request, and at the end either reloads onto the new
 * generation (the summary follows the reload) or shows the outcome in place.
 */
function followJob(hooks: SyncDialogHooks, started: SyncJob, dialog: HTMLDialogElement, status: HTMLElement, buttons: HTMLElement, onFailure: (job: SyncJob) => void): void {
  let job = started;
  const cancel = h('button', { type: 'button', id: 'sync-cancel' }, 'Cancel sync') as HTMLButtonElement;
  buttons.replaceChildren(cancel);
  status.replaceChildren(progressView(job));
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    void hooks.api.cancelSync({ jobId: job.id }).catch(hooks.onError);
  });
  // Escape would leave a sync running unseen: cancel it instead.
  const onCancelEvent = (event: Event) => {
    event.preventDefault();
    if (job.state === 'running') cancel.click();
  };
  dialog.addEventListener('cancel', onCancelEvent);
  const timer = setInterval(() => {
    void hooks.api.getSyncJob({ jobId: job.id }).then((next) => {
      job = next;
      if (job.state === 'running') {
        status.replaceChildren(progressView(job));
        return;
      }
      clearInterval(timer);
      dialog.removeEventListener('cancel', onCancelEvent);
      const s = job.summary;
      if (job.state === 'done' && s && (job.kind === 'create' || s.applied || s.items.pulled > 0)) {
        // The host shows the new generation (or the new project) now: the page reloads onto it, whole.
        sessionStorage.setItem(PENDING_SUMMARY, JSON.stringify(job));
        status.replaceChildren(h('p', {}, 'Done; showing the new generation…'));
        void (hooks.beforeReload?.() ?? Promise.resolve()).catch(() => undefined).finally(() => location.reload());
        return;
      }
      if (job.state === 'done') {
        status.replaceChildren(summaryView(job));
        buttons.replaceChildren(h('button', { type: 'button', class: 'primary', id: 'sync-close', onclick: () => dialog.close() }, 'Close'));
        return;
      }
      onFailure(job);
    }, (error: unknown) => {
      clearInterval(timer);
      hooks.onError(error);
    });
  }, 250);
}

function failureView(job: SyncJob): HTMLElement {
  const cancelled = job.state === 'cancelled';
  return h('div', { id: 'sync-failure', 'data-code': job.error?.code ?? '' },
    h('p', { class: cancelled ? '' : 'error-text' }, cancelled ? 'Sync cancelled.' : job.error?.message ?? `The sync ${job.state}.`),
    h('p', { class: 'muted small' }, job.kind === 'create'
      ? 'What arrived is kept in the file: create it again with the same name and server to continue where it stopped.'
      : 'The project keeps its last whole generation; the next sync continues where this one stopped.'),
  );
}

/** File ▸ New project from server… */
export async function showNewFromServer(hooks: SyncDialogHooks): Promise<void> {
  let state: SyncState;
  try {
    state = await hooks.api.getSyncState({});
  } catch (error) {
    hooks.onError(error);
    return;
  }
  if (state.running) {
    hooks.onError(new Error(`A sync of ${state.running.fileName} is running; wait for it or cancel it first (File ▸ Sync now shows it).`));
    return;
  }
  const { dialog, close } = modal('sync-new', 'New project from server');
  const server = h('input', { id: 'sync-server', type: 'url', required: true, placeholder: 'https://storey.example:8443', autocomplete: 'off', spellcheck: 'false' }) as HTMLInputElement;
  const ca = h('input', { id: 'sync-ca', required: true, placeholder: '/path/to/organisation-ca.pem', autocomplete: 'off', spellcheck: 'false' }) as HTMLInputElement;
  const token = h('input', { id: 'sync-token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'sty_…' }) as HTMLInputElement;
  const keeping = tokenKeeping(state.tokenStorage);
  const offer = h('div', { id: 'sync-offer-box', 'aria-live': 'polite' });
  let choice: ReturnType<typeof choiceView> | undefined;
  const check = h('button', { type: 'button', id: 'sync-check' }, 'Ask the server what it offers') as HTMLButtonElement;
  const name = h('input', { id: 'sync-name', required: true, maxlength: '200', autocomplete: 'off' }) as HTMLInputElement;
  const fileName = h('input', { id: 'sync-file', maxlength: '255', placeholder: 'from the name', autocomplete: 'off' }) as HTMLInputElement;
  const area = areaInputs(null, { idPrefix: 'sync', name: 'area', noneMeans: 'all the token may see' });
  const message = h('p', { class: 'form-message', role: 'alert' });
  const status = h('div', { class: 'import-status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'sync-start' }, 'Create and sync') as HTMLButtonElement;
  const buttons = h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit);

  const areaButtons = areaSourceButtons(area.set, dialog, hooks, { view: 'sync-area-view', draw: 'sync-area-draw', clear: 'All the token may see' });

  const readConnection = () => {
    if (!/^https:\/\//i.test(server.value.trim())) throw new Error('The server address starts with https:// (e.g. https://storey.example:8443).');
    if (!ca.value.trim()) throw new Error('Give the path of the organisation\u2019s CA file (PEM) on this computer.');
    if (!token.value.trim()) throw new Error('Give the sync token the administrator made for you.');
    return { server: server.value.trim(), caPath: ca.value.trim(), token: token.value.trim() };
  };
  check.addEventListener('click', () => {
    let connection: ReturnType<typeof readConnection>;
    let asked: AreaOfInterest | null;
    try {
      connection = readConnection();
      asked = area.read();
    } catch (error) {
      message.textContent = (error as Error).message;
      return;
    }
    message.textContent = '';
    check.disabled = true;
    offer.replaceChildren(h('p', { class: 'muted' }, 'Asking the server…'));
    hooks.api.probeSyncServer({ ...connection, area: asked }).then((answer) => {
      const view = offerView(answer);
      choice = view.choice;
      offer.replaceChildren(view.element);
      if (!name.value.trim()) name.value = answer.tokenName;
    }, (error: unknown) => {
      offer.replaceChildren();
      choice = undefined;
      message.textContent = error instanceof Error ? error.message : String(error);
    }).finally(() => (check.disabled = false));
  });

  const inFolder = hooks.host.projectFolder !== null;
  const form = h('form', { method: 'dialog' },
    h('h2', {}, 'New project from server'),
    h('p', { class: 'muted small' }, 'Takes an area of the organisation\u2019s registry and tiles offline; File ▸ Sync now (F9) keeps it current.'),
    h('label', { for: 'sync-server' }, 'Server address'), server,
    h('label', { for: 'sync-ca' }, 'Organisation CA file (path on this computer)'), ca,
    h('label', { for: 'sync-token' }, 'Sync token'), token,
    keeping.element,
    h('div', { class: 'aoi-buttons' }, check),
    offer,
    h('fieldset', { class: 'aoi' }, h('legend', {}, 'Area to take offline (degrees, WGS84; empty: all the token may see)'), area.fields, areaButtons),
    h('label', { for: 'sync-name' }, 'Project name'), name,
    inFolder ? h('label', { for: 'sync-file' }, `File in “${hooks.host.projectFolder}”`) : null,
    inFolder ? fileName : h('p', { class: 'muted small' }, 'Storey asks where to save the project when you start.'),
    message,
    status,
    buttons,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let input: Parameters<StoreyApi['startSyncFromServer']>[0];
    try {
      const connection = readConnection();
      if (!name.value.trim()) throw new Error('Give the project a name.');
      // Without asking the server first there is nothing to choose from: everything the token may see comes.
      const filter = choice?.read();
      input = { ...connection, rememberToken: keeping.keep(), area: area.read(), ...(filter ? { filter } : {}), name: name.value.trim(), ...(fileName.value.trim() ? { fileName: fileName.value.trim() } : {}) };
    } catch (error) {
      message.textContent = (error as Error).message;
      return;
    }
    message.textContent = '';
    submit.disabled = true;
    hooks.api.startSyncFromServer(input).then((job) => {
      for (const field of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, fieldset button, #sync-check')) field.disabled = true;
      followJob(hooks, job, dialog, status, buttons, (failed) => {
        status.replaceChildren(failureView(failed));
        for (const field of form.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, fieldset button, #sync-check')) field.disabled = false;
        submit.disabled = false;
        submit.textContent = 'Try again';
        buttons.replaceChildren(h('button', { type: 'button', onclick: close }, 'Close'), submit);
      });
    }, (error: unknown) => {
      submit.disabled = false;
      const code = (error as { code?: string }).code;
      message.textContent = code === 'CANCELLED' ? '' : error instanceof Error ? error.message : String(error);
    });
  });
  dialog.append(form);
  dialog.showModal();
  server.focus();
}

/** File ▸ Sync now (F9): with the kept token at once, else after asking for it. */
export async function syncNow(hooks: SyncDialogHooks): Promise<void> {
  let state: SyncState;
  try {
    state = await hooks.api.getSyncState({});
  } catch (error) {
    hooks.onError(error);
    return;
  }
  if (!state.configured && !state.running) {
    hooks.onError(new Error('This project was not made from a server, so it has nothing to sync with. Use File ▸ New project from server… to take an area offline.'));
    return;
  }
  const { dialog, close } = modal('sync-now', 'Sync now');
  const status = h('div', { class: 'import-status', 'aria-live': 'polite' });
  const buttons = h('div', { class: 'dialog-buttons' });
  const serverName = state.server ? new URL(state.server).host : state.running?.server ?? '';
  const heading = h('h2', {}, `Sync with ${serverName}`);
  const info = h('p', { class: 'muted small', id: 'sync-now-info' }, `At generation ${state.generation}${state.area ? `; area ${formatArea(state.area)}` : ''}; takes ${describeChoice(state.filter)}.`);
  dialog.append(heading, info, status, buttons);
  dialog.showModal();

  const askToken = (why: string | null) => {
    const token = h('input', { id: 'sync-token', type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: 'sty_…' }) as HTMLInputElement;
    const keeping = tokenKeeping(state.tokenStorage);
    const go = h('button', { type: 'submit', class: 'primary', id: 'sync-start' }, 'Sync') as HTMLButtonElement;
    const message = h('p', { class: 'form-message', role: 'alert' }, why ?? '');
    const form = h('form', { method: 'dialog' },
      h('label', { for: 'sync-token' }, 'Sync token'), token, keeping.element, message,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!token.value.trim()) {
        message.textContent = 'Give the sync token the administrator made for you.';
        return;
      }
      go.disabled = true;
      start({ token: token.value.trim(), rememberToken: keeping.keep() }, (error) => {
        go.disabled = false;
        message.textContent = error;
      });
    });
    go.addEventListener('click', (event) => {
      event.preventDefault();
      form.requestSubmit();
    });
    status.replaceChildren(form);
    buttons.replaceChildren(h('button', { type: 'button', onclick: close }, 'Cancel'), go);
    token.focus();
  };

  const onFailure = (job: SyncJob) => {
    if (job.error?.code === 'UNAUTHORIZED') {
      askToken(job.error.message);
      return;
    }
    status.replaceChildren(failureView(job));
    buttons.replaceChildren(
      h('button', { type: 'button', onclick: close }, 'Close'),
      h('button', { type: 'button', class: 'primary', id: 'sync-again', onclick: () => start({}, (error) => askToken(error)) }, 'Sync again'),
    );
  };

  const start = (input: { token?: string; rememberToken?: boolean }, refused: (message: string) => void) => {
    hooks.api.startSync(input).then(
      (job) => followJob(hooks, job, dialog, status, buttons, onFailure),
      (error: unknown) => {
        const code = (error as { code?: string }).code;
        const text = error instanceof Error ? error.message : String(error);
        if (code === 'UNAUTHORIZED') refused(text);
        else {
          status.replaceChildren(h('p', { class: 'error-text' }, text));
          buttons.replaceChildren(h('button', { type: 'button', onclick: close }, 'Close'));
        }
      },
    );
  };

  if (state.running) followJob(hooks, state.running, dialog, status, buttons, onFailure);
  else if (state.tokenKept) start({}, (error) => askToken(error));
  else askToken(null);
}

/** After the reload that shows a synced generation: the summary of that sync. */
export function showPendingSyncSummary(): void {
  const text = sessionStorage.getItem(PENDING_SUMMARY);
  if (!text) return;
  sessionStorage.removeItem(PENDING_SUMMARY);
  let job: SyncJob;
  try {
    job = JSON.parse(text) as SyncJob;
    if (!job.summary) return;
  } catch {
    return;
  }
  const { dialog, close } = modal('sync-done', 'Sync finished');
  dialog.append(
    h('h2', {}, job.kind === 'create' ? `${job.fileName} is ready` : 'Sync finished'),
    summaryView(job),
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', class: 'primary', id: 'sync-close', onclick: close }, 'Close')),
  );
  dialog.showModal();
}

/** F9: Sync now (as in mail clients' send/receive); no browser or Storey key uses it. */
export function isSyncShortcut(event: KeyboardEvent): boolean {
  return event.key === 'F9' && !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey;
}
