import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';
import { securitySuite } from '../support/security-suite.ts';

const db = await freshDatabase();
const NOW = new Date('2026-06-01T12:00:00Z');
const api = testApp(db.port, { now: () => NOW });
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});
const ctx = () => ({ api, keys });
const count = async () => Number((await db.sql`select count(*)::int as n from contacts`)[0].n);

describe('POST /v1/contacts', () => {
  beforeEach(async () => {
    await db.sql`delete from contacts`;
  });

  it('creates a contact with normalised fields (201)', async () => {
    const res = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: {
        full_name: 'Doe, Jane',
        email: '  Jane.Doe@Acme.COM ',
        phone: '+1 (415) 555-2671',
        priority: 'high',
        tags: ['vip', 'VIP', ' lead '],
        custom_fields: { source: 'fair' },
        created_date: '2026-05-01T00:00:00Z',
        company_id: 'cmp_42',
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'Jane.Doe@Acme.COM',
      phone: '+14155552671',
      priority: 1,
      tags: ['vip', 'lead'],
      custom_fields: { source: 'fair' },
      related_company_id: 'cmp_42',
    });
    expect(new Date(res.json.data.created_date).toISOString()).toBe('2026-05-01T00:00:00.000Z');
    const [row] = await db
      .sql`select workspace_id, email_normalized, phone from contacts where id = ${res.json.data.id}`;
    expect(row).toEqual({
      workspace_id: keys.full.workspaceId,
      email_normalized: 'jane.doe@acme.com',
      phone: '+14155552671',
    });
  });

  it('derives the name from the email and replaces an out-of-window created_date with now', async () => {
    const res = await api.call('POST', '/v1/contacts', {
      key: keys.writeOnly.key,
      body: { email: 'hans.mueller@x.de', created_date: '2001-01-01' },
    });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ full_name: 'Hans Mueller', first_name: 'Hans', last_name: 'Mueller' });
    expect(new Date(res.json.data.created_date).toISOString()).toBe(NOW.toISOString());
  });

  it('answers 409 duplicate_contact naming the existing contact, by email (any case) and by phone', async () => {
    const first = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: { email: 'a@x.com', phone: '+4930901820' },
    });
    expect(first.status).toBe(201);
    const byEmail = await api.call('POST', '/v1/contacts', { key: keys.full.key, body: { email: ' A@X.com' } });
    expect(byEmail.status).toBe(409);
    expect(byEmail.json.error.code).toBe('duplicate_contact');
    expect(byEmail.json.error.details).toEqual([
      { path: 'email', message: `already used by contact ${first.json.data.id}`, contact_id: first.json.data.id },
    ]);
    const byPhone = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: { full_name: 'B', phone: '0049 30 901820' },
    });
    expect(byPhone.status).toBe(409);
    expect(byPhone.json.error.details[0]).toMatchObject({ path: 'phone', contact_id: first.json.data.id });
    expect(await count()).toBe(1);
  });

  it('lets another workspace use the same email', async () => {
    expect((await api.call('POST', '/v1/contacts', { key: keys.full.key, body: { email: 'same@x.com' } })).status).toBe(
      201,
    );
    expect((await api.call('POST', '/v1/contacts', { key: keys.other.key, body: { email: 'same@x.com' } })).status)
      .toBe(201);
    expect(await count()).toBe(2);
  });

  it.each([
    ['no identity', { phone: '+4930901820' }, 'missing_identity', ''],
    ['bad email', { email: 'jane@' }, 'invalid_email', 'email'],
    ['phone without country code', { full_name: 'X', phone: '030 901820' }, 'invalid_phone', 'phone'],
    ['unknown field', { full_name: 'X', nickname: 'J' }, undefined, 'nickname'],
    ['oversized string', { full_name: 'X', job_title: 'a'.repeat(201) }, undefined, 'job_title'],
    ['bad priority', { full_name: 'X', priority: 'urgent' }, undefined, 'priority'],
    [
      'custom_fields too large',
      { full_name: 'X', custom_fields: { blob: 'x'.repeat(17000) } },
      undefined,
      'custom_fields',
    ],
    ['wrong type', { full_name: 42 }, undefined, 'full_name'],
  ])('rejects %s with 400 validation_error and writes nothing', async (_name, body, code, path) => {
    const res = await api.call('POST', '/v1/contacts', { key: keys.full.key, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    if (code) expect(res.json.error.details.map((d: { code?: string }) => d.code)).toContain(code);
    expect(await count()).toBe(0);
  });

  it('rejects bad JSON, a non-object body, a wrong content type and invalid UTF-8, writing nothing', async () => {
    const bad = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      raw: '{"email": "a@x.com",',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'validation_error', message: 'The request body is not valid JSON.' });
    expect(bad.json.error.details[0].message).toMatch(/JSON/);

    const arr = await api.call('POST', '/v1/contacts', { key: keys.full.key, body: [{ email: 'a@x.com' }] });
    expect(arr.status).toBe(400);
    expect(arr.json.error.code).toBe('validation_error');

    const form = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      raw: 'email=a@x.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.json.error.code).toBe('unsupported_media_type');

    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('{"full_name":"Jos'),
      0xe9,
      ...new TextEncoder().encode('"}'),
    ]);
    const utf = await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      raw: latin1,
      headers: { 'content-type': 'application/json' },
    });
    expect(utf.status).toBe(400);
    expect(utf.json.error.message).toBe('The request body is not valid UTF-8.');
    expect(utf.json.error.details).toEqual([{ path: '', message: 'invalid UTF-8 at byte 17' }]);
    expect(await count()).toBe(0);
  });

  describe('security', () =>
    securitySuite(ctx, {
      method: 'POST',
      path: '/v1/contacts',
      body: { email: 'sec@x.com' },
      forbidden: ['readOnly', 'webhooksOnly'],
    }));
});

