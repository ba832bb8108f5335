import { operationNames, type ApiResult, type OperationName } from './operations.js';
import type { StoreyApi } from './contract.js';
import { StoreyError, errorCodes, type ErrorCode } from './errors.js';

/** A transport: sends one operation and its input, returns the envelope. */
export type Transport = (operation: OperationName, input: unknown) => Promise<ApiResult>;

/** Builds a StoreyApi over any transport; typed errors are re-thrown as StoreyError on this side. */
export function createApiClient(transport: Transport): StoreyApi {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of operationNames) {
    api[name] = async (input: unknown) => {
      const result = await transport(name, input ?? {});
      if (result.ok) return result.value;
      const code = (errorCodes as readonly string[]).includes(result.error.code)
        ? (result.error.code as ErrorCode)
        : 'INTERNAL';
      throw new StoreyError(code, result.error.message);
    };
  }
  return api as unknown as StoreyApi;
}
