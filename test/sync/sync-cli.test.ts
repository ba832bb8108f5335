/** The sync commands as an administrator and an analyst type them: server import, token create/revoke, serve, sync. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findPackageRoot } from '../../core/paths.js';
import { sharedData } from '../support/shared-data.js';
import { tempDir } from '../support/temp.js';
import { makeCertificates } from './sync-support.js';

const root = findPackageRoot(import.meta.dirname);
const dir = tempDir('storey-sync-cli-');
const cli = join(root, 'bin', 'storey.mjs');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, STOREY_HOME: dir, ...env } });

const children: Array<ReturnType<typeof spawn>> = [];
after(() => {
  for (const child of children) child.kill('SIGTERM');
});

test('storey server import, token create, serve; storey sync --init, sync, and a revoked token refused', async () => {
  const certs = makeCertificates(dir);
  const master = join(dir, 'master.storey');
  const imported = run(['server', 'import', master, '--create', 'Master', '--tiles', sharedData('tiles-samples', 'mbtiles', 'geography-class-png.mbtiles')]);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /Generation 1: layers \+1\/-0, tiles \+5\/-0/);
  const created = run(['server', 'token', 'create', '--data', master, '--name', 'laptop', '--area', '10,55,11,56', '--expires', '30d']);
  assert.equal(created.status, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^sty_[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /shown only now/);
  const listed = run(['server', 'token', 'list', '--data', master]);
  assert.match(listed.stdout, /laptop .*area 10,55,11,56 .*active/);
  assert.ok(!listed.stdout.includes(token), 'the token itself is never shown again');

  const server = spawn(process.execPath, [cli, 'server', 'serve', '--data', master, '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key')], { cwd: dir });
  children.push(server);
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  const port = /:(\d+) serving/.exec(line.toString())?.[1];
  assert.ok(port, line.toString());
  const url = `https://127.0.0.1:${port}`;

  const init = run(['sync', '--init', join(dir, 'laptop.storey'), '--server', url, '--ca', certs.caPath], { STOREY_SYNC_TOKEN: token });
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /Generation 0 → 1: records \+0\/-0, tiles \+5\/-0/);
  assert.match(init.stderr, /MB\/s/, 'progress says how fast');
  assert.match(init.stderr, /^tiles, \d+\/5 tiles, /m, 'progress counts the tiles');
  assert.ok(!init.stderr.includes('\r'), 'not a terminal: plain lines, no rewriting');
  const audit = run(['audit', join(dir, 'laptop.storey'), '--json']);
  assert.equal(audit.status, 0, audit.stderr);
  const [entry] = JSON.parse(audit.stdout) as Array<{ action: string; target: string; detail: Record<string, unknown> }>;
  assert.equal(entry?.action, 'sync');
  assert.equal(entry?.target, url);
  assert.deepEqual([entry?.detail['init'], entry?.detail['generationFrom'], entry?.detail['generationTo'], entry?.detail['token']], [true, 0, 1, 'laptop']);

  assert.equal(run(['server', 'token', 'revoke', '--data', master, 'laptop']).status, 0);
  const revoked = run(['sync', join(dir, 'laptop.storey')], { STOREY_SYNC_TOKEN: token });
  assert.equal(revoked.status, 1);
  assert.match(revoked.stderr, /401 TOKEN_REVOKED/);
});
