/** @module shared/imports/csv-engine.ts as it was before the worker-cpu change (csv-parse's on_record hook, a view per record), frozen as a reference for tests. */
import { parse } from 'csv-parse';
import { CsvStructureError, type Delimiter, MAX_CSV_COLUMNS } from '../../../shared/imports/csv-record.ts';
import { RecordWidthScanner } from './csv-width.ts';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Bytes fed to csv-parse but not yet behind the current line cursor. csv-parse reports record
 * ends as byte offsets (its own line counter counts a CRLF inside quotes twice), so line numbers
 * are computed here from the very bytes the parser saw. Kept as a list of chunks, because one
 * record may span many of them (an unterminated quote spans the rest of the file) and
 * re-concatenating on every chunk would be quadratic.
 */
class ByteWindow {
  private segments: Uint8Array[] = [];
  /** Absolute offset of the first retained byte. */
  private base = 0;
  private size = 0;

  get end(): number {
    return this.base + this.size;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.segments.push(chunk);
    this.size += chunk.length;
  }

  at(offset: number): number | undefined {
    let o = offset - this.base;
    if (o < 0) return undefined;
    for (const seg of this.segments) {
      if (o < seg.length) return seg[o];
      o -= seg.length;
    }
    return undefined;
  }

  slice(from: number, to: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let pos = this.base;
    for (const seg of this.segments) {
      const segEnd = pos + seg.length;
      if (segEnd > from && pos < to) parts.push(seg.subarray(Math.max(from, pos) - pos, Math.min(to, segEnd) - pos));
      pos = segEnd;
      if (pos >= to) break;
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Line breaks in [from, to): CRLF counts once, a lone CR or LF once. */
  countBreaks(from: number, to: number): number {
    let n = 0;
    let pos = this.base;
    for (const seg of this.segments) {
      const segEnd = pos + seg.length;
      if (segEnd > from && pos < to) {
        for (let i = Math.max(from, pos) - pos, end = Math.min(to, segEnd) - pos; i < end; i++) {
          const b = seg[i];
          if (b === LF) n++;
          else if (b === CR && (i + 1 < seg.length ? seg[i + 1] : this.at(segEnd)) !== LF) n++;
        }
      }
      pos = segEnd;
      if (pos >= to) break;
    }
    return n;
  }

  dropBefore(offset: number): void {
    while (this.segments.length > 0 && this.base + this.segments[0].length <= offset) {
      const seg = this.segments.shift()!;
      this.base += seg.length;
      this.size -= seg.length;
    }
    if (this.segments.length > 0 && offset > this.base) {
      // A view, not a copy: this runs once per record.
      this.segments[0] = this.segments[0].subarray(offset - this.base);
      this.size -= offset - this.base;
      this.base = offset;
    }
  }
}

export interface EngineItem {
  kind: 'header' | 'record';
  fields: string[];
  line: number;
  /** Absolute byte offset just past the record (its line break included): where a resumed parse starts. */
  end: number;
  /** The physical line at `end`. */
  nextLine: number;
}

/** Thrown from on_record to make csv-parse stop at once instead of reading the rest of the input. An Error, because stream implementations may inspect what they are given as an error. */
const STOP = new Error('csv: record limit reached');

const WHITESPACE_ONLY = /^\s*$/;

/** Records before the header that may be skipped as a preamble, at most. */
export const PREAMBLE_LIMIT = 10;

const EXCEL_GUARD = /^\s*="((?:[^"]|"")*)"\s*$/s;

/** Excel's text guard `="00420601123456"` (written to keep leading zeros) holds the text inside it. */
function unwrapExcelGuard(field: string): string {
  if (field.indexOf('="') === -1) return field;
  const m = EXCEL_GUARD.exec(field);
  return m ? m[1].replace(/""/g, '"') : field;
}

interface HeaderSearch {
  isHeader?: (fields: string[]) => boolean;
  /** Records seen while looking for the header; they are the preamble once it is found. */
  held: EngineItem[];
  /** Non-blank records before the header. */
  preambleRecords: number;
}

/**
 * The stream methods used on csv-parse's parser. Declared here because Deno 2.1 (the Edge
 * Runtime's) does not resolve the Node `stream.Transform` its `Parser` type extends.
 */
interface ParserStream {
  on(event: 'error', listener: () => void): unknown;
  write(chunk: Uint8Array, callback: (error?: unknown) => void): unknown;
  end(callback: (error?: unknown) => void): unknown;
}

/**
 * One csv-parse run plus the bookkeeping the contract needs: physical line numbers, skipping of
 * whitespace-only lines, and structural errors located at the start of the broken record.
 */
