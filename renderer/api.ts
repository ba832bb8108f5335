/**
 * Picks the transport: the desktop preload's bridge when it is there, else HTTP to the web host. Past this file the
 * renderer only sees StoreyApi and cannot tell which host it runs on.
 */
import { createApiClient, type Transport } from '../common/client.js';
import type { StoreyApi } from '../common/contract.js';
import type { ApiResult, OperationName } from '../common/operations.js';

type Bridge = Record<OperationName, (input: unknown) => Promise<ApiResult>>;

declare global {
  interface Window {
    /** Set by the desktop preload: one function per operation. */
    storeyBridge?: Bridge;
  }
}

const httpTransport: Transport = async (operation, input) => {
  const response = await fetch(`api/${operation}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
    credentials: 'same-origin',
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as ApiResult;
  } catch {
    return { ok: false, error: { code: response.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', message: text.trim() || response.statusText } };
  }
};

export function connectApi(): StoreyApi {
  const bridge = window.storeyBridge;
  const transport: Transport = bridge ? (operation, input) => bridge[operation](input) : httpTransport;
  return createApiClient(transport);
}
