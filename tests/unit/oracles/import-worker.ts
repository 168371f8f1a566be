/** @module shared/worker/import-worker.ts as it was before the worker-cpu change (a record at a time from an async generator), frozen as a reference for tests. */
import type { DataPort } from '../../../shared/db/port.ts';
import type { Logger } from '../../../shared/lib/logger.ts';
import { silentLogger } from '../../../shared/lib/logger.ts';
import { CsvStructureError } from '../../../shared/imports/csv.ts';
import { ChunkCommitter, LeaseLostError } from '../../../shared/worker/chunk-committer.ts';
import type { ClaimedJob } from '../../../shared/worker/claimed-job.ts';
import { payloadRecords } from './payload-records.ts';

export interface ImportWorkerOptions {
  db: DataPort;
  /** Names the claimant in the job row (diagnostics only). */
  workerId: string;
  logger?: Logger;
  now?: () => Date;
  /** Rows per committed chunk. */
  chunkRows?: number;
  /** Payload bytes per committed chunk at most (wide rows make fewer rows a chunk), so memory stays bounded. */
  chunkBytes?: number;
  /** Payload bytes fetched per slice (default SLICE_BYTES). */
  sliceBytes?: number;
  /** Wall-clock budget of one tick (Edge Functions allow 150 s; the cron fires every 60 s). */
  budgetMs?: number;
  /**
   * CPU budget of one tick (Edge Functions allow about 2 s), estimated as wall time not spent
   * waiting for the database: the Edge Runtime offers no CPU clock, and one estimate everywhere
   * keeps a tick's length the same under Node and Deno.
   */
  cpuBudgetMs?: number;
  leaseSeconds?: number;
}

export interface ImportTickResult {
  jobs: number;
  chunks: number;
  rows: number;
  completed: number;
  failed: number;
  /** Why the tick ended: nothing left to claim, or the budget ran out with work left. */
  stopped: 'idle' | 'budget';
}

/** What one tick shares across its jobs: the database calls, the budget and the tally. */
interface Tick {
  call: <T>(name: string, args: Record<string, unknown>) => Promise<T>;
  blocked: <T>(p: Promise<T>) => Promise<T>;
  overBudget: () => boolean;
  settings: Required<Omit<ImportWorkerOptions, 'db' | 'logger' | 'cpuBudgetMs' | 'budgetMs'>> & { logger: Logger };
  result: ImportTickResult;
}

/**
 * Payload bytes per slice: few enough that a slice's reply (JSON adds a few bytes a row) arrives in
 * one 64 KiB socket read. Under Deno (node:net), replies spread over several reads grew the
 * process's malloc heap by ~25 MB over a 20 MB CSV, memory that even forced full GCs did not give
 * back: peak RSS 141 MB with 512 KiB slices, 103 MB with 48 KiB. The ~430 round trips of a 20 MB
 * payload hide behind parsing, since the next slice is already on its way.
 */
const SLICE_BYTES = 48 * 1024;

type JobLog = (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;

export async function runImportWorker(options: ImportWorkerOptions): Promise<ImportTickResult> {
  const tick = startTick(options);
  // The first job is always claimed and given at least one chunk, so every tick makes progress.
  do {
    const job = await tick.blocked(
      tick.call<ClaimedJob | null>('import_job_claim', {
        p_worker: tick.settings.workerId,
        p_lease_seconds: tick.settings.leaseSeconds,
      }),
    );
    if (!job) return tick.result;
    tick.result.jobs++;
    if ((await runJob(tick, job)) === 'paused') break;
  } while (!tick.overBudget());
  tick.result.stopped = 'budget';
  return tick.result;
}

function startTick(options: ImportWorkerOptions): Tick {
  const { db, budgetMs = 40_000, cpuBudgetMs = 1_500 } = options;
  const started = performance.now();
  let blockedMs = 0;
  const blocked = async <T>(p: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await p;
    } finally {
      blockedMs += performance.now() - t0;
    }
  };
  const overBudget = () => {
    const wall = performance.now() - started;
    return wall >= budgetMs || wall - blockedMs >= cpuBudgetMs;
  };
  const settings = {
    workerId: options.workerId,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
    chunkRows: options.chunkRows ?? 4000,
    chunkBytes: options.chunkBytes ?? 4 * 1024 * 1024,
    // A slice must hold at least one whole UTF-8 character (4 bytes) or it could never advance.
    sliceBytes: Math.max(options.sliceBytes ?? SLICE_BYTES, 64),
    leaseSeconds: options.leaseSeconds ?? 120,
  };
  const result: ImportTickResult = { jobs: 0, chunks: 0, rows: 0, completed: 0, failed: 0, stopped: 'idle' };
  return { call: (name, args) => db.rpc(name, args), blocked, overBudget, settings, result };
}

