/**
 * Exposes StoreyApi to the sandboxed page as one function per operation. The page never sees ipcRenderer, so it
 * can call these operations and nothing else.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { apiChannel, operationNames, type ApiResult, type OperationName } from '../common/operations.js';

const bridge = {} as Record<OperationName, (input: unknown) => Promise<ApiResult>>;
for (const name of operationNames) {
  bridge[name] = (input: unknown) => ipcRenderer.invoke(apiChannel, name, input) as Promise<ApiResult>;
}

contextBridge.exposeInMainWorld('storeyBridge', bridge);

// A file dropped on the window: the page gets its path to hand to openProject, nothing more of the file system.
contextBridge.exposeInMainWorld('storeyFiles', { pathForFile: (file: File) => webUtils.getPathForFile(file) });
