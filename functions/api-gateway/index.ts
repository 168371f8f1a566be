/** @module Supabase Edge Function entry for the gateway: reads the environment, serves the shared app. */
import { createApp } from '../../shared/app.ts';
import { dataPortFromEnv } from '../../shared/db/from-env.ts';
import { createJsonLogger } from '../../shared/http/logger.ts';
import { limiterFromEnv } from '../../shared/ratelimit/from-env.ts';

const env = Deno.env.toObject();

/** Every A and AAAA address of a host, for the webhook SSRF guard; a host with only one kind is fine. */
async function resolveHost(host: string): Promise<string[]> {
  const results = await Promise.allSettled([Deno.resolveDns(host, 'A'), Deno.resolveDns(host, 'AAAA')]);
  const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (addresses.length === 0) {
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
  return addresses;
}
// On Supabase, SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are provided and supabase-js is used;
// DATABASE_URL alone (self-hosting, the smoke test) selects postgres.js.
const logger = createJsonLogger();
if (!env.UPSTASH_REDIS_REST_URL) logger.log('warn', 'UPSTASH_REDIS_REST_URL is not set: rate limits are per isolate only');
// Created once per isolate, not per request.
const app = createApp({
  db: dataPortFromEnv(env, { maxConnections: 3 }),
  limiter: limiterFromEnv(env),
  logger,
  resolveHost,
  allowWebhookLoopback: env.WEBHOOK_ALLOW_LOOPBACK === '1',
});

Deno.serve({ port: Number(env.PORT ?? 8000), hostname: env.HOST ?? '0.0.0.0' }, app.fetch);
