/** @module Node wiring of the worker tick and its local scheduler (the part pg_cron plays on Supabase). */
import type { DataPort } from '../../shared/db/port.ts';
import type { Logger } from '../../shared/lib/logger.ts';
import { runTick, type TickResult } from '../../shared/worker/tick.ts';
import { type Loop, startLoop } from '../../shared/worker/loop.ts';
import { runRetentionPurge } from '../../shared/worker/purge.ts';
import type { ImportWorkerOptions } from '../../shared/worker/import-worker.ts';
import type { SecretBox } from '../../shared/webhooks/secret-box.ts';
import { resolveHost } from './resolve-host.ts';

export interface NodeWorkerOptions {
  db: DataPort;
  workerId: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  webhookSecrets: SecretBox | null;
  imports?: Partial<Omit<ImportWorkerOptions, 'db' | 'workerId' | 'logger'>>;
  onTick?: (result: TickResult) => void;
}

export function nodeTick({ db, workerId, logger, env, webhookSecrets, imports, onTick }: NodeWorkerOptions) {
  return async () => {
    const result = await runTick({
      db,
      workerId,
      logger,
      fetch,
      resolveHost,
      allowWebhookLoopback: env.WEBHOOK_ALLOW_LOOPBACK === '1',
      webhookSecrets,
      imports,
    });
    onTick?.(result);
    return result;
  };
}

/** Runs ticks continuously while there is work and every second otherwise; runs the retention purge every 5 minutes. */
export function startNodeWorkerLoop(options: NodeWorkerOptions, idleMs = 1000): Loop {
  return startLoop({
    tick: nodeTick(options),
    idleMs,
    logger: options.logger,
    periodic: [{ everyMs: 5 * 60 * 1000, run: () => runRetentionPurge(options.db) }],
  });
}
