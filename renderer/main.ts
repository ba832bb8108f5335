/** The workstation UI: wires the API, the globe and the panels together. */
import type { BuildingDetail, BuildingShape, FloorSummary, ProjectInfo } from '../common/contract.js';
import { StoreyError } from '../common/errors.js';
import { connectApi } from './api.js';
import { renderBuilding, renderUnits } from './building-panel.js';
import { formatNumber, h } from './dom.js';
import { CityGlobe } from './globe/city-globe.js';
import { colorOfCategory, useCategoryLabels } from './palette.js';
import { openImportDialog } from './import-dialog.js';
import { mountSearchBox } from './search-box.js';
import { mountStyleFilter } from './style-filter.js';
import type { Classification } from './classify.js';
import type { StyleFilterControls } from './style-filter.js';
import { mountViewsNotes, type ViewsNotesControls } from './views-notes.js';
import { MeasureTool } from './measure-tool.js';
import type { PickedPoint } from './globe/city-globe.js';
import type { HostInfo, SessionState, ViewState } from '../common/contract.js';
import { mountFileMenu } from './file-menu.js';
import { openAndHandle, openDroppedFile, saveCopy, showProjectChooser, showProjectForm, type ProjectDialogHooks } from './project-dialogs.js';
import { printHooks } from './print-view.js';
import { openBriefingDialog } from './briefing-dialog.js';
import { mountLayerPanel, type LayerPanelControls } from './layer-panel.js';
import { renderLayerFeature } from './layer-feature-panel.js';
import { isSyncShortcut, showNewFromServer, showPendingSyncSummary, syncNow, type SyncDialogHooks } from './sync-dialog.js';

const api = connectApi();

const elements = {
  search: document.getElementById('search') as HTMLInputElement,
  searchResults: document.getElementById('search-results')!,
  importButton: document.getElementById('import-button') as HTMLButtonElement,
  viewsNotes: document.getElementById('views-notes')!,
  measureResult: document.getElementById('measure-result')!,
  hint: document.getElementById('hint')!,
  title: document.getElementById('project-title')!,
  badge: document.getElementById('project-badge')!,
  panel: document.getElementById('panel')!,
  status: document.getElementById('status')!,
  legend: document.getElementById('legend')!,
  globe: document.getElementById('globe')!,
  tools: document.getElementById('tools')!,
  table: document.getElementById('table')!,
  error: document.getElementById('error')!,
};

let globe: CityGlobe | undefined;
let selected: { detail: BuildingDetail; floorId: string | null } | null = null;
/** How the selected building's storeys are shown. */
const floorView = { explodeMeters: 0, onlyFloor: false };
/** Floor-slab colours when the city is styled by floors or units. */
let slabColors: Map<string, string> | null = null;
let info: ProjectInfo | undefined;

function showError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof StoreyError ? ` (${error.code})` : '';
  elements.error.replaceChildren(h('strong', {}, 'Something went wrong'), h('span', {}, `${message}${code}`),
    h('button', { class: 'icon-button', 'aria-label': 'Dismiss', onclick: () => elements.error.hidden = true }, '×'));
  elements.error.hidden = false;
  console.error(error);
}

function renderOverview(): void {
  if (!info) return;
  const c = info.counts;
  elements.panel.replaceChildren(
    h('section', { class: 'overview' },
      h('h2', {}, info.name),
      info.description ? h('p', { class: 'muted' }, info.description) : null,
      h('dl', { class: 'counts' },
        ...([['Buildings', c.buildings], ['Floors', c.floors], ['Units', c.units], ['Stairwells', c.stairwells], ['Addresses', c.addresses]] as const)
          .flatMap(([label, n]) => [h('dt', {}, label), h('dd', {}, formatNumber(n))]),
      ),
      h('p', { class: 'hint' }, 'Click a building to see its registry record and storeys. Esc clears the selection.'),
    ),
  );
}

