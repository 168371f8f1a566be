import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../scripts/lib/migrate.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { createSupabasePort } from '../../shared/db/supabase-port.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from '../support/postgrest-stand-in.ts';
import { type PrivateCluster, startPrivateCluster } from '../support/private-cluster.ts';
import { freePort } from '../support/processes.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// Every test here stops, freezes or cuts off a PostgreSQL of its own: never the shared server.
let cluster: PrivateCluster;
let proxy: TcpProxy;
let standIn: PostgrestStandIn;
const ports: DataPort[] = [];
let key: TestKey;
let apps: Record<'postgres.js' | 'supabase-js', ReturnType<typeof testApp>>;

beforeAll(async () => {
  cluster = startPrivateCluster(await freePort(), {});
  const admin = postgres(cluster.url('postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe('create database leadlex');
  await admin.end();
  await migrate(cluster.url('leadlex'));
  proxy = await startTcpProxy(cluster.port);
  standIn = await startPostgrestStandIn(cluster.url('leadlex'));
  const direct = createPostgresPort(cluster.url('leadlex'));
  const viaSupabase = createSupabasePort(standIn.url, standIn.serviceRoleKey);
  ports.push(direct, viaSupabase);
  // Many calls in a minute: the rate limit is not what these tests are about.
  key = await createKey(direct, { workspace: 'acme', rateLimit: 100_000 });
  apps = { 'postgres.js': testApp(direct), 'supabase-js': testApp(viaSupabase) };
}, 120_000);

afterAll(async () => {
  cluster?.thaw();
  for (const p of ports) await p.close();
  await standIn?.close();
  await proxy?.close();
  cluster?.stop();
});

let n = 0;
/** One request of each kind a client makes, each timed. */
function everyRoute(app: ReturnType<typeof testApp>) {
  const auth = key.key;
  const calls: [string, () => ReturnType<ReturnType<typeof testApp>['call']>][] = [
    ['GET /health', () => app.call('GET', '/health')],
    ['GET /v1/contacts', () => app.call('GET', '/v1/contacts', { key: auth })],
    ['POST /v1/contacts', () => app.call('POST', '/v1/contacts', { key: auth, body: { email: `c${++n}@x.com` } })],
    [
      'POST /v1/import/contacts',
      () =>
        app.call('POST', '/v1/import/contacts', {
          key: auth,
          body: { rows: [{ email: `i${++n}@x.com` }] },
          headers: { 'idempotency-key': `k-${n}` },
        }),
    ],
    [
      'GET /v1/import/jobs/{id}',
      () => app.call('GET', '/v1/import/jobs/imp_01J9Z8Q4N2V6X7Y8Z9A0B1C2D3', { key: auth }),
    ],
    ['GET /v1/webhooks', () => app.call('GET', '/v1/webhooks', { key: auth })],
  ];
  return calls.map(async ([name, call]) => {
    const started = performance.now();
    const res = await call();
    return { name, res, ms: Math.round(performance.now() - started) };
  });
}

type Timed = Awaited<ReturnType<typeof everyRoute>[number]>;

/** Each answered 503 with Retry-After and its envelope, within a generous bound (the goal, about 3 s, is reported). */
function expectUnavailable(results: Timed[], label: string) {
  console.log(`${label}: ${results.map((r) => `${r.name} ${r.res.status} in ${r.ms} ms`).join('; ')}`);
  for (const { name, res, ms } of results) {
    expect(res.status, name).toBe(503);
    expect(res.headers.get('retry-after'), name).toMatch(/^\d+$/);
    if (name === 'GET /health') expect(res.json).toEqual({ data: { status: 'degraded', database: 'unreachable' } });
    else expect(res.json.error, name).toMatchObject({ code: 'service_unavailable', request_id: expect.any(String) });
    expect(ms, name).toBeLessThan(name === 'GET /health' ? 8_000 : 12_000);
  }
}

/** Polls until a read through the app works again; returns how long that took. */
async function recovery(app: ReturnType<typeof testApp>, boundMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const health = await app.call('GET', '/health');
    const list = health.status === 200 ? await app.call('GET', '/v1/contacts', { key: key.key }) : undefined;
    if (list?.status === 200) return Math.round(performance.now() - started);
    if (performance.now() - started > boundMs) {
      throw new Error(`no recovery within ${boundMs} ms: /health ${health.status}, list ${list?.status}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('deadlines toward PostgreSQL', () => {
  for (const via of ['postgres.js', 'supabase-js'] as const) {
    it(
      `with the database frozen (SIGSTOP), every route answers 503 with Retry-After in time (${via}), more requests than the pool holds included`,
      async () => {
        const app = apps[via];
        expect((await app.call('GET', '/health')).status).toBe(200);
        cluster.freeze();
        let results: Timed[];
        try {
          // Twice every route at once: 12 calls, more than the postgres.js pool's 10 connections.
          results = await Promise.all([...everyRoute(app), ...everyRoute(app)]);
          // And again while the first wave's calls are still stuck on their connections.
          results.push(...(await Promise.all(everyRoute(app))));
        } finally {
          cluster.thaw();
        }
        expectUnavailable(results, `frozen, ${via}`);
        const ms = await recovery(app, 30_000);
        console.log(`frozen, ${via}: recovered ${ms} ms after SIGCONT`);
        const res = await app.call('POST', '/v1/contacts', { key: key.key, body: { email: `after-${via}@x.com` } });
        expect(res.status, res.text).toBe(201);
      },
      90_000,
    );
  }

  it(
    'with the database stopped, every route answers 503 with Retry-After, and the service recovers when it is back',
    async () => {
      const app = apps['postgres.js'];
      cluster.halt();
      let results: Timed[];
      try {
        results = await Promise.all([...everyRoute(app), ...everyRoute(app)]);
      } finally {
        cluster.start();
      }
      expectUnavailable(results, 'stopped, postgres.js');
      console.log(`stopped, postgres.js: recovered ${await recovery(app, 30_000)} ms after the restart`);
    },
    90_000,
  );

  it(
    'connections whose peer never answers again do not poison the pool: it is replaced and the service recovers',
    async () => {
      const port = createPostgresPort(`postgres://postgres@127.0.0.1:${proxy.port}/leadlex`, { max: 3 });
      ports.push(port);
      const app = testApp(port);
      // Open the pool's connections, then cut them off: open, silent, never closed.
      await Promise.all([1, 2, 3].map(() => app.call('GET', '/v1/contacts', { key: key.key })));
      proxy.blackholeOpenConnections();
      expectUnavailable(await Promise.all(everyRoute(app)), 'black-holed connections');
      // No SIGCONT will ever come for those connections: only replacing them brings the service back.
      const ms = await recovery(app, 40_000);
      console.log(`black-holed connections: recovered ${ms} ms later`);
    },
    90_000,
  );
});
