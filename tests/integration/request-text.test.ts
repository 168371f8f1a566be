import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../shared/http/json-shape.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});

/** `{"<field>": [[[…]]]}` nested `levels` deep in total, the outer object included. */
function nested(field: string, levels: number): string {
  return `{"${field}":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
}

const JSON_ROUTES = [
  { method: 'POST', path: '/v1/contacts', field: 'custom_fields' },
  { method: 'POST', path: '/v1/import/contacts', field: 'rows' },
  { method: 'POST', path: '/v1/webhooks', field: 'events' },
  { method: 'PATCH', path: '/v1/webhooks/00000000-0000-4000-8000-000000000000', field: 'events' },
];

describe('JSON nesting depth', () => {
  for (const route of JSON_ROUTES) {
    for (const levels of [MAX_JSON_DEPTH + 1, 7_000, 1_000_000]) {
      it(`${route.method} ${route.path}: ${levels} levels is 400 validation_error naming the limit`, async () => {
        const res = await api.call(route.method, route.path, {
          key: keys.full.key,
          raw: nested(route.field, levels),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expect(res.json.error.code).toBe('validation_error');
        expect(res.json.error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
        expect(res.headers.get('x-request-id')).toBe(res.json.error.request_id);
      });
    }
  }

  it('accepts exactly the limit (the value is then judged by the route, not by its depth)', async () => {
    const res = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      raw: nested('custom_fields', MAX_JSON_DEPTH),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).not.toContain('deeper than');
  });

  it('does not count brackets inside strings', async () => {
    const body = {
      full_name: `${'['.repeat(5000)}Jane Doe${'{'.repeat(5000)}`.slice(0, 200),
      email: 'deep-strings@example.com',
      custom_fields: { note: '[[[[{{{{'.repeat(1000) },
    };
    const res = await api.call('POST', '/v1/contacts', { key: keys.full.key, body });
    expect(res.status).toBe(201);
  });

  it('still finds a NUL deep inside the allowed depth, with its path', async () => {
    let inner: unknown = 'bad\u0000text';
    for (let i = 0; i < MAX_JSON_DEPTH - 3; i++) inner = { k: inner };
    const res = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: { email: 'nul@example.com', custom_fields: inner },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe(['custom_fields', ...Array(MAX_JSON_DEPTH - 3).fill('k')].join('.'));
    expect(res.json.error.details[0].message).toContain('NUL');
  });
});

describe('query strings', () => {
  const cases: [string, string][] = [
    ['/v1/contacts?email=%00', 'NUL'],
    ['/v1/contacts?email=a%00b@example.com', 'NUL'],
    ['/v1/contacts?em%00ail=x', 'NUL'],
    ['/v1/contacts?email=%ZZ', 'percent-encoding'],
    ['/v1/contacts?email=%', 'percent-encoding'],
    ['/v1/contacts?email=%C3%28', 'UTF-8'],
    ['/v1/contacts?email=%ED%A0%80', 'UTF-8'], // a lone surrogate, encoded as UTF-8
    ['/v1/import/jobs/imp_01J9Z8Q4N2V6X7Y8Z9A0B1C2D3/errors?page=1%00', 'NUL'],
    ['/functions/v1/api-gateway/v1/contacts?page=%FF', 'UTF-8'],
    ['/health?x=%00', 'NUL'],
  ];
  for (const [url, what] of cases) {
    it(`GET ${url} is 400 validation_error (${what})`, async () => {
      const res = await api.call('GET', url, { key: keys.full.key });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_error' });
      expect(res.json.error.message).toContain(what);
      expect(res.headers.get('x-request-id')).toBe(res.json.error.request_id);
    });
  }

  it('is refused before authentication: no key needed to learn the query is unreadable', async () => {
    const res = await api.call('GET', '/v1/contacts?email=%00');
    expect(res.status).toBe(400);
  });

  it('leaves readable query strings alone (encoded non-ASCII, plus signs, empty values)', async () => {
    const res = await api.call('GET', '/v1/contacts?email=j%C3%B6rg%2Btest%40example.com&page=1&per_page=', {
      key: keys.full.key,
    });
    // per_page= is judged by the route's own schema, not by this check.
    expect(res.json.error?.message ?? '').not.toContain('query string holds');
    const ok = await api.call('GET', '/v1/contacts?email=j%C3%B6rg%2Btest%40example.com', { key: keys.full.key });
    expect(ok.status).toBe(200);
  });
});