function renderSelection(): void {
  // Re-rendering the panel must not throw the analyst back to its top.
  const scroller = elements.panel.parentElement!;
  const scrollTop = scroller.scrollTop;
  requestAnimationFrame(() => (scroller.scrollTop = scrollTop));
  if (!selected) {
    renderOverview();
    return;
  }
  const { detail, floorId } = selected;
  const explode = h('input', { type: 'range', id: 'explode', min: '0', max: '12', step: '1', value: String(floorView.explodeMeters), 'aria-label': 'Explode storeys' });
  explode.addEventListener('input', () => {
    floorView.explodeMeters = Number(explode.value);
    showFloors();
  });
  const only = h('input', { type: 'checkbox', id: 'only-floor', checked: floorView.onlyFloor, disabled: !floorId });
  only.addEventListener('change', () => {
    floorView.onlyFloor = only.checked;
    showFloors();
  });
  elements.panel.replaceChildren(
    renderBuilding(detail, floorId, {
      onFloor: (floor) => void selectFloor(floor),
      onClose: () => void selectBuilding(null),
    }),
  );
  const heading = elements.panel.querySelector('.building h3');
  heading?.after(
    h('div', { class: 'floor-controls' },
      h('label', { for: 'explode' }, 'Explode'), explode,
      h('label', { class: 'check' }, only, ' Only the selected floor'),
    ),
  );
}

function showFloors(): void {
  if (!globe || !selected) return;
  globe.openFloors(selected.detail.id, selected.detail.floors, {
    explodeMeters: floorView.explodeMeters,
    onlyFloorId: floorView.onlyFloor ? selected.floorId : null,
    selectedFloorId: selected.floorId,
    floorColors: slabColors,
  });
}

async function selectBuilding(id: string | null): Promise<void> {
  globe?.select(id);
  document.body.dataset['selectedBuilding'] = id ?? '';
  document.body.dataset['selectedFloor'] = '';
  if (!id) {
    selected = null;
    globe?.closeFloors();
    renderSelection();
    return;
  }
  try {
    const [detail] = await Promise.all([api.getBuilding({ id }), ensureShapes([id])]);
    selected = { detail, floorId: null };
    floorView.onlyFloor = false;
    renderSelection();
    showFloors();
  } catch (error) {
    showError(error);
  }
}

async function selectFloor(floor: FloorSummary): Promise<void> {
  if (!selected) return;
  selected.floorId = floor.id;
  document.body.dataset['selectedFloor'] = floor.id;
  renderSelection();
  showFloors();
  try {
    const { units } = await api.listFloorUnits({ floorId: floor.id });
    document.getElementById('units')?.replaceChildren(renderUnits(floor, units));
  } catch (error) {
    showError(error);
  }
}

function stepFloor(direction: 1 | -1): void {
  if (!selected || selected.detail.floors.length === 0) return;
  const floors = selected.detail.floors;
  const index = floors.findIndex((f) => f.id === selected!.floorId);
  const next = index === -1 ? (direction > 0 ? 0 : floors.length - 1) : Math.min(floors.length - 1, Math.max(0, index + direction));
  void selectFloor(floors[next]!);
}

let categories: string[] = [];

