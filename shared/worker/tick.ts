/** @module One worker tick, as pg_cron (through the import-worker function) or the local loop runs it: queued imports, then due webhooks. */
import type { DataPort } from '../db/port.ts';
import type { Logger } from '../lib/logger.ts';
import { dispatchDueWebhooks, type DispatchResult } from '../webhooks/dispatcher.ts';
import type { SecretBox } from '../webhooks/secret-box.ts';
import type { ResolveHost } from '../webhooks/ssrf.ts';
import { type ImportTickResult, type ImportWorkerOptions, runImportWorker } from './import-worker.ts';

export interface TickDeps {
  db: DataPort;
  workerId: string;
  logger?: Logger;
  fetch: typeof fetch;
  resolveHost: ResolveHost;
  allowWebhookLoopback: boolean;
  /** Opens webhook signing secrets (WEBHOOK_SECRET_KEY). */
  webhookSecrets: SecretBox | null;
  imports?: Partial<Omit<ImportWorkerOptions, 'db' | 'workerId' | 'logger'>>;
}

export interface TickResult {
  imports: ImportTickResult;
  webhooks: DispatchResult;
  /** True when work was left for the next tick (budget reached, or a full batch of deliveries). */
  more: boolean;
}

export async function runTick(deps: TickDeps): Promise<TickResult> {
  const imports = await runImportWorker({ db: deps.db, workerId: deps.workerId, logger: deps.logger, ...deps.imports });
  // Finishing jobs write their events; sending them in the same tick keeps customers from waiting a minute.
  const batchSize = 20;
  const webhooks = await dispatchDueWebhooks({
    db: deps.db,
    fetch: deps.fetch,
    resolveHost: deps.resolveHost,
    allowLoopback: deps.allowWebhookLoopback,
    secrets: deps.webhookSecrets,
    logger: deps.logger,
    batchSize,
  });
  return { imports, webhooks, more: imports.stopped === 'budget' || webhooks.claimed >= batchSize };
}
