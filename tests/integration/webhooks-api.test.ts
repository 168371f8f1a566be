import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../shared/app.ts';
import { secretBoxFromEnv } from '../../shared/webhooks/secret-box.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, memoryLogger, TEST_SECRET_BOX, testApp, UNLIMITED } from '../support/fixtures.ts';
import { run } from '../support/processes.ts';
import { securitySuite } from '../support/security-suite.ts';

const db = await freshDatabase();
const logger = memoryLogger();

/** The injected DNS: names map to fixed addresses; others fail like NXDOMAIN. */
const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'other.example.com': ['93.184.216.35'],
  'internal.example.com': ['10.0.0.7'],
  'half.example.com': ['93.184.216.34', '192.168.1.20'],
  'metadata.example.com': ['169.254.169.254'],
  'v6private.example.com': ['fd00::1'],
};
const resolveHost = (host: string): Promise<string[]> => {
  const found = DNS[host];
  if (!found) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(found);
};

/** The gateway with the webhook resolver injected. */
const webhookApp = (allowWebhookLoopback = false) =>
  testApp(db.port, { logger, resolveHost, allowWebhookLoopback, limiter: UNLIMITED });

const api = webhookApp();
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});
const ctx = () => ({ api, keys });
const endpointCount = async () => Number((await db.sql`select count(*)::int as n from webhook_endpoints`)[0].n);
const create = (body: Record<string, unknown>, key = keys.full.key) => api.call('POST', '/v1/webhooks', { key, body });
const VALID = { url: 'https://hooks.example.com/leadlex', events: ['import.completed'] };

