/**
 * The host side of the contract: takes an operation name and untrusted input from a transport, validates both
 * against common/contract.ts, calls the API and wraps the outcome in an envelope. Both hosts use this one function.
 */
import { z } from 'zod';
import { operations, operationNames, type ApiResult, type OperationName, type StoreyApi } from '../../common/contract.js';
import { toErrorPayload } from '../../common/errors.js';

export type Dispatch = (operation: string, input: unknown) => Promise<ApiResult>;

export function isOperationName(name: string): name is OperationName {
  return (operationNames as readonly string[]).includes(name);
}

export function createDispatcher(api: StoreyApi, onInternalError: (error: unknown) => void = console.error): Dispatch {
  return async (operation, input) => {
    if (!isOperationName(operation)) {
      return { ok: false, error: { code: 'UNKNOWN_OPERATION', message: `There is no operation called "${operation}".` } };
    }
    const parsed = operations[operation].input.safeParse(input ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'BAD_ARGUMENT', message: `Bad arguments for ${operation}: ${z.prettifyError(parsed.error)}` },
      };
    }
    try {
      const call = api[operation] as (input: unknown) => Promise<unknown>;
      const value = await call.call(api, parsed.data);
      return { ok: true, value };
    } catch (error) {
      const payload = toErrorPayload(error);
      if (payload.code === 'INTERNAL') onInternalError(error);
      return { ok: false, error: payload };
    }
  };
}
