/** @module The import-worker's HTTP face: authenticates its caller (cron's shared secret or the service role key) and runs one tick. */
import { Hono } from 'hono';
import { timingSafeEqualStrings } from '../lib/constant-time.ts';
import { corsForOrigins } from '../http/cors.ts';
import { errorBody } from '../http/errors.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';

export interface WorkerTickResult {
  [key: string]: unknown;
}

export interface WorkerAppDeps {
  /** Accepted bearer secrets: WORKER_SECRET (shared with pg_cron through Vault) and Supabase's server-side keys. */
  secrets: string[];
  tick: () => Promise<WorkerTickResult>;
  logger?: Logger;
  /** Browser origins allowed to invoke the worker (CORS_ORIGINS); none by default. */
  corsOrigins?: string[];
}

export function createWorkerApp({ secrets, tick, logger = silentLogger, corsOrigins = [] }: WorkerAppDeps) {
  const accepted = secrets.filter((s) => s.length >= 16);
  const app = new Hono();
  app.use(corsForOrigins(corsOrigins));
  app.all('*', async (c) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.header('X-Request-ID', requestId);
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    // Every accepted secret is compared, so timing does not tell which one nearly matched.
    const ok = accepted.map((s) => timingSafeEqualStrings(presented, s)).some(Boolean);
    if (!ok) {
      return c.json(
        errorBody('invalid_key', 'The worker needs its shared secret or the service role key.', requestId),
        401,
      );
    }
    if (c.req.method !== 'POST') {
      return c.json(errorBody('not_found', 'The worker is invoked with POST.', requestId), 404);
    }
    try {
      const result = await tick();
      logger.log('info', 'worker tick', { request_id: requestId, ...result });
      return c.json({ data: result }, 200);
    } catch (err) {
      logger.log('error', 'worker tick failed', {
        request_id: requestId,
        error_name: (err as Error)?.name,
        error_message: (err as Error)?.message,
      });
      return c.json(errorBody('internal_error', 'The worker tick failed; it will be retried.', requestId), 500);
    }
  });
  return app;
}
