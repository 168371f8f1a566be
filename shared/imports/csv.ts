/** @module Turns CSV text (whole, or chunk by chunk for the background worker) into numbered records, so that every row error and every structural error can point at the data row and the physical line a person sees in their editor. */
import { detectDelimiter } from './csv-delimiter.ts';
import { CsvEngine } from './csv-engine.ts';
import type { CsvRecord, Delimiter } from './csv-record.ts';
import { giveTurn } from '../lib/turns.ts';

export { countCsvRecords } from './csv-count.ts';
export { detectDelimiter } from './csv-delimiter.ts';
export {
  type CsvRecord,
  CsvStructureError,
  type CsvStructureErrorCode,
  type Delimiter,
  MAX_CSV_COLUMNS,
} from './csv-record.ts';

export interface CsvParseOptions {
  /** The first record is the header. */
  hasHeader: boolean;
  /** When absent, it is detected from the first line. */
  delimiter?: Delimiter;
  /** Stop after this many DATA records; `truncated` then says whether anything followed. */
  maxRecords?: number;
  /**
   * Recognises the header among the first records, so that a preamble before it (LinkedIn's
   * "Notes:" lines) is skipped. Without it, or when none of the first PREAMBLE_LIMIT + 1 records
   * qualifies, the first record is the header.
   */
  isHeader?: (fields: string[]) => boolean;
}

export interface CsvParseResult {
  /** Trimmed header names, null when hasHeader is false; [] when the text holds no record at all. */
  header: string[] | null;
  delimiter: Delimiter;
  records: CsvRecord[];
  /** True when maxRecords stopped parsing before the end of the text. */
  truncated: boolean;
  /** Where the data records begin in the UTF-8 bytes of the text without its BOM, and on which line: a queued import resumes from here. */
  dataStart: { offset: number; line: number };
  /** What came before the header: physical lines (blank ones included) and non-blank records. */
  preamble: { lines: number; records: number };
}

function trimHeader(fields: string[]): string[] {
  // String.prototype.trim also removes U+FEFF, so a BOM that survived (e.g. a doubled one) goes too.
  return fields.map((f) => f.trim());
}

/** The text without a leading UTF-8 byte order mark (Excel writes one). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Characters fed to the parser at a time, so that maxRecords can stop well before the end of a large text. */
const SLICE_CHARS = 64 * 1024;

export async function parseCsv(text: string, options: CsvParseOptions): Promise<CsvParseResult> {
  const body = stripBom(text);
  const delimiter = options.delimiter ?? detectDelimiter(body);
  const max = options.maxRecords;
  const engine = new CsvEngine(
    delimiter,
    options.hasHeader,
    max === undefined ? undefined : Math.max(0, max),
    undefined,
    options.isHeader,
  );
  let header: string[] | null = options.hasHeader ? [] : null;
  const records: CsvRecord[] = [];
  let dataStart = { offset: 0, line: 1 };
  let preamble = { lines: 0, records: 0 };

  const collect = () => {
    for (const item of engine.take()) {
      if (item.kind === 'header') {
        header = trimHeader(item.fields);
        dataStart = { offset: item.end, line: item.nextLine };
        preamble = { lines: item.line - 1, records: engine.preambleRecords };
      } else records.push({ row_number: records.length + 1, line: item.line, fields: item.fields });
    }
  };

  // csv-parse calls back without giving I/O a turn, so the turns are given here.
  let fed = 0;
  while (fed < body.length && !engine.stopped && !engine.error) {
    await giveTurn();
    const next = Math.min(body.length, fed + SLICE_CHARS);
    await engine.write(body.slice(fed, next));
    fed = next;
    collect();
  }
  if (!engine.stopped && !engine.error) {
    await engine.end();
    collect();
  }
  if (engine.error) throw engine.error;

  let truncated = false;
  if (engine.stopped) {
    // "More follows" is decided by looking for any non-blank character, not by parsing the next
    // record: that record may be huge or broken, and neither is this caller's concern.
    truncated = !engine.restIsBlank() || /\S/.test(body.slice(fed));
  }
  return { header, delimiter, records, truncated, dataStart, preamble };
}

/** A data record with the position a resumed parse would continue from. */
export interface PositionedCsvRecord extends CsvRecord {
  /** Byte offset just past this record. */
  end: number;
  /** The physical line at `end`. */
  nextLine: number;
}

/**
 * Resumes parsing in the middle of a text, for the queued-import worker: `chunks` is the text from
 * byte `start.offset` on (which begins at a record boundary, after any header), and numbering
 * continues from `start.line` and `start.rowNumber`. The records of each chunk are handed out
 * together (the worker reads ~200,000 records of a large file, and a step of an async generator for
 * each cost a few promises a record). Records found before a structural error are yielded before
 * the error is thrown.
 */
export async function* streamCsvBatchesFrom(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: { delimiter: Delimiter; start: { offset: number; line: number; rowNumber: number } },
): AsyncGenerator<PositionedCsvRecord[]> {
  const engine = new CsvEngine(options.delimiter, false, undefined, options.start);
  let rowNumber = options.start.rowNumber;
  const drain = (): PositionedCsvRecord[] =>
    engine.take().map((item) => ({
      row_number: ++rowNumber,
      line: item.line,
      fields: item.fields,
      end: item.end,
      nextLine: item.nextLine,
    }));
  for await (const text of chunks) {
    if (text === '') continue;
    await engine.write(text);
    const batch = drain();
    if (batch.length > 0) yield batch;
    if (engine.error) throw engine.error;
  }
  await engine.end();
  const batch = drain();
  if (batch.length > 0) yield batch;
  if (engine.error) throw engine.error;
}
