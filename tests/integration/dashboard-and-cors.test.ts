import { beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../shared/app.ts';
import { createWorkerApp } from '../../shared/worker/app.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';

const db = await freshDatabase();
const ORIGIN = 'https://app.example.com';
const api = testApp(db.port, { corsOrigins: [ORIGIN, 'https://admin.example.com'] });
const closed = testApp(db.port);
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});

describe('the gateway bare URL (what the Supabase dashboard opens)', () => {
  it.each([
    ['/api-gateway', '/functions/v1/api-gateway'],
    ['/api-gateway/', '/functions/v1/api-gateway'],
    ['/functions/v1/api-gateway', '/functions/v1/api-gateway'],
    ['/', ''],
  ])('%s answers 200 with the service, its version and links', async (path, prefix) => {
    const res = await closed.call('GET', path);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.json).toEqual({
      data: {
        service: 'LeadLex contact-import API',
        version: API_VERSION,
        links: { openapi: `${prefix}/v1/openapi.json`, docs: `${prefix}/docs`, health: `${prefix}/health` },
      },
    });
    const doc = await closed.call('GET', res.json.data.links.openapi.replace('/functions/v1', ''));
    expect(doc.status).toBe(200);
    expect(doc.json.info.version).toBe(API_VERSION);
  });

  it('is still 404 with the envelope for an unknown path under the function', async () => {
    const res = await closed.call('GET', '/api-gateway/nope');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});

describe('CORS on the gateway', () => {
  it('answers a preflight from a listed origin', async () => {
    const res = await api.call('OPTIONS', '/functions/v1/api-gateway/v1/import/contacts', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives a listed origin the headers on answers and errors, and exposes the rate-limit and request-id headers', async () => {
    const ok = await api.call('GET', '/v1/contacts', { key: keys.full.key, headers: { origin: ORIGIN } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Remaining');
    const refused = await api.call('GET', '/v1/contacts', { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('invalid_key');
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('gives an unlisted origin no CORS headers: its preflight is a 404 envelope', async () => {
    const res = await api.call('OPTIONS', '/v1/contacts', {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await api.call('GET', '/v1/contacts', {
      key: keys.full.key,
      headers: { origin: 'https://evil.example.com' },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lists no origin by default', async () => {
    const res = await closed.call('OPTIONS', '/v1/contacts', {
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the import-worker invoked from the dashboard', () => {
  const SERVICE = 'service-role-key-0123456789abcdef';
  const ANON = 'anon-key-0123456789abcdefghijkl';
  const worker = createWorkerApp({
    secrets: ['', SERVICE],
    corsOrigins: [ORIGIN],
    tick: () => Promise.resolve({ jobs: 0, completed: 0, rows: 0, webhooks: { claimed: 0, delivered: 0 } }),
  });

  it('runs one tick for the service key and answers what it did', async () => {
    const res = await worker.request('/import-worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { jobs: 0, completed: 0, rows: 0, webhooks: { claimed: 0, delivered: 0 } },
    });
  });

  it('refuses the anon key with 401 and the envelope', async () => {
    const res = await worker.request('/import-worker', {
      method: 'POST',
      headers: { authorization: `Bearer ${ANON}`, 'x-request-id': 'dash-1' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'invalid_key', message: expect.any(String), request_id: 'dash-1' },
    });
  });

  it('answers a preflight from a listed origin only', async () => {
    const listed = await worker.request('/import-worker', {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const other = await worker.request('/import-worker', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(other.status).toBe(401);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
