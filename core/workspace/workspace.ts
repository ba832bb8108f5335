/**
 * The workstation's documents: which project is open, opening another, creating one, closing, saving a copy, its
 * properties, and where the analyst left it. Both hosts use this; they differ only in how a person picks a file (the
 * desktop's native dialogs, or the web host's folder of projects) which they pass in as options.
 *
 * StoreyApi operations about the open project are passed to its ProjectApi; without an open project they fail with
 * NO_PROJECT, which the UI answers with its project chooser.
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { operationNames, type OpenResult, type OperationName, type ProjectProperties, type ProjectRef, type StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';
import { ProjectApi, type ImportServices } from '../api/project-api.js';
import type { MapRenderer } from '../brief/map-renderer.js';
import { ProjectFile } from '../project/project-file.js';
import { saveCopy } from '../project/copy.js';
import { changeProjectKey } from '../project/convert.js';
import { checkPassphrase } from '../project/encryption.js';
import { StateStore } from './state-store.js';

export type FilePurpose = 'open' | 'create' | 'save-copy';

/**
 * Where the desktop keeps passphrases of encrypted projects (main/desktop/keychain.ts over the OS keychain), by the
 * project's full path. A host without one never offers to remember a passphrase.
 */
export interface PassphraseKeychain {
  readonly available: boolean;
  /** Why passphrases cannot be kept here, when they cannot. */
  readonly unavailableReason: string | null;
  remember(projectPath: string, passphrase: string): boolean;
  recall(projectPath: string): string | undefined;
  forget(projectPath: string): void;
  has(projectPath: string): boolean;
}

const NO_KEYCHAIN = 'This host keeps no passphrases: the browser workstation asks for it each time the project opens. The desktop app can keep it in the OS keychain.';

export interface WorkspaceOptions {
  host: 'desktop' | 'web';
  /** Where recent projects and sessions are remembered. */
  stateFile: string;
  /** Web host: the folder whose projects the UI may open and create; nothing outside it is reachable. */
  folder?: string;
  /** Open every project read-only (storey serve --read-only). */
  readOnly?: boolean;
  /** Import services for a project opened for writing (none: the host does not run imports). */
  importsFor?: (projectPath: string) => ImportServices | undefined;
  /** Desktop: a native file dialog; resolves to a path, or null when the person cancelled. */
  chooseFile?: (purpose: FilePurpose, suggestedName: string) => Promise<string | null>;
  /** Desktop: accept full paths (a file dropped on the window, the command line). */
  acceptPaths?: boolean;
  /** Desktop: the OS keychain that may keep passphrases of encrypted projects. */
  keychain?: PassphraseKeychain;
  /** Desktop: draws briefing map pages (the app's own renderer); the web host renders them itself. */
  mapRenderer?: MapRenderer;
}

interface OpenProject {
  project: ProjectFile;
  api: ProjectApi;
  imports: ImportServices | undefined;
  /** An encrypted project's passphrase, for re-keying it (it stays in this process). */
  key: string | undefined;
}

const PROJECT_EXTENSION = '.storey';

/** Codes of files that did not open, which the person can do something about (the rest are bugs). */
const openProblemCodes = new Set(['FILE_NOT_FOUND', 'NOT_SQLITE', 'NOT_A_PROJECT', 'NEWER_VERSION', 'DAMAGED', 'READ_ONLY', 'LOCKED', 'NOT_FOUND', 'ENCRYPTED', 'WRONG_KEY']);

/** A plain file name for the folder: no separators, no way up, the project extension. */
export function checkProjectFileName(fileName: string): string {
  const name = fileName.trim();
  if (!name || name !== basename(name) || name.includes('\\') || name.includes('/') || name.startsWith('.') || name.includes('\0')) {
    throw new StoreyError('BAD_ARGUMENT', `"${fileName}" is not a plain file name; give a name like "odense.storey".`);
  }
  return name.endsWith(PROJECT_EXTENSION) ? name : `${name}${PROJECT_EXTENSION}`;
}

/**
 * Opening does not read the whole file (that would not be instant at 5 GB), so damaged pages show up when a query
 * reaches them: that is reported as the file being damaged, with the way out, not as an internal error.
 */
function damagedAsSuch(error: unknown, fileName: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_CORRUPT_INDEX' || code === 'SQLITE_NOTADB') {
    return new StoreyError('DAMAGED', `${fileName} is damaged (${(error as Error).message}). Nothing was changed; close it and open the last good copy, or run \`storey check\` on it.`, { cause: error });
  }
  return error;
}

export class Workspace {
  private current: OpenProject | null = null;
  readonly state: StateStore;
  readonly api: StoreyApi;

  constructor(private readonly options: WorkspaceOptions) {
    this.state = new StateStore(options.stateFile);
    this.api = this.buildApi();
  }

