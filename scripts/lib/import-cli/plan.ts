/**
 * @module Reads the file once before anything is sent: its SHA-256 (the idempotency keys derive
 * from it), a UTF-8 check, and the parts: runs of whole records whose JSON request body stays
 * within the limit. Parts are byte ranges of the file, so nothing but the header is kept in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { detectDelimiter } from '../../../shared/imports/csv.ts';
import { type CliOptions, UsageError } from './args.ts';
import { CsvScanner, type ScannedRecord } from './csv-scan.ts';
import { JsonRowScanner, JsonScanError } from './json-scan.ts';

export interface Part {
  /** 0-based. */
  index: number;
  /** Byte range of the part's records in the file (for a CSV, the header is sent before it). */
  start: number;
  end: number;
  /** Data rows in the part, and the 1-based number of its first row in the whole file. */
  rows: number;
  firstRow: number;
  /** Physical line of the file where the part's first record starts. */
  firstLine: number;
}

export interface Plan {
  format: 'csv' | 'json' | 'ndjson';
  sha256: string;
  /** Request fields sent with every part besides `csv` / `rows`. */
  fields: Record<string, unknown>;
  /** CSV: the bytes before the first data record (any blank lines and the header), repeated in every part. */
  prefix: Buffer;
  /** CSV: physical lines the prefix spans. */
  prefixLines: number;
  /** CSV without a header: cells in the first record (names the columns of the error report). */
  firstRecordCells?: number;
  parts: Part[];
  totalRows: number;
}

const CHUNK = 1024 * 1024;

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Groups scanned records into parts under a byte budget. */
class PartBuilder {
  readonly parts: Part[] = [];
  private cur: Part | null = null;
  private curCost = 0;
  private rows = 0;

  constructor(private readonly budget: number) {}

  add(start: number, end: number, line: number, cost: number, isRow: boolean): void {
    if (cost > this.budget) {
      throw new UsageError(
        `the record at line ${line} is too large to fit in one request (${cost} bytes once encoded)`,
      );
    }
    if (this.cur && this.curCost + cost > this.budget) {
      // Blank lines never open a part of their own: a part must hold at least one row.
      if (!isRow) return;
      this.cur = null;
    }
    if (!this.cur) {
      if (!isRow) return;
      this.cur = { index: this.parts.length, start, end, rows: 0, firstRow: this.rows + 1, firstLine: line };
      this.curCost = 0;
      this.parts.push(this.cur);
    }
    this.cur.end = end;
    this.curCost += cost;
    if (isRow) {
      this.cur.rows++;
      this.rows++;
    }
  }

  get totalRows(): number {
    return this.rows;
  }
}

/** The request fields besides the data, in the order they are sent. */
function requestFields(o: CliOptions, delimiter: string | undefined): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (o.format === 'csv') {
    f.has_header = o.hasHeader;
    f.delimiter = delimiter;
    if (o.mapping) f.mapping = o.mapping;
  }
  f.update_existing = o.updateExisting;
  if (o.tags) f.tags = o.tags;
  return f;
}

function encodedEnvelope(dataKey: 'csv' | 'rows', fields: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify({ [dataKey]: dataKey === 'csv' ? '' : [], ...fields }));
}

export async function planFile(o: CliOptions): Promise<Plan> {
  let head: Buffer;
  try {
    head = await firstBytes(o.file, 64 * 1024);
  } catch (e) {
    throw new UsageError(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const headText = new TextDecoder().decode(head);
  if (o.format === 'csv') return planCsv(o, o.delimiter ?? detectDelimiter(headText.replace(/^\uFEFF/, '')));
  return planJson(o, headText.trimStart().startsWith('[') ? 'json' : 'ndjson');
}

/** Streams the file through the hash, the UTF-8 check and the scanner. */
async function readAll(file: string, feed: (chunk: Buffer) => void): Promise<string> {
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      utf8.decode(chunk, { stream: true });
      feed(chunk);
    }
    utf8.decode();
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(`${file} is not UTF-8 text; save it as UTF-8 and try again`);
    throw e;
  }
  return hash.digest('hex');
}

async function planCsv(o: CliOptions, delimiter: string): Promise<Plan> {
  const fields = requestFields(o, delimiter);
  let header: ScannedRecord | null = null;
  let prefixCost = 0;
  let firstRecord: ScannedRecord | null = null;
  const records: ScannedRecord[] = [];
  const scanner = new CsvScanner(delimiter.charCodeAt(0), (r) => records.push(r));
  let builder: PartBuilder | null = null;
  const drain = () => {
    for (const r of records) {
      if (o.hasHeader && !header) {
        prefixCost += r.cost;
        if (!r.blank) header = r;
        continue;
      }
      if (!r.blank) firstRecord ??= r;
      builder ??= new PartBuilder(o.maxPartBytes - encodedEnvelope('csv', fields) - prefixCost);
      builder.add(r.start, r.end, r.line, r.cost, !r.blank);
    }
    records.length = 0;
  };
  const sha256 = await readAll(o.file, (chunk) => {
    scanner.feed(chunk);
    drain();
  });
  const { unterminatedQuoteLine } = scanner.finish();
  drain();
  if (unterminatedQuoteLine !== null) {
    throw new UsageError(`the quoted field starting at line ${unterminatedQuoteLine} is never closed`);
  }
  const b = builder as PartBuilder | null;
  if (!b || b.totalRows === 0) throw new UsageError(`${o.file} has no data rows`);
  const h = header as ScannedRecord | null;
  const prefixEnd = h ? h.end : 0;
  return {
    format: 'csv',
    sha256,
    fields,
    prefix: prefixEnd ? await firstBytes(o.file, prefixEnd) : Buffer.alloc(0),
    prefixLines: h ? h.nextLine - 1 : 0,
    firstRecordCells: firstRecord ? await countCells(o.file, firstRecord, delimiter) : undefined,
    parts: b.parts,
    totalRows: b.totalRows,
  };
}

/** Cells of one record, for naming the columns of a header-less file's error report. */
async function countCells(file: string, r: ScannedRecord, delimiter: string): Promise<number> {
  const { parse } = await import('csv-parse/sync');
  const text = (await firstBytes(file, r.end)).subarray(r.start).toString('utf8');
  const rows = parse(text, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][];
  return rows[0]?.length ?? 0;
}

async function planJson(o: CliOptions, format: 'json' | 'ndjson'): Promise<Plan> {
  const fields = requestFields(o, undefined);
  // Each row costs its own bytes plus the comma that joins it to the next.
  const builder = new PartBuilder(o.maxPartBytes - encodedEnvelope('rows', fields));
  const scanner = new JsonRowScanner(
    format === 'json' ? 'array' : 'ndjson',
    (r) => builder.add(r.start, r.end, r.line, r.end - r.start + 1, true),
  );
  let sha256: string;
  try {
    sha256 = await readAll(o.file, (chunk) => scanner.feed(chunk));
    scanner.finish();
  } catch (e) {
    if (e instanceof JsonScanError) throw new UsageError(`${o.file}, line ${e.line}: ${e.message}`);
    throw e;
  }
  if (builder.totalRows === 0) throw new UsageError(`${o.file} has no rows`);
  return {
    format,
    sha256,
    fields,
    prefix: Buffer.alloc(0),
    prefixLines: 0,
    parts: builder.parts,
    totalRows: builder.totalRows,
  };
}
