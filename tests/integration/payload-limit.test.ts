import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, type TestKey } from '../support/fixtures.ts';
import type { ParsedJson } from '../support/parsed-json.ts';
import { type Server, startServer } from '../support/processes.ts';

const LIMIT = 20 * 1024 * 1024;
const db = await freshDatabase();
let server: Server;
let port: number;
let key: TestKey;

beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'payload', rateLimit: 100000 });
  server = await startServer('npx', ['tsx', 'tests/support/serve-app.ts'], db.serverEnv, /READY \d+ \d+/);
  const m = /READY (\d+) (\d+)/.exec(server.output())!;
  port = Number(m[1]);
});
afterAll(async () => {
  await server?.stop();
});

interface Sent {
  status: number;
  body: ParsedJson;
  bytesSent: number;
}

/** POSTs `total` bytes of a JSON-looking body in 64 KiB chunks, declared or chunked, until the server answers. */
function send(total: number, declared: boolean, sendAtMost = total): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      authorization: `Bearer ${key.key}`,
    };
    if (declared) headers['content-length'] = total;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/import/contacts', headers });
    let bytesSent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON whitespace
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), bytesSent }));
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && bytesSent < sendAtMost) {
        const n = Math.min(chunk.length, sendAtMost - bytesSent);
        bytesSent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!answered && bytesSent === total) req.end();
    };
    // Node sends the headers with the first write; with nothing to write, send them now.
    req.flushHeaders();
    pump();
  });
}

describe('the 20 MB body limit', () => {
  it('refuses a declared Content-Length over 20 MB at once, without reading the body', async () => {
    // Not one byte of the declared 21 MB is sent: a server that waited for the body would never answer.
    const res = await send(21 * 1024 * 1024, true, 0);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large' });
    expect(res.body.error.request_id).toMatch(/^req_/);
    expect(res.bytesSent).toBe(0);
  });

  it('refuses a chunked body once it grows past 20 MB and stops reading it', async () => {
    // Without a declared length the first 20 MB must be held to be usable at all; what is
    // checked here is that reading stops at the limit instead of taking the whole upload in.
    const res = await send(60 * 1024 * 1024, false);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(res.bytesSent).toBeLessThan(40 * 1024 * 1024);
  });

  it('accepts a body just under the limit and answers on its content', async () => {
    const res = await send(LIMIT, true);
    // 20 MB of whitespace is well-formed size-wise but not a JSON value.
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('The request body is empty; a JSON object is required.');
  });

  it('checks the size before authenticating', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/contacts',
        headers: { 'content-type': 'application/json', 'content-length': LIMIT + 1 },
      });
      req.on('response', (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(res).toBe(413);
  });
});
