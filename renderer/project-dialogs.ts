/**
 * The project dialogs of the File menu: the chooser (projects in the host's folder, recent ones, a native dialog on
 * the desktop), what to do about a file that did not open, new project and project properties (name, classification
 * marking, area of interest), and save a copy. After a project opens, the page reloads onto it: every panel starts
 * from the new project and the session the analyst left there.
 */
import type { AreaOfInterest, HostInfo, OpenProblem, OpenResult, ProjectInfo, ProjectProperties, ProjectRef, StoreyApi } from '../common/contract.js';
import { formatNumber, h } from './dom.js';

/** Markings offered in the list; any other text can be typed. */
const MARKINGS = ['', 'UNCLASSIFIED', 'OFFICIAL', 'RESTRICTED', 'CONFIDENTIAL', 'FOR INTERNAL USE ONLY'];

export interface ProjectDialogHooks {
  api: StoreyApi;
  host: HostInfo;
  onError: (error: unknown) => void;
  /** The current view's extent, for "use the current view" as the area of interest. */
  viewExtent?: () => AreaOfInterest | null;
  /** Lets the person click two corners on the globe; null when cancelled. */
  drawArea?: () => Promise<AreaOfInterest | null>;
  /** What to do once a project is open: the workstation reloads onto it. */
  onOpened?: () => void;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 0)} KB`;
  if (bytes < 1024 ** 3) return `${formatNumber(bytes / 1024 ** 2, 1)} MB`;
  return `${formatNumber(bytes / 1024 ** 3, 2)} GB`;
}

function formatWhen(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function modal(className: string, title: string, dismissable = true): { dialog: HTMLDialogElement; close: () => void } {
  const dialog = h('dialog', { class: `app-dialog ${className}`, 'aria-label': title }) as HTMLDialogElement;
  if (!dismissable) dialog.addEventListener('cancel', (event) => event.preventDefault());
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  return { dialog, close };
}

function reloadOntoProject(hooks: ProjectDialogHooks): void {
  if (hooks.onOpened) hooks.onOpened();
  else location.reload();
}

/** Opens a project and handles the answer: done, cancelled, or a problem with what can be done about it. */
export async function openAndHandle(
  hooks: ProjectDialogHooks,
  ref: ProjectRef,
  options: { readOnly?: boolean; lastGoodCopy?: boolean; passphrase?: string; rememberPassphrase?: boolean; onGiveUp?: () => void } = {},
): Promise<boolean> {
  const { onGiveUp, ...openOptions } = options;
  let result: OpenResult;
  try {
    result = await hooks.api.openProject({ ref, ...openOptions });
  } catch (error) {
    hooks.onError(error);
    onGiveUp?.();
    return false;
  }
  if (result.opened) {
    reloadOntoProject(hooks);
    return true;
  }
  if (result.problem) showOpenProblem(hooks, ref, result.problem, onGiveUp);
  else onGiveUp?.();
  return false;
}

/**
 * "Remember on this computer (OS keychain)": offered where the host has a real keychain (the desktop on a system
 * with one); elsewhere shown switched off, with the host's reason as its tooltip.
 */
function rememberBox(host: HostInfo, id: string): { label: HTMLElement; input: HTMLInputElement } {
  const available = host.keychain.available;
  const input = h('input', { type: 'checkbox', id, disabled: !available }) as HTMLInputElement;
  const title = available ? 'The passphrase is sealed by the OS keychain for your user on this computer; Project properties can forget it.' : host.keychain.reason ?? 'No keychain here.';
  const label = h('label', { class: `checkbox${available ? '' : ' muted'}`, title, for: id }, input, ' Remember on this computer (OS keychain)');
  return { label, input };
}

/** A file that did not open: what is wrong, and the ways forward the host offers. Nothing has changed the file. */
export function showOpenProblem(hooks: ProjectDialogHooks, ref: ProjectRef, problem: OpenProblem, onGiveUp?: () => void): void {
  const { dialog, close } = modal('open-problem', `${problem.fileName} did not open`);
  const buttons: HTMLElement[] = [];
  // An encrypted project: ask for its passphrase and try again (a wrong one comes back here as WRONG_KEY).
  const needsPassphrase = problem.code === 'ENCRYPTED' || problem.code === 'WRONG_KEY';
  const passphrase = h('input', { type: 'password', id: 'open-passphrase', autocomplete: 'off', 'aria-label': 'Passphrase' }) as HTMLInputElement;
  const remember = rememberBox(hooks.host, 'remember-passphrase');
  const tryPassphrase = () => {
    if (!passphrase.value) return;
    close();
    void openAndHandle(hooks, ref, { passphrase: passphrase.value, ...(remember.input.checked ? { rememberPassphrase: true } : {}), onGiveUp });
  };
  passphrase.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') tryPassphrase();
  });
  if (needsPassphrase) buttons.push(h('button', { type: 'button', class: 'primary', id: 'open-with-passphrase', onclick: tryPassphrase }, 'Open'));
  if (problem.canOpenReadOnly) {
    buttons.push(h('button', { type: 'button', class: 'primary', id: 'open-read-only', onclick: () => { close(); void openAndHandle(hooks, ref, { readOnly: true, onGiveUp }); } }, 'Open read-only'));
  }
  if (problem.lastGoodCopy) {
    const copy = problem.lastGoodCopy;
    buttons.push(h('button', { type: 'button', id: 'open-last-copy', onclick: () => { close(); void openAndHandle(hooks, ref, { lastGoodCopy: true, onGiveUp }); } },
      `Open the last good copy (${copy.fileName}, ${formatWhen(copy.savedAt)})`));
  }
  buttons.push(h('button', { type: 'button', id: 'open-problem-cancel', onclick: () => { close(); onGiveUp?.(); } }, 'Cancel'));
  dialog.append(
    h('h2', {}, `${problem.fileName} did not open`),
    h('p', { class: 'problem-message', 'data-code': problem.code }, problem.message),
    ...(needsPassphrase ? [h('label', { class: 'field' }, 'Passphrase', passphrase), remember.label] : []),
    h('p', { class: 'muted small' }, 'The file has not been changed.'),
    h('div', { class: 'dialog-buttons' }, ...buttons),
  );
  dialog.showModal();
  if (needsPassphrase) passphrase.focus();
}

/**
 * The project chooser: the host's folder of projects and the recent list. With no project open it is the start
 * screen and cannot be dismissed (New project is always there).
 */
export async function showProjectChooser(hooks: ProjectDialogHooks, options: { startScreen?: boolean } = {}): Promise<void> {
  const { api, host } = hooks;
  let listing: Awaited<ReturnType<StoreyApi['listProjects']>>;
  try {
    listing = await api.listProjects({});
  } catch (error) {
    hooks.onError(error);
    return;
  }
  const startScreen = options.startScreen ?? false;
  const { dialog, close } = modal('project-chooser', 'Open a project', !startScreen);
  const open = (ref: ProjectRef) => {
    close();
    // On the start screen every way of giving up leads back to the chooser.
    void openAndHandle(hooks, ref, { onGiveUp: startScreen ? () => void showProjectChooser(hooks, options) : undefined });
  };
  const projectRows = listing.projects.map((p) =>
    h('li', { class: p.current ? 'current' : '' },
      h('button', { type: 'button', class: 'project-row', 'data-file': p.fileName, onclick: () => open({ kind: 'folder', fileName: p.fileName }) },
        h('span', { class: 'project-name' }, p.fileName),
        h('span', { class: 'muted small' }, `${formatBytes(p.sizeBytes)} · ${formatWhen(p.modifiedAt)}${p.current ? ' · open now' : ''}`),
      ),
    ),
  );
  const recentRows = listing.recent.map((r) =>
    h('li', {},
      h('button', { type: 'button', class: 'project-row', 'data-recent': r.id, disabled: !r.exists, onclick: () => open({ kind: 'recent', id: r.id }) },
        h('span', { class: 'project-name' }, r.fileName),
        h('span', { class: 'muted small' }, r.exists ? `${r.folder} · opened ${formatWhen(r.openedAt)}` : `${r.folder} · missing`),
      ),
    ),
  );
  const buttons: HTMLElement[] = [
    h('button', { type: 'button', id: 'chooser-new', onclick: () => { close(); void showProjectForm(hooks, null, { returnToChooser: startScreen }); } }, 'New project…'),
  ];
  if (host.canChooseFiles) buttons.push(h('button', { type: 'button', class: 'primary', onclick: () => open({ kind: 'dialog' }) }, 'Browse…'));
  if (!startScreen) buttons.push(h('button', { type: 'button', onclick: close }, 'Cancel'));
  dialog.append(h('div', {},
    h('h2', {}, startScreen ? 'Open a project to start' : 'Open project'),
    host.projectFolder !== null
      ? h('section', {},
          h('h3', {}, `Projects in “${host.projectFolder}”`),
          projectRows.length ? h('ul', { class: 'project-list', id: 'folder-projects' }, ...projectRows) : h('p', { class: 'muted' }, 'No .storey files in this folder yet.'),
          h('p', { class: 'muted small' }, 'Drop a .storey file of this folder on the window to open it.'),
        )
      : null,
    recentRows.length ? h('section', {}, h('h3', {}, 'Recent'), h('ul', { class: 'project-list', id: 'recent-projects' }, ...recentRows)) : null,
    h('div', { class: 'dialog-buttons' }, ...buttons),
  ));
  dialog.showModal();
}

/**
 * The buttons beside area inputs: the current view, two clicks on the globe (the dialog steps aside meanwhile), and
 * none. `ids` name the first two for tests; `clear` says what no area means here.
 */
export function areaSourceButtons(
  set: (a: AreaOfInterest | null) => void,
  dialog: HTMLDialogElement,
  sources: { viewExtent?: () => AreaOfInterest | null; drawArea?: () => Promise<AreaOfInterest | null> },
  ids: { view: string; draw: string; clear: string },
): HTMLElement {
  const buttons = h('div', { class: 'aoi-buttons' });
  const { viewExtent, drawArea } = sources;
  if (viewExtent) buttons.append(h('button', { type: 'button', id: ids.view, onclick: () => set(viewExtent()) }, 'Use the current view'));
  if (drawArea) {
    buttons.append(h('button', { type: 'button', id: ids.draw, onclick: () => {
      dialog.close();
      void drawArea().then((drawn) => {
        document.body.append(dialog);
        dialog.showModal();
        if (drawn) set(drawn);
      });
    } }, 'Draw on the globe'));
  }
  buttons.append(h('button', { type: 'button', onclick: () => set(null) }, ids.clear));
  return buttons;
}

/**
 * Four edges of an area in degrees, typed or set by a caller (from the view, drawn): the project's area of interest
 * and a sync's area alike. `read` throws a message for the form when the edges are incomplete or crossed.
 */
export function areaInputs(
  initial: AreaOfInterest | null,
  options: { idPrefix: string; name: string; noneMeans?: string } = { idPrefix: 'aoi', name: 'area of interest' },
): { fields: HTMLElement; read: () => AreaOfInterest | null; set: (a: AreaOfInterest | null) => void } {
  const make = (edge: string, label: string, min: number, max: number) =>
    h('input', { type: 'number', id: `${options.idPrefix}-${edge}`, step: 'any', min: String(min), max: String(max), 'aria-label': label, placeholder: label }) as HTMLInputElement;
  const west = make('west', 'West', -180, 180);
  const south = make('south', 'South', -90, 90);
  const east = make('east', 'East', -180, 180);
  const north = make('north', 'North', -90, 90);
  const set = (a: AreaOfInterest | null) => {
    west.value = a ? a.westDegrees.toFixed(5) : '';
    south.value = a ? a.southDegrees.toFixed(5) : '';
    east.value = a ? a.eastDegrees.toFixed(5) : '';
    north.value = a ? a.northDegrees.toFixed(5) : '';
  };
  set(initial);
  const read = (): AreaOfInterest | null => {
    const values = [west, south, east, north].map((i) => i.value.trim());
    if (values.every((v) => v === '')) return null;
    const [w, s, e, n] = values.map(Number) as [number, number, number, number];
    if (values.some((v) => v === '') || [w, s, e, n].some((v) => !Number.isFinite(v))) {
      throw new Error(`Give all four edges of the ${options.name}, in degrees, or none${options.noneMeans ? ` (${options.noneMeans})` : ''}.`);
    }
    if (!(w < e && s < n)) throw new Error(`The ${options.name} needs west < east and south < north.`);
    return { westDegrees: w, southDegrees: s, eastDegrees: e, northDegrees: n };
  };
  const fields = h('div', { class: 'aoi-grid' },
    h('span', {}), h('label', { class: 'aoi-north' }, 'North', north), h('span', {}),
    h('label', {}, 'West', west), h('span', {}), h('label', {}, 'East', east),
    h('span', {}), h('label', {}, 'South', south), h('span', {}),
  );
  return { fields, read, set };
}

/** New project (info null) or Project properties (info of the open project). */
export function showProjectForm(hooks: ProjectDialogHooks, info: ProjectInfo | null, options: { returnToChooser?: boolean } = {}): Promise<void> {
  const creating = info === null;
  const { dialog, close } = modal('project-form', creating ? 'New project' : 'Project properties');
  const name = h('input', { id: 'project-name', required: true, maxlength: '200', value: info?.name ?? '', autocomplete: 'off' });
  const fileName = h('input', { id: 'project-file', maxlength: '255', placeholder: 'from the name', autocomplete: 'off' });
  const description = h('textarea', { id: 'project-description', rows: '2', maxlength: '5000' });
  description.value = info?.description ?? '';
  const marking = h('input', { id: 'project-marking', list: 'markings', maxlength: '200', value: info?.marking ?? '', placeholder: 'e.g. RESTRICTED' });
  const markings = h('datalist', { id: 'markings' }, ...MARKINGS.filter(Boolean).map((m) => h('option', { value: m })));
  const area = areaInputs(info?.areaOfInterest ?? null);
  const message = h('p', { class: 'form-message', role: 'alert' });
  // New project: encrypted from the start when a passphrase is given (converting a plain file later cannot wipe the
  // plaintext it wrote before), its passphrase kept by the OS keychain if asked.
  const newPassphrase = h('input', { type: 'password', id: 'project-passphrase', autocomplete: 'new-password', maxlength: '1024', placeholder: creating ? 'leave empty for a plain project' : '' }) as HTMLInputElement;
  const repeatPassphrase = h('input', { type: 'password', id: 'project-passphrase-repeat', autocomplete: 'new-password', maxlength: '1024' }) as HTMLInputElement;
  const rememberNew = rememberBox(hooks.host, 'project-remember-passphrase');
  const passphraseFields = [
    h('label', { for: 'project-passphrase' }, creating ? 'Passphrase (at least 8 characters)' : 'New passphrase (at least 8 characters)'), newPassphrase,
    h('label', { for: 'project-passphrase-repeat' }, 'Repeat the passphrase'), repeatPassphrase,
    rememberNew.label,
  ];
  /** Project properties: encrypt the open project, change its passphrase, or make it plain; it reopens after. */
  const convert = (toPlain: boolean) => {
    if (!toPlain && !newPassphrase.value) return void (message.textContent = 'Type the new passphrase twice.');
    if (!toPlain && newPassphrase.value !== repeatPassphrase.value) return void (message.textContent = 'The two passphrases differ; type the same one twice.');
    message.textContent = toPlain ? 'Making the project plain…' : 'Encrypting: the file is rewritten beside itself and checked…';
    const input = toPlain ? { passphrase: null } : { passphrase: newPassphrase.value, ...(rememberNew.input.checked ? { rememberPassphrase: true } : {}) };
    hooks.api.setProjectPassphrase(input).then(() => {
      close();
      reloadOntoProject(hooks);
    }, (error: unknown) => {
      message.textContent = error instanceof Error ? error.message : String(error);
    });
  };
  const encryption = creating
    ? h('fieldset', { class: 'encryption' }, h('legend', {}, 'Encryption (optional)'), ...passphraseFields)
    : info && !info.readOnly && info.encrypted !== undefined
      ? h('fieldset', { class: 'encryption' },
          h('legend', {}, 'Encryption'),
          h('p', { class: 'muted small', id: 'project-encryption-state' }, info.encrypted
            ? 'This project is encrypted: it opens only with its passphrase.'
            : 'This project is not encrypted. Encrypting rewrites the file; on an SSD the blocks it used before may keep plain data, so for data that travels create projects encrypted from the start.'),
          ...passphraseFields,
          h('div', { class: 'aoi-buttons' },
            h('button', { type: 'button', id: 'project-encrypt', onclick: () => convert(false) }, info.encrypted ? 'Change passphrase' : 'Encrypt'),
            info.encrypted ? h('button', { type: 'button', id: 'project-decrypt', onclick: () => convert(true) }, 'Make plain') : null,
          ),
        )
      : null;
  // Project properties: the passphrase kept for this project can be forgotten here.
  const forgetMessage = h('span', { class: 'muted small', role: 'status' });
  const keychainRow = !creating && hooks.host.keychain.remembersOpenProject
    ? h('p', { class: 'keychain-row' },
        h('button', { type: 'button', id: 'forget-passphrase', onclick: (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          button.disabled = true;
          hooks.api.forgetPassphrase({}).then(({ forgotten }) => {
            forgetMessage.textContent = forgotten ? 'Forgotten: the passphrase is asked the next time this project opens.' : 'No passphrase was kept for this project.';
          }, (error: unknown) => {
            button.disabled = false;
            forgetMessage.textContent = error instanceof Error ? error.message : String(error);
          });
        } }, 'Forget the passphrase kept in the OS keychain'),
        ' ', forgetMessage,
      )
    : null;
  const areaButtons = areaSourceButtons(area.set, dialog, hooks, { view: 'aoi-from-view', draw: 'aoi-draw', clear: 'Clear' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'project-form-submit' }, creating ? 'Create' : 'Save');
  const form = h('form', { method: 'dialog' },
    h('h2', {}, creating ? 'New project' : 'Project properties'),
    h('label', { for: 'project-name' }, 'Name'), name,
    creating && hooks.host.projectFolder !== null ? h('label', { for: 'project-file' }, `File in “${hooks.host.projectFolder}”`) : null,
    creating && hooks.host.projectFolder !== null ? fileName : null,
    h('label', { for: 'project-description' }, 'Description'), description,
    h('label', { for: 'project-marking' }, 'Classification marking (printed on every briefing page)'), marking, markings,
    h('fieldset', { class: 'aoi' }, h('legend', {}, 'Area of interest (degrees, WGS84)'), area.fields, areaButtons),
    encryption,
    keychainRow,
    message,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => { close(); if (options.returnToChooser) void showProjectChooser(hooks, { startScreen: true }); } }, 'Cancel'),
      submit,
    ),
  );
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let properties: ProjectProperties;
      try {
        properties = { name: name.value.trim(), description: description.value, marking: marking.value.trim(), areaOfInterest: area.read() };
        if (!properties.name) throw new Error('Give the project a name.');
        if (creating && newPassphrase.value !== repeatPassphrase.value) throw new Error('The two passphrases differ; type the same one twice.');
        if (creating && !newPassphrase.value && rememberNew.input.checked) throw new Error('Give a passphrase to remember, or leave "Remember" off.');
      } catch (error) {
        message.textContent = (error as Error).message;
        return;
      }
      submit.disabled = true;
      message.textContent = creating ? 'Creating…' : 'Saving…';
      const done = creating
        ? hooks.api.createProject({
            ...(fileName.value.trim() ? { fileName: fileName.value.trim() } : {}),
            properties,
            ...(newPassphrase.value ? { passphrase: newPassphrase.value, rememberPassphrase: rememberNew.input.checked } : {}),
          }).then((result) => {
            if (result.opened) {
              close();
              reloadOntoProject(hooks);
            } else {
              submit.disabled = false;
              message.textContent = result.cancelled ? '' : result.problem?.message ?? 'The project was not created.';
            }
          })
        : hooks.api.setProjectProperties(properties).then(() => {
            close();
            reloadOntoProject(hooks);
          });
      done.catch((error: unknown) => {
        submit.disabled = false;
        message.textContent = error instanceof Error ? error.message : String(error);
      });
    });
    dialog.append(form);
    dialog.showModal();
    name.focus();
  });
}

/** Save a copy: the desktop asks with its native dialog; the web host takes a file name in its folder. */
export async function saveCopy(hooks: ProjectDialogHooks, info: ProjectInfo, notify: (text: string) => void): Promise<void> {
  if (hooks.host.canChooseFiles) {
    try {
      const result = await hooks.api.saveProjectCopy({});
      if (result.saved) notify(`Saved a copy as ${result.fileName} (${formatBytes(result.sizeBytes)}).`);
    } catch (error) {
      hooks.onError(error);
    }
    return;
  }
  const { dialog, close } = modal('save-copy', 'Save a copy');
  const base = info.fileName.replace(/\.storey$/, '');
  const stamp = new Date().toISOString().slice(0, 10);
  const fileName = h('input', { id: 'copy-name', required: true, value: `${base} ${stamp}.storey`, maxlength: '255' });
  const message = h('p', { class: 'form-message', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'copy-submit' }, 'Save copy');
  const form = h('form', { method: 'dialog' },
    h('h2', {}, 'Save a copy'),
    h('p', { class: 'muted' }, `A consistent copy of ${info.fileName}, taken now while it stays open. It is checked before it gets its name.`),
    h('label', { for: 'copy-name' }, `File in “${hooks.host.projectFolder ?? ''}”`), fileName,
    message,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = 'Saving…';
    hooks.api.saveProjectCopy({ fileName: fileName.value.trim() }).then((result) => {
      close();
      notify(`Saved a copy as ${result.fileName} (${formatBytes(result.sizeBytes)}).`);
    }, (error: unknown) => {
      submit.disabled = false;
      message.textContent = error instanceof Error ? error.message : String(error);
    });
  });
  dialog.append(form);
  dialog.showModal();
}

/** A .storey file dropped on the window. */
export async function openDroppedFile(hooks: ProjectDialogHooks, file: File): Promise<void> {
  if (!file.name.endsWith('.storey')) {
    hooks.onError(new Error(`${file.name} is not a Storey project (.storey). To bring in registry data, use File ▸ Import.`));
    return;
  }
  const desktopPath = (window as unknown as { storeyFiles?: { pathForFile(file: File): string } }).storeyFiles?.pathForFile(file);
  if (desktopPath) {
    await openAndHandle(hooks, { kind: 'path', path: desktopPath });
    return;
  }
  // A browser gives the page the file's bytes, never its place on disk: it can open what is in the host's folder.
  const { projects } = await hooks.api.listProjects({});
  if (projects.some((p) => p.fileName === file.name)) {
    await openAndHandle(hooks, { kind: 'folder', fileName: file.name });
    return;
  }
  hooks.onError(new Error(hooks.host.projectFolder !== null
    ? `${file.name} is not in the project folder “${hooks.host.projectFolder}”. A browser cannot open files from elsewhere: copy it into that folder, or open it in the Storey desktop app.`
    : `${file.name} cannot be opened from the browser; open it in the Storey desktop app.`));
}
