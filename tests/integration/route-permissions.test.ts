/**
 * Every authenticated route requires exactly what the contract's "Authentication and scopes" says:
 * imports and contact creation write:contacts; contact and job reads either contacts scope; every
 * webhooks route, its DELETE included, admin:webhooks. The table below is the contract's, written
 * out per route; the test also fails when the document gains a route the table does not name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../shared/auth/api-keys.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp, UNLIMITED } from '../support/fixtures.ts';

const CONTACTS_READ: Scope[] = ['read:contacts', 'write:contacts'];
const CONTACTS_WRITE: Scope[] = ['write:contacts'];
const WEBHOOKS: Scope[] = ['admin:webhooks'];

const CONTRACT: Record<string, Scope[]> = {
  'POST /v1/import/contacts': CONTACTS_WRITE,
  'GET /v1/import/jobs/{job_id}': CONTACTS_READ,
  'GET /v1/import/jobs/{job_id}/errors': CONTACTS_READ,
  'GET /v1/import/jobs/{job_id}/errors.csv': CONTACTS_READ,
  'POST /v1/contacts': CONTACTS_WRITE,
  'GET /v1/contacts': CONTACTS_READ,
  'GET /v1/contacts/{id}': CONTACTS_READ,
  'POST /v1/webhooks': WEBHOOKS,
  'GET /v1/webhooks': WEBHOOKS,
  'GET /v1/webhooks/{id}': WEBHOOKS,
  'PATCH /v1/webhooks/{id}': WEBHOOKS,
  'DELETE /v1/webhooks/{id}': WEBHOOKS,
  'GET /v1/webhooks/{id}/deliveries': WEBHOOKS,
};

/** One scope per key: the ring's single-scope keys. */
const SINGLE: Record<Scope, keyof KeyRing> = {
  'read:contacts': 'readOnly',
  'write:contacts': 'writeOnly',
  'admin:webhooks': 'webhooksOnly',
};

const db = await freshDatabase();
const api = testApp(db.port, { limiter: UNLIMITED, resolveHost: () => Promise.resolve(['93.184.216.34']) });
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});

const concrete = (path: string) =>
  path.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{job_id}', 'imp_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3');

describe('what each route requires', () => {
  it('the table names every authenticated operation of the document, and only those', async () => {
    const doc = (await api.call('GET', '/v1/openapi.json')).json;
    const secured: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security?.length) secured.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(secured.sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  for (const [route, required] of Object.entries(CONTRACT)) {
    it(`${route} admits exactly ${required.join(' or ')}`, async () => {
      const [method, path] = route.split(' ');
      const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
      for (const [scope, name] of Object.entries(SINGLE) as [Scope, keyof KeyRing][]) {
        const res = await api.call(method, concrete(path), { key: keys[name].key, body });
        // Admitted: past the guard, the route answers the empty body or made-up id for itself.
        if (required.includes(scope)) {
          expect([200, 201, 202, 204, 400, 404], `${scope} on ${route}: ${res.status}`).toContain(res.status);
        } else {
          expect(res.status, `${scope} on ${route}`).toBe(403);
          expect(res.json.error.code).toBe('insufficient_permissions');
        }
      }
    });
  }
});
