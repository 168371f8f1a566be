/** @module Supabase Edge Function entry for the gateway: reads the environment, serves the shared app. */
import { createApp } from '../../shared/app.ts';
import { dataPortFromEnv } from '../../shared/db/from-env.ts';
import { parseOrigins } from '../../shared/http/cors.ts';
import { cloudflareConnectingAddress } from '../../shared/http/client-address.ts';
import { createJsonLogger } from '../../shared/lib/logger.ts';
import { limiterFromEnv } from '../../shared/ratelimit/from-env.ts';
import { secretBoxFromEnv } from '../../shared/webhooks/secret-box.ts';
import { kickWorker, resolveHost } from '../_deno/runtime.ts';

const env = Deno.env.toObject();
const logger = createJsonLogger();
if (!env.WEBHOOK_SECRET_KEY) {
  logger.log('warn', 'WEBHOOK_SECRET_KEY is not set: creating webhook endpoints answers 503');
}
if (!env.UPSTASH_REDIS_REST_URL) {
  logger.log('warn', 'UPSTASH_REDIS_REST_URL is not set: rate limits are per isolate only');
}
// Created once per isolate, not per request. On Supabase, SUPABASE_URL and the service keys are
// provided and supabase-js is used unless DATA_PORT=postgres (README: "Where the data goes").
const app = createApp({
  db: dataPortFromEnv(env, { maxConnections: 3 }),
  limiter: limiterFromEnv(env),
  logger,
  resolveHost,
  clientAddress: cloudflareConnectingAddress,
  webhookSecrets: await secretBoxFromEnv(env),
  allowWebhookLoopback: env.WEBHOOK_ALLOW_LOOPBACK === '1',
  corsOrigins: parseOrigins(env.CORS_ORIGINS),
  // A queued import starts now (EdgeRuntime.waitUntil), not at the next cron minute.
  onImportQueued: () => kickWorker(env),
});

Deno.serve({ port: Number(env.PORT ?? 8000), hostname: env.HOST ?? '0.0.0.0' }, app.fetch);
