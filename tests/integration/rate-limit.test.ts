import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../shared/app.ts';
import { createMemoryLimiter } from '../../shared/ratelimit/memory.ts';
import { createUpstashLimiter } from '../../shared/ratelimit/upstash.ts';
import { createTcpRedis, type TcpRedis } from '../../scripts/lib/redis-requester.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, memoryLogger, testApp } from '../support/fixtures.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const db = await freshDatabase();
let redis: TcpRedis;
beforeAll(async () => {
  redis = await createTcpRedis(REDIS_URL);
  await redis.client.ping().catch((err) => {
    throw new Error(`Tests need Redis at ${REDIS_URL} (set TEST_REDIS_URL): ${err.message}`);
  });
});
afterAll(async () => {
  await redis.close();
});

const limiterFor = () =>
  createUpstashLimiter(redis.redis, { prefix: `test:${db.name}:${Math.random()}`, backend: 'redis' });

/**
 * Starts a test's requests in one window of the sliding-window limiter (fixed minutes of the
 * client's clock, the previous one counted in part): with under 10 s of the current minute left,
 * it waits for the next. A sequence that crossed the boundary would see its first request weighted
 * down (one request a few milliseconds into the next window still counts as 0.99, rounded down to 0).
 */
async function inOneWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 20));
}

describe('rate limits on real Redis through @upstash/ratelimit', () => {
  it('sends X-RateLimit-* on every authenticated response and 429 with Retry-After past the limit', async () => {
    await inOneWindow();
    const api = testApp(db.port, { limiter: limiterFor() });
    const key = await createKey(db.port, { workspace: 'rl-1', rateLimit: 3, scopes: ['read:contacts'] });
    const before = Math.floor(Date.now() / 1000);
    const ok = await api.call('GET', '/v1/contacts', { key: key.key });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit')).toBe('3');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('2');
    const reset = Number(ok.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(before);
    expect(reset).toBeLessThanOrEqual(before + 61);

    const notFound = await api.call('GET', '/v1/contacts/00000000-0000-4000-8000-000000000000', { key: key.key });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-ratelimit-remaining')).toBe('1');
    const forbidden = await api.call('POST', '/v1/contacts', { key: key.key, body: { email: 'a@x.com' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('x-ratelimit-remaining')).toBe('0');

    const limited = await api.call('GET', '/v1/contacts', { key: key.key });
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({ code: 'rate_limited', request_id: limited.headers.get('x-request-id') });
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('counts each key on its own, with its own limit', async () => {
    await inOneWindow();
    const api = testApp(db.port, { limiter: limiterFor() });
    const small = await createKey(db.port, { workspace: 'rl-2', rateLimit: 1 });
    const big = await createKey(db.port, { workspace: 'rl-2', rateLimit: 5 });
    expect((await api.call('GET', '/v1/contacts', { key: small.key })).status).toBe(200);
    expect((await api.call('GET', '/v1/contacts', { key: small.key })).status).toBe(429);
    const res = await api.call('GET', '/v1/contacts', { key: big.key });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('5');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('does not let a throttled request claim an Idempotency-Key', async () => {
    await inOneWindow();
    const api = testApp(db.port, { limiter: limiterFor() });
    const key = await createKey(db.port, { workspace: 'rl-3', rateLimit: 1 });
    await api.call('GET', '/v1/contacts', { key: key.key });
    const res = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      body: { rows: [{ email: 'x@x.com' }] },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(res.status).toBe(429);
    expect((await db.sql`select count(*)::int as n from idempotency_keys where workspace_id = ${key.workspaceId}`)[0].n)
      .toBe(0);
    expect((await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`)[0].n).toBe(
      0,
    );
  });

  it('answers unauthenticated requests without rate-limit headers', async () => {
    const api = testApp(db.port, { limiter: limiterFor() });
    const res = await api.call('GET', '/v1/contacts');
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('when the limiter cannot be reached', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<import('node:net').Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a Redis that hangs.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it.each([
    ['refused', () => 'redis://127.0.0.1:1'],
    ['hanging', () => `redis://127.0.0.1:${silentPort}`],
  ])('fails open (%s), logs it, and still serves the request', async (_kind, url) => {
    const down = await createTcpRedis(url(), { connectTimeoutMs: 200, commandTimeoutMs: 2000 });
    const logger = memoryLogger();
    const app = createApp({
      db: db.port,
      limiter: createUpstashLimiter(down.redis, { backend: 'redis', timeoutMs: 300 }),
      logger,
    });
    const key = await createKey(db.port, { workspace: `rl-down-${_kind}`, rateLimit: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/v1/contacts', { headers: { authorization: `Bearer ${key.key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const warnings = logger.lines.map((l) => JSON.parse(l)).filter((l) =>
      l.msg === 'rate limiter unavailable; failing open'
    );
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ level: 'warn', limiter: 'redis' });
    expect(JSON.stringify(warnings)).not.toContain(key.key);
    await down.close();
  });
});

describe('the in-process limiter (embedded default)', () => {
  it('allows the limit per sliding minute and frees up as the window slides', async () => {
    let t = 1_000_000 * 60_000; // the start of a window
    const limiter = createMemoryLimiter(() => t);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.limit('k', 3));
    expect(results.map((r) => [r.success, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(results[3].reset).toBe(t + 60_000);
    expect((await limiter.limit('other', 3)).success).toBe(true);
    t += 60_000 + 30_000; // half of the previous window still overlaps: 3 × 0.5 → 1 used
    expect((await limiter.limit('k', 3)).remaining).toBe(1);
    t += 60_000; // the full window has passed
    expect((await limiter.limit('k', 3)).remaining).toBe(2);
  });
});
