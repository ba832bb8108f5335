/**
 * The Electron main process: one window on the storey:// scheme, the project behind IPC. Everything with logic in
 * it lives in core/; this file wires Electron to it.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ImportJobs } from '../../core/import/import-jobs.js';
import { apiChannel } from '../../common/operations.js';
import { createDispatcher } from '../../core/api/dispatch.js';
import { ensureSampleProject } from '../../core/paths.js';
import { Workspace, type FilePurpose } from '../../core/workspace/workspace.js';
import { createStaticHandler, securityHeaders } from '../../core/serve/app-handler.js';
import { createTileHandler, projectTileStore, TILE_ROUTE_PREFIX, withoutContentEncoding } from '../../core/serve/tile-handler.js';
import { StoreyError } from '../../common/errors.js';
import { keepBriefingPdf } from '../../core/brief/keep-pdf.js';
import { APP_ORIGIN, guardedApiHandler, installSessionPolicy } from './security.js';
import { ProjectKeychain } from './keychain.js';
import { desktopMapRenderer, electronPrintWindows, printPageDispatch } from './print-maps.js';
import { SyncTokenStore } from './token-store.js';
import { SyncJobs, withSync } from '../../core/api/sync-jobs.js';

protocol.registerSchemesAsPrivileged([
  { scheme: 'storey', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);

const appRoot = app.getAppPath();
const windows = new Set<BrowserWindow>();
/** Hidden windows drawing briefing maps (main/desktop/print-maps.ts): the IPC guard answers them too. */
const printContents = new Set<Electron.WebContents>();
/** macOS hands a double-clicked .storey file over as an event, not an argument. */
let openedFile: string | undefined;
app.on('open-file', (event, path) => {
  event.preventDefault();
  openedFile = path;
});

function projectPathFromArgs(argv: string[]): string | undefined {
  return argv.slice(app.isPackaged ? 1 : 2).find((arg) => arg.endsWith('.storey'));
}

/** A native dialog for the workspace: open a project, or where to create one or save a copy. */
async function chooseFile(purpose: FilePurpose, suggestedName: string): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow() ?? [...windows][0];
  const filters = [{ name: 'Storey project', extensions: ['storey'] }];
  if (purpose === 'open') {
    const options: Electron.OpenDialogOptions = { title: 'Open project', filters, properties: ['openFile'] };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : result.filePaths[0] ?? null;
  }
  const options: Electron.SaveDialogOptions = {
    title: purpose === 'create' ? 'New project' : 'Save a copy',
    defaultPath: join(app.getPath('documents'), suggestedName),
    filters,
  };
  const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  // The save dialog already asked about replacing a file; Storey still never overwrites (ALREADY_EXISTS).
  return result.canceled || !result.filePath ? null : result.filePath;
}

/** A native dialog for a tile source: Linux and Windows dialogs pick files or folders, not both, so the UI asks which. */
async function chooseTileSource(kind: 'file' | 'folder'): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow() ?? [...windows][0];
  const options: Electron.OpenDialogOptions =
    kind === 'file'
      ? { title: 'Import tiles', filters: [{ name: 'Tile sources', extensions: ['mbtiles', 'gpkg', '3tz', '3dtiles'] }], properties: ['openFile'] }
      : { title: 'Import tiles: a terrain, 3D Tiles or z/x/y folder', properties: ['openDirectory'] };
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : result.filePaths[0] ?? null;
}

/** A finished briefing, kept in Documents/Storey briefings and opened in the system's PDF viewer. */
async function openPdf(fileName: string, pdf: Buffer): Promise<string> {
  const path = keepBriefingPdf(join(app.getPath('documents'), 'Storey briefings'), fileName, pdf);
  const problem = await shell.openPath(path);
  if (problem) throw new StoreyError('INTERNAL', `The briefing is saved as ${path}, but the system could not open it: ${problem}`);
  return path;
}

/** The project to start with: one handed over by the OS or the command line, else the last one, else the sample. */
function openInitialProject(workspace: Workspace): void {
  const given = openedFile ?? projectPathFromArgs(process.argv);
  if (given) {
    try {
      workspace.openPath(given);
      return;
    } catch (error) {
      // The window opens with the project chooser; the person reads why this file did not open.
      const message = error instanceof StoreyError ? error.message : String(error);
      dialog.showErrorBox('Storey cannot open the project', message);
      return;
    }
  }
  if (workspace.reopenLast()) return;
  if (workspace.state.recent().length === 0) workspace.openPath(ensureSampleProject(app.getPath('userData')));
}

