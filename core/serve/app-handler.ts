/**
 * The one request handler behind both the desktop storey:// scheme and the web host's HTTP routes:
 * (path) -> {status, headers, body}. It serves the built UI (with Cesium's static assets) and refuses any path that
 * could leave its root.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

export interface HandlerResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

export type RequestHandler = (path: string, requestHeaders?: Record<string, string | undefined>) => Promise<HandlerResponse>;

/**
 * Cesium needs 'wasm-unsafe-eval' for its WebAssembly decoders and blob: workers; nothing else is loosened.
 * Inline styles are allowed because Cesium's widgets set element styles.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' data: blob:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Even a person clicking "Allow" cannot hand the page these: Storey needs none of them.
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), clipboard-read=(), display-capture=(), usb=(), serial=(), hid=(), bluetooth=(), midi=(), payment=()',
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.ktx2': 'image/ktx2',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
};

export function errorResponse(status: number, message: string): HandlerResponse {
  return {
    status,
    headers: { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    body: new TextEncoder().encode(message + '\n'),
  };
}

/**
 * Turns a URL path into a safe relative file path, or null. Refuses encoded slashes and backslashes, NUL, dot
 * segments, over-long paths and malformed percent-encoding, before the file system sees anything.
 */
export function safeRelativePath(urlPath: string): string | null {
  if (urlPath.length > 1024) return null;
  const path = urlPath.split('?')[0]!.split('#')[0]!;
  if (!path.startsWith('/')) return null;
  if (/%2f|%5c|%00/i.test(path)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || s.startsWith('..'))) return null;
  return segments.join('/');
}

/** Serves files below rootDir; '/' serves index.html. */
export function createStaticHandler(rootDir: string): RequestHandler {
  const root = resolve(rootDir);
  return async (urlPath, requestHeaders = {}) => {
    const relative = safeRelativePath(urlPath);
    if (relative === null) return errorResponse(400, 'Bad path.');
    const file = resolve(join(root, relative === '' ? 'index.html' : relative));
    if (file !== root && !file.startsWith(root + sep)) return errorResponse(400, 'Bad path.');
    let info;
    try {
      info = await stat(file);
    } catch {
      return errorResponse(404, `Not found: ${urlPath.split('?')[0]}`);
    }
    if (!info.isFile()) return errorResponse(404, `Not found: ${urlPath.split('?')[0]}`);
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      ...securityHeaders,
      'Content-Type': contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
      ETag: etag,
      // The UI shell must revalidate so a rebuilt app is picked up; Cesium's assets do not change between builds.
      'Cache-Control': relative.startsWith('cesium/') ? 'public, max-age=86400' : 'no-cache',
    };
    if (requestHeaders['if-none-match'] === etag) return { status: 304, headers, body: null };
    const body = await readFile(file);
    headers['Content-Length'] = String(body.length);
    return { status: 200, headers, body };
  };
}
