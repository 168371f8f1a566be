/** @module `npm start`: serves the gateway on Node with zero configuration (embedded PostgreSQL) or the configured backends. */
import { createApp } from '../shared/app.ts';
import { parseOrigins } from '../shared/http/cors.ts';
import { createJsonLogger } from '../shared/lib/logger.ts';
import { ensureDevKey } from './lib/dev-key.ts';
import { serveNode, socketAddress } from './lib/node-server.ts';
import { webhookSecretKey } from './lib/webhook-key.ts';
import { resolveHost } from './lib/resolve-host.ts';
import { scalarScript } from './lib/scalar-script.ts';
import { openLimiter, openRuntime } from './lib/runtime.ts';
import { startNodeWorkerLoop } from './lib/worker-runtime.ts';

const port = Number(process.env.PORT ?? 8000);
const runtime = await openRuntime(process.env);
const key = await ensureDevKey(runtime.db, runtime.targetId);
const logger = createJsonLogger(
  (line) => process.stdout.write(line + '\n'),
  (process.env.LOG_LEVEL as 'info') ?? 'info',
);
const limits = await openLimiter(process.env);
const webhookKey = await webhookSecretKey(process.env);
// The worker runs in this process and plays pg_cron's part: queued imports, webhooks, purges.
const worker = startNodeWorkerLoop({
  db: runtime.db,
  workerId: `npm-start:${process.pid}`,
  logger,
  env: process.env,
  webhookSecrets: webhookKey.box,
});
const app = createApp({
  db: runtime.db,
  limiter: limits.limiter,
  logger,
  onImportQueued: () => worker.wake(),
  resolveHost,
  clientAddress: socketAddress,
  webhookSecrets: webhookKey.box,
  allowWebhookLoopback: process.env.WEBHOOK_ALLOW_LOOPBACK === '1',
  corsOrigins: parseOrigins(process.env.CORS_ORIGINS),
  docsScript: scalarScript,
});

const server = serveNode({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1', logger }, (info) => {
  const base = `http://${info.address === '::1' ? '[::1]' : info.address}:${info.port}`;
  process.stdout.write(
    [
      '',
      `LeadLex contact-import API listening on ${base}`,
      `  data:     ${runtime.target}`,
      `  limits:   ${limits.description}`,
      `  dev key:  ${key}   (workspace "dev", all scopes; kept in .local/dev-keys.json)`,
      `  worker:   in this process (queued imports, webhooks)`,
      `  docs:     ${base}/docs   (interactive reference; the document: ${base}/v1/openapi.json)`,
      `  webhooks: secrets encrypted with the ${webhookKey.source}`,
      '',
      'Try it:',
      `  curl -X POST ${base}/v1/import/contacts \\`,
      `    -H "Authorization: Bearer ${key}" \\`,
      `    -H "Content-Type: application/json" \\`,
      `    -d '{"rows":[{"full_name":"Jane Doe","email":"jane@acme.com"},{"full_name":"Bob Smith","email":"bob@beta.com"}]}'`,
      '',
      `  curl ${base}/v1/contacts -H "Authorization: Bearer ${key}"`,
      '',
    ].join('\n') + '\n',
  );
});

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  server.close();
  await worker.stop();
  await limits.close();
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
