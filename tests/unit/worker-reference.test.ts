/**
 * @module Holds the queued-import worker to the version before the worker-cpu change
 * (tests/unit/reference): records handed on a slice at a time, and row preparation that awaits
 * only when a turn is due, must make the same database calls with the same arguments (rows,
 * errors, cursors, releases) for any payload, chunk size, slice size and budget. The database is
 * an in-memory stand-in that keeps a job's cursor as the SQL functions do and cuts slices at
 * character boundaries as import_job_payload_slice does.
 */
import { describe, expect, it } from 'vitest';
import type { DataPort } from '../../shared/db/port.ts';
import type { CsvSettings } from '../../shared/imports/prepare-rows.ts';
import { runImportWorker } from '../../shared/worker/import-worker.ts';
import { runImportWorker as runImportWorkerBefore } from './oracles/import-worker.ts';
import { int, pick, recordText, seeded } from '../support/random-text.ts';

interface Job {
  format: 'csv' | 'ndjson';
  payload: Uint8Array;
  csv_settings: CsvSettings | null;
  cursor: { offset: number; line: number; rows: number };
  done: boolean;
}

/** import_job_payload_slice: `length` bytes from `offset`, less a trailing character left incomplete. */
function slice(payload: Uint8Array, offset: number, length: number) {
  const chunk = payload.subarray(offset, offset + length);
  const n = chunk.length;
  let cut = n;
  if (n === length) {
    let back = 0;
    while (back < 4 && back < n && (chunk[n - 1 - back] & 192) === 128) back++;
    if (back < n) {
      const lead = chunk[n - 1 - back];
      const need = lead < 128 ? 1 : lead >= 240 ? 4 : lead >= 224 ? 3 : lead >= 192 ? 2 : 1;
      if (back + 1 < need) cut = n - 1 - back;
    }
  }
  return { text: new TextDecoder().decode(chunk.subarray(0, cut)), next: offset + cut, eof: n < length };
}

/** Every call the worker makes, as JSON (key order included), while the job moves as the SQL functions move it. */
function fakeDatabase(job: Job, calls: string[]): DataPort {
  return {
    rpc<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
      calls.push(`${name} ${JSON.stringify(args)}`);
      const answer = (): unknown => {
        switch (name) {
          case 'import_job_claim':
            return job.done ? null : {
              job_id: 'imp_1',
              workspace_id: 'ws',
              lease_token: 'lease',
              attempt: 1,
              payload_format: job.format,
              csv_settings: job.csv_settings,
              update_existing: true,
              tags: ['t'],
              cursor_offset: job.cursor.offset,
              cursor_line: job.cursor.line,
              processed_rows: job.cursor.rows,
              payload_bytes: job.payload.length,
            };
          case 'import_job_payload_slice':
            return slice(job.payload, args.p_offset as number, args.p_length as number);
          case 'import_job_commit_chunk':
            job.cursor = {
              offset: args.p_next_offset as number,
              line: args.p_next_line as number,
              rows: job.cursor.rows + (args.p_rows_read as number),
            };
            if (args.p_done) job.done = true;
            return { status: 'committed' };
          case 'import_job_release':
            if (args.p_fatal || args.p_error) job.done = true;
            return { status: args.p_fatal ? 'failed' : 'queued' };
          default:
            throw new Error(`unexpected call ${name}`);
        }
      };
      // Answers arrive later, as a database's do: the worker's overlap of parsing and commits is exercised.
      return new Promise((resolve) => setImmediate(() => resolve(answer() as T)));
    },
    close: async () => {},
  };
}

type Run = typeof runImportWorker;

/** Ticks until the job is done (a budget of 0 pauses after every chunk), the calls and tick results recorded. */
async function runAll(
  run: Run,
  make: () => Job,
  settings: { chunkRows: number; sliceBytes: number; chunkBytes?: number; budgetMs: number },
) {
  const job = make();
  const calls: string[] = [];
  const ticks: unknown[] = [];
  for (let tick = 0; tick < 500 && !job.done; tick++) {
    ticks.push(
      await run({
        db: fakeDatabase(job, calls),
        workerId: 'w',
        now: () => new Date('2026-01-02T03:04:05.000Z'),
        ...settings,
        cpuBudgetMs: 1e9,
      }),
    );
  }
  return { calls, ticks };
}

