/** @module Supabase Edge Function entry for the import worker, invoked by pg_cron (through pg_net) or the dashboard. */
import { dataPortFromEnv } from '../../shared/db/from-env.ts';
import { createJsonLogger } from '../../shared/http/logger.ts';
import { createWorkerApp } from '../../shared/worker/app.ts';

const env = Deno.env.toObject();
const db = dataPortFromEnv(env, { maxConnections: 2 });
const app = createWorkerApp({
  secrets: [env.WORKER_SECRET ?? '', env.SUPABASE_SERVICE_ROLE_KEY ?? ''],
  logger: createJsonLogger(),
  // Queued imports do not exist yet: a tick only proves the database answers.
  tick: async () => ({ database: (await db.rpc('health_ping')) ? 'ok' : 'unreachable', jobs_processed: 0 }),
});

Deno.serve({ port: Number(env.PORT ?? 8001), hostname: env.HOST ?? '0.0.0.0' }, app.fetch);