  /** The open project, if any. */
  get project(): ProjectFile | undefined {
    return this.current?.project;
  }

  /** Opens a project given on the command line; errors are thrown as they are (the host reports them and stops). */
  openPath(path: string, readOnly = false): void {
    this.switchTo(resolve(path), readOnly);
  }

  /** Reopens the project open when the workstation last closed, if it still opens; quietly starts empty otherwise. */
  reopenLast(): boolean {
    const last = this.state.lastProject;
    if (!last || !existsSync(last)) return false;
    if (this.options.folder && dirname(last) !== resolve(this.options.folder)) return false;
    try {
      this.switchTo(last, false);
      return true;
    } catch (error) {
      console.warn(`storey: the last project (${last}) did not open: ${(error as Error).message}`);
      return false;
    }
  }

  close(): void {
    this.current?.project.close();
    this.current = null;
  }

  private switchTo(path: string, readOnly: boolean, passphrase?: string, rememberPassphrase = false): void {
    if (this.current?.imports?.jobs.busy) {
      throw new StoreyError('BUSY', `An import is running in ${this.current.project.fileName}; wait for it or cancel it before opening another project.`);
    }
    const writable = !(readOnly || this.options.readOnly);
    // Opening the same file again (e.g. to switch to read-only) must first let go of it.
    if (this.current && this.current.project.path === path) this.close();
    const keychain = this.options.keychain;
    // A passphrase the person typed wins; without one, the keychain's is tried.
    const stored = passphrase === undefined ? keychain?.recall(path) : undefined;
    let project: ProjectFile;
    try {
      project = ProjectFile.open(path, { readOnly: !writable, passphrase: passphrase ?? stored });
    } catch (error) {
      if (stored === undefined || !(error instanceof StoreyError) || error.code !== 'WRONG_KEY') throw error;
      // The kept passphrase no longer opens the file (its key was changed): it is forgotten, and the person asked.
      keychain!.forget(path);
      throw new StoreyError('ENCRYPTED', `The passphrase kept in the OS keychain no longer opens ${basename(path)}, so it was forgotten: open it with its current passphrase.`, { cause: error });
    }
    const key = project.encrypted ? passphrase ?? stored : undefined;
    if (key !== undefined && passphrase !== undefined && rememberPassphrase) this.rememberKey(project, key);
    this.adopt(project, key);
  }

  /** Keeps a passphrase that just opened (or created) a project in the OS keychain; no keychain: NOT_SUPPORTED. */
  private rememberKey(project: ProjectFile, passphrase: string): void {
    const keychain = this.options.keychain;
    if (!keychain?.available || !keychain.remember(project.path, passphrase)) {
      project.close();
      throw new StoreyError('NOT_SUPPORTED', keychain?.unavailableReason ?? NO_KEYCHAIN);
    }
  }

  private adopt(project: ProjectFile, passphrase?: string): void {
    // Import workers open the file themselves: an encrypted project's workers get its passphrase (in memory).
    const imports = project.readOnly || (project.encrypted && passphrase === undefined) ? undefined : this.options.importsFor?.(project.path);
    if (imports && passphrase !== undefined) imports.jobs.useKey(passphrase);
    this.close();
    this.current = { project, api: new ProjectApi(project, imports, this.options.mapRenderer), imports, key: passphrase };
    this.state.opened(project.path);
  }

  private require(): OpenProject {
    if (!this.current) throw new StoreyError('NO_PROJECT', 'No project is open; open or create one from the File menu.');
    return this.current;
  }

  private inFolder(fileName: string): string {
    const folder = this.options.folder;
    if (!folder) throw new StoreyError('NOT_SUPPORTED', 'This host has no project folder; use the open dialog.');
    return join(resolve(folder), checkProjectFileName(fileName));
  }

  private async resolveRef(ref: ProjectRef): Promise<string | null> {
    switch (ref.kind) {
      case 'folder': {
        const path = this.inFolder(ref.fileName);
        if (!existsSync(path)) throw new StoreyError('FILE_NOT_FOUND', `There is no project called ${basename(path)} in the project folder.`);
        return path;
      }
      case 'recent': {
        const path = this.state.pathOfRecent(ref.id);
        if (!path) throw new StoreyError('NOT_FOUND', 'That recent project is no longer in the list.');
        if (this.options.folder && dirname(path) !== resolve(this.options.folder)) {
          throw new StoreyError('NOT_SUPPORTED', `${basename(path)} is outside the project folder this host serves.`);
        }
        return path;
      }
      case 'dialog':
        if (!this.options.chooseFile) throw new StoreyError('NOT_SUPPORTED', 'This host has no file dialog; pick a project from the list.');
        return this.options.chooseFile('open', '');
      case 'path':
        if (!this.options.acceptPaths) throw new StoreyError('NOT_SUPPORTED', 'This host opens projects from its folder only.');
        return resolve(ref.path);
    }
  }

