/** The operations endpoints on node:http: the fallback when uWebSockets.js does not load. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { opsResponse, splitTarget, type OpsSource } from './routes.js';
import type { OpsHttpServer } from './ops-http.js';

export function listenNodeHttp(host: string, port: number, source: OpsSource): Promise<OpsHttpServer> {
  const server: Server = createServer((req, res) => {
    const { path, query } = splitTarget(req.url ?? '/');
    const r = opsResponse(req.method ?? 'GET', path, query, source);
    res.writeHead(r.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(r.body) });
    res.end(r.body);
  });
  // Requests are tiny and answered at once: a slow or silent client only costs its socket for this long.
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve({
        kind: 'node:http',
        host,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
