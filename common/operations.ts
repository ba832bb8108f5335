/**
 * The names of the StoreyApi operations, without their schemas. The sandboxed preload imports only this list, so it
 * stays small; contract.ts checks at compile time that its schema table has exactly these keys.
 */
/** Operations about which project is open; the workspace answers them, not the open project. */
export const workspaceOperationNames = [
  'getHostInfo',
  'listProjects',
  'openProject',
  'createProject',
  'closeProject',
  'saveProjectCopy',
  'setProjectProperties',
  'getSessionState',
  'saveSessionState',
  'forgetPassphrase',
  'setProjectPassphrase',
] as const;

/** Sync with the organisation's server: the host runs these (core/api/sync-jobs.ts), not the open project. */
export const syncOperationNames = ['getSyncState', 'probeSyncServer', 'startSyncFromServer', 'startSync', 'getSyncJob', 'cancelSync', 'forgetSyncToken'] as const;

export const operationNames = [
  ...workspaceOperationNames,
  'getProjectInfo',
  'listBuildingShapes',
  'getBuilding',
  'listFloorUnits',
  'searchAddresses',
  'listImportProfiles',
  'startImport',
  'getImportJob',
  'cancelImport',
  'listAttributes',
  'getAttributeValues',
  'queryBuildings',
  'listViews',
  'saveView',
  'deleteView',
  'listNotes',
  'saveNote',
  'deleteNote',
  'listLayers',
  'setLayerSettings',
  'listTileSources',
  'chooseTileSource',
  'startTileImport',
  'getTileImportJob',
  'cancelTileImport',
  'exportBriefing',
  'startBriefing',
  'getBriefingJob',
  'cancelBriefing',
  'openBriefingPdf',
  'exportCsv',
  ...syncOperationNames,
] as const;

export type OperationName = (typeof operationNames)[number];

/** Every result crossing a transport: the value, or a typed error. Exceptions never cross. */
export type ApiResult<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** The IPC channel the desktop preload and main process share. */
export const apiChannel = 'storey:api';
