/** @module Counts a CSV's data records without parsing it, for the total a queued import announces. */
import type { Delimiter } from './csv-record.ts';
import { NextIndex } from '../lib/text-scan.ts';
import { giveTurn } from '../lib/turns.ts';

/** Characters read between two looks at the clock (giveTurn decides when to give one). */
const SLICE = 1 << 16;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0xfeff || c === 0x0b || c === 0x0c || c === 0xa0 || c === 0x0a || c === 0x0d;
}

/**
 * Counts the data records of a CSV without parsing it: line breaks outside quoted fields that end
 * a non-blank line, less the records before the data (header and preamble). A quote opens a quoted
 * field only at the start of a field, as the parser reads it. Cheap enough for a 20 MB text in the
 * request, where the queued total is announced; the worker's parse remains the authority (it
 * differs only for a broken file).
 */
export async function countCsvRecords(text: string, delimiter: Delimiter, recordsBeforeData: number): Promise<number> {
  const counter = new RecordCounter(text, delimiter);
  for (let end = SLICE; !counter.readTo(end); end = counter.at + SLICE) await giveTurn();
  return Math.max(0, counter.records - recordsBeforeData);
}

/**
 * Reads a CSV a character at a time where a character can change what it counts, and jumps over
 * the rest: inside a quoted field of a non-blank line to the next quote, elsewhere in a non-blank
 * line to the next line break or quote right after a delimiter (at the start of a field).
 */
class RecordCounter {
  records = 0;
  at = 0;
  private inQuotes = false;
  private justClosed = false;
  private fieldStart = true;
  private blank = true;
  private readonly delim: number;
  private readonly quotes: NextIndex;
  private readonly lineFeeds: NextIndex;
  private readonly returns: NextIndex;
  private readonly quotedFieldStarts: NextIndex;

  constructor(private readonly text: string, delimiter: Delimiter) {
    this.delim = delimiter.charCodeAt(0);
    this.quotes = new NextIndex(text, '"');
    this.lineFeeds = new NextIndex(text, '\n');
    this.returns = new NextIndex(text, '\r');
    this.quotedFieldStarts = new NextIndex(text, `${delimiter}"`);
  }

  /** Reads on to about `end`; true once the whole text is read and counted. */
  readTo(end: number): boolean {
    const text = this.text;
    let i = this.at;
    while (i < end && i < text.length) {
      if (this.inQuotes && !this.blank) {
        // Nothing before the next quote changes the count.
        i = Math.min(text.length, this.quotes.from(i));
      } else if (!this.inQuotes && !this.justClosed && !this.blank && !this.fieldStart) {
        // Until a line break, only a quote that starts a field (right after a delimiter) changes the count.
        i = Math.min(text.length, this.lineFeeds.from(i), this.returns.from(i), this.quotedFieldStarts.from(i));
      }
      if (i < text.length) i = this.read(i);
    }
    this.at = i;
    if (i < text.length) return false;
    if (!this.blank) this.records++;
    return true;
  }

  /** Reads the character at `i`; returns where to read next. */
  private read(i: number): number {
    const c = this.text.charCodeAt(i);
    if (this.inQuotes) {
      if (c === 0x22) {
        this.inQuotes = false;
        this.justClosed = true;
      } else if (this.blank && !isSpace(c)) this.blank = false;
      return i + 1;
    }
    if (this.justClosed) {
      this.justClosed = false;
      if (c === 0x22) {
        // An escaped quote: text.
        this.inQuotes = true;
        this.blank = false;
        return i + 1;
      }
    }
    if (c === 0x0a || c === 0x0d) {
      if (!this.blank) this.records++;
      this.blank = true;
      this.fieldStart = true;
      return c === 0x0d && this.text.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
    }
    if (c === 0x22 && this.fieldStart) this.inQuotes = true;
    this.fieldStart = c === this.delim;
    // Like the parser, a line of empty cells (",,,", '"",""') is blank.
    if (this.blank && c !== this.delim && c !== 0x22 && !isSpace(c)) this.blank = false;
    return i + 1;
  }
}