function renderLegend(title = 'Building use', classification: Classification | null = null): void {
  const row = (color: string, label: string, count?: number) =>
    h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background: ${color}` }), h('span', { class: 'legend-label' }, label), count !== undefined ? h('span', { class: 'legend-count' }, formatNumber(count)) : null);
  const rows = classification
    ? [...classification.classes.map((c) => row(c.color, c.label, c.count)), ...(classification.noData.count ? [row(classification.noData.color, classification.noData.label, classification.noData.count)] : [])]
    : categories.map((category) => row(colorOfCategory(category), useCategoryLabels[category] ?? category));
  elements.legend.replaceChildren(h('h4', {}, title), ...rows);
}

let searchBox: { focus(): void } | undefined;

/** File ▸ Export briefing (Ctrl+P). */
function showBriefing(): void {
  if (!info) return;
  const detail = selected?.detail;
  openBriefingDialog(api, {
    projectName: info.name,
    marking: info.marking,
    selectedBuilding: detail ? { id: detail.id, label: detail.address ?? detail.name ?? detail.id } : null,
    filter: styleFilter?.state().filter ?? [],
    hostOpensPdf: hostInfo?.host === 'desktop',
  }, showError);
}

function showImport(): void {
  if (info?.readOnly) {
    showError(new Error(`${info.fileName} is open read-only; nothing can be imported into it.`));
    return;
  }
  openImportDialog(api, () => void reloadCity(), showError);
}

async function reloadCity(): Promise<void> {
  info = await api.getProjectInfo({});
  renderHeader();
  const tilesetUrl = buildingsTilesetUrl();
  const listed: BuildingShape[] = shapesUpFront(tilesetUrl) ? (await api.listBuildingShapes({})).buildings : [];
  shapes = listed;
  globe?.showBuildings(listed, tilesetUrl);
  categories = useCategories(listed);
  renderLegend();
  if (info.extent) globe?.viewExtent(info.extent);
  selected = null;
  renderSelection();
  await mountTools();
}

let styleFilter: StyleFilterControls | undefined;
let viewsNotes: ViewsNotesControls | undefined;
let measure: MeasureTool | undefined;
/** A pending point pick (adding a note): Escape cancels it. */
let cancelPick: (() => void) | undefined;

function pickPoint(prompt: string): Promise<PickedPoint | null> {
  measure?.clear();
  return new Promise((resolve) => {
    elements.hint.textContent = prompt;
    elements.hint.hidden = false;
    const end = (point: PickedPoint | null) => {
      globe!.setClickHandler(undefined);
      elements.hint.hidden = true;
      cancelPick = undefined;
      resolve(point);
    };
    cancelPick = () => end(null);
    globe!.setClickHandler((point) => end(point));
  });
}

async function restoreView(state: ViewState, flightSeconds?: number): Promise<void> {
  globe!.setCamera(state.camera, flightSeconds);
  await styleFilter?.restore(state.style, state.filter);
  if (state.selection) {
    await selectBuilding(state.selection.buildingId);
    const floor = selected?.detail.floors.find((f) => f.id === state.selection!.floorId);
    if (floor) await selectFloor(floor);
  } else {
    await selectBuilding(null);
  }
  document.body.dataset['restoredView'] = String(Date.now());
}

async function mountTools(): Promise<void> {
  // Paint and filter wait for the batched buildings to be built on Cesium's workers.
  const whenReady = (fn: () => boolean) => {
    if (!fn()) setTimeout(() => whenReady(fn), 100);
  };
  styleFilter = await mountStyleFilter(elements.tools, elements.table, {
    api,
    paint: (colors, floorColors) => {
      slabColors = floorColors;
      whenReady(() => globe!.paintBuildings(colors));
      showFloors();
    },
    showOnly: (ids) => whenReady(() => globe!.setVisibleBuildings(ids)),
    legend: (title, classification) => renderLegend(title, classification),
    choose: (id) => {
      flyToBuilding(id);
      void selectBuilding(id);
    },
    totalBuildings: () => info?.counts.buildings ?? 0,
    onError: showError,
  });
  viewsNotes = await mountViewsNotes(elements.viewsNotes, {
    api,
    readOnly: info?.readOnly ?? true,
    captureView: () => ({
      camera: globe!.cameraState(),
      ...styleFilter!.state(),
      selection: selected ? { buildingId: selected.detail.id, floorId: selected.floorId } : null,
    }),
    restoreView,
    pickPoint,
    showNotes: (notes, selectedId) => globe!.showNotes(notes, selectedId),
    flyToNote: (note) => globe!.flyToNote(note),
    onError: showError,
  });
}

document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement | null;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
    searchBox?.focus();
    event.preventDefault();
    return;
  }
  if (event.key === 'Escape' && (cancelPick || measure?.active)) {
    cancelPick?.();
    if (measure?.active) measure.finish();
    event.preventDefault();
    return;
  }
  if (event.key === 'Enter' && measure?.active && !(target && ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(target.tagName))) {
    measure.finish();
    event.preventDefault();
    return;
  }
  const fileCommand = fileShortcut(event);
  if (fileCommand) {
    fileCommand();
    event.preventDefault();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'p') {
    showBriefing();
    event.preventDefault();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'i') {
    showImport();
    event.preventDefault();
    return;
  }
  if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
  if (document.querySelector('dialog[open]')) return;
  if (event.key === '/') searchBox?.focus();
  else if (event.key === 'Escape') {
    measure?.clear();
    void selectBuilding(null);
  } else if ((event.key === 'Delete' || event.key === 'Backspace') && viewsNotes?.selectedNote()) void viewsNotes.deleteSelectedNote();
  else if (event.key === 'm' || event.key === 'M') measure?.start('distance');
  else if (event.key === 'PageUp' || (event.key === 'ArrowUp' && event.altKey)) stepFloor(1);
  else if (event.key === 'PageDown' || (event.key === 'ArrowDown' && event.altKey)) stepFloor(-1);
  else return;
  event.preventDefault();
});

function renderHeader(): void {
  if (!info) return;
  document.title = `${info.name} — Storey`;
  elements.title.textContent = info.name;
  elements.badge.hidden = !info.synthetic;
  const marking = document.getElementById('marking-badge')!;
  marking.textContent = info.marking;
  marking.hidden = !info.marking;
  elements.status.textContent = `${info.fileName} · ${formatNumber(info.counts.buildings)} buildings · ${formatNumber(info.counts.units)} units · schema ${info.schemaVersion}${info.readOnly ? ' · read-only' : ''}${info.attribution ? ' · ' + info.attribution : ''}`;
  elements.importButton.disabled = info.readOnly;
}

let shapes: Array<{ id: string; heightMeters: number }> = [];

let hostInfo: HostInfo | undefined;

function dialogHooks(): ProjectDialogHooks {
  return {
    api,
    host: hostInfo!,
    onError: showError,
    viewExtent: globe ? () => globe!.visibleExtent() : undefined,
    drawArea: globe && info ? drawArea : undefined,
  };
}

/** Two clicks on the globe give the corners of an area of interest. */
async function drawArea(): Promise<{ westDegrees: number; southDegrees: number; eastDegrees: number; northDegrees: number } | null> {
  const first = await pickPoint('Click one corner of the area of interest (Esc cancels).');
  if (!first) return null;
  const second = await pickPoint('Click the opposite corner.');
  if (!second) return null;
  return {
    westDegrees: Math.min(first.lonDegrees, second.lonDegrees),
    southDegrees: Math.min(first.latDegrees, second.latDegrees),
    eastDegrees: Math.max(first.lonDegrees, second.lonDegrees),
    northDegrees: Math.max(first.latDegrees, second.latDegrees),
  };
}

function flash(text: string): void {
  elements.hint.textContent = text;
  elements.hint.hidden = false;
  setTimeout(() => (elements.hint.hidden = true), 4000);
}

/** Sync dialogs: the project dialogs' hooks, and where the analyst is saved before the page reloads onto a generation. */
function syncHooks(): SyncDialogHooks {
  return { ...dialogHooks(), beforeReload: saveSession };
}

const fileCommands = {
  newFromServer: () => void showNewFromServer(syncHooks()),
  syncNow: () => {
    if (info && !info.readOnly) void syncNow(syncHooks());
  },
  newProject: () => void showProjectForm(dialogHooks(), null),
  open: () => void showProjectChooser(dialogHooks()),
  saveCopy: () => info && void saveCopy(dialogHooks(), info, flash),
  close: () => void closeProject(),
  properties: () => {
    if (!info) return;
    if (info.readOnly) showError(new Error(`${info.fileName} is open read-only; its properties cannot be changed.`));
    else void showProjectForm(dialogHooks(), info);
  },
};

/** File-menu keys. Ctrl+N and Ctrl+W belong to the browser there, so New and Close also take Ctrl+Alt. */
function fileShortcut(event: KeyboardEvent): (() => void) | undefined {
  if (!hostInfo) return undefined;
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (event.altKey && key === 'f') return () => fileMenu?.open();
  if (ctrl && !event.shiftKey && key === 'o') return fileCommands.open;
  if (ctrl && event.shiftKey && key === 's') return fileCommands.saveCopy;
  if (ctrl && key === 'n' && (event.altKey || hostInfo.host === 'desktop')) return fileCommands.newProject;
  if (ctrl && key === 'w' && (event.altKey || hostInfo.host === 'desktop')) return fileCommands.close;
  if (event.altKey && key === 'enter') return fileCommands.properties;
  if (isSyncShortcut(event)) return fileCommands.syncNow;
  return undefined;
}

async function closeProject(): Promise<void> {
  try {
    await saveSession();
    await api.closeProject({});
    location.reload();
  } catch (error) {
    showError(error);
  }
}

let fileMenu: { open(): void } | undefined;
let layerPanel: LayerPanelControls | undefined;

function mountFileCommands(): void {
  const desktop = hostInfo!.host === 'desktop';
  fileMenu = mountFileMenu(document.getElementById('file-menu-anchor')!, {
    entries: [
      { id: 'new', label: 'New project…', shortcut: desktop ? 'Ctrl+N' : 'Ctrl+Alt+N', run: fileCommands.newProject },
      { id: 'open', label: 'Open…', shortcut: 'Ctrl+O', run: fileCommands.open },
      { id: 'new-from-server', label: 'New project from server…', run: fileCommands.newFromServer },
      { id: 'sync-now', label: 'Sync now', shortcut: 'F9', run: fileCommands.syncNow, enabled: () => Boolean(info && !info.readOnly) },
      'recent',
      'separator',
      { id: 'save-copy', label: 'Save a copy…', shortcut: 'Ctrl+Shift+S', run: fileCommands.saveCopy, enabled: () => Boolean(info) },
      { id: 'properties', label: 'Project properties…', shortcut: 'Alt+Enter', run: fileCommands.properties, enabled: () => Boolean(info && !info.readOnly) },
      { id: 'import', label: 'Import…', shortcut: 'Ctrl+I', run: () => showImport(), enabled: () => Boolean(info && !info.readOnly) },
      { id: 'import-tiles', label: 'Import tiles…', run: () => layerPanel?.importTiles(), enabled: () => Boolean(info && !info.readOnly && layerPanel) },
      { id: 'briefing', label: 'Export briefing…', shortcut: 'Ctrl+P', run: () => showBriefing(), enabled: () => Boolean(info) },
      'separator',
      { id: 'close', label: 'Close project', shortcut: desktop ? 'Ctrl+W' : 'Ctrl+Alt+W', run: fileCommands.close, enabled: () => Boolean(info) },
    ],
    recent: async () => (await api.listProjects({})).recent.filter((r) => r.fileName !== info?.fileName || !r.exists),
    openRecent: (project) => void openAndHandle(dialogHooks(), { kind: 'recent', id: project.id }),
  });
  // Drop a project file on the window to open it.
  document.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  document.addEventListener('drop', (event) => {
    const file = event.dataTransfer?.files[0];
    if (!file) return;
    event.preventDefault();
    void openDroppedFile(dialogHooks(), file).catch(showError);
  });
}

/** What is worth restoring next time: the view, the table, the floors' explode distance. */
function currentSession(): SessionState | null {
  if (!globe || !styleFilter) return null;
  return {
    view: {
      camera: globe.cameraState(),
      ...styleFilter.state(),
      selection: selected ? { buildingId: selected.detail.id, floorId: selected.floorId } : null,
    },
    panels: {
      table: !elements.table.hidden,
      explodeMeters: floorView.explodeMeters,
      openTools: [...document.querySelectorAll('.panel details[open] > summary')].map((s) => s.textContent ?? ''),
    },
  };
}

let lastSavedSession = '';

async function saveSession(): Promise<void> {
  const session = currentSession();
  if (!session) return;
  const text = JSON.stringify(session);
  if (text === lastSavedSession) return;
  lastSavedSession = text;
  await api.saveSessionState({ state: session });
  document.body.dataset['sessionSaved'] = String(Date.now());
}

async function restoreSession(session: SessionState): Promise<void> {
  floorView.explodeMeters = session.panels.explodeMeters;
  await restoreView(session.view, 0);
  const openTools = new Set(session.panels.openTools ?? []);
  for (const summary of document.querySelectorAll('.panel details > summary')) {
    (summary.parentElement as HTMLDetailsElement).open = openTools.has(summary.textContent ?? '');
  }
  if (session.panels.table) document.getElementById('show-table')?.click();
  lastSavedSession = JSON.stringify(currentSession());
}

/** No project open: the empty globe behind the project chooser. */
async function startWithoutProject(): Promise<void> {
  elements.title.textContent = 'No project open';
  elements.status.textContent = hostInfo!.projectFolder !== null ? `Projects folder: ${hostInfo!.projectFolder}` : 'No project open';
  elements.importButton.disabled = true;
  elements.legend.hidden = true;
  renderOverviewWithoutProject();
  globe = await CityGlobe.create(elements.globe, new URL('cesium/', document.baseURI).href);
  document.body.dataset['state'] = 'no-project';
  await showProjectChooser(dialogHooks(), { startScreen: true });
}

function renderOverviewWithoutProject(): void {
  elements.panel.replaceChildren(h('section', { class: 'overview' },
    h('h2', {}, 'No project open'),
    h('p', { class: 'muted' }, 'Open a project or create one from the File menu (Ctrl+O), or drop a .storey file on the window.'),
  ));
}

/** Above this many buildings, a city drawn from its tileset does not list every building's shape at the start. */
const SHAPES_UP_FRONT_LIMIT = 50_000;

function shapesUpFront(tilesetUrl: string | null): boolean {
  // ?lazy-shapes: the big-city behaviour on a small project (for tests).
  return !tilesetUrl || ((info?.counts.buildings ?? 0) <= SHAPES_UP_FRONT_LIMIT && !new URLSearchParams(location.search).has('lazy-shapes'));
}

/** The legend's use categories: of the listed shapes, or as the tiler recorded them when shapes load on demand. */
function useCategories(listed: BuildingShape[]): string[] {
  const found = listed.length ? listed.map((b) => b.useCategory) : (info?.buildingsTileset?.categories ?? []);
  return [...new Set(found)].sort((a, b) => a.localeCompare(b));
}

/** Loads the shapes of these buildings into the globe when it does not have them yet. */
function ensureShapes(ids: string[]): Promise<void> {
  return globe ? globe.ensureShapes(ids, async (missing) => (await api.listBuildingShapes({ ids: missing })).buildings) : Promise.resolve();
}

/** Flies to a building once its shape is at hand (else, when given, somewhere else). */
function flyToBuilding(id: string, otherwise?: () => void): void {
  void ensureShapes([id])
    .then(() => {
      if (globe?.hasBuilding(id)) globe.flyToBuilding(id);
      else otherwise?.();
    })
    .catch(showError);
}

/** The buildings tileset to draw the city from, when the project's is up to date with its registry. */
function buildingsTilesetUrl(): string | null {
  const tileset = info?.buildingsTileset;
  const layer = tileset?.current ? info!.layers.find((l) => l.id === tileset.layerId) : undefined;
  return layer && globe ? globe.tileLayers.rootUrl(layer) : null;
}

async function start(): Promise<void> {
  document.body.dataset['state'] = 'loading';
  hostInfo = await api.getHostInfo({});
  mountFileCommands();
  if (!hostInfo.projectOpen) {
    await startWithoutProject();
    return;
  }
  info = await api.getProjectInfo({});
  renderHeader();
  renderOverview();

  globe = await CityGlobe.create(elements.globe, new URL('cesium/', document.baseURI).href);
  // Point the camera where the analyst will look before anything else, so the globe's and the buildings' tiles for
  // that view start loading at once instead of after the whole-Earth view's; the rest of the session comes later.
  const { state: session } = await api.getSessionState({});
  if (session) globe.setCamera(session.view.camera, 0);
  else if (info.extent) globe.viewExtent(info.extent);
  globe.onPick((id) => void selectBuilding(id));
  globe.onPickLayerFeature((feature) => {
    void selectBuilding(null).then(() => elements.panel.replaceChildren(renderLayerFeature(feature, () => {
      globe?.tileLayers.highlight(null);
      renderSelection();
    })));
  });
  globe.onPickNote((noteId) => viewsNotes?.selectNote(noteId));
  measure = new MeasureTool({
    setClickHandler: (handler) => globe!.setClickHandler(handler),
    drawSketch: (points, closed, label) => globe!.drawSketch(points.map((p) => ({ ...p, buildingId: null })), closed, label),
    resultBox: elements.measureResult,
  });
  for (const kind of ['distance', 'height', 'area'] as const) {
    document.getElementById(`measure-${kind}`)!.addEventListener('click', () => {
      cancelPick?.();
      measure!.start(kind);
    });
  }
  elements.globe.addEventListener('dblclick', () => {
    if (measure?.active) measure.finish();
  });
  globe.onPickFloor((floorId) => {
    const floor = selected?.detail.floors.find((f) => f.id === floorId);
    if (floor) void selectFloor(floor);
  });
  const geocoder = globe.createGeocoder(async (query) => (await api.searchAddresses({ query, limit: 8 })).matches);
  searchBox = mountSearchBox(elements.search, elements.searchResults, {
    search: (query) => geocoder.geocode(query),
    choose: (match) => {
      const toPoint = () => {
        if (match.lonDegrees !== null && match.latDegrees !== null) globe!.flyToPoint(match.lonDegrees, match.latDegrees);
      };
      if (match.buildingId) flyToBuilding(match.buildingId, toPoint);
      else toPoint();
      if (match.buildingId) void selectBuilding(match.buildingId);
    },
    onError: showError,
  });
  elements.importButton.addEventListener('click', showImport);
  // With a tileset, its tiles start loading while the host reads the building shapes (floors, flights); a city too
  // big to list whole loads a building's shape when it is opened.
  const tilesetUrl = buildingsTilesetUrl();
  if (tilesetUrl) globe.showBuildings([], tilesetUrl);
  if (shapesUpFront(tilesetUrl)) {
    const listed = (await api.listBuildingShapes({})).buildings;
    shapes = listed;
    globe.showBuildings(listed, tilesetUrl);
  }
  categories = useCategories(shapes as BuildingShape[]);
  renderLegend();
  await mountTools();
  layerPanel = (await mountLayerPanel(document.getElementById('layers')!, { api, layers: globe.tileLayers, readOnly: info.readOnly, onError: showError }).catch(showError)) ?? undefined;
  if (session) await restoreSession(session).catch(showError);
  // Where the analyst is, remembered every few seconds and when the page goes away.
  setInterval(() => void saveSession().catch(() => undefined), 2000);
  addEventListener('pagehide', () => void saveSession().catch(() => undefined));
  document.body.dataset['state'] = 'ready';
  // A sync that just landed a generation (or made this project): its summary, over the reloaded city.
  showPendingSyncSummary();
  // Hooks for end-to-end tests and scripted screenshots: read-only views of state, no back doors into the API.
  (window as unknown as { storeyView: unknown }).storeyView = {
    globeState: () => ({ ...globe!.state }),
    screenPositionOf: (id: string) => globe!.screenPositionOf(id),
    floorScreenPosition: (id: string) => globe!.floorScreenPosition(id),
    screenPositionOfPoint: (lon: number, lat: number, height?: number) => globe!.screenPositionOfPoint(lon, lat, height),
    cameraState: () => globe!.cameraState(),
    /** For bench/interaction: the same code paths a click and a style change take. */
    selectBuilding: (id: string) => selectBuilding(id),
    restyle: (attribute: string) => styleFilter!.restore(attribute ? { level: 'buildings', attribute, method: 'quantile', classes: 5, ramp: 'yellow-blue' } : null, []),
    buildingIds: () => shapes.map((b) => ({ id: b.id, heightMeters: b.heightMeters })),
    buildingsSource: () => globe!.buildingsSource(),
    requestRender: () => globe!.requestRender(),
    /** For briefing maps (main/brief-render): apply a saved view at once, then wait and measure. */
    applyView: (state: ViewState) => restoreView(state, 0),
    print: printHooks(globe, elements.globe, elements.legend),
  };
}

start().catch((error: unknown) => {
  document.body.dataset['state'] = 'error';
  showError(error);
});
