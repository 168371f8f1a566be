/**
 * @module The queued-import worker: claims jobs with a lease, streams each payload in slices,
 * and commits every chunk's contacts, cursor and counters in one SQL call, stopping within a
 * time and CPU budget so an Edge Function invocation always ends cleanly.
 */
import type { DataPort } from '../db/port.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';
import { CsvStructureError, streamCsvFrom, type PositionedCsvRecord } from '../imports/csv.ts';
import { mappingFromSettings, prepareCsvRecordsInTurns, prepareJsonRowsInTurns, type CsvSettings } from '../imports/prepare-rows.ts';
import type { PreparedRow, RowError } from '../imports/prepare.ts';

export interface ClaimedJob {
  job_id: string;
  workspace_id: string;
  lease_token: string;
  attempt: number;
  payload_format: 'ndjson' | 'csv';
  csv_settings: CsvSettings | null;
  update_existing: boolean;
  tags: string[];
  cursor_offset: number;
  cursor_line: number;
  processed_rows: number;
  payload_bytes: number | null;
}

export interface ImportWorkerOptions {
  db: DataPort;
  /** Names the claimant in the job row (diagnostics only). */
  workerId: string;
  logger?: Logger;
  now?: () => Date;
  /** Rows per committed chunk. */
  chunkRows?: number;
  /** Payload bytes fetched per slice. */
  sliceBytes?: number;
  /** Wall-clock budget of one tick (Edge Functions allow 150 s; the cron fires every 60 s). */
  budgetMs?: number;
  /** CPU budget of one tick, approximated as time not spent waiting for the database (Edge Functions allow about 2 s). */
  cpuBudgetMs?: number;
  leaseSeconds?: number;
  /** A CPU clock in ms (Node: process.cpuUsage); without one, CPU is estimated. */
  cpuTime?: () => number;
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

interface SourceRecord {
  end: number;
  nextLine: number;
}

/** Commits that could not be applied because another worker holds the job now. */
class LeaseLostError extends Error {}

export async function runImportWorker(options: ImportWorkerOptions): Promise<ImportTickResult> {
  const {
    db,
    workerId,
    logger = silentLogger,
    chunkRows = 4000,
    sliceBytes: requestedSlice = 512 * 1024,
    budgetMs = 40_000,
    cpuBudgetMs = 1_500,
    leaseSeconds = 120,
  } = options;
  const now = options.now ?? (() => new Date());
  // A slice must hold at least one whole UTF-8 character (4 bytes) or it could never advance.
  const sliceBytes = Math.max(requestedSlice, 64);
  const started = performance.now();
  const cpuAtStart = options.cpuTime?.();
  // Without a CPU clock (Deno), CPU is estimated as wall time not spent waiting on the database.
  let blockedMs = 0;
  const blocked = async <T>(p: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await p;
    } finally {
      blockedMs += performance.now() - t0;
    }
  };
  const rpc = <T>(name: string, args: Record<string, unknown>) => db.rpc<T>(name, args);
  const overBudget = () => {
    const wall = performance.now() - started;
    const cpu = cpuAtStart === undefined ? wall - blockedMs : options.cpuTime!() - cpuAtStart;
    return wall >= budgetMs || cpu >= cpuBudgetMs;
  };

  const result: ImportTickResult = { jobs: 0, chunks: 0, rows: 0, completed: 0, failed: 0, stopped: 'idle' };

