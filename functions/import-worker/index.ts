/** @module Supabase Edge Function entry for the import worker, invoked by pg_cron (through pg_net), by the gateway after an enqueue, or from the dashboard. */
import { dataPortFromEnv, serverKeysFrom } from '../../shared/db/from-env.ts';
import { parseOrigins } from '../../shared/http/cors.ts';
import { createJsonLogger } from '../../shared/lib/logger.ts';
import { createWorkerApp } from '../../shared/worker/app.ts';
import { secretBoxFromEnv } from '../../shared/webhooks/secret-box.ts';
import { runTick } from '../../shared/worker/tick.ts';
import { kickWorker, resolveHost } from '../_deno/runtime.ts';

const env = Deno.env.toObject();
// The worker moves whole chunks per call: it takes Supabase's direct connection (SUPABASE_DB_URL)
// when there is one, unless DATA_PORT says otherwise. Three connections: two chunk commits in
// flight (chunk-committer.ts) and the payload slice being fetched.
const db = dataPortFromEnv(env, { maxConnections: 3, preferDirect: true });
const logger = createJsonLogger();
const webhookSecrets = await secretBoxFromEnv(env);
const app = createWorkerApp({
  secrets: [env.WORKER_SECRET ?? '', ...serverKeysFrom(env)],
  corsOrigins: parseOrigins(env.CORS_ORIGINS),
  logger,
  tick: async () => {
    const result = await runTick({
      db,
      workerId: `edge:${crypto.randomUUID()}`,
      logger,
      fetch,
      resolveHost,
      allowWebhookLoopback: env.WEBHOOK_ALLOW_LOOPBACK === '1',
      webhookSecrets,
      // Edge Functions allow about 2 s of CPU and 150 s of wall clock per invocation.
      imports: { cpuBudgetMs: 1_500, budgetMs: 60_000 },
    });
    // Work left: chain the next invocation now rather than waiting for the cron minute.
    if (result.more) kickWorker(env);
    return { ...result.imports, webhooks: result.webhooks };
  },
});

Deno.serve({ port: Number(env.PORT ?? 8001), hostname: env.HOST ?? '0.0.0.0' }, app.fetch);
