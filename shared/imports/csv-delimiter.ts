/** @module Detects a CSV's delimiter from its first line that has one, reading quotes as the parser reads them. */
import type { Delimiter } from './csv-record.ts';

const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

const QUOTE = '"';

/** Non-blank lines looked at for the delimiter before settling on the default: a preamble and the header. */
const DETECTION_LINES = 16;

/**
 * Characters looked at, at most: a header line of a million columns would otherwise be read whole
 * in one go. The first 256 Ki characters of a line show its delimiter as well as the whole line.
 */
const DETECTION_CHARS = 1 << 18;

/**
 * Scan for delimiter detection: the first line with a candidate delimiter outside quotes decides,
 * so a preamble line without one ("Notes:") does not, and the scan stops there instead of reading a
 * 20 MB text. Quotes are read as the parser reads them: one opens a quoted field only at the start
 * of a field.
 */
class FirstLineScanner {
  private started = false;
  private inQuotes = false;
  /** A quote just ended a quoted field; a second one right after it is an escaped quote. */
  private justClosed = false;
  private fieldStart = true;
  private lines = 0;
  private readonly counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  done = false;

  /** Returns true once the deciding line is complete; later input is ignored. */
  feed(text: string): boolean {
    const end = Math.min(text.length, DETECTION_CHARS);
    for (let i = 0; i < end && !this.done; i++) this.step(text[i]);
    return this.done;
  }

  private step(ch: string): void {
    if (!this.started) {
      // Blank and whitespace-only lines are skipped by the parser too, so they must not decide
      // the delimiter. Tab is not skipped: it may be the delimiter of an empty first cell.
      if (ch !== '\t' && /\s/.test(ch)) return;
      this.started = true;
      this.fieldStart = true;
    }
    if (this.inQuotes) {
      if (ch === QUOTE) {
        this.inQuotes = false;
        this.justClosed = true;
      }
      return;
    }
    if (this.justClosed) {
      this.justClosed = false;
      if (ch === QUOTE) {
        this.inQuotes = true;
        return;
      }
    }
    if (ch === QUOTE && this.fieldStart) {
      this.inQuotes = true;
      this.fieldStart = false;
    } else if (ch === '\n' || ch === '\r') {
      this.endLine();
    } else if (this.counts.has(ch as Delimiter)) {
      this.counts.set(ch as Delimiter, this.counts.get(ch as Delimiter)! + 1);
      this.fieldStart = true;
    } else {
      this.fieldStart = false;
    }
  }

  private endLine(): void {
    this.started = false;
    this.lines++;
    if ([...this.counts.values()].some((n) => n > 0) || this.lines >= DETECTION_LINES) this.done = true;
  }

  result(): Delimiter {
    let best: Delimiter = ',';
    let bestCount = 0;
    let tie = false;
    for (const [d, n] of this.counts) {
      if (n > bestCount) {
        best = d;
        bestCount = n;
        tie = false;
      } else if (n === bestCount && n > 0) {
        tie = true;
      }
    }
    // A tie means the line itself cannot tell; the contract's default is the safer guess.
    return bestCount === 0 || tie ? ',' : best;
  }
}

/** Picks the delimiter from the first non-blank line that has one, counting only characters outside quotes. */
export function detectDelimiter(text: string): Delimiter {
  const scanner = new FirstLineScanner();
  scanner.feed(text);
  return scanner.result();
}
