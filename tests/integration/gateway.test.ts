import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../shared/app.ts';
import { DatabaseError, type DataPort } from '../../shared/db/port.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, memoryLogger, testApp } from '../support/fixtures.ts';

const db = await freshDatabase();
const logger = memoryLogger();
const api = testApp(db.port, { logger });
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});

describe('paths', () => {
  it.each(['/v1/contacts', '/api-gateway/v1/contacts', '/functions/v1/api-gateway/v1/contacts'])(
    'answers under %s',
    async (path) => {
      const created = await api.call('POST', path, { key: keys.full.key, body: { email: `p${path.length}@x.com` } });
      expect(created.status).toBe(201);
      const listed = await api.call('GET', `${path}?email=p${path.length}@x.com`, { key: keys.full.key });
      expect(listed.json.data[0].id).toBe(created.json.data.id);
    },
  );

  it.each(['/health', '/api-gateway/health', '/functions/v1/api-gateway/health'])(
    'reports database reachability at %s',
    async (path) => {
      const res = await api.call('GET', path);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ data: { status: 'ok', database: 'ok' } });
    },
  );

  it('reports an unreachable database as 503 on /health', async () => {
    const down: DataPort = {
      rpc: () => Promise.reject(new DatabaseError('connect ECONNREFUSED', undefined, true)),
      close: async () => {},
    };
    const res = await createApp({ db: down }).request('/health');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({ data: { status: 'degraded', database: 'unreachable' } });
  });
});

describe('envelope and request ids', () => {
  it('echoes a safe client X-Request-ID and replaces an unsafe one with req_<ULID>', async () => {
    const safe = await api.call('GET', '/v1/contacts', {
      key: keys.full.key,
      headers: { 'x-request-id': 'client:abc-123.x_y' },
    });
    expect(safe.headers.get('x-request-id')).toBe('client:abc-123.x_y');
    const unsafe = await api.call('GET', '/v1/contacts', {
      key: keys.full.key,
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    const long = await api.call('GET', '/v1/contacts', {
      key: keys.full.key,
      headers: { 'x-request-id': 'a'.repeat(129) },
    });
    expect(long.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/v1/nope'],
    ['DELETE', '/v1/contacts'],
    ['GET', '/functions/v1/api-gateway/v2/contacts'],
  ])('answers an unknown route %s %s with the 404 envelope and a request id', async (method, path) => {
    const res = await api.call(method, path, { key: keys.full.key });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req_/);
    expect(res.json).toEqual({
      error: { code: 'not_found', message: `No route for ${method} ${path}.`, request_id: id },
    });
  });

  it('maps an unexpected failure to 500 internal_error without internals, and logs it with the request id', async () => {
    const broken: DataPort = {
      rpc: () => Promise.reject(new DatabaseError('syntax error at or near "select"', '42601', false)),
      close: async () => {},
    };
    const lines: string[] = [];
    const app = createApp({
      db: broken,
      logger: { log: (level, msg, f) => lines.push(JSON.stringify({ level, msg, ...f })) },
    });
    const res = await app.request('/v1/contacts', {
      headers: { authorization: `Bearer ${keys.full.key}`, 'x-request-id': 'trace-500' },
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: 'internal_error', message: 'An unexpected error occurred.', request_id: 'trace-500' },
    });
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
    expect(logged).toMatchObject({
      request_id: 'trace-500',
      error_code: 'internal_error',
      error_message: 'sqlstate 42601',
    });
  });

  it('maps an unreachable database to 503 service_unavailable with Retry-After', async () => {
    const down: DataPort = {
      rpc: () => Promise.reject(new DatabaseError('connect ECONNREFUSED', undefined, true)),
      close: async () => {},
    };
    const res = await createApp({ db: down }).request('/v1/contacts', {
      headers: { authorization: `Bearer ${keys.full.key}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await res.json()).error.code).toBe('service_unavailable');
  });

  it('logs one structured line per request with the request id and never the key or the body', async () => {
    logger.lines.length = 0;
    await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: { email: 'secret-person@x.com', custom_fields: { ssn: '123-45-6789' } },
      headers: { 'x-request-id': 'log-check-1' },
    });
    const line = logger.lines.map((l) => JSON.parse(l)).find((l) => l.request_id === 'log-check-1');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'POST',
      path: '/v1/contacts',
      status: 201,
      workspace_id: keys.full.workspaceId,
    });
    const all = logger.lines.join('\n');
    expect(all).not.toContain(keys.full.key);
    expect(all).not.toContain(keys.full.key.slice(4));
    expect(all).not.toContain('secret-person');
    expect(all).not.toContain('123-45-6789');
  });
});

describe('OpenAPI', () => {
  it('serves a document generated from the same schemas that validate requests', async () => {
    const res = await api.call('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining(['/health', '/v1/contacts', '/v1/contacts/{id}']),
    );
    const body = res.json.paths['/v1/contacts'].post.requestBody.content['application/json'].schema;
    const props = body.properties ?? res.json.components.schemas[body.$ref?.split('/').pop()]?.properties;
    expect(Object.keys(props)).toEqual(
      expect.arrayContaining(['full_name', 'email', 'phone', 'tags', 'custom_fields', 'created_date']),
    );
    const perPage = res.json.paths['/v1/contacts'].get.parameters.find((p: { name: string }) => p.name === 'per_page');
    expect(perPage.schema.maximum).toBe(100);
    expect(res.json.paths['/v1/contacts'].post.responses['409']).toBeDefined();
  });

  it('is served under every base path', async () => {
    for (const p of ['/api-gateway/v1/openapi.json', '/functions/v1/api-gateway/v1/openapi.json']) {
      expect((await api.call('GET', p)).status).toBe(200);
    }
  });
});
