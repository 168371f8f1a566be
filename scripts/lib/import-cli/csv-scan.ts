/**
 * @module Finds the record boundaries of a CSV in its raw bytes, chunk by chunk, the way the
 * server's parser will see them: quotes open only at the start of a field, `""` inside quotes is
 * a quote, line breaks inside quotes belong to the field, whitespace-only lines are not records.
 * Byte-level, so a file of any size is scanned in constant memory and parts can be cut by offset.
 */
import { JSON_STRING_COST } from './json-cost.ts';

export interface ScannedRecord {
  /** Byte offsets in the file: [start, end), the terminator included. */
  start: number;
  end: number;
  /** Physical line where the record starts, and the line just after it. */
  line: number;
  nextLine: number;
  /** Bytes this record adds to the `csv` string of a JSON request body. */
  cost: number;
  /** A line holding only whitespace: the server skips it and does not count it. */
  blank: boolean;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * ASCII whitespace plus the bytes of U+00A0 and U+FEFF, the server's "blank" set. Byte-wise, so a
 * line of nothing but characters built only from these bytes (`»`, `¿`) would also count as
 * blank: the row numbers of later parts are then checked against the server's count.
 */
function isBlankByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0xc2 || b === 0xa0 || b === 0xef || b === 0xbb ||
    b === 0xbf;
}

export class CsvScanner {
  private pos = 0;
  private line = 1;
  /** 0 outside quotes, 1 inside, 2 inside and just after a quote (closing, or the first of `""`). */
  private quote = 0;
  private fieldStart = true;
  private blank = true;
  private afterCr = false;
  private endPending = false;
  private rec = { start: 0, line: 1, cost: 0 };

  constructor(
    private readonly delimiter: number,
    private readonly onRecord: (r: ScannedRecord) => void,
  ) {}

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++, this.pos++) {
      const b = chunk[i];
      if (this.endPending) {
        this.endPending = false;
        if (b === LF && this.afterCr) {
          this.rec.cost += JSON_STRING_COST[b];
          this.afterCr = false;
          this.emit(this.pos + 1);
          continue;
        }
        this.emit(this.pos);
      }
      this.step(b);
    }
  }

  /** The end of the file: the last record may have no line break. True when a quote was left open. */
  finish(): { unterminatedQuoteLine: number | null } {
    const open = this.quote === 1 ? this.rec.line : null;
    if (this.endPending || this.pos > this.rec.start) this.emit(this.pos);
    return { unterminatedQuoteLine: open };
  }

  private step(b: number): void {
    this.rec.cost += JSON_STRING_COST[b];
    if (b === LF || b === CR) {
      if (!(b === LF && this.afterCr)) this.line++;
      this.afterCr = b === CR;
    } else this.afterCr = false;

    if (this.quote === 2) this.quote = b === QUOTE ? 1 : 0;
    else if (this.quote === 1) {
      if (b === QUOTE) this.quote = 2;
      return;
    }
    if (this.quote === 1) return;
    if (b === QUOTE && this.fieldStart) {
      this.quote = 1;
      this.fieldStart = false;
      this.blank = false;
    } else if (b === this.delimiter) {
      this.fieldStart = true;
      this.blank = false;
    } else if (b === LF || b === CR) {
      this.endPending = true;
    } else {
      this.fieldStart = false;
      if (this.blank && !isBlankByte(b)) this.blank = false;
    }
  }

  private emit(end: number): void {
    // A CR LF ends one line: the line counter already moved on at the CR.
    this.onRecord({
      start: this.rec.start,
      end,
      line: this.rec.line,
      nextLine: this.line,
      cost: this.rec.cost,
      blank: this.blank,
    });
    this.rec = { start: end, line: this.line, cost: 0 };
    this.quote = 0;
    this.fieldStart = true;
    this.blank = true;
  }
}