/** Runs one claimed job until it completes, fails, or the budget pauses it; never throws. */
async function runJob(tick: Tick, job: ClaimedJob): Promise<'ended' | 'paused'> {
  const { logger, workerId } = tick.settings;
  const log: JobLog = (level, msg, extra = {}) =>
    logger.log(level, msg, { job_id: job.job_id, workspace_id: job.workspace_id, worker: workerId, ...extra });
  log('info', 'import job claimed', {
    attempt: job.attempt,
    cursor_offset: job.cursor_offset,
    processed_rows: job.processed_rows,
  });

  const committer = new ChunkCommitter(job, {
    call: tick.call,
    blocked: tick.blocked,
    now: tick.settings.now,
    leaseSeconds: tick.settings.leaseSeconds,
    onCommitted: (rowsRead, done) => {
      tick.result.chunks++;
      tick.result.rows += rowsRead;
      if (!done) return;
      tick.result.completed++;
      log('info', 'import job completed', { processed_rows: committer.processedRows });
    },
  });
  try {
    return await streamJob(tick, job, committer, log);
  } catch (err) {
    await committer.abandon();
    if (err instanceof LeaseLostError) log('warn', 'import job lease lost; stopping without writing');
    else await releaseAfterFailure(tick, job, err, log);
    return 'ended';
  }
}

/** Reads the payload into chunks and commits them; a malformed CSV keeps the rows before it, then fails the job. */
async function streamJob(
  tick: Tick,
  job: ClaimedJob,
  committer: ChunkCommitter,
  log: JobLog,
): Promise<'ended' | 'paused'> {
  const { chunkRows, chunkBytes, sliceBytes } = tick.settings;
  const release = (args: { p_error: string | null; p_fatal?: boolean }) =>
    tick.blocked(tick.call('import_job_release', { p_job_id: job.job_id, p_lease_token: job.lease_token, ...args }));
  try {
    for await (const rec of payloadRecords(job, tick.call, tick.blocked, sliceBytes)) {
      committer.add(rec);
      if (committer.pendingRows < chunkRows && committer.pendingBytes < chunkBytes) continue;
      await committer.flush(false);
      if (!tick.overBudget()) continue;
      await committer.settled();
      await release({ p_error: null });
      log('info', 'import job paused at the budget', { processed_rows: committer.processedRows });
      return 'paused';
    }
  } catch (err) {
    if (!(err instanceof CsvStructureError)) throw err;
    // Everything before the broken record is good: keep it, then fail the job at that line.
    if (committer.pendingRows > 0) await committer.flush(false);
    await committer.settled();
    await release({ p_error: `The CSV is malformed at line ${err.line}: ${err.message}.`, p_fatal: true });
    tick.result.failed++;
    log('warn', 'import job failed', { reason_line: err.line });
    return 'ended';
  }
  await committer.flush(true);
  await committer.settled();
  return 'ended';
}

/** Gives the job back after a failure: retried with backoff, or failed once its attempts are spent. */
async function releaseAfterFailure(tick: Tick, job: ClaimedJob, err: unknown, log: JobLog): Promise<void> {
  const message = (err as Error)?.message ?? String(err);
  log('error', 'import chunk failed; will retry', {
    error_name: (err as Error)?.name,
    error_message: message.slice(0, 300),
  });
  const out = await tick
    .call<{ status: string }>('import_job_release', {
      p_job_id: job.job_id,
      p_lease_token: job.lease_token,
      p_error: message.slice(0, 500),
    })
    .catch(() => ({ status: 'unknown' }));
  if (out.status === 'failed') tick.result.failed++;
}