describe('POST /v1/webhooks', () => {
  beforeEach(async () => {
    await db.sql`delete from webhook_endpoints`;
  });

  it('registers an endpoint and returns its whsec_ secret once (201)', async () => {
    const res = await create({ ...VALID, description: '  CRM sync  ' }, keys.webhooksOnly.key);
    expect(res.status).toBe(201);
    expect(res.json.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: 'https://hooks.example.com/leadlex',
      events: ['import.completed'],
      description: 'CRM sync',
      active: true,
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(Buffer.from(res.json.data.secret.slice(6), 'base64')).toHaveLength(32);
    // Stored encrypted (the plaintext is nowhere in the row), and the stored value opens to it.
    const [row] = await db
      .sql`select workspace_id, secret_sealed, to_jsonb(e)::text as whole from webhook_endpoints e where id = ${res.json.data.id}`;
    expect(row.workspace_id).toBe(keys.full.workspaceId);
    expect(row.secret_sealed).toMatch(new RegExp(`^enc:v1:${TEST_SECRET_BOX.keyId}:`));
    expect(row.whole).not.toContain(res.json.data.secret);
    expect(row.whole).not.toContain(res.json.data.secret.slice(6));
    expect(await TEST_SECRET_BOX.open(row.secret_sealed, keys.full.workspaceId)).toBe(res.json.data.secret);
    // Bound to its workspace: copied to another, it does not open.
    await expect(TEST_SECRET_BOX.open(row.secret_sealed, keys.other.workspaceId)).rejects.toThrow(/does not open/);
  });

  it('refuses to create an endpoint (503) when no key to encrypt its secret is configured, storing nothing', async () => {
    const before = (await db.sql`select count(*)::int as n from webhook_endpoints`)[0].n;
    const keyless = testApp(db.port, { limiter: UNLIMITED, webhookSecrets: null });
    const res = await keyless.call('POST', '/v1/webhooks', { key: keys.full.key, body: VALID });
    expect(res.status).toBe(503);
    expect(res.json.error).toMatchObject({
      code: 'service_unavailable',
      message: expect.stringContaining('WEBHOOK_SECRET_KEY'),
    });
    expect((await db.sql`select count(*)::int as n from webhook_endpoints`)[0].n).toBe(before);
  });

  it('never shows the secret again: not in GET, the list, PATCH or the logs', async () => {
    const created = await create(VALID);
    const { id, secret } = created.json.data;
    const again = [
      await api.call('GET', `/v1/webhooks/${id}`, { key: keys.full.key }),
      await api.call('GET', '/v1/webhooks', { key: keys.full.key }),
      await api.call('PATCH', `/v1/webhooks/${id}`, { key: keys.full.key, body: { description: 'x' } }),
      await api.call('GET', `/v1/webhooks/${id}/deliveries`, { key: keys.full.key }),
    ];
    for (const res of again) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain('whsec_');
      expect(res.text).not.toContain('"secret"');
    }
    expect(logger.lines.join('\n')).not.toContain(secret);
  });

  it('gives every endpoint its own secret, normalises the URL and de-duplicates events', async () => {
    const a = await create({
      url: 'https://HOOKS.example.com:443/a/../b?x=1#frag',
      events: ['import.completed', 'import.completed'],
      active: false,
      description: '',
    });
    const b = await create(VALID);
    expect(a.status).toBe(201);
    expect(a.json.data).toMatchObject({
      url: 'https://hooks.example.com/b?x=1#frag',
      events: ['import.completed'],
      active: false,
      description: null,
    });
    expect(a.json.data.secret).not.toBe(b.json.data.secret);
  });

  it('accepts a public IP literal', async () => {
    const res = await create({ ...VALID, url: 'https://93.184.216.34:8443/hook' });
    expect(res.status).toBe(201);
  });

  it.each([
    ['http URL', 'http://hooks.example.com/x', 'must use https'],
    ['loopback literal', 'https://127.0.0.1/x', 'loopback'],
    ['loopback IPv6', 'https://[::1]/x', 'loopback'],
    ['localhost', 'https://localhost/x', 'loopback name'],
    ['RFC 1918 literal', 'https://192.168.0.1/x', 'private (RFC 1918)'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data', 'link-local'],
    ['CGNAT', 'https://100.64.0.1/x', 'CGNAT'],
    ['IPv4-mapped IPv6', 'https://[::ffff:10.0.0.1]/x', 'IPv4-mapped 10.0.0.1'],
    ['decimal loopback', 'https://2130706433/x', 'loopback'],
    ['host resolving to RFC 1918', 'https://internal.example.com/x', 'resolves to 10.0.0.7'],
    ['host resolving to public and private', 'https://half.example.com/x', 'resolves to 192.168.1.20'],
    ['host resolving to metadata', 'https://metadata.example.com/x', 'resolves to 169.254.169.254'],
    ['host resolving to ULA', 'https://v6private.example.com/x', 'unique local'],
    ['unresolvable host', 'https://nowhere.example.com/x', 'could not be resolved'],
    ['credentials', 'https://user:secret@hooks.example.com/x', 'credentials'],
    ['not a URL', 'hooks.example.com/x', 'not a valid absolute URL'],
  ])('refuses a %s with 400 validation_error naming the reason, writing nothing', async (_name, url, reason) => {
    const res = await create({ ...VALID, url });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.message).toContain(reason);
    expect(res.json.error.details).toEqual([{ path: 'url', message: expect.stringContaining(reason) }]);
    expect(res.text).not.toContain('user:secret');
    expect(await endpointCount()).toBe(0);
  });

  it.each([
    [
      'an unknown event, named',
      { ...VALID, events: ['import.completed', 'contact.deleted'] },
      'events.1',
      'unknown event "contact.deleted"',
    ],
    ['no events', { ...VALID, events: [] }, 'events', ''],
    ['events not an array', { ...VALID, events: 'import.completed' }, 'events', ''],
    ['no url', { events: ['import.completed'] }, 'url', ''],
    ['a URL over 2048 characters', { ...VALID, url: `https://hooks.example.com/${'a'.repeat(2048)}` }, 'url', ''],
    ['a description over 500 characters', { ...VALID, description: 'd'.repeat(501) }, 'description', ''],
    ['active not a boolean', { ...VALID, active: 'yes' }, 'active', ''],
    ['an unknown field', { ...VALID, secret: 'whsec_mine' }, 'secret', 'unknown field'],
  ])('refuses %s with 400', async (_name, body, path, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.details).toContainEqual(
      expect.objectContaining({ path, message: expect.stringContaining(message) }),
    );
    expect(await endpointCount()).toBe(0);
  });

  it('refuses bad JSON and a non-JSON body', async () => {
    const bad = await api.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      headers: { 'content-type': 'application/json' },
      body: undefined,
    });
    expect(bad.status).toBe(400);
    const form = await api.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(415);
  });

  it('caps a workspace at 20 endpoints', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await create({ ...VALID, url: `https://hooks.example.com/${i}` })).status).toBe(201);
    }
    const res = await create(VALID);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('at most 20');
    expect((await create(VALID, keys.other.key)).status).toBe(201);
  });

  it('replays the creation (same id and secret) for a repeated Idempotency-Key, creating one endpoint', async () => {
    const headers = { 'idempotency-key': 'create-hook-1' };
    const first = await api.call('POST', '/v1/webhooks', { key: keys.full.key, body: VALID, headers });
    const second = await api.call('POST', '/v1/webhooks', { key: keys.full.key, body: VALID, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.json.data).toEqual(first.json.data);
    expect(await endpointCount()).toBe(1);
  });

  it('keeps the replayable response sealed: the signing secret is nowhere in the stored idempotency row', async () => {
    const headers = { 'idempotency-key': 'create-hook-sealed' };
    const first = await api.call('POST', '/v1/webhooks', { key: keys.full.key, body: VALID, headers });
    expect(first.status).toBe(201);
    const secret: string = first.json.data.secret;
    const [row] = await db.sql`select state, response_status, response_body, to_jsonb(k)::text as whole
                                 from idempotency_keys k where workspace_id = ${keys.full.workspaceId} and key = 'create-hook-sealed'`;
    expect(row.state).toBe('completed');
    expect(row.response_status).toBe(201);
    expect(row.whole).not.toContain(secret);
    expect(row.whole).not.toContain(secret.slice(6));
    expect(JSON.parse(row.response_body)).toEqual({
      sealed_response: expect.stringMatching(new RegExp(`^enc:v1:${TEST_SECRET_BOX.keyId}:`)),
    });
    // The replay is still the original response, byte for byte, secret included (contract: stored body replayed).
    const again = await api.call('POST', '/v1/webhooks', { key: keys.full.key, body: VALID, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    // Sealed for this workspace and key: the stored copy does not open as another key's.
    const sealed = JSON.parse(row.response_body).sealed_response;
    await expect(TEST_SECRET_BOX.open(sealed, `idempotency:${keys.full.workspaceId}:another-key`)).rejects.toThrow(
      /does not open/,
    );
  });

  it('stores responses without a secret as they are (a refused creation replays its 400)', async () => {
    const headers = { 'idempotency-key': 'create-hook-refused' };
    const first = await api.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      body: { ...VALID, url: 'http://hooks.example.com/x' },
      headers,
    });
    expect(first.status).toBe(400);
    const [row] = await db
      .sql`select response_body from idempotency_keys where workspace_id = ${keys.full.workspaceId} and key = 'create-hook-refused'`;
    expect(JSON.parse(row.response_body)).toEqual(first.json);
  });

  describe('security', () =>
    securitySuite(ctx, { method: 'POST', path: '/v1/webhooks', body: VALID, forbidden: ['readOnly', 'writeOnly'] }));
});

