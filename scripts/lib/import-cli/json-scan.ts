/**
 * @module Finds the rows of a JSON import file in its raw bytes, chunk by chunk: the elements of
 * a top-level array (`[{…}, {…}]`), or the lines of NDJSON (one object per line). Only strings,
 * escapes and nesting are tracked; each row is parsed on its own when its part is sent.
 */

export interface ScannedRow {
  /** Byte offsets of the row's own text in the file: [start, end). */
  start: number;
  end: number;
  /** Physical line where the row starts. */
  line: number;
}

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class JsonRowScanner {
  private pos = 0;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private rowStart = -1;
  private rowLine = 0;
  private sawArrayEnd = false;

  /** `array`: one top-level array of objects; `ndjson`: one object per line. */
  constructor(
    private readonly format: 'array' | 'ndjson',
    private readonly onRow: (r: ScannedRow) => void,
  ) {}

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++, this.pos++) {
      const b = chunk[i];
      if (this.inString) this.stringByte(b);
      else this.structureByte(b);
      if (b === 0x0a) this.line++;
    }
  }

  finish(): void {
    if (this.inString || this.depth > (this.format === 'array' ? 1 : 0)) {
      throw new JsonScanError('the file ends inside a row', this.rowLine || this.line);
    }
    if (this.format === 'array' && !this.sawArrayEnd) {
      throw new JsonScanError('the array is not closed with ]', this.line);
    }
  }

  private stringByte(b: number): void {
    if (this.escaped) this.escaped = false;
    else if (b === 0x5c) this.escaped = true;
    else if (b === 0x22) this.inString = false;
  }

  /** Depth 0 is outside everything; for an array file, rows live at depth 1. */
  private structureByte(b: number): void {
    const rowDepth = this.format === 'array' ? 1 : 0;
    if (WS.has(b)) return;
    if (this.sawArrayEnd) throw new JsonScanError('text after the closing ]', this.line);
    if (this.depth === rowDepth && this.rowStart < 0) return this.topLevelByte(b, rowDepth);
    if (b === 0x22) this.inString = true;
    else if (b === 0x7b || b === 0x5b) this.depth++;
    else if (b === 0x7d || b === 0x5d) {
      this.depth--;
      if (this.depth === rowDepth) {
        this.onRow({ start: this.rowStart, end: this.pos + 1, line: this.rowLine });
        this.rowStart = -1;
      }
    }
  }

  /** Between rows: the array's own brackets and commas, or the start of the next object. */
  private topLevelByte(b: number, rowDepth: number): void {
    if (rowDepth === 1 && b === 0x5d) {
      this.sawArrayEnd = true;
      this.depth = 0;
    } else if (b === 0x2c) {
      // A comma between rows. Accepted at depth 0 too, so a slice of an array's rows can be
      // scanned again as if it were NDJSON.
    } else if (b === 0x7b) {
      this.rowStart = this.pos;
      this.rowLine = this.line;
      this.depth++;
    } else {
      throw new JsonScanError('every row must be a JSON object', this.line);
    }
  }
}
