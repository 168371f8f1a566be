import { describe, expect, it } from 'vitest';
import { createWorkerApp } from '../../shared/worker/app.ts';
import { timingSafeEqualStrings } from '../../shared/lib/constant-time.ts';

const SECRET = 'worker-secret-0123456789abcdef';
const SERVICE = 'service-role-key-0123456789abcdef';

describe('the import-worker app', () => {
  let ticks = 0;
  const app = createWorkerApp({ secrets: [SECRET, SERVICE, ''], tick: () => Promise.resolve({ n: ++ticks }) });

  it.each([
    ['no header', undefined],
    ['a wrong secret', `Bearer ${SECRET}x`],
    ['a prefix of the secret', `Bearer ${SECRET.slice(0, -1)}`],
    ['an empty bearer (an unset secret must not match)', 'Bearer '],
  ])('refuses %s with 401 and runs nothing', async (_name, authorization) => {
    const before = ticks;
    const res = await app.request('/', { method: 'POST', headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_key');
    expect(ticks).toBe(before);
  });

  it.each([SECRET, SERVICE])('runs one tick for an accepted secret', async (secret) => {
    const before = ticks;
    const res = await app.request('/import-worker', { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { n: before + 1 } });
  });
});

describe('timingSafeEqualStrings', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['', '', true],
    ['é', 'e', false],
  ])('%j vs %j → %s', (a, b, eq) => expect(timingSafeEqualStrings(a, b)).toBe(eq));
});