/** The workstation page's web preferences for the print windows of briefings: the same as its window's (createWindow). */
function workstationPreferences(): Electron.WebPreferences {
  return {
    preload: join(appRoot, 'dist', 'preload', 'preload.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    spellcheck: false,
  };
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    backgroundColor: '#10161d',
    title: 'Storey',
    // Written out, not taken from workstationPreferences(), so that Electronegativity's checks see them (it does not
    // follow calls); the same settings as there.
    webPreferences: {
      preload: join(appRoot, 'dist', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  windows.add(window);
  window.on('closed', () => windows.delete(window));
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  installSessionPolicy({ app, session, shell });
  const serve = createStaticHandler(join(appRoot, 'dist', 'renderer'));
  // Tiles come from whichever project is open; the workspace is made below, before any window can ask.
  const serveTiles = createTileHandler(projectTileStore(() => workspace.project), { onDamaged: (error) => console.error('storey:', error.message) });
  protocol.handle('storey', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('Not found', { status: 404, headers: securityHeaders });
    const conditional = { 'if-none-match': request.headers.get('if-none-match') ?? undefined };
    const response = url.pathname.startsWith(TILE_ROUTE_PREFIX) ? withoutContentEncoding(serveTiles(url.pathname + url.search, conditional)) : await serve(url.pathname + url.search, conditional);
    return new Response(response.body ? Buffer.from(response.body) : null, { status: response.status, headers: { ...securityHeaders, ...response.headers } });
  });

  const workspace = new Workspace({
    host: 'desktop',
    stateFile: join(app.getPath('userData'), 'workstation.json'),
    acceptPaths: true,
    // Passphrases of encrypted projects, sealed by the OS keychain; safeStorage needs the app to be ready.
    keychain: new ProjectKeychain(join(app.getPath('userData'), 'passphrases.json'), safeStorage),
    // Briefing map pages drawn by this app's renderer in hidden offscreen windows.
    mapRenderer: desktopMapRenderer(
      electronPrintWindows({
        BrowserWindow,
        webPreferences: workstationPreferences(),
        track: (contents) => {
          printContents.add(contents);
          return () => printContents.delete(contents);
        },
      }),
    ),
    chooseFile,
    importsFor: (projectPath) => ({
      jobs: new ImportJobs(projectPath, (workerData) => new Worker(pathToFileURL(join(appRoot, 'dist', 'desktop', 'import-worker.mjs')), { workerData })),
      profilesDir: join(appRoot, 'resources', 'profiles'),
      chooseTileSource,
      openPdf,
    }),
  });
  try {
    openInitialProject(workspace);
  } catch (error) {
    dialog.showErrorBox('Storey cannot open the sample project', error instanceof StoreyError ? error.message : String(error));
  }
  // Sync runs on a worker thread beside this bundle (dist/desktop/sync-worker.mjs); its token is sealed by the OS
  // keychain, or asked for at each sync where safeStorage would fall back to plain text.
  const syncJobs = new SyncJobs({
    project: () => workspace.project,
    open: (path) => workspace.openPath(path),
    newProjectPath: (_fileName, suggested) => chooseFile('create', `${suggested}.storey`),
    tokens: new SyncTokenStore(join(app.getPath('userData'), 'sync-tokens.json'), safeStorage),
    spawn: (workerData) => new Worker(pathToFileURL(join(appRoot, 'dist', 'desktop', 'sync-worker.mjs')), { workerData }),
  });
  const dispatch = withSync(createDispatcher(workspace.api), syncJobs);
  const answerWindows = guardedApiHandler((contents) => [...windows].some((w) => w.webContents === contents), dispatch);
  const answerPrintWindows = guardedApiHandler((contents) => printContents.has(contents), printPageDispatch(dispatch));
  ipcMain.handle(apiChannel, (event, operation: unknown, input: unknown) => (printContents.has(event.sender) ? answerPrintWindows : answerWindows)(event, operation, input));

  createWindow();
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    workspace.close();
    app.quit();
  });
}

void start();
