/**
 * Browser mode: a loopback-only HTTP host that serves the same UI, API and routes as the desktop app. Every request
 * needs the session token (from the printed URL, then a same-site cookie) and a loopback Host header, so neither
 * other local users' pages nor DNS-rebinding sites can reach the project.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDispatcher, type Dispatch } from '../../core/api/dispatch.js';
import { withBriefings } from '../brief-render/briefing-dispatch.js';
import type { ProjectFile } from '../../core/project/project-file.js';
import { checkProjectFileName, Workspace } from '../../core/workspace/workspace.js';
import { SessionTokens, SyncJobs, withSync } from '../../core/api/sync-jobs.js';
import { spawnSyncWorker } from '../../core/api/sync-worker-url.js';
import { defaultStateFile } from '../../core/paths.js';
import { StoreyError } from '../../common/errors.js';
import { ImportJobs } from '../../core/import/import-jobs.js';
import { spawnImportWorker } from '../../core/import/worker-url.js';
import { findPackageRoot } from '../../core/paths.js';
import { dirname, join, resolve } from 'node:path';
import { createStaticHandler, errorResponse, securityHeaders, type HandlerResponse } from '../../core/serve/app-handler.js';
import { createTileHandler, projectTileStore, TILE_ROUTE_PREFIX } from '../../core/serve/tile-handler.js';

export interface WebHostOptions {
  /** The project to open at start. */
  projectPath?: string;
  /**
   * A folder of projects the UI may open, create and copy into (`storey serve FOLDER`). Without projectPath the
   * host reopens the last project of this folder, or starts with none open and the UI shows the chooser.
   */
  folder?: string;
  /** Where recent projects and sessions are remembered; defaults to the user's config folder. */
  stateFile?: string;
  /** Built UI folder (dist/renderer). */
  staticRoot: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token for tests; normally a fresh random one per run. */
  token?: string;
  readOnly?: boolean;
  /** Folder of shipped import profiles; defaults to resources/profiles of the package. */
  profilesDir?: string;
  /** Tests only: a pause after each imported tile, so a small sample's progress and cancel can be watched. */
  tileImportPaceMs?: number;
  /** Tests only: a pause per progress report of a sync, so a small sync's progress and cancel can be watched. */
  syncPaceMs?: number;
}

