/** @module Node-side wiring shared by `npm start` and the keys CLI: which database, migrated, behind which port. */
import type { DataPort } from '../../shared/db/port.ts';
import { dataPortFromEnv, describeDataPort, serviceKeyFrom } from '../../shared/db/from-env.ts';
import { startEmbeddedDb } from './embedded-db.ts';
import { migrate } from './migrate.ts';
import { createTcpRedis } from './redis-requester.ts';
import type { RateLimiter } from '../../shared/ratelimit/limiter.ts';
import { upstashLimiterFromEnv } from '../../shared/ratelimit/from-env.ts';
import { createMemoryLimiter } from '../../shared/ratelimit/memory.ts';
import { createUpstashLimiter } from '../../shared/ratelimit/upstash.ts';

export interface Runtime {
  db: DataPort;
  /** Human description of where data lives, for banners (never includes credentials). */
  target: string;
  /** Identifies the database for the dev-key cache, without credentials. */
  targetId: string;
  close(): Promise<void>;
}

const EMBEDDED_PORT = 54329;

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

export async function openRuntime(env: NodeJS.ProcessEnv, { migrateDb = true } = {}): Promise<Runtime> {
  if (env.SUPABASE_URL && serviceKeyFrom(env) && describeDataPort(env) === 'supabase') {
    // Supabase applies its own migrations (`supabase db push`); we only call its functions.
    const db = dataPortFromEnv(env);
    return {
      db,
      target: `Supabase at ${env.SUPABASE_URL} (supabase-js)`,
      targetId: `supabase:${env.SUPABASE_URL}`,
      close: () => db.close(),
    };
  }
  if (env.DATABASE_URL) {
    if (migrateDb) await migrate(env.DATABASE_URL);
    const db = dataPortFromEnv({ DATABASE_URL: env.DATABASE_URL });
    const where = withoutCredentials(env.DATABASE_URL);
    return { db, target: `PostgreSQL at ${where} (DATABASE_URL)`, targetId: `pg:${where}`, close: () => db.close() };
  }
  const port = Number(env.EMBEDDED_PG_PORT ?? EMBEDDED_PORT);
  const embedded = await startEmbeddedDb(port);
  if (migrateDb) await migrate(embedded.url);
  const db = dataPortFromEnv({ DATABASE_URL: embedded.url });
  return {
    db,
    target: `embedded PostgreSQL in .local/pgdata (127.0.0.1:${port})`,
    targetId: `embedded:${port}`,
    async close() {
      await db.close();
      await embedded.stop();
    },
  };
}

export interface LimiterRuntime {
  limiter: RateLimiter;
  description: string;
  close(): Promise<void>;
}

/** Upstash over HTTP (UPSTASH_REDIS_REST_URL/_TOKEN), a TCP Redis (REDIS_URL), or in-process. */
export async function openLimiter(env: NodeJS.ProcessEnv): Promise<LimiterRuntime> {
  const upstash = upstashLimiterFromEnv(env);
  if (upstash) {
    return { limiter: upstash, description: `Upstash Redis at ${env.UPSTASH_REDIS_REST_URL}`, close: async () => {} };
  }
  if (env.REDIS_URL) {
    const tcp = await createTcpRedis(env.REDIS_URL);
    return {
      limiter: createUpstashLimiter(tcp.redis, { backend: 'redis' }),
      description: `Redis at ${withoutCredentials(env.REDIS_URL)} (REDIS_URL)`,
      close: () => tcp.close(),
    };
  }
  return {
    limiter: createMemoryLimiter(),
    description: 'in-process (set REDIS_URL or UPSTASH_REDIS_REST_URL to share limits)',
    close: async () => {},
  };
}
