/** HTTPS requests to the sync server: the organisation's CA, the bearer token, errors in words. */
import { request as httpsRequest, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { StoreyError } from '../../common/errors.js';
import type { ErrorBody } from './wire.js';

export interface ConnectionOptions {
  server: string;
  token: string;
  /** PEM of the CA that signed the server's certificate (the organisation's). */
  ca?: string | Buffer;
  /** Client certificate and key, when the server asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Milliseconds without a byte before a request is given up (a stalled VPN). */
  idleTimeoutMs?: number;
  /** Cancels every request in flight (CANCELLED). */
  signal?: AbortSignal;
}

function abortError(): Error {
  const error = new Error('cancelled');
  error.name = 'AbortError';
  return error;
}

/** A refusal by the server, with its HTTP status and protocol code. */
export class SyncHttpError extends StoreyError {
  constructor(readonly status: number, readonly protocolCode: string, message: string) {
    super(status === 401 || status === 403 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : status === 400 ? 'BAD_INPUT' : 'INTERNAL', message);
  }
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED',
]);

export class SyncConnection {
  readonly base: URL;
  private readonly agent: Agent;

  constructor(readonly options: ConnectionOptions) {
    this.base = new URL(options.server);
    if (this.base.protocol !== 'https:') throw new StoreyError('BAD_ARGUMENT', `The sync server must be an https:// address, not ${options.server}.`);
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca: options.ca, cert: options.cert, key: options.key });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Sends a request and resolves with the response once its status is 2xx; refusals throw SyncHttpError. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    signal ??= this.options.signal;
    if (signal?.aborted) throw this.networkError(abortError());
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(url, {
        method,
        agent: this.agent,
        signal,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          'accept-encoding': 'br, gzip',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...headers,
        },
      });
      req.setTimeout(this.options.idleTimeoutMs ?? 60_000, () => req.destroy(new Error('no data for too long (stalled connection)')));
      req.on('response', resolve);
      req.on('error', (error) => reject(this.networkError(error)));
      req.end(payload);
    });
    if (response.statusCode && response.statusCode >= 200 && response.statusCode < 300) {
      response.setTimeout(this.options.idleTimeoutMs ?? 60_000, () => response.destroy(new Error('no data for too long (stalled connection)')));
      return response;
    }
    const text = await readAll(response).then((b) => b.toString('utf8')).catch(() => '');
    let error: ErrorBody['error'] = { code: 'HTTP_' + String(response.statusCode), message: text.slice(0, 300) };
    try {
      error = (JSON.parse(text) as ErrorBody).error ?? error;
    } catch {
      // not JSON: keep the raw start of the body
    }
    throw new SyncHttpError(response.statusCode ?? 0, error.code, `${this.base.host} refused ${method} ${url.pathname} (${response.statusCode} ${error.code}): ${error.message}`);
  }

  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.request(method, path, body, {}, signal);
    const bytes = await readAll(response).catch((error: Error) => {
      throw this.networkError(error);
    });
    if (!response.complete) throw this.networkError(new Error('the response ended early'));
    return JSON.parse(decodeBody(bytes, response).toString('utf8')) as T;
  }

  networkError(error: Error): StoreyError {
    if (error instanceof StoreyError) return error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ABORT_ERR' || error.name === 'AbortError') {
      return new StoreyError('CANCELLED', `The sync with ${this.base.host} was cancelled; the project keeps its last whole generation, and the next sync continues where this one stopped.`, { cause: error });
    }
    if (TLS_TRUST_CODES.has(code)) {
      return new StoreyError('UNAUTHORIZED', `The sync server ${this.base.host} is not trusted: ${error.message} (${code}). Check the organisation's CA file and the server address.`, { cause: error });
    }
    return new StoreyError('BUSY', `The connection to ${this.base.host} failed or dropped (${code || error.message}); run sync again and it continues where it stopped.`, { cause: error });
  }
}

/** The body as sent, decoded from its Content-Encoding. */
export function decodeBody(bytes: Buffer, response: IncomingMessage): Buffer {
  const encoding = String(response.headers['content-encoding'] ?? 'identity');
  if (encoding === 'br') return brotliDecompressSync(bytes);
  if (encoding === 'gzip') return gunzipSync(bytes);
  return bytes;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
