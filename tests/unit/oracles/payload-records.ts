/** @module shared/worker/payload-records.ts as it was before the worker-cpu change (a record at a time), frozen as a reference for tests. */
import type { PositionedCsvRecord } from '../../../shared/imports/csv.ts';
import { streamCsvFrom } from './csv.ts';
import type { CsvSettings } from '../../../shared/imports/prepare-rows.ts';

/** Where the stream stands after a record: the cursor a commit moves the job to. */
export interface SourcePosition {
  end: number;
  nextLine: number;
}

export interface NdjsonLine extends SourcePosition {
  text: string;
}

export type PayloadRecord = PositionedCsvRecord | NdjsonLine;

export interface PayloadSource {
  job_id: string;
  payload_format: 'ndjson' | 'csv';
  csv_settings: CsvSettings | null;
  cursor_offset: number;
  cursor_line: number;
  processed_rows: number;
}

type Call = <T>(name: string, args: Record<string, unknown>) => Promise<T>;

/** Awaits a promise as time spent waiting for the database (the CPU budget leaves it out). */
type Wait = <T>(p: Promise<T>) => Promise<T>;

/** The job's records from its cursor; a CSV structure error surfaces as CsvStructureError. */
export function payloadRecords(
  job: PayloadSource,
  call: Call,
  wait: Wait,
  sliceBytes: number,
): AsyncIterable<PayloadRecord> {
  const slices = payloadSlices(call, wait, job.job_id, job.cursor_offset, sliceBytes);
  if (job.payload_format === 'csv') {
    return streamCsvFrom(slices, {
      delimiter: job.csv_settings!.delimiter,
      start: { offset: job.cursor_offset, line: job.cursor_line, rowNumber: job.processed_rows },
    });
  }
  return ndjsonLines(slices, job.cursor_offset);
}

interface Slice {
  text: string;
  next: number;
  eof: boolean;
}

/**
 * The payload from `offset` on, as text slices cut at character boundaries by SQL. The next slice
 * is requested before this one is handed on, so parsing never waits a round trip for its input.
 */
async function* payloadSlices(
  call: Call,
  wait: Wait,
  jobId: string,
  offset: number,
  sliceBytes: number,
): AsyncGenerator<string> {
  const fetchAt = (at: number) =>
    call<Slice | null>('import_job_payload_slice', { p_job_id: jobId, p_offset: at, p_length: sliceBytes });
  let pending: Promise<Slice | null> | null = fetchAt(offset);
  try {
    while (pending) {
      // Only the wait counts as blocked: while the prefetch is under way this process is parsing.
      const slice: Slice | null = await wait(pending);
      pending = slice && !slice.eof ? fetchAt(slice.next) : null;
      if (slice?.text) yield slice.text;
    }
  } finally {
    // A reader that stops early leaves a prefetch behind: it must not become an unhandled rejection.
    pending?.catch(() => {});
  }
}

/** Lines of an NDJSON payload with the byte offset just past each (JSON text never holds a raw newline). */
async function* ndjsonLines(slices: AsyncIterable<string>, offset: number): AsyncGenerator<NdjsonLine> {
  let carry = '';
  let at = offset;
  let line = 1;
  const emit = function* (text: string, withBreak: boolean) {
    at += utf8Length(text) + (withBreak ? 1 : 0);
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

/** UTF-8 length of a string without encoding it (TextEncoder allocated a buffer per line only to measure it). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes.
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}