  private problemOf(error: unknown, path: string, readOnly: boolean): OpenResult {
    if (!(error instanceof StoreyError) || !openProblemCodes.has(error.code)) throw error;
    const copy = this.state.lastCopy(path);
    const copyUsable = copy && copy.path !== path && existsSync(copy.path);
    return {
      opened: false,
      cancelled: false,
      problem: {
        code: error.code,
        message: error.message,
        fileName: basename(path),
        canOpenReadOnly: !readOnly && (error.code === 'LOCKED' || (error.code === 'READ_ONLY' && !/must be upgraded/.test(error.message))),
        lastGoodCopy: copyUsable ? { fileName: basename(copy.path), savedAt: copy.savedAt } : null,
      },
    };
  }

  private async openRef(ref: ProjectRef, readOnly: boolean, lastGoodCopy: boolean, passphrase?: string, rememberPassphrase = false): Promise<OpenResult> {
    const chosen = await this.resolveRef(ref);
    if (!chosen) return { opened: false, cancelled: true, problem: null };
    let path = chosen;
    if (lastGoodCopy) {
      const copy = this.state.lastCopy(chosen);
      if (!copy || !existsSync(copy.path)) throw new StoreyError('NOT_FOUND', `There is no saved copy of ${basename(chosen)} to open.`);
      path = copy.path;
    }
    try {
      this.switchTo(path, readOnly, passphrase, rememberPassphrase);
    } catch (error) {
      return this.problemOf(error, path, readOnly);
    }
    return { opened: true, info: await this.require().api.getProjectInfo() };
  }

  private listFolder(): Array<{ fileName: string; sizeBytes: number; modifiedAt: string; current: boolean }> {
    const folder = this.options.folder;
    if (!folder) return [];
    const open = this.current?.project.path;
    const entries = [];
    for (const name of readdirSync(folder)) {
      if (!name.endsWith(PROJECT_EXTENSION) || name.startsWith('.')) continue;
      const path = join(resolve(folder), name);
      try {
        const stat = statSync(path);
        if (!stat.isFile()) continue;
        entries.push({ fileName: name, sizeBytes: stat.size, modifiedAt: stat.mtime.toISOString(), current: path === open });
      } catch {
        continue;
      }
    }
    return entries.sort((a, b) => a.fileName.localeCompare(b.fileName));
  }

  private writeProperties(project: ProjectFile, properties: ProjectProperties): void {
    project.transaction(() => {
      project.setMeta('name', properties.name);
      project.setMeta('description', properties.description);
      project.setMeta('marking', properties.marking);
      project.setMeta('area_of_interest', properties.areaOfInterest ? JSON.stringify(properties.areaOfInterest) : '');
    });
  }