export interface WebHost {
  /** The URL to open, with the session token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** The open project; throws NO_PROJECT when none is. */
  readonly project: ProjectFile;
  workspace: Workspace;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

function sameSecret(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function send(res: ServerResponse, response: HandlerResponse, headOnly = false): void {
  // Every response carries the CSP and the other security headers, tiles and 304s included.
  res.writeHead(response.status, { ...securityHeaders, ...response.headers });
  res.end(headOnly ? undefined : response.body ?? undefined);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const statusForCode: Record<string, number> = {
  BAD_ARGUMENT: 400,
  UNKNOWN_OPERATION: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  INTERNAL: 500,
};

async function handleApi(req: IncomingMessage, res: ServerResponse, operation: string, dispatch: Dispatch): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendJson(res, 405, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'API operations are called with POST.' } });
    return;
  }
  let input: unknown;
  try {
    const body = await readBody(req);
    input = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch (error) {
    sendJson(res, 400, { ok: false, error: { code: 'BAD_ARGUMENT', message: `The request body is not valid JSON: ${(error as Error).message}` } });
    return;
  }
  const result = await dispatch(operation, input);
  sendJson(res, result.ok ? 200 : statusForCode[result.error.code] ?? 409, result);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const profilesDir = options.profilesDir ?? join(findPackageRoot(import.meta.dirname ?? '.'), 'resources', 'profiles');
  const folder = options.folder ?? (options.projectPath ? dirname(resolve(options.projectPath)) : undefined);
  const workspace = new Workspace({
    host: 'web',
    stateFile: options.stateFile ?? defaultStateFile('web-host.json'),
    folder,
    readOnly: options.readOnly ?? false,
    importsFor: (projectPath) => ({ jobs: new ImportJobs(projectPath, spawnImportWorker, undefined, { tilePaceMs: options.tileImportPaceMs }), profilesDir }),
  });
  if (options.projectPath) workspace.openPath(options.projectPath);
  else workspace.reopenLast();
  // Briefings render their maps in headless Chromium loading this host, so they need its origin and token.
  const briefings = withBriefings(createDispatcher(workspace.api), () => ({ origin: `http://127.0.0.1:${port}`, token, api: workspace.api, project: () => {
    const open = workspace.project;
    if (!open) throw new StoreyError('NO_PROJECT', 'Open a project before making a briefing.');
    return open;
  } }));
  // Sync tokens stay in this process's memory for the session: never on disk, gone when the host stops.
  const syncJobs = new SyncJobs({
    project: () => workspace.project,
    open: (path) => workspace.openPath(path),
    newProjectPath: async (fileName, suggested) => {
      if (!folder) throw new StoreyError('NOT_SUPPORTED', 'This host has no project folder to create projects in.');
      return join(resolve(folder), checkProjectFileName(fileName ?? suggested));
    },
    tokens: new SessionTokens(),
    spawn: spawnSyncWorker,
    readOnly: options.readOnly ?? false,
    paceMs: options.syncPaceMs,
  });
  const dispatch = withSync(briefings, syncJobs);
  const serveStatic = createStaticHandler(options.staticRoot);
  const serveTiles = createTileHandler(projectTileStore(() => workspace.project), { onDamaged: (error) => console.error('storey web host:', error.message) });
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  let cookieName = 'storey_session';
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const server: Server = createServer((req, res) => {
    void (async () => {
      // DNS rebinding guard: a page from another site that resolves to 127.0.0.1 still sends its own Host.
      if (!allowedHosts().has(req.headers.host ?? '')) {
        send(res, errorResponse(403, 'Refused: this Storey host only answers requests addressed to 127.0.0.1.'));
        return;
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null) {
        if (!sameSecret(queryToken, token) || req.method !== 'GET') {
          send(res, errorResponse(401, 'Wrong session token: open the URL that `storey serve` printed.'));
          return;
        }
        url.searchParams.delete('token');
        res.writeHead(303, {
          ...securityHeaders,
          Location: url.pathname + url.search,
          'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          'Cache-Control': 'no-store',
        });
        res.end();
        return;
      }
      const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : undefined;
      if (!sameSecret(cookieValue(req.headers.cookie, cookieName), token) && !sameSecret(bearer, token)) {
        send(res, errorResponse(401, 'This Storey session needs its token: open the URL that `storey serve` printed.'));
        return;
      }
      // Cross-site requests carry no cookie (SameSite=Strict); a same-site page of another port still has its Origin.
      const origin = req.headers.origin;
      if (origin && !allowedHosts().has(origin.replace(/^http:\/\//, ''))) {
        send(res, errorResponse(403, 'Refused: requests from other origins are not served.'));
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        await handleApi(req, res, decodeURIComponent(url.pathname.slice(5)), dispatch);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, errorResponse(405, 'Only GET and HEAD are served here.'));
        return;
      }
      if (req.url?.startsWith(TILE_ROUTE_PREFIX)) {
        send(res, serveTiles(req.url, { 'if-none-match': req.headers['if-none-match'] }), req.method === 'HEAD');
        return;
      }
      const response = await serveStatic(req.url ?? '/', { 'if-none-match': req.headers['if-none-match'] });
      send(res, response, req.method === 'HEAD');
    })().catch((error: unknown) => {
      console.error('storey web host:', error);
      if (!res.headersSent) send(res, errorResponse(500, 'Internal error; see the host log.'));
      else res.destroy();
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  }).catch((error: unknown) => {
    workspace.close();
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `storey_session_${port}`;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    get project(): ProjectFile {
      const project = workspace.project;
      if (!project) throw new StoreyError('NO_PROJECT', 'No project is open in this host.');
      return project;
    },
    workspace,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => {
          void syncJobs.shutdown().finally(() => {
            workspace.close();
            resolveClose();
          });
        });
      }),
  };
}
