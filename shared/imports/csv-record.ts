/** @module The records and errors the CSV reader hands out, and its one limit: what callers of csv.ts and the engine share. */

export type Delimiter = ',' | ';' | '\t' | '|';

export interface CsvRecord {
  /** 1-based position among DATA records (the header is not counted; skipped blank lines are not counted). */
  row_number: number;
  /** 1-based physical line where the record starts in the original text (header line included in line counting, BOM ignored). */
  line: number;
  fields: string[];
}

export type CsvStructureErrorCode =
  | 'too_many_columns'
  | 'unterminated_quote'
  | 'invalid_closing_quote'
  | 'invalid_opening_quote'
  | 'malformed_csv';

/** The text cannot be split into records at all, so no row can be trusted; `line` is where the broken record starts. */
export class CsvStructureError extends Error {
  readonly line: number;
  readonly code: CsvStructureErrorCode;
  constructor(code: CsvStructureErrorCode, line: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CsvStructureError';
    this.code = code;
    this.line = line;
  }
}

/**
 * Most columns a record may have: twice the widest sheet Excel writes (16,384 columns), room for
 * the 30,000-column exports issue 15 was reported with. A wider record makes the file unreadable as
 * a whole (like a broken quote): each of its cells would cost work in every later step (header
 * matching, mapping, each row), so it is refused as soon as the parser hands it over.
 */
export const MAX_CSV_COLUMNS = 32_768;
