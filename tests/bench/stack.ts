/**
 * @module The local stack the benchmark measures: a throw-away migrated database with a seeded
 * workspace, the real Redis behind the Upstash limiter, and the gateway app served over real HTTP
 * in this process, so every scenario pays what a client pays (sockets, auth, rate limit, SQL) and
 * nothing more.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import postgres from 'postgres';
import { migrate } from '../../scripts/lib/migrate.ts';
import { serveNode, socketAddress } from '../../scripts/lib/node-server.ts';
import { createTcpRedis } from '../../scripts/lib/redis-requester.ts';
import { createApp } from '../../shared/app.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import type { Logger } from '../../shared/lib/logger.ts';
import type { RateLimiter } from '../../shared/ratelimit/limiter.ts';
import { createUpstashLimiter } from '../../shared/ratelimit/upstash.ts';
import { createKey, type TestKey } from '../support/fixtures.ts';

/** The highest per-key limit the schema allows; far above what a sequential benchmark sends in a minute. */
export const BENCH_RATE_LIMIT = 100_000;

export interface BenchResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface BenchStack {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  /** A read/write key of workspace `bench` (seeded with SEED_CONTACTS contacts) whose limit never blocks. */
  apiKey: string;
  workspaceId: string;
  databaseName: string;
  dbUrl: string;
  redisUrl: string;
  /** Direct SQL for setup and checks (the server itself goes through `db`). */
  sql: postgres.Sql;
  /** The data port the server uses, for in-process breakdowns. */
  db: DataPort;
  limiter: RateLimiter;
  /**
   * Refreshes planner statistics, as autovacuum does in a long-lived database. The bench grows a
   * fresh table by tens of thousands of rows in seconds, faster than autovacuum's one-minute nap,
   * and a never-analysed contacts table makes the matching join scan the whole workspace
   * (measured: 500 matching rows at 80 000 contacts, 107 ms before, 40 ms after).
   */
  analyze(): Promise<void>;
  /** Another workspace and key, for groups that must not see each other's contacts. */
  createKey(workspace: string): Promise<TestKey>;
  /** One request over the keep-alive connection pool; reads the whole body. */
  request(
    method: string,
    path: string,
    init?: { body?: string | Uint8Array<ArrayBuffer>; headers?: Record<string, string>; key?: string | null },
  ): Promise<BenchResponse>;
  /** Warnings and errors the server logged since the last call (e.g. the limiter failing open). */
  takeFaults(): string[];
  close(): Promise<void>;
}

/**
 * Contacts the bench workspace starts with. A customer's workspace is rarely empty, and matching
 * and index costs depend on its size; a fixed start keeps groups comparable whichever run first.
 */
export const SEED_CONTACTS = 20_000;

export interface StackOptions {
  serverUrl?: string;
  redisUrl?: string;
  seedContacts?: number;
  progress?(line: string): void;
}

export function defaultServerUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(server: string, database: string): string {
  const u = new URL(server);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function startStack(options: StackOptions = {}): Promise<BenchStack> {
  const progress = options.progress ?? (() => {});
  const serverUrl = options.serverUrl ?? defaultServerUrl();
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseName = `leadlex_bench_${process.pid}`;
  const dbUrl = withDatabase(serverUrl, databaseName);
  const cleanups: (() => Promise<unknown>)[] = [];
  // A signal handler and the normal exit path may both close; the second caller waits for the first.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err) => progress(`cleanup failed: ${(err as Error).message}`));
    }
  })());

  try {
    const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
    cleanups.push(() => admin.end({ timeout: 5 }));
    await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.unsafe(`create database ${databaseName}`);
    cleanups.push(() => admin.unsafe(`drop database if exists ${databaseName} with (force)`));
    progress(`database ${databaseName} created; migrating`);
    await migrate(dbUrl);

    const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 5 }));
    const db = createPostgresPort(dbUrl);
    cleanups.push(() => db.close());

    const tcp = await createTcpRedis(redisUrl);
    cleanups.push(() => tcp.close());
    if (tcp.client.status !== 'ready') {
      throw new Error(`Redis at ${redisUrl} is not reachable; the rate limit's cost would not be measured`);
    }
    // A per-run prefix keeps runs (and the tests) from sharing windows; the keys are removed at the end.
    const prefix = `leadlex:bench:${process.pid}`;
    cleanups.push(() => deleteKeys(tcp.client, `${prefix}*`));
    const limiter = createUpstashLimiter(tcp.redis, { prefix, backend: 'redis' });

    const faults: string[] = [];
    const logger: Logger = {
      log(level, msg, fields) {
        if (level === 'warn' || level === 'error') faults.push(`${level}: ${msg} ${JSON.stringify(fields ?? {})}`);
      },
    };
    const app = createApp({ db, limiter, logger, clientAddress: socketAddress });
    const server = await new Promise<Server>((resolve) => {
      const s = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          // Keep-alive sockets would hold close() open until they time out.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}`;

    const main = await createKey(db, {
      workspace: 'bench',
      scopes: ['read:contacts', 'write:contacts'],
      rateLimit: BENCH_RATE_LIMIT,
    });
    const seed = options.seedContacts ?? SEED_CONTACTS;
    progress(`seeding ${seed} contacts`);
    await seedContacts(sql, main.workspaceId, seed);
    await sql`analyze`;

    return {
      baseUrl,
      port,
      apiKey: main.key,
      workspaceId: main.workspaceId,
      databaseName,
      dbUrl,
      redisUrl,
      sql,
      db,
      limiter,
      analyze: async () => {
        await sql`analyze`;
      },
      createKey: (workspace) =>
        createKey(db, { workspace, scopes: ['read:contacts', 'write:contacts'], rateLimit: BENCH_RATE_LIMIT }),
      async request(method, path, init = {}) {
        const headers: Record<string, string> = { ...(init.headers ?? {}) };
        const key = init.key === undefined ? main.key : init.key;
        if (key) headers.authorization = `Bearer ${key}`;
        if (init.body !== undefined) headers['content-type'] ??= 'application/json';
        const res = await fetch(baseUrl + path, { method, headers, body: init.body });
        return { status: res.status, headers: res.headers, text: await res.text() };
      },
      takeFaults: () => faults.splice(0),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Plain SQL, not the import path: this is the starting state, not a measurement. Berlin landlines
 * and a seed domain, so no scenario's generated mobile numbers and addresses can collide with them.
 */
async function seedContacts(sql: postgres.Sql, workspaceId: string, count: number) {
  if (count <= 0) return;
  await sql`
    insert into public.contacts (workspace_id, full_name, first_name, last_name, email, phone, company, job_title, tags)
    select ${workspaceId}, 'Seed Contact ' || n, 'Seed', 'Contact ' || n, 'seed.' || n || '@seed.example.org',
           '+4930' || lpad(n::text, 8, '0'), 'Seed GmbH', 'Buyer', array['seed']
      from generate_series(1, ${count}::int) n`;
}

async function deleteKeys(client: Awaited<ReturnType<typeof createTcpRedis>>['client'], pattern: string) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
