/** @module The shared security cases every authenticated route must pass (no key, malformed, unknown, revoked, expired, wrong scope). */
import { expect, it } from 'vitest';
import { INVALID_KEY_MESSAGE } from '../../shared/http/errors.ts';
import type { KeyRing, testApp } from './fixtures.ts';
import type { ParsedJson } from './parsed-json.ts';

export interface SecurityTarget {
  method: string;
  path: string | (() => string);
  body?: unknown;
  /** Keys from the ring that must be refused with 403 for lack of scope. */
  forbidden: (keyof KeyRing)[];
}

export function securitySuite(ctx: () => { api: ReturnType<typeof testApp>; keys: KeyRing }, target: SecurityTarget) {
  const path = () => (typeof target.path === 'function' ? target.path() : target.path);
  const expect401 = (res: { status: number; json: ParsedJson; headers: Headers }) => {
    expect(res.status).toBe(401);
    expect(res.json.error).toEqual({
      code: 'invalid_key',
      message: INVALID_KEY_MESSAGE,
      request_id: res.headers.get('x-request-id'),
    });
  };
  const call = (headers: Record<string, string>) =>
    ctx().api.call(target.method, path(), { headers, body: target.body });

  it('refuses a request without a key', async () => expect401(await call({})));
  it('refuses a malformed Authorization header', async () => {
    expect401(await call({ authorization: 'Basic dXNlcjpwYXNz' }));
    expect401(await call({ authorization: 'Bearer not_a_wbk_key_at_all_12345' }));
    expect401(await call({ authorization: 'Bearer wbk_short' }));
  });
  it('refuses an unknown key', async () => expect401(await call({ authorization: `Bearer wbk_${'x'.repeat(40)}` })));
  it('refuses a revoked key', async () => expect401(await call({ authorization: `Bearer ${ctx().keys.revoked.key}` })));
  it('refuses an expired key', async () =>
    expect401(await call({ authorization: `Bearer ${ctx().keys.expired.key}` })));
  for (const name of target.forbidden) {
    it(`refuses a key without the scope (${name})`, async () => {
      const res = await call({ authorization: `Bearer ${ctx().keys[name].key}` });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('insufficient_permissions');
      expect(res.json.error.request_id).toBe(res.headers.get('x-request-id'));
    });
  }
}