const CSV_SETTINGS: CsvSettings = {
  delimiter: ',',
  width: 3,
  columns: [[0, 'full_name'], [1, 'email'], [2, 'phone']],
};

function csvJob(text: string): () => Job {
  const payload = new TextEncoder().encode(text);
  return () => ({
    format: 'csv',
    payload,
    csv_settings: CSV_SETTINGS,
    cursor: { offset: 0, line: 1, rows: 0 },
    done: false,
  });
}

function ndjsonJob(text: string): () => Job {
  const payload = new TextEncoder().encode(text);
  return () => ({
    format: 'ndjson',
    payload,
    csv_settings: null,
    cursor: { offset: 0, line: 1, rows: 0 },
    done: false,
  });
}

const NAMES = ['Anna Müller', 'Zoë Ørsted', '王小明', '🙂 Smile', '', 'x'.repeat(300)];
const EMAILS = ['anna@example.com', 'ANNA@example.com', 'bad', '', 'a@x.io ::: b@x.io'];
const PHONES = ['+49 151 23456789', '0151 2345678', '12', ''];

function csvRows(rnd: () => number, n: number): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    const roll = rnd();
    const row = roll < 0.05
      ? pick(rnd, ['', ',,', ' '])
      : roll < 0.1
      ? `${pick(rnd, NAMES)},"${pick(rnd, EMAILS)}\r\nsecond line"`
      : `"${pick(rnd, NAMES).replace(/"/g, '""')}",${pick(rnd, EMAILS)},${pick(rnd, PHONES)}`;
    text += row + pick(rnd, ['\r\n', '\n']);
  }
  return text;
}

function ndjsonRows(rnd: () => number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const roll = rnd();
    lines.push(
      roll < 0.05 ? pick(rnd, ['', '  ']) : roll < 0.08 ? '[1,2]' : JSON.stringify({
        full_name: pick(rnd, NAMES),
        email: pick(rnd, EMAILS),
        phone: pick(rnd, PHONES),
        tags: rnd() < 0.3 ? ['a', 'A', 'b'] : undefined,
      }),
    );
  }
  return lines.join('\n') + (rnd() < 0.5 ? '\n' : '');
}

function randomSettings(rnd: () => number) {
  return {
    chunkRows: pick(rnd, [1, 2, 3, 7, 50, 4000]),
    sliceBytes: pick(rnd, [64, 65, 100, 333, 4096]),
    chunkBytes: rnd() < 0.3 ? pick(rnd, [1, 200, 1000]) : undefined,
    budgetMs: rnd() < 0.4 ? 0 : 1e9,
  };
}

describe('the import worker against the version before', () => {
  it('makes the same calls for random CSV payloads (row errors, blank lines, multi-byte text, ragged rows)', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = seeded(seed);
      const make = csvJob(csvRows(rnd, int(rnd, 60)));
      const settings = randomSettings(rnd);
      const [a, b] = [
        await runAll(runImportWorkerBefore, make, settings),
        await runAll(runImportWorker, make, settings),
      ];
      expect(b, `seed ${seed}`).toEqual(a);
    }
  });

  it('makes the same calls for malformed CSV: the records before the broken one committed, then the job failed at its line', async () => {
    for (let seed = 1; seed <= 120; seed++) {
      const rnd = seeded(seed);
      const text = rnd() < 0.5
        ? recordText(rnd, ',', 30)
        : `${csvRows(rnd, int(rnd, 30))}x,"never closed\r\n${csvRows(rnd, 5)}`;
      const make = csvJob(text);
      const settings = randomSettings(rnd);
      const [a, b] = [
        await runAll(runImportWorkerBefore, make, settings),
        await runAll(runImportWorker, make, settings),
      ];
      expect(b, `seed ${seed}`).toEqual(a);
    }
  });

  it('makes the same calls for random NDJSON payloads (blank lines, rows that are not objects, a line that is not JSON)', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = seeded(seed);
      let text = ndjsonRows(rnd, int(rnd, 60));
      if (rnd() < 0.1) text += '{"full_name": broken\n{"full_name":"after"}\n';
      const make = ndjsonJob(text);
      const settings = randomSettings(rnd);
      const [a, b] = [
        await runAll(runImportWorkerBefore, make, settings),
        await runAll(runImportWorker, make, settings),
      ];
      expect(b, `seed ${seed}`).toEqual(a);
    }
  });
});
