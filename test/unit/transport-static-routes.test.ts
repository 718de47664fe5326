import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contentTypeFor, createStaticRoutes } from '../../src/gateway/transport/static-routes.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('static routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-static-'));
  const page = '<!doctype html><title>chat</title>';
  const script = 'console.log("hi");';
  let server: Server;
  let port: number;

  const send = (method: string, path: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    writeFileSync(join(dir, 'index.html'), page);
    writeFileSync(join(dir, 'app.js'), script);
    const handler = await createStaticRoutes({ '/': join(dir, 'index.html'), '/app.js': join(dir, 'app.js') });
    server = createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a file with its content type, length and no-cache', async () => {
    const r = await send('GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.body, page);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['content-length'], String(Buffer.byteLength(page)));
    assert.equal(r.headers['cache-control'], 'no-cache');
    const js = await send('GET', '/app.js');
    assert.equal(js.body, script);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  });

  it('ignores the query string when matching', async () => {
    const r = await send('GET', '/app.js?v=123');
    assert.equal(r.status, 200);
    assert.equal(r.body, script);
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await send('HEAD', '/');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-length'], String(Buffer.byteLength(page)));
  });

  it('answers /healthz, whatever the routes', async () => {
    const r = await send('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
  });

  it('answers 404 for unknown paths and 405 with Allow for other methods', async () => {
    const missing = await send('GET', '/index.html');
    assert.equal(missing.status, 404);
    const post = await send('POST', '/');
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');
    const del = await send('DELETE', '/healthz');
    assert.equal(del.status, 405);
  });

  it('serves the files as read at creation', async () => {
    writeFileSync(join(dir, 'app.js'), 'changed');
    assert.equal((await send('GET', '/app.js')).body, script);
  });

  it('refuses a missing file, naming the route and the file', async () => {
    const file = join(dir, 'nope.html');
    await assert.rejects(
      createStaticRoutes({ '/nope': file }),
      (err: unknown) => err instanceof Error && err.message.startsWith(`static route /nope: cannot read ${file}: `),
    );
  });

  it('refuses routes that cannot match or would hide the health check', async () => {
    await assert.rejects(createStaticRoutes({ 'index.html': join(dir, 'index.html') }), /must start with '\/'/);
    await assert.rejects(createStaticRoutes({ '/healthz': join(dir, 'index.html') }), /reserved for the health check/);
  });
});

describe('contentTypeFor', () => {
  it('maps the known extensions and defaults to octet-stream', () => {
    const expected: Record<string, string> = {
      'a.html': 'text/html; charset=utf-8',
      'a.js': 'text/javascript; charset=utf-8',
      'a.css': 'text/css; charset=utf-8',
      'a.json': 'application/json',
      'a.svg': 'image/svg+xml',
      'a.png': 'image/png',
      'a.ico': 'image/x-icon',
      'a.txt': 'text/plain; charset=utf-8',
      'A.PNG': 'image/png',
      'a.wasm': 'application/octet-stream',
      'README': 'application/octet-stream',
    };
    for (const [file, type] of Object.entries(expected)) assert.equal(contentTypeFor(file), type, file);
  });
});
