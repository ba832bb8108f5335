/** Test support for sync: a throwaway CA with server and client certificates (openssl), and a cutting TCP proxy. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';

export interface Certificates {
  caPath: string;
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCertPath: string;
  clientKeyPath: string;
  /** A CA that signed nothing here: trusting only it, a client must refuse the server. */
  rogueCaPath: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCertificates(dir: string): Certificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Storey Test CA']);
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=Rogue CA']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  openssl(dir, ['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=analyst laptop']);
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2']);
  return {
    caPath: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem')),
    serverCert: readFileSync(join(dir, 'server.pem')),
    serverKey: readFileSync(join(dir, 'server.key')),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    rogueCaPath: join(dir, 'rogue.pem'),
  };
}

/**
 * A TCP proxy in front of the server that cuts every connection once `budget` bytes in total have gone from the
 * server to the client (a VPN dropping mid-transfer); the budget can be set while a transfer runs. The TLS session runs through it end to end.
 */
export async function cuttingProxy(targetPort: number, budget = Infinity): Promise<{ port: number; forwarded: () => number; setBudget: (bytes: number) => void; close: () => Promise<void> }> {
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      const room = budget - forwarded;
      if (room <= 0) return cut();
      const part = d.length > room ? d.subarray(0, room) : d;
      forwarded += part.length;
      client.write(part);
      if (part.length < d.length) cut();
    });
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    forwarded: () => forwarded,
    setBudget: (bytes: number) => {
      budget = bytes;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