  private buildApi(): StoreyApi {
    const own: Partial<StoreyApi> = {
      getHostInfo: async () => ({
        host: this.options.host,
        canChooseFiles: Boolean(this.options.chooseFile),
        projectFolder: this.options.folder ? basename(resolve(this.options.folder)) : null,
        projectOpen: this.current !== null,
        keychain: {
          available: this.options.keychain?.available ?? false,
          reason: this.options.keychain ? (this.options.keychain.available ? null : this.options.keychain.unavailableReason) : NO_KEYCHAIN,
          remembersOpenProject: this.current !== null && (this.options.keychain?.has(this.current.project.path) ?? false),
        },
      }),
      listProjects: async () => {
        const folder = this.options.folder ? resolve(this.options.folder) : null;
        const recent = this.state
          .recent()
          .filter((r) => !folder || dirname(r.path) === folder)
          .map((r) => ({ id: r.id, fileName: basename(r.path), folder: basename(dirname(r.path)), openedAt: r.openedAt, exists: existsSync(r.path) }));
        return { projects: this.listFolder(), recent };
      },
      openProject: async ({ ref, readOnly, lastGoodCopy, passphrase, rememberPassphrase }) =>
        this.openRef(ref, readOnly ?? false, lastGoodCopy ?? false, passphrase, rememberPassphrase ?? false),
      createProject: async ({ fileName, properties, passphrase, rememberPassphrase }) => {
        if (rememberPassphrase && passphrase === undefined) throw new StoreyError('BAD_ARGUMENT', 'Only an encrypted project has a passphrase to remember: give one.');
        if (rememberPassphrase && !this.options.keychain?.available) throw new StoreyError('NOT_SUPPORTED', this.options.keychain?.unavailableReason ?? NO_KEYCHAIN);
        if (this.options.readOnly) throw new StoreyError('READ_ONLY', 'This Storey host was started read-only; it cannot create projects.');
        if (this.current?.imports?.jobs.busy) throw new StoreyError('BUSY', 'An import is running; wait for it or cancel it first.');
        const suggested = checkProjectFileName(fileName ?? (properties.name.replace(/[^\p{L}\p{N} _-]+/gu, '').trim() || 'project'));
        const path = this.options.folder ? this.inFolder(suggested) : await this.options.chooseFile?.('create', suggested);
        if (path === undefined) throw new StoreyError('NOT_SUPPORTED', 'This host cannot create projects.');
        if (path === null) return { opened: false, cancelled: true, problem: null };
        const project = ProjectFile.create(path, { name: properties.name, description: properties.description, passphrase });
        try {
          this.writeProperties(project, properties);
          if (passphrase !== undefined && rememberPassphrase) this.rememberKey(project, passphrase);
        } catch (error) {
          project.close();
          throw error;
        }
        this.adopt(project, passphrase);
        return { opened: true, info: await this.require().api.getProjectInfo() };
      },
      closeProject: async () => {
        if (!this.current) return { closed: false };
        if (this.current.imports?.jobs.busy) throw new StoreyError('BUSY', 'An import is running; wait for it or cancel it before closing the project.');
        this.close();
        this.state.closed();
        return { closed: true };
      },
      saveProjectCopy: async ({ fileName }) => {
        const { project } = this.require();
        const suggested = checkProjectFileName(fileName ?? `${basename(project.fileName, PROJECT_EXTENSION)} copy`);
        const target = this.options.folder ? this.inFolder(suggested) : await this.options.chooseFile?.('save-copy', suggested);
        if (target === undefined) throw new StoreyError('NOT_SUPPORTED', 'This host cannot save copies.');
        if (target === null) return { saved: false, fileName: null, sizeBytes: 0 };
        if (resolve(target) === project.path) throw new StoreyError('ALREADY_EXISTS', 'A copy cannot replace the project itself; choose another name.');
        saveCopy(project, target);
        this.state.copySaved(project.path, resolve(target));
        return { saved: true, fileName: basename(target), sizeBytes: statSync(target).size };
      },
      setProjectProperties: async (properties) => {
        const { project, api } = this.require();
        if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; its properties cannot be changed.`);
        this.writeProperties(project, properties);
        return api.getProjectInfo();
      },
      setProjectPassphrase: async ({ passphrase, rememberPassphrase }) => {
        const open = this.require();
        const { project, key } = open;
        if (project.readOnly) throw new StoreyError('READ_ONLY', `${project.fileName} is open read-only; its encryption cannot be changed.`);
        if (open.imports?.jobs.busy) throw new StoreyError('BUSY', 'An import is running; wait for it or cancel it first.');
        if (passphrase === null && !project.encrypted) throw new StoreyError('BAD_ARGUMENT', `${project.fileName} is not encrypted; there is nothing to decrypt.`);
        if (passphrase === null && rememberPassphrase) throw new StoreyError('BAD_ARGUMENT', 'A plain project has no passphrase to remember.');
        if (rememberPassphrase && !this.options.keychain?.available) throw new StoreyError('NOT_SUPPORTED', this.options.keychain?.unavailableReason ?? NO_KEYCHAIN);
        if (passphrase !== null) checkPassphrase(passphrase, 'The new passphrase');
        if (project.encrypted && key === undefined) throw new StoreyError('ENCRYPTED', `Open ${project.fileName} with its passphrase again before changing it.`);
        const path = project.path;
        // The converted file is written beside the original and renamed over it, so the project is let go first.
        this.close();
        try {
          changeProjectKey(path, { from: key, to: passphrase });
        } catch (error) {
          this.switchTo(path, false, key);
          throw error;
        }
        // A kept passphrase of the old key would only be found stale at the next open.
        this.options.keychain?.forget(path);
        this.switchTo(path, false, passphrase ?? undefined, rememberPassphrase ?? false);
        return this.require().api.getProjectInfo();
      },
      forgetPassphrase: async () => {
        const { project } = this.require();
        const keychain = this.options.keychain;
        if (!keychain?.has(project.path)) return { forgotten: false };
        keychain.forget(project.path);
        return { forgotten: true };
      },
      getSessionState: async () => ({ state: this.current ? this.state.session(this.current.project.path) : null }),
      saveSessionState: async ({ state }) => {
        const { project } = this.require();
        this.state.saveSession(project.path, state);
        return { saved: true };
      },
    };
    const api: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const name of operationNames) {
      const handler = own[name] as ((input: unknown) => Promise<unknown>) | undefined;
      api[name] = handler ?? (async (input: unknown) => {
        const open = this.require();
        const target = open.api as unknown as Record<OperationName, (input: unknown) => Promise<unknown>>;
        try {
          return await target[name].call(target, input);
        } catch (error) {
          throw damagedAsSuch(error, open.project.fileName);
        }
      });
    }
    return api as unknown as StoreyApi;
  }
}