describe('GET /v1/webhooks and GET /v1/webhooks/{id}', () => {
  let ids: string[] = [];
  let otherId: string;
  beforeAll(async () => {
    await db.sql`delete from webhook_endpoints`;
    ids = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(
        (await create({ ...VALID, url: `https://hooks.example.com/${i}`, description: `hook ${i}` })).json.data.id,
      );
    }
    otherId = (await create({ ...VALID, url: 'https://other.example.com/x' }, keys.other.key)).json.data.id;
  });

  it("pages through the workspace's endpoints, oldest first", async () => {
    const p1 = await api.call('GET', '/v1/webhooks?per_page=2', { key: keys.webhooksOnly.key });
    expect(p1.status).toBe(200);
    expect(p1.json.meta).toEqual({ page: 1, per_page: 2, total: 5, total_pages: 3 });
    expect(p1.json.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    const p3 = await api.call('GET', '/v1/webhooks?per_page=2&page=3', { key: keys.full.key });
    expect(p3.json.data.map((e: { description: string }) => e.description)).toEqual(['hook 5']);
    const all = await api.call('GET', '/v1/webhooks', { key: keys.full.key });
    expect(all.json.meta).toEqual({ page: 1, per_page: 25, total: 5, total_pages: 1 });
    expect(all.json.data.map((e: { id: string }) => e.id)).not.toContain(otherId);
    const beyond = await api.call('GET', '/v1/webhooks?page=9', { key: keys.full.key });
    expect(beyond.json.data).toEqual([]);
  });

  it.each(['per_page=101', 'per_page=0', 'page=0', 'page=x', 'active=true'])('rejects ?%s with 400', async (q) => {
    const res = await api.call('GET', `/v1/webhooks?${q}`, { key: keys.full.key });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
  });

  it('returns one endpoint', async () => {
    const res = await api.call('GET', `/v1/webhooks/${ids[0]}`, { key: keys.full.key });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      id: ids[0],
      url: 'https://hooks.example.com/1',
      description: 'hook 1',
      active: true,
    });
    expect(res.json.data).not.toHaveProperty('secret');
  });

  it("answers 404 for another workspace's endpoint, an unknown id and a non-UUID id", async () => {
    for (
      const [key, path] of [
        [keys.full.key, `/v1/webhooks/${otherId}`],
        [keys.other.key, `/v1/webhooks/${ids[0]}`],
        [keys.full.key, '/v1/webhooks/00000000-0000-4000-8000-000000000000'],
        [keys.full.key, '/v1/webhooks/not-a-uuid'],
      ]
    ) {
      const res = await api.call('GET', path, { key });
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual({
        code: 'not_found',
        message: 'No webhook endpoint with this id.',
        request_id: res.headers.get('x-request-id'),
      });
    }
  });

  describe('security (list)', () =>
    securitySuite(ctx, { method: 'GET', path: '/v1/webhooks', forbidden: ['readOnly', 'writeOnly'] }));
  describe('security (get)', () =>
    securitySuite(ctx, { method: 'GET', path: () => `/v1/webhooks/${ids[0]}`, forbidden: ['readOnly', 'writeOnly'] }));
});