export class CsvEngine {
  private readonly parser: ParserStream;
  private readonly window = new ByteWindow();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  /** Byte offset up to which line breaks have been counted, and how many there were. */
  private lineCursor = 0;
  private breaksBeforeCursor = 0;
  /** End of the last record csv-parse produced, including skipped whitespace-only ones. */
  private lastEnd = 0;
  private headerPending: boolean;
  private dataCount = 0;
  /** End of the last header or data record handed out. */
  private lastItemEnd = 0;
  /** A high surrogate held back so that a pair split between chunks is encoded whole. */
  private carry = '';
  private ended = false;
  /** Held records left unread when a record limit stopped the fallback from the header search. */
  private heldLeft = false;
  private readonly search: HeaderSearch;
  private readonly width: RecordWidthScanner;
  readonly items: EngineItem[] = [];
  stopped = false;
  error: CsvStructureError | undefined;

  constructor(
    delimiter: Delimiter,
    hasHeader: boolean,
    private readonly stopAfter?: number,
    /** Where in the whole text this parse starts (byte offset and its line), when resuming. */
    private readonly base: { offset: number; line: number } = { offset: 0, line: 1 },
    isHeader?: (fields: string[]) => boolean,
  ) {
    this.headerPending = hasHeader;
    this.search = { isHeader, held: [], preambleRecords: 0 };
    this.breaksBeforeCursor = base.line - 1;
    this.width = new RecordWidthScanner(delimiter, base.line);
    this.parser = parse({
      delimiter,
      // Explicit, because auto-discovery locks onto the first ending it sees and would then glue
      // the lines of a file with mixed endings together.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A bare quote inside an unquoted field (5'10", "Nick" Smith) is text, as spreadsheets read it;
      // an unterminated quoted field is still an error.
      relax_quotes: true,
      skip_empty_lines: true,
      // The BOM is removed before the text reaches the parser, so byte offsets start at the data.
      bom: false,
      on_record: (fields: string[], context) => {
        if (fields.length > MAX_CSV_COLUMNS) throw this.tooWide(fields.length, context.bytes);
        this.onRecord(fields.map(unwrapExcelGuard), context.bytes);
        // Records are collected above; nothing is pushed into the stream, so it never back-pressures.
        return null;
      },
    }) as unknown as ParserStream;
    // Errors are taken from the write callbacks; the listener only keeps the emitter from throwing.
    this.parser.on('error', () => {});
  }

  private tooWide(columns: number, end: number): CsvStructureError {
    const line = this.lineAt(this.skipLineBreaks(this.lastEnd, end));
    return new CsvStructureError(
      'too_many_columns',
      line,
      `the record starting at line ${line} has ${columns} columns; at most ${MAX_CSV_COLUMNS} are allowed`,
    );
  }

  private onRecord(fields: string[], end: number): void {
    const start = this.skipLineBreaks(this.lastEnd, end);
    this.lastEnd = end;
    // A record of empty cells (a blank line, or a spreadsheet's blank row ",,,,") is no data row.
    if (fields.every((f) => WHITESPACE_ONLY.test(f))) {
      // Moving past it keeps a long run of such lines from piling up in the window.
      this.lineAt(end);
      this.window.dropBefore(this.lineCursor);
      return;
    }
    if (!this.headerPending && this.stopAfter !== undefined && this.dataCount >= this.stopAfter) {
      // Only reached with a limit of 0 and no header: the limit was met before this record.
      this.stopped = true;
      throw STOP;
    }
    const line = this.lineAt(start);
    const nextLine = this.lineAt(end);
    this.window.dropBefore(start);
    this.lastItemEnd = end;
    const item: EngineItem = { kind: 'record', fields, line, end: this.base.offset + end, nextLine };
    if (this.headerPending) {
      this.considerHeader(item);
    } else {
      this.dataCount++;
      this.items.push(item);
    }
    if (this.stopped || (this.stopAfter !== undefined && this.dataCount >= this.stopAfter && !this.headerPending)) {
      this.stopped = true;
      throw STOP;
    }
  }

  /** The first record the recogniser accepts is the header; those before it are the preamble. */
  private considerHeader(item: EngineItem): void {
    const { isHeader, held } = this.search;
    if (isHeader === undefined || isHeader(item.fields)) {
      this.headerPending = false;
      this.search.preambleRecords = held.length;
      held.length = 0;
      this.items.push({ ...item, kind: 'header' });
      return;
    }
    held.push(item);
    if (held.length > PREAMBLE_LIMIT) this.headerNotRecognised();
  }

