import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNode, socketAddress } from '../../scripts/lib/node-server.ts';
import { createTcpRedis, type TcpRedis } from '../../scripts/lib/redis-requester.ts';
import { createApp } from '../../shared/app.ts';
import { generateApiKey } from '../../shared/auth/api-keys.ts';
import { FAILED_AUTH_LIMITS } from '../../shared/http/failed-auth.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { createUpstashLimiter } from '../../shared/ratelimit/upstash.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, type KeyRing, keyRing, testApp } from '../support/fixtures.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = FAILED_AUTH_LIMITS.perMinute;
const db = await freshDatabase();
let redis: TcpRedis;
let keys: KeyRing;
beforeAll(async () => {
  redis = await createTcpRedis(REDIS_URL);
  keys = await keyRing(db.port, 'failed-auth');
});
afterAll(async () => {
  await redis.close();
});

/** The data port, counting the key lookups the gateway makes: what a failed key must not cost twice. */
function countingPort(inner: DataPort) {
  const counter = { lookups: 0 };
  const port: DataPort = {
    rpc(name, args) {
      if (name === 'api_key_authenticate') counter.lookups++;
      return inner.rpc(name, args);
    },
    close: () => inner.close(),
  };
  return { port, counter };
}

/** An app on the shared Redis limiter (a prefix of its own), whose client address is the X-Test-Client header. */
function appWithAddresses() {
  const { port, counter } = countingPort(db.port);
  const limiter = createUpstashLimiter(redis.redis, { prefix: `test:${db.name}:${Math.random()}`, backend: 'redis' });
  const api = testApp(port, { limiter, clientAddress: (c) => c.req.header('x-test-client') ?? null });
  const get = (key: string, client: string) =>
    api.call('GET', '/v1/contacts', { key, headers: { 'x-test-client': client } });
  return { get, counter };
}

const unknownKey = async () => (await generateApiKey()).plaintext;

describe('unknown keys', () => {
  it('a repeat of a failed key is refused without a database query', async () => {
    const { get, counter } = appWithAddresses();
    const key = await unknownKey();
    const first = await get(key, '198.51.100.1');
    expect(first.status).toBe(401);
    expect(counter.lookups).toBe(1);
    for (let i = 0; i < 5; i++) {
      const again = await get(key, '198.51.100.1');
      expect(again.status).toBe(401);
      expect(again.json).toEqual({ error: { ...first.json.error, request_id: again.json.error.request_id } });
    }
    expect(counter.lookups).toBe(1);
  });

  it('revoked and expired keys are remembered the same way', async () => {
    const { get, counter } = appWithAddresses();
    for (const key of [keys.revoked.key, keys.expired.key, keys.revoked.key, keys.expired.key]) {
      expect((await get(key, '198.51.100.2')).status).toBe(401);
    }
    expect(counter.lookups).toBe(2);
  });

  it(`answers 429 with Retry-After after ${LIMIT} failures from one address, without querying, and only for that address`, async () => {
    const { get, counter } = appWithAddresses();
    for (let i = 0; i < LIMIT; i++) expect((await get(await unknownKey(), '203.0.113.7')).status).toBe(401);
    expect(counter.lookups).toBe(LIMIT);

    const limited = await get(await unknownKey(), '203.0.113.7');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // While blocked, nothing from that address reaches the database, a valid key included.
    const lookups = counter.lookups;
    for (const key of [await unknownKey(), keys.full.key, 'not-a-key']) {
      expect((await get(key, '203.0.113.7')).status).toBe(429);
    }
    expect(counter.lookups).toBe(lookups);

    // Other addresses are unaffected.
    expect((await get(keys.full.key, '203.0.113.8')).status).toBe(200);
    expect((await get(await unknownKey(), '203.0.113.8')).status).toBe(401);
  });

  it('counts an IPv6 /64 as one address: rotating inside it does not step around the limit', async () => {
    const { get } = appWithAddresses();
    for (let i = 0; i < LIMIT; i++) {
      expect((await get('wbk_short', `2001:db8:7:7:${(i + 1).toString(16)}::1`)).status).toBe(401);
    }
    expect((await get(keys.full.key, '2001:db8:7:7:ffff::2')).status).toBe(429);
    // The next /64 is another subscriber.
    expect((await get(keys.full.key, '2001:db8:7:8::1')).status).toBe(200);
  });

  it('missing and malformed keys count as failures too (no database query at all)', async () => {
    const { get, counter } = appWithAddresses();
    for (let i = 0; i < LIMIT; i++) expect((await get('wbk_short', '192.0.2.9')).status).toBe(401);
    expect((await get('', '192.0.2.9')).status).toBe(429);
    expect(counter.lookups).toBe(0);
  });

  it('without a known client address only the negative cache applies', async () => {
    const { port, counter } = countingPort(db.port);
    const api = testApp(port);
    for (let i = 0; i < LIMIT + 5; i++) {
      expect((await api.call('GET', '/v1/contacts', { key: await unknownKey() })).status).toBe(401);
    }
    expect(counter.lookups).toBe(LIMIT + 5);
  });

  it('on Node the address is the socket peer: a flood from 127.0.0.1 is throttled', async () => {
    const { port, counter } = countingPort(db.port);
    const server: Server = await new Promise((resolve) => {
      const s = serveNode(
        { fetch: createApp({ db: port, clientAddress: socketAddress }).fetch, hostname: '127.0.0.1' },
        () => resolve(s),
      );
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/contacts`;
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${await unknownKey()}`, 'x-forwarded-for': `10.0.0.${i}` },
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      // X-Forwarded-For is the client's own claim on Node and changes nothing.
      expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
      expect(statuses.slice(LIMIT)).toEqual([429, 429]);
      expect(counter.lookups).toBe(LIMIT);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a valid key still works from an address that has some failures', async () => {
    const { get } = appWithAddresses();
    const key = await createKey(db.port, { workspace: 'failed-auth-ok' });
    for (let i = 0; i < 3; i++) await get(await unknownKey(), '198.51.100.50');
    expect((await get(key.key, '198.51.100.50')).status).toBe(200);
  });
});