describe('PATCH /v1/webhooks/{id}', () => {
  let id: string;
  let secret: string;
  let otherId: string;
  beforeEach(async () => {
    await db.sql`delete from webhook_endpoints`;
    const created = await create({ ...VALID, description: 'before' });
    id = created.json.data.id;
    secret = created.json.data.secret;
    otherId = (await create(VALID, keys.other.key)).json.data.id;
  });

  it('changes url, events, description and active, keeping the secret', async () => {
    const res = await api.call('PATCH', `/v1/webhooks/${id}`, {
      key: keys.webhooksOnly.key,
      body: { url: 'https://other.example.com/new', events: ['import.completed'], description: null, active: false },
    });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ id, url: 'https://other.example.com/new', description: null, active: false });
    expect(new Date(res.json.data.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(res.json.data.created_at).getTime(),
    );
    const [row] = await db.sql`select url, active, secret_sealed from webhook_endpoints where id = ${id}`;
    expect(row).toMatchObject({ url: 'https://other.example.com/new', active: false });
    expect(await TEST_SECRET_BOX.open(row.secret_sealed, keys.full.workspaceId)).toBe(secret);
    const back = await api.call('PATCH', `/v1/webhooks/${id}`, { key: keys.full.key, body: { active: true } });
    expect(back.json.data).toMatchObject({ url: 'https://other.example.com/new', active: true, description: null });
  });

  it('changes only what is given', async () => {
    const res = await api.call('PATCH', `/v1/webhooks/${id}`, { key: keys.full.key, body: { description: 'after' } });
    expect(res.json.data).toMatchObject({
      url: VALID.url,
      description: 'after',
      active: true,
      events: ['import.completed'],
    });
  });

  it.each([
    ['https://10.0.0.1/x', 'private'],
    ['https://internal.example.com/x', 'resolves to 10.0.0.7'],
    ['http://hooks.example.com/x', 'must use https'],
  ])('re-checks a new url with the SSRF guard: %s', async (url, reason) => {
    const res = await api.call('PATCH', `/v1/webhooks/${id}`, { key: keys.full.key, body: { url } });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: 'url', message: expect.stringContaining(reason) }]);
    expect((await db.sql`select url from webhook_endpoints where id = ${id}`)[0].url).toBe(VALID.url);
  });

  it.each([
    ['an empty body', {}, ''],
    ['an unknown event', { events: ['import.started'] }, 'events.0'],
    ['empty events', { events: [] }, 'events'],
    ['an unknown field', { secret: 'whsec_x' }, 'secret'],
    ['active null', { active: null }, 'active'],
  ])('refuses %s with 400', async (_name, body, path) => {
    const res = await api.call('PATCH', `/v1/webhooks/${id}`, { key: keys.full.key, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("answers 404 for another workspace's endpoint, leaving it unchanged", async () => {
    const res = await api.call('PATCH', `/v1/webhooks/${otherId}`, { key: keys.full.key, body: { active: false } });
    expect(res.status).toBe(404);
    expect((await db.sql`select active from webhook_endpoints where id = ${otherId}`)[0].active).toBe(true);
    expect((await api.call('PATCH', '/v1/webhooks/nope', { key: keys.full.key, body: { active: false } })).status).toBe(
      404,
    );
  });

  describe('security', () =>
    securitySuite(ctx, {
      method: 'PATCH',
      path: () => `/v1/webhooks/${id}`,
      body: { active: true },
      forbidden: ['readOnly', 'writeOnly'],
    }));
});

describe('DELETE /v1/webhooks/{id}', () => {
  let id: string;
  let otherId: string;
  beforeEach(async () => {
    await db.sql`delete from webhook_endpoints`;
    id = (await create(VALID)).json.data.id;
    otherId = (await create(VALID, keys.other.key)).json.data.id;
  });

  it('deletes the endpoint with its deliveries (204, no body)', async () => {
    await db.sql`select internal.webhook_emit(${keys.full.workspaceId}, 'import.completed', ${
      db.sql.json({ job_id: 'imp_x' })
    })`;
    expect(Number((await db.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${id}`)[0].n))
      .toBe(1);
    const res = await api.call('DELETE', `/v1/webhooks/${id}`, { key: keys.webhooksOnly.key });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.call('GET', `/v1/webhooks/${id}`, { key: keys.full.key })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/webhooks/${id}`, { key: keys.full.key })).status).toBe(404);
    expect(Number((await db.sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${id}`)[0].n))
      .toBe(0);
  });

  it("answers 404 for another workspace's endpoint and keeps it", async () => {
    const res = await api.call('DELETE', `/v1/webhooks/${otherId}`, { key: keys.full.key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
    expect((await api.call('GET', `/v1/webhooks/${otherId}`, { key: keys.other.key })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/webhooks/not-a-uuid', { key: keys.full.key })).status).toBe(404);
  });

  describe('security', () =>
    securitySuite(ctx, { method: 'DELETE', path: () => `/v1/webhooks/${id}`, forbidden: ['readOnly', 'writeOnly'] }));
});

describe('GET /v1/webhooks/{id}/deliveries', () => {
  let id: string;
  let otherId: string;
  beforeAll(async () => {
    await db.sql`delete from webhook_endpoints`;
    id = (await create(VALID)).json.data.id;
    otherId = (await create(VALID, keys.other.key)).json.data.id;
    for (let i = 1; i <= 3; i++) {
      await db.sql`select internal.webhook_emit(${keys.full.workspaceId}, 'import.completed', ${
        db.sql.json({ job_id: `imp_${i}` })
      })`;
    }
  });

  it('lists the deliveries newest first, paginated, with meta', async () => {
    const res = await api.call('GET', `/v1/webhooks/${id}/deliveries?per_page=2`, { key: keys.full.key });
    expect(res.status).toBe(200);
    expect(res.json.meta).toEqual({ page: 1, per_page: 2, total: 3, total_pages: 2 });
    expect(res.json.data[0]).toEqual({
      id: expect.stringMatching(/^dlv_[0-9A-Z]{26}$/),
      event_id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/),
      event: 'import.completed',
      status: 'pending',
      attempt_count: 0,
      next_attempt_at: expect.any(String),
      last_status_code: null,
      last_error: null,
      created_at: expect.any(String),
      completed_at: null,
      attempts: [],
    });
    const bodies = await db.sql<
      { body: string }[]
    >`select e.body from webhook_events e join webhook_deliveries d on d.event_id = e.id order by d.created_at desc, d.id desc`;
    expect(JSON.parse(bodies[0].body).data.job_id).toBe('imp_3');
    const page2 = await api.call('GET', `/v1/webhooks/${id}/deliveries?per_page=2&page=2`, { key: keys.full.key });
    expect(page2.json.data).toHaveLength(1);
    expect(page2.json.data[0].id).not.toBe(res.json.data[0].id);
  });

  it("answers 404 for another workspace's endpoint, an unknown and a non-UUID id", async () => {
    for (
      const [key, path] of [
        [keys.full.key, `/v1/webhooks/${otherId}/deliveries`],
        [keys.other.key, `/v1/webhooks/${id}/deliveries`],
        [keys.full.key, '/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries'],
        [keys.full.key, '/v1/webhooks/x/deliveries'],
      ]
    ) {
      const res = await api.call('GET', path, { key });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it.each(['per_page=101', 'page=0', 'status=failed'])('rejects ?%s with 400', async (q) => {
    const res = await api.call('GET', `/v1/webhooks/${id}/deliveries?${q}`, { key: keys.full.key });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
  });

  describe('security', () =>
    securitySuite(ctx, {
      method: 'GET',
      path: () => `/v1/webhooks/${id}/deliveries`,
      forbidden: ['readOnly', 'writeOnly'],
    }));
});

describe('the three URL forms and the OpenAPI document', () => {
  it('serves the webhooks routes under every base path', async () => {
    for (const base of ['', '/api-gateway', '/functions/v1/api-gateway']) {
      const res = await api.call('GET', `${base}/v1/webhooks`, { key: keys.full.key });
      expect(res.status).toBe(200);
    }
  });

  it('documents every webhooks route', async () => {
    const doc = (await api.call('GET', '/v1/openapi.json')).json;
    expect(Object.keys(doc.paths['/v1/webhooks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/webhooks/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(doc.paths['/v1/webhooks/{id}/deliveries'])).toEqual(['get']);
  });
});

describe('without a configured resolver', () => {
  it('refuses hostnames (they cannot be checked) but accepts a public IP literal', async () => {
    const bare = createApp({ db: db.port, limiter: UNLIMITED, webhookSecrets: TEST_SECRET_BOX });
    const call = (url: string) =>
      bare.request('/v1/webhooks', {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.full.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['import.completed'] }),
      });
    const byName = await call('https://hooks.example.com/x');
    expect(byName.status).toBe(400);
    expect((await byName.json()).error.message).toContain('could not be resolved');
    expect((await call('https://93.184.216.34/x')).status).toBe(201);
    expect((await call('http://127.0.0.1:9/x')).status).toBe(400);
  });
});

describe('rotating the webhook-secret key', () => {
  it('npm run webhook-secrets:reseal re-encrypts every secret under the new key; the old key can then go', async () => {
    const api = testApp(db.port, { limiter: UNLIMITED, resolveHost });
    const created = await api.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      body: { ...VALID, url: 'https://hooks.example.com/rotate' },
    });
    expect(created.status).toBe(201);
    const b64 = (n: number) => Buffer.from(new Uint8Array(32).fill(n)).toString('base64');
    const out = await run('npx', ['tsx', 'scripts/reseal-webhook-secrets.ts'], {
      DATABASE_URL: db.url,
      WEBHOOK_SECRET_KEY: b64(9),
      WEBHOOK_SECRET_KEYS_PREVIOUS: b64(7),
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/resealed [1-9]\d* webhook secret/);
    const newOnly = await secretBoxFromEnv({ WEBHOOK_SECRET_KEY: b64(9) });
    const [row] = await db.sql`select secret_sealed from webhook_endpoints where id = ${created.json.data.id}`;
    expect(row.secret_sealed.startsWith(`enc:v1:${newOnly!.keyId}:`)).toBe(true);
    expect(await newOnly!.open(row.secret_sealed, keys.full.workspaceId)).toBe(created.json.data.secret);
    const left = await db.sql`select count(*)::int as n from webhook_endpoints where secret_sealed not like ${`enc:v1:${
      newOnly!.keyId
    }:%`}`;
    expect(left[0].n).toBe(0);
  });

  it('reseals the stored copy of a creation too: its replay still works with the new key alone', async () => {
    const b64 = (n: number) => Buffer.from(new Uint8Array(32).fill(n)).toString('base64');
    const headers = { 'idempotency-key': 'create-hook-rotate' };
    const before = testApp(db.port, { limiter: UNLIMITED, resolveHost });
    const created = await before.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      body: { ...VALID, url: 'https://hooks.example.com/rotate-idem' },
      headers,
    });
    expect(created.status).toBe(201);
    const out = await run('npx', ['tsx', 'scripts/reseal-webhook-secrets.ts'], {
      DATABASE_URL: db.url,
      WEBHOOK_SECRET_KEY: b64(9),
      WEBHOOK_SECRET_KEYS_PREVIOUS: b64(7),
    });
    expect(out.code, out.stderr).toBe(0);
    const newOnly = await secretBoxFromEnv({ WEBHOOK_SECRET_KEY: b64(9) });
    const after = testApp(db.port, { limiter: UNLIMITED, resolveHost, webhookSecrets: newOnly });
    const replay = await after.call('POST', '/v1/webhooks', {
      key: keys.full.key,
      body: { ...VALID, url: 'https://hooks.example.com/rotate-idem' },
      headers,
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(created.text);
  });
});