  /** No record looked like the header: the first one is, as in any CSV, and the rest are data. */
  private headerNotRecognised(): void {
    const [first, ...rest] = this.search.held;
    this.search.held = [];
    if (first === undefined) return;
    this.headerPending = false;
    this.items.push({ ...first, kind: 'header' });
    for (const [i, item] of rest.entries()) {
      if (this.stopAfter !== undefined && this.dataCount >= this.stopAfter) {
        this.stopped = true;
        this.heldLeft = i < rest.length;
        return;
      }
      this.dataCount++;
      this.items.push(item);
    }
  }

  /** Non-blank records before the header (0 until the header is found). */
  get preambleRecords(): number {
    return this.search.preambleRecords;
  }

  /** Blank lines before a record are swallowed by csv-parse into that record's byte range. */
  private skipLineBreaks(from: number, to: number): number {
    let i = from;
    while (i < to) {
      const b = this.window.at(i);
      if (b !== CR && b !== LF) break;
      i++;
    }
    return i;
  }

  /** 1-based line of a byte offset; offsets are only ever asked for in increasing order. */
  private lineAt(offset: number): number {
    if (offset > this.lineCursor) {
      this.breaksBeforeCursor += this.window.countBreaks(this.lineCursor, offset);
      this.lineCursor = offset;
    }
    return this.breaksBeforeCursor + 1;
  }

  async write(text: string): Promise<void> {
    if (this.stopped || this.error || this.ended) return;
    let chunk = this.carry + text;
    this.carry = '';
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.carry = chunk.slice(-1);
      chunk = chunk.slice(0, -1);
    }
    if (chunk === '') return;
    // The parser reads up to the too-wide record (a record limit may stop it before), never into it.
    const tooWideAt = this.width.feed(chunk);
    if (tooWideAt !== -1) chunk = chunk.slice(0, tooWideAt);
    if (chunk !== '') {
      const bytes = this.encoder.encode(chunk);
      this.window.append(bytes);
      const err = await new Promise<unknown>((resolve) => {
        this.parser.write(bytes, (e?: unknown) => resolve(e ?? undefined));
      });
      this.settle(err);
    }
    if (tooWideAt !== -1 && !this.stopped && !this.error) this.error = this.width.error();
  }

  async end(): Promise<void> {
    if (this.stopped || this.error || this.ended) return;
    if (this.carry !== '') {
      const bytes = this.encoder.encode(this.carry);
      this.carry = '';
      this.window.append(bytes);
      const err = await new Promise<unknown>((resolve) => {
        this.parser.write(bytes, (e?: unknown) => resolve(e ?? undefined));
      });
      this.settle(err);
      if (this.stopped || this.error) return;
    }
    this.ended = true;
    const err = await new Promise<unknown>((resolve) => {
      this.parser.end((e?: unknown) => resolve(e ?? undefined));
    });
    this.settle(err);
    if (!this.error && this.headerPending) this.headerNotRecognised();
  }

  /** Whether anything other than whitespace follows the last record taken. */
  restIsBlank(): boolean {
    if (this.heldLeft) return false;
    const rest = this.window.slice(Math.max(this.lastItemEnd, this.lineCursor), this.window.end);
    return WHITESPACE_ONLY.test(this.decoder.decode(rest)) && WHITESPACE_ONLY.test(this.carry);
  }

  private settle(err: unknown): void {
    if (err === undefined || err === null) return;
    if (err === STOP || this.stopped) {
      this.stopped = true;
      return;
    }
    this.error = err instanceof CsvStructureError ? err : this.toStructureError(err);
  }

  private toStructureError(err: unknown): CsvStructureError {
    const start = this.skipLineBreaks(this.lastEnd, this.window.end);
    const line = this.lineAt(start);
    const code = typeof err === 'object' && err !== null && 'code' in err
      ? String((err as { code: unknown }).code)
      : '';
    switch (code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new CsvStructureError('unterminated_quote', line, `unterminated quoted field starting at line ${line}`, {
          cause: err,
        });
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new CsvStructureError(
          'invalid_closing_quote',
          line,
          `invalid quoting in the record starting at line ${line}: a closing quote must be followed by a delimiter or a line break (write a quote inside a quoted field as "")`,
          { cause: err },
        );
      case 'INVALID_OPENING_QUOTE':
        return new CsvStructureError(
          'invalid_opening_quote',
          line,
          `invalid quoting in the record starting at line ${line}: a quote inside an unquoted field (quote the whole field and write the quote as "")`,
          { cause: err },
        );
      default:
        return new CsvStructureError('malformed_csv', line, `malformed CSV in the record starting at line ${line}`, {
          cause: err,
        });
    }
  }

  /** Hands over the items collected so far. */
  take(): EngineItem[] {
    return this.items.splice(0, this.items.length);
  }
}