describe('GET /v1/contacts/{id}', () => {
  let id: string;
  beforeAll(async () => {
    await db.sql`delete from contacts`;
    id = (await api.call('POST', '/v1/contacts', {
      key: keys.full.key,
      body: { full_name: 'Get Me', email: 'get@x.com' },
    })).json.data.id;
  });

  it('returns the contact to a read or write key', async () => {
    for (const k of [keys.full, keys.readOnly, keys.writeOnly]) {
      const res = await api.call('GET', `/v1/contacts/${id}`, { key: k.key });
      expect(res.status).toBe(200);
      expect(res.json.data).toMatchObject({ id, full_name: 'Get Me', email: 'get@x.com' });
    }
  });

  it("answers 404 for another workspace's contact, an unknown id and a non-UUID id", async () => {
    for (
      const [key, path] of [
        [keys.other.key, `/v1/contacts/${id}`],
        [keys.full.key, '/v1/contacts/00000000-0000-4000-8000-000000000000'],
        [keys.full.key, '/v1/contacts/not-a-uuid'],
      ]
    ) {
      const res = await api.call('GET', path, { key });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  describe('security', () =>
    securitySuite(ctx, { method: 'GET', path: () => `/v1/contacts/${id}`, forbidden: ['webhooksOnly'] }));
});

describe('GET /v1/contacts', () => {
  beforeAll(async () => {
    await db.sql`delete from contacts`;
    for (let i = 1; i <= 7; i++) {
      await api.call('POST', '/v1/contacts', {
        key: keys.full.key,
        body: { full_name: `Person ${i}`, email: `p${i}@x.com` },
      });
    }
    await api.call('POST', '/v1/contacts', {
      key: keys.other.key,
      body: { full_name: 'Elsewhere', email: 'p1@x.com' },
    });
  });

  it('pages through the workspace only, oldest first', async () => {
    const page1 = await api.call('GET', '/v1/contacts?per_page=3', { key: keys.readOnly.key });
    expect(page1.status).toBe(200);
    expect(page1.json.meta).toEqual({ page: 1, per_page: 3, total: 7, total_pages: 3 });
    expect(page1.json.data.map((c: { email: string }) => c.email)).toEqual(['p1@x.com', 'p2@x.com', 'p3@x.com']);
    const page3 = await api.call('GET', '/v1/contacts?per_page=3&page=3', { key: keys.readOnly.key });
    expect(page3.json.data.map((c: { email: string }) => c.email)).toEqual(['p7@x.com']);
    const beyond = await api.call('GET', '/v1/contacts?per_page=3&page=9', { key: keys.readOnly.key });
    expect(beyond.json.data).toEqual([]);
  });

  it('filters by email, case-insensitively, within the workspace', async () => {
    const res = await api.call('GET', '/v1/contacts?email=P1@X.COM', { key: keys.full.key });
    expect(res.json.data).toHaveLength(1);
    expect(res.json.data[0].full_name).toBe('Person 1');
    expect(res.json.meta.total).toBe(1);
  });

  it.each([['per_page=101'], ['per_page=0'], ['page=0'], ['page=abc'], ['sort=name']])(
    'rejects %s with 400',
    async (q) => {
      const res = await api.call('GET', `/v1/contacts?${q}`, { key: keys.full.key });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('validation_error');
      expect(res.json.error.details.length).toBeGreaterThan(0);
    },
  );

  describe('security', () => securitySuite(ctx, { method: 'GET', path: '/v1/contacts', forbidden: ['webhooksOnly'] }));
});
