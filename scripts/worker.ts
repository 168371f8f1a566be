/**
 * @module `npm run worker`: a standalone Node worker process (self-hosting without pg_cron, and
 * the crash-safety tests and benchmark, which kill or measure it from outside). `--once` exits
 * when no work is left.
 */
import { hostname } from 'node:os';
import { dataPortFromEnv } from '../shared/db/from-env.ts';
import { createJsonLogger } from '../shared/lib/logger.ts';
import { webhookSecretKey } from './lib/webhook-key.ts';
import { ownPeakRssKb } from './lib/worker-peak-rss.ts';
import { nodeTick, startNodeWorkerLoop } from './lib/worker-runtime.ts';

if (!process.env.DATABASE_URL && process.env.DATA_PORT !== 'supabase') {
  console.error('DATABASE_URL is required (or DATA_PORT=supabase with SUPABASE_URL and a service key)');
  process.exit(2);
}
// As the Edge Function does: the direct connection, unless DATA_PORT=supabase asks for supabase-js;
// three connections (two chunk commits in flight and the payload slice being fetched).
const db = dataPortFromEnv(process.env, { maxConnections: 3, preferDirect: true });
const logger = createJsonLogger(
  (line) => process.stdout.write(line + '\n'),
  (process.env.LOG_LEVEL as 'info') ?? 'info',
);
const webhookKey = await webhookSecretKey(process.env);
const options = {
  db,
  workerId: process.env.WORKER_ID ?? `${hostname()}:${process.pid}`,
  logger,
  env: process.env,
  webhookSecrets: webhookKey.box,
  imports: {
    chunkRows: process.env.CHUNK_ROWS ? Number(process.env.CHUNK_ROWS) : undefined,
    // A process of its own is not bound by an Edge Function's CPU limit; ticks still end so leases stay short.
    cpuBudgetMs: Number(process.env.CPU_BUDGET_MS ?? 10_000),
    budgetMs: Number(process.env.BUDGET_MS ?? 30_000),
  },
};

// Where the key came from (never the key): a worker that decrypts with another key than the API
// encrypted with cannot sign any webhook.
logger.log('info', 'worker started', { worker: options.workerId, webhook_key_from: webhookKey.source });

if (process.argv.includes('--once')) {
  const tick = nodeTick(options);
  for (;;) {
    const r = await tick();
    if (!r.more && r.imports.jobs === 0) break;
  }
  await db.close();
  // The benchmark reads the peak from here: the Edge Function limit is 256 MB.
  logger.log('info', 'worker finished', { max_rss_kb: ownPeakRssKb() });
  process.exit(0);
}

const loop = startNodeWorkerLoop(options, Number(process.env.IDLE_MS ?? 1000));
const stop = async () => {
  await loop.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
