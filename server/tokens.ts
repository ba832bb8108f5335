/**
 * Sync tokens: 32 random bytes shown once; the master keeps only their SHA-256 (a random 256-bit secret needs no
 * slow hash), with a name, area, fields, expiry and revocation.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { StoreyError } from '../common/errors.js';
import type { ProjectFile } from '../core/project/project-file.js';
import type { Area } from '../core/sync/area.js';

export interface TokenInfo {
  id: string;
  name: string;
  area: Area | null;
  fields: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface TokenRow { id: string; name: string; token_hash: string; area: string | null; fields: string | null; created_at: string; expires_at: string | null; revoked_at: string | null }

const TOKEN_PATTERN = /^sty_[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const infoOf = (r: TokenRow): TokenInfo => ({
  id: r.id,
  name: r.name,
  area: r.area ? (JSON.parse(r.area) as Area) : null,
  fields: r.fields ? (JSON.parse(r.fields) as string[]) : null,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** "30d", "12h", "45m" from now, or an ISO date. */
export function parseExpiry(text: string, now = new Date()): string {
  const match = /^(\d+)([dhm])$/.exec(text.trim());
  if (match) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(match[1]) * unit).toISOString();
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new StoreyError('BAD_ARGUMENT', `--expires must be like 30d, 12h, 45m or a date, not "${text}".`);
  return date.toISOString();
}

export function createToken(project: ProjectFile, options: { name: string; area?: Area | null; fields?: string[] | null; expiresAt?: string | null }): { token: string; info: TokenInfo } {
  if (!options.name.trim()) throw new StoreyError('BAD_ARGUMENT', 'A token needs a --name (who or what it is for).');
  const token = `sty_${randomBytes(32).toString('base64url')}`;
  const row: TokenRow = {
    id: randomUUID(),
    name: options.name.trim(),
    token_hash: hashToken(token),
    area: options.area ? JSON.stringify(options.area) : null,
    fields: options.fields?.length ? JSON.stringify(options.fields) : null,
    created_at: new Date().toISOString(),
    expires_at: options.expiresAt ?? null,
    revoked_at: null,
  };
  project.db
    .prepare(`INSERT INTO storey_sync_tokens (id, name, token_hash, area, fields, created_at, expires_at, revoked_at) VALUES (@id, @name, @token_hash, @area, @fields, @created_at, @expires_at, @revoked_at)`)
    .run(row);
  return { token, info: infoOf(row) };
}

export function listTokens(project: ProjectFile): TokenInfo[] {
  return (project.db.prepare(`SELECT * FROM storey_sync_tokens ORDER BY created_at`).all() as TokenRow[]).map(infoOf);
}

/** Revokes by id or by name (every token of that name); returns how many were revoked. */
export function revokeToken(project: ProjectFile, idOrName: string): number {
  return project.db
    .prepare(`UPDATE storey_sync_tokens SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL`)
    .run(new Date().toISOString(), idOrName, idOrName).changes;
}

export type AuthResult =
  | { ok: true; token: TokenInfo }
  | { ok: false; status: 401; code: 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_REVOKED' | 'TOKEN_EXPIRED'; message: string; token?: TokenInfo };

export function authenticate(project: ProjectFile, authorization: string | undefined, now = new Date()): AuthResult {
  const match = authorization ? /^Bearer (\S+)$/.exec(authorization) : null;
  if (!match) return { ok: false, status: 401, code: 'TOKEN_MISSING', message: 'This server needs a sync token: Authorization: Bearer <token>.' };
  const token = match[1]!;
  if (!TOKEN_PATTERN.test(token)) return { ok: false, status: 401, code: 'TOKEN_INVALID', message: 'The sync token is not valid.' };
  const hash = hashToken(token);
  const row = project.db.prepare(`SELECT * FROM storey_sync_tokens WHERE token_hash = ?`).get(hash) as TokenRow | undefined;
  // The lookup is by hash (an index), and the comparison of the hashes is constant-time besides.
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) {
    return { ok: false, status: 401, code: 'TOKEN_INVALID', message: 'The sync token is not valid.' };
  }
  const info = infoOf(row);
  if (row.revoked_at) return { ok: false, status: 401, code: 'TOKEN_REVOKED', message: `The sync token "${row.name}" was revoked on ${row.revoked_at}.`, token: info };
  if (row.expires_at && new Date(row.expires_at) <= now) {
    return { ok: false, status: 401, code: 'TOKEN_EXPIRED', message: `The sync token "${row.name}" expired on ${row.expires_at}.`, token: info };
  }
  return { ok: true, token: info };
}
