/** @module The retention purge as the local worker loop runs it (pg_cron runs one batch every 5 minutes instead). */
import type { DataPort } from '../db/port.ts';

export interface PurgeResult {
  idempotency_keys: number;
  import_jobs: number;
  import_job_errors: number;
  more: boolean;
}

/**
 * Calls `retention_purge` (one bounded batch per table, each its own transaction) again while it
 * reports more, at most `maxBatches` times, so a backlog drains without one huge delete.
 */
export async function runRetentionPurge(db: DataPort, maxBatches = 20): Promise<PurgeResult> {
  const total: PurgeResult = { idempotency_keys: 0, import_jobs: 0, import_job_errors: 0, more: false };
  for (let i = 0; i < maxBatches; i++) {
    const r = await db.rpc<PurgeResult>('retention_purge');
    total.idempotency_keys += r.idempotency_keys;
    total.import_jobs += r.import_jobs;
    total.import_job_errors += r.import_job_errors;
    total.more = r.more;
    if (!r.more) break;
  }
  return total;
}
