/** @module shared/imports/csv-width.ts as it was before the worker-cpu change (a look at every character), frozen as a reference for tests. */
import { CsvStructureError, type Delimiter, MAX_CSV_COLUMNS } from '../../../shared/imports/csv-record.ts';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Counts the fields of each record as the parser reads them (a quote opens a quoted field only at
 * the start of a field, `""` inside one is a quote, line breaks inside one are text), fed the text
 * in chunks, and keeps the physical line each record starts on.
 */
export class RecordWidthScanner {
  private readonly delimiter: number;
  private inQuotes = false;
  /** A quote just ended a quoted field; a second one right after it is an escaped quote. */
  private justClosed = false;
  private fieldStart = true;
  /** A CR ended the last line; an LF right after it belongs to the same line break. */
  private afterCr = false;
  private fields = 1;
  private line: number;
  private recordLine: number;
  private recordStarted = false;

  constructor(delimiter: Delimiter, firstLine: number) {
    this.delimiter = delimiter.charCodeAt(0);
    this.line = firstLine;
    this.recordLine = firstLine;
  }

  /** The index in `text` where a record passes the limit (see `error()`), or -1. */
  feed(text: string): number {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === LF && this.afterCr) {
        this.afterCr = false;
        continue;
      }
      this.afterCr = c === CR;
      if (c === LF || c === CR) this.line++;
      if (this.inQuotes) {
        if (c === QUOTE) {
          this.inQuotes = false;
          this.justClosed = true;
        }
        continue;
      }
      if (this.justClosed) {
        this.justClosed = false;
        if (c === QUOTE) {
          this.inQuotes = true;
          continue;
        }
      }
      if (c === LF || c === CR) {
        this.fields = 1;
        this.fieldStart = true;
        this.recordStarted = false;
        continue;
      }
      if (!this.recordStarted) {
        this.recordStarted = true;
        this.recordLine = this.line;
      }
      if (c === QUOTE && this.fieldStart) {
        this.inQuotes = true;
        this.fieldStart = false;
      } else if (c === this.delimiter) {
        this.fieldStart = true;
        if (++this.fields > MAX_CSV_COLUMNS) return i;
      } else {
        this.fieldStart = false;
      }
    }
    return -1;
  }

  /** The `too_many_columns` structural error of the record `feed` stopped in. */
  error(): CsvStructureError {
    const line = this.recordLine;
    return new CsvStructureError(
      'too_many_columns',
      line,
      `the record starting at line ${line} has more than ${MAX_CSV_COLUMNS} columns; at most ${MAX_CSV_COLUMNS} are allowed`,
    );
  }
}
