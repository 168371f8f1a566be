/**
 * @module The chunk pipeline of one claimed job: each batch of records is validated here while
 * earlier batches commit in the database, each with its contacts, errors, cursor and counters in
 * one transaction (import_job_commit_chunk). Two commits may be in flight: the next batch's rows
 * are sent (and parsed by the database) while the previous batch commits, and the database applies
 * them in order, since each commit waits for the job row's lock and checks the cursor the one
 * before left. Their outcomes are taken in order too, so memory holds three batches at most.
 */
import {
  keysDistinct,
  mappingFromSettings,
  prepareCsvRecordsInTurns,
  prepareJsonRowsInTurns,
} from '../imports/prepare-rows.ts';
import type { PositionedCsvRecord } from '../imports/csv.ts';
import type { PreparedRow, RowError } from '../imports/prepare.ts';
import type { ClaimedJob } from './claimed-job.ts';
import type { PayloadRecord, SourcePosition } from './payload-records.ts';

/** Commits that could not be applied because another worker holds the job now. */
export class LeaseLostError extends Error {}

interface Batch {
  rows: PreparedRow[];
  errors: RowError[];
  read: number;
}

export interface CommitterDeps {
  call: <T>(name: string, args: Record<string, unknown>) => Promise<T>;
  /** Awaits a promise as time spent waiting for the database (the CPU budget leaves it out). */
  blocked: <T>(p: Promise<T>) => Promise<T>;
  now: () => Date;
  leaseSeconds: number;
  /** Told of every committed chunk: the rows it read, and whether it completed the job. */
  onCommitted: (rowsRead: number, done: boolean) => void;
}

export class ChunkCommitter {
  /** The position after every batch handed on so far (committed or in flight). */
  private planned: { offset: number; line: number; rows: number };
  /** Settles when every commit handed on so far has (in order); rejects with the first failure. */
  private inflight: Promise<void> = Promise.resolve();
  /** The same for every commit but the last: what a third commit waits for before it is sent. */
  private beforeLast: Promise<void> = Promise.resolve();
  private json: unknown[] = [];
  private csv: PositionedCsvRecord[] = [];
  private last: SourcePosition | null = null;
  private readonly mapping;

  constructor(
    private readonly job: ClaimedJob,
    private readonly deps: CommitterDeps,
  ) {
    this.planned = { offset: job.cursor_offset, line: job.cursor_line, rows: job.processed_rows };
    this.mapping = job.payload_format === 'csv' ? mappingFromSettings(job.csv_settings!) : null;
  }

  /** Rows read since the last batch was handed on. */
  get pendingRows(): number {
    return this.json.length + this.csv.length;
  }

  /** Payload bytes read since the last batch was handed on. */
  get pendingBytes(): number {
    return this.last ? this.last.end - this.planned.offset : 0;
  }

  get processedRows(): number {
    return this.planned.rows;
  }

  add(rec: PayloadRecord): void {
    if ('fields' in rec) this.csv.push(rec);
    else this.json.push(JSON.parse(rec.text));
    this.last = rec;
  }

  /**
   * Validates what was read since the last batch and queues its commit behind the previous one;
   * with `done` the commit completes the job (an empty batch still moves the job to completed).
   */
  async flush(done: boolean): Promise<void> {
    const batch = this.last ? await this.prepare() : null;
    const from = this.planned.offset;
    const to = this.last ?? { end: this.planned.offset, nextLine: this.planned.line };
    this.planned = { offset: to.end, line: to.nextLine, rows: this.planned.rows + (batch?.read ?? 0) };
    this.last = null;
    await this.deps.blocked(this.beforeLast);
    this.beforeLast = this.inflight;
    this.inflight = this.commit(batch, from, to, done, this.inflight);
    // Errors surface when the chain is next awaited; this only keeps them from being "unhandled".
    this.inflight.catch(() => {});
  }

  /** Waits for the commits in flight; rethrows the first failure. */
  settled(): Promise<void> {
    return this.deps.blocked(this.inflight);
  }

  /** Waits for the commits in flight, ignoring their failure (the job is being given up anyway). */
  async abandon(): Promise<void> {
    await this.inflight.catch(() => {});
  }

  /** Validates the rows read, giving the event loop turns (under `npm start` the gateway shares it). */
  private async prepare(): Promise<Batch> {
    const opts = { now: this.deps.now(), tags: this.job.tags, updateExisting: this.job.update_existing };
    const [json, csv] = [this.json, this.csv];
    this.json = [];
    this.csv = [];
    const prepared = this.mapping
      ? await prepareCsvRecordsInTurns(csv, this.mapping, opts)
      : await prepareJsonRowsInTurns(json, this.planned.rows + 1, opts);
    return { rows: prepared.rows, errors: prepared.errors, read: prepared.total };
  }

  /**
   * Sends the commit of `batch` now and takes its outcome after `previous` (the commits before it):
   * when one of those failed, its failure is the chain's, and this commit's outcome is not looked
   * at (it found the cursor short of its start and wrote nothing, or, should the failure have been
   * only the caller's view of a commit that did happen, it committed the next rows exactly once).
   */
  private async commit(
    batch: Batch | null,
    from: number,
    to: SourcePosition,
    done: boolean,
    previous: Promise<void>,
  ): Promise<void> {
    const distinct = batch ? keysDistinct(batch.rows) : false;
    const send = () =>
      this.deps.call<{ status: string }>('import_job_commit_chunk', {
        p_job_id: this.job.job_id,
        p_lease_token: this.job.lease_token,
        p_expected_offset: from,
        p_rows: batch?.rows ?? [],
        p_errors: batch?.errors ?? [],
        p_rows_read: batch?.read ?? 0,
        p_next_offset: to.end,
        p_next_line: to.nextLine,
        p_done: done,
        p_lease_seconds: this.deps.leaseSeconds,
        p_keys_distinct: distinct,
      });
    const sent = send();
    // Both settle before the outcome is taken, so no call is left behind when the job is given up.
    const [prior, own] = await Promise.allSettled([previous, sent]);
    if (prior.status === 'rejected') throw prior.reason;
    if (own.status === 'rejected') throw own.reason;
    // Sent on another connection, this commit reached the database before the one before it, which
    // has committed now (a connection being opened for it, say): sent again, it finds its cursor.
    const out = own.value.status === 'early' ? await send() : own.value;
    if (out.status === 'lease_lost') throw new LeaseLostError('the job was taken over by another worker');
    // Early again, with every commit before it answered: the cursor is short of where this worker
    // committed to (a server crash lost an unflushed commit). A failure: released, retried from there.
    if (out.status === 'early') throw new Error('the job cursor is behind the last committed chunk');
    this.deps.onCommitted(batch?.read ?? 0, done);
  }
}
