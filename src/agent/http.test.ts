import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, jsonOf } from './http.js';

let server: http.Server;
let base: URL;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/big') return void res.end('x'.repeat(100_000));
      res.setHeader('etag', '"v1"');
      res.statusCode = req.headers['if-none-match'] === '"v1"' ? 304 : 200;
      res.end(
        res.statusCode === 304
          ? ''
          : JSON.stringify({ method: req.method, body, auth: req.headers.authorization }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('httpRequest', () => {
  it('posts a body with headers and reads status, headers and JSON', async () => {
    const a = await httpRequest(new URL('/x', base), {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"é":1}',
      timeoutMs: 5000,
    });
    expect(a.status).toBe(200);
    expect(a.headers.etag).toBe('"v1"');
    expect(jsonOf(a)).toEqual({ method: 'POST', body: '{"é":1}', auth: 'Bearer t' });
    const again = await httpRequest(new URL('/x', base), {
      headers: { 'if-none-match': '"v1"' },
      timeoutMs: 5000,
    });
    expect(again.status).toBe(304);
  });

  it('gives up after the timeout and on answers over the size cap', async () => {
    await expect(httpRequest(new URL('/slow', base), { timeoutMs: 200 })).rejects.toThrow(/within 200 ms/);
    await expect(httpRequest(new URL('/big', base), { timeoutMs: 5000, maxBytes: 1000 })).rejects.toThrow(
      /larger than 1000/,
    );
  });

  it('refuses other protocols and reports unreachable servers', async () => {
    await expect(httpRequest(new URL('ftp://127.0.0.1/'), { timeoutMs: 1000 })).rejects.toThrow(/protocol/);
    await expect(httpRequest(new URL('http://127.0.0.1:1/'), { timeoutMs: 1000 })).rejects.toThrow();
  });
});