  // The first job is always claimed and given at least one chunk, so every tick makes progress.
  do {
    const job = await blocked(rpc<ClaimedJob | null>('import_job_claim', { p_worker: workerId, p_lease_seconds: leaseSeconds }));
    if (!job) return result;
    result.jobs++;
    const log = (level: 'info' | 'warn' | 'error', msg: string, extra: Record<string, unknown> = {}) =>
      logger.log(level, msg, { job_id: job.job_id, workspace_id: job.workspace_id, worker: workerId, ...extra });
    log('info', 'import job claimed', { attempt: job.attempt, cursor_offset: job.cursor_offset, processed_rows: job.processed_rows });

    // `planned` is the position after every batch handed to the committer; commits run one at a
    // time, in order, while the next batch is read and validated (the database and this process
    // work in parallel). At most one commit is in flight, so memory stays at two batches.
    let planned = { offset: job.cursor_offset, line: job.cursor_line, rows: job.processed_rows };
    let inflight: Promise<void> = Promise.resolve();
    let raw: unknown[] = [];
    let rawFields: PositionedCsvRecord[] = [];

    const send = async (batch: Batch | null, from: number, to: SourceRecord, done: boolean) => {
      const out = await rpc<{ status: string }>('import_job_commit_chunk', {
        p_job_id: job.job_id,
        p_lease_token: job.lease_token,
        p_expected_offset: from,
        p_rows: batch?.rows ?? [],
        p_errors: batch?.errors ?? [],
        p_rows_read: batch?.read ?? 0,
        p_next_offset: to.end,
        p_next_line: to.nextLine,
        p_done: done,
        p_lease_seconds: leaseSeconds,
      });
      if (out.status === 'lease_lost') throw new LeaseLostError('the job was taken over by another worker');
      result.chunks++;
      result.rows += batch?.read ?? 0;
      if (done) {
        result.completed++;
        log('info', 'import job completed', { processed_rows: planned.rows });
      }
    };

    /** Validates what was read since the last batch and queues its commit behind the previous one. */
    const submit = async (to: SourceRecord | null, done: boolean) => {
      let batch: Batch | null = null;
      if (to) {
        const opts = { now: now(), tags: job.tags, updateExisting: job.update_existing };
        const prepared =
          job.payload_format === 'csv'
            ? await prepareCsvRecordsInTurns(rawFields, mappingFromSettings(job.csv_settings!), opts)
            : await prepareJsonRowsInTurns(raw, planned.rows + 1, opts);
        batch = { rows: prepared.rows, errors: prepared.errors, read: prepared.total, to };
        raw = [];
        rawFields = [];
      }
      const from = planned.offset;
      const target = batch?.to ?? { end: planned.offset, nextLine: planned.line };
      planned = { offset: target.end, line: target.nextLine, rows: planned.rows + (batch?.read ?? 0) };
      await blocked(inflight);
      inflight = send(batch, from, target, done);
      // Errors surface when the chain is next awaited; this only keeps them from being "unhandled".
      inflight.catch(() => {});
    };

    let stoppedEarly = false;
    try {
      const slices = payloadSlices(rpc, blocked, job.job_id, job.cursor_offset, sliceBytes);
      let last: SourceRecord | null = null;
      try {
        const records: AsyncIterable<PositionedCsvRecord | { text: string; end: number; nextLine: number }> =
          job.payload_format === 'csv'
            ? streamCsvFrom(slices, {
                delimiter: job.csv_settings!.delimiter,
                start: { offset: job.cursor_offset, line: job.cursor_line, rowNumber: job.processed_rows },
              })
            : ndjsonLines(slices, job.cursor_offset);
        for await (const rec of records) {
          if ('fields' in rec) rawFields.push(rec);
          else raw.push(JSON.parse(rec.text));
          last = rec;
          if (rawFields.length + raw.length >= chunkRows) {
            await submit(rec, false);
            last = null;
            if (overBudget()) {
              stoppedEarly = true;
              break;
            }
          }
        }
      } catch (err) {
        if (!(err instanceof CsvStructureError)) throw err;
        // Everything before the broken record is good: keep it, then fail the job at that line.
        if (last) await submit(last, false);
        await blocked(inflight);
        const reason = `The CSV is malformed at line ${err.line}: ${err.message}.`;
        await blocked(rpc('import_job_release', { p_job_id: job.job_id, p_lease_token: job.lease_token, p_error: reason, p_fatal: true }));
        result.failed++;
        log('warn', 'import job failed', { reason_line: err.line });
        continue;
      }
      if (!stoppedEarly) await submit(last, true);
      await blocked(inflight);
      if (stoppedEarly) {
        await blocked(rpc('import_job_release', { p_job_id: job.job_id, p_lease_token: job.lease_token, p_error: null }));
        log('info', 'import job paused at the budget', { processed_rows: planned.rows });
        result.stopped = 'budget';
        return result;
      }
    } catch (err) {
      await inflight.catch(() => {});
      if (err instanceof LeaseLostError) {
        log('warn', 'import job lease lost; stopping without writing');
        continue;
      }
      const message = (err as Error)?.message ?? String(err);
      log('error', 'import chunk failed; will retry', { error_name: (err as Error)?.name, error_message: message.slice(0, 300) });
      const out = await rpc<{ status: string }>('import_job_release', {
        p_job_id: job.job_id,
        p_lease_token: job.lease_token,
        p_error: message.slice(0, 500),
      }).catch(() => ({ status: 'unknown' }));
      if (out.status === 'failed') result.failed++;
    }
  } while (!overBudget());
  result.stopped = 'budget';
  return result;
}

interface Batch {
  rows: PreparedRow[];
  errors: RowError[];
  read: number;
  to: SourceRecord;
}

/** The payload from `offset` on, as text slices cut at character boundaries by SQL. */
async function* payloadSlices(
  rpc: <T>(name: string, args: Record<string, unknown>) => Promise<T>,
  blocked: <T>(p: Promise<T>) => Promise<T>,
  jobId: string,
  offset: number,
  sliceBytes: number,
): AsyncGenerator<string> {
  let at = offset;
  for (;;) {
    const slice = await blocked(
      rpc<{ text: string; next: number; eof: boolean } | null>('import_job_payload_slice', { p_job_id: jobId, p_offset: at, p_length: sliceBytes }),
    );
    if (!slice) return;
    if (slice.text) yield slice.text;
    at = slice.next;
    if (slice.eof) return;
  }
}

const encoder = new TextEncoder();

/** Lines of an NDJSON payload with the byte offset just past each (JSON text never holds a raw newline). */
async function* ndjsonLines(slices: AsyncIterable<string>, offset: number): AsyncGenerator<{ text: string; end: number; nextLine: number }> {
  let carry = '';
  let at = offset;
  let line = 1;
  const emit = function* (text: string, withBreak: boolean) {
    at += encoder.encode(text).length + (withBreak ? 1 : 0);
    line++;
    if (text.trim() !== '') yield { text, end: at, nextLine: line };
  };
  for await (const slice of slices) {
    const parts = (carry + slice).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield* emit(p, true);
  }
  if (carry !== '') yield* emit(carry, false);
}
