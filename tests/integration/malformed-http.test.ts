import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNode } from '../../scripts/lib/node-server.ts';
import { createApp } from '../../shared/app.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, memoryLogger, type TestKey } from '../support/fixtures.ts';
import type { ParsedJson } from '../support/parsed-json.ts';

const db = await freshDatabase();
const logger = memoryLogger();
let server: Server;
let port: number;
let key: TestKey;

beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'raw-http' });
  await new Promise<void>((resolve) => {
    server = serveNode(
      { fetch: createApp({ db: db.port, logger }).fetch, hostname: '127.0.0.1', logger },
      (address) => {
        port = address.port;
        resolve();
      },
    );
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: ParsedJson;
}

/** Writes bytes on a fresh TCP connection and parses the one HTTP/1.1 response the server sends before closing. */
function rawRequest(bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      }
      let body = text.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        body = body.slice(body.indexOf('\r\n') + 2, body.lastIndexOf('\r\n0\r\n'));
      }
      try {
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) });
      } catch (err) {
        reject(new Error(`not an HTTP response with a JSON body: ${JSON.stringify(text)}`, { cause: err }));
      }
    });
    // Not end(): Node drops a half-closed connection before answering. Every case here makes the server close.
    socket.write(bytes, 'latin1');
  });
}

const CASES: [string, string, number][] = [
  ['a backslash in the path', 'GET /v1\\contacts HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
  ['a Host with a path in it', 'GET /health HTTP/1.1\r\nHost: evil.example/x\r\n\r\n', 400],
  ['a Host with a space', 'GET /health HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
  ['no Host on HTTP/1.1', 'GET /health HTTP/1.1\r\n\r\n', 400],
  ['a CR inside a header value', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\rb\r\n\r\n', 400],
  ['a bare LF inside a header value', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\nb\r\n\r\n', 400],
  ['a NUL inside a header value', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\0b\r\n\r\n', 400],
  ['a space in a header name', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX Note: a\r\n\r\n', 400],
  ['an invalid method token', 'G@T /health HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
  ['headers over 16 KB', `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431],
  [
    'an invalid chunked body',
    'POST /v1/contacts HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    400,
  ],
];

describe('malformed HTTP on Node gets the envelope and X-Request-ID', () => {
  for (const [what, bytes, status] of CASES) {
    it(`${what}: ${status}`, async () => {
      const res = await rawRequest(bytes);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error.code).toBe('validation_error');
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(res.headers['x-request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
      expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
    });
  }

  it('still serves well-formed requests on the same server', async () => {
    const res = await rawRequest(
      'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Request-ID: probe-1\r\n\r\n',
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('probe-1');
  });
});

describe('a client that hangs up mid-upload', () => {
  it('is logged at info with status 499, not as a 500', async () => {
    const requestId = `abort-${Date.now()}`;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/import/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
            `Authorization: Bearer ${key.key}\r\nX-Request-ID: ${requestId}\r\nContent-Length: 1000000\r\n\r\n{"rows":[` +
            '{"email":"a@example.com"},'.repeat(2000),
        );
        // Let the server start reading the body, then leave.
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    await expect.poll(() => logger.lines.find((l) => l.includes(requestId) && l.includes('"msg":"request"')), {
      timeout: 10_000,
    }).toBeTruthy();
    const line = JSON.parse(logger.lines.find((l) => l.includes(requestId) && l.includes('"msg":"request"'))!);
    expect(line).toMatchObject({ level: 'info', status: 499 });
    expect(logger.lines.filter((l) => l.includes(requestId) && l.includes('"level":"error"'))).toEqual([]);
  });
});
