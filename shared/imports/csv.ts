/** @module Turns CSV text (whole, or chunk by chunk for the background worker) into numbered records, so that every row error and every structural error can point at the data row and the physical line a person sees in their editor. */
import { parse } from 'csv-parse';
import { Turns } from './turns.ts';

export type Delimiter = ',' | ';' | '\t' | '|';

export interface CsvRecord {
  /** 1-based position among DATA records (the header is not counted; skipped blank lines are not counted). */
  row_number: number;
  /** 1-based physical line where the record starts in the original text (header line included in line counting, BOM ignored). */
  line: number;
  fields: string[];
}

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

const DELIMITERS: readonly Delimiter[] = [',', ';', '\t', '|'];

/**
 * Most columns a record may have: twice the widest sheet Excel writes (16,384 columns), room for
 * the 30,000-column exports issue 15 was reported with. A wider record makes the file unreadable as
 * a whole (like a broken quote): each of its cells would cost work in every later step (header
 * matching, mapping, each row), so it is refused as soon as the parser hands it over.
 */
export const MAX_CSV_COLUMNS = 32_768;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = '"';

/** Non-blank lines looked at for the delimiter before settling on the default: a preamble and the header. */
const DETECTION_LINES = 16;

/**
 * Incremental scan for delimiter detection: the first line with a candidate delimiter outside
 * quotes decides, so a preamble line without one ("Notes:") does not. Incremental because the
 * streaming variant sees the text in pieces, and rescanning the buffered text per chunk would be
 * quadratic for a file whose first line never ends (an unterminated quote in the header). Quotes
 * are read as the parser reads them: one opens a quoted field only at the start of a field.
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
    for (let i = 0; i < text.length && !this.done; i++) this.step(text[i]);
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

interface EngineItem {
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
class CsvEngine {
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
    const bytes = this.encoder.encode(chunk);
    this.window.append(bytes);
    const err = await new Promise<unknown>((resolve) => {
      this.parser.write(bytes, (e?: unknown) => resolve(e ?? undefined));
    });
    this.settle(err);
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
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
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

function trimHeader(fields: string[]): string[] {
  // String.prototype.trim also removes U+FEFF, so a BOM that survived (e.g. a doubled one) goes too.
  return fields.map((f) => f.trim());
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Characters fed to the parser at a time, so that maxRecords can stop well before the end of a large text. */
const SLICE_CHARS = 64 * 1024;

export async function parseCsv(text: string, options: CsvParseOptions): Promise<CsvParseResult> {
  const body = stripBom(text);
  const delimiter = options.delimiter ?? detectDelimiter(body);
  const max = options.maxRecords;
  const engine = new CsvEngine(delimiter, options.hasHeader, max === undefined ? undefined : Math.max(0, max), undefined, options.isHeader);
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
  const turns = new Turns();
  let fed = 0;
  while (fed < body.length && !engine.stopped && !engine.error) {
    await turns.give();
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
 * continues from `start.line` and `start.rowNumber`. Records found before a structural error are
 * yielded before the error is thrown.
 */
export async function* streamCsvFrom(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: { delimiter: Delimiter; start: { offset: number; line: number; rowNumber: number } },
): AsyncGenerator<PositionedCsvRecord> {
  const engine = new CsvEngine(options.delimiter, false, undefined, options.start);
  let rowNumber = options.start.rowNumber;
  function* drain(): Generator<PositionedCsvRecord> {
    for (const item of engine.take()) {
      rowNumber++;
      yield { row_number: rowNumber, line: item.line, fields: item.fields, end: item.end, nextLine: item.nextLine };
    }
  }
  for await (const text of chunks) {
    if (text === '') continue;
    await engine.write(text);
    yield* drain();
    if (engine.error) throw engine.error;
  }
  await engine.end();
  yield* drain();
  if (engine.error) throw engine.error;
}

/** Streaming variant for the background worker: yields records one at a time from an async iterable of text chunks, with the same numbering, and lets the caller resume after N data records. */
export async function* streamCsv(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: {
    hasHeader: boolean;
    delimiter?: Delimiter;
    skipRecords?: number;
    onHeader?: (header: string[] | null, delimiter: Delimiter) => void;
  },
): AsyncGenerator<CsvRecord> {
  const skip = Math.max(0, options.skipRecords ?? 0);
  let engine: CsvEngine | undefined;
  let delimiter: Delimiter | undefined = options.delimiter;
  let headerReported = false;
  let rowNumber = 0;
  let atStart = true;
  // Text held back until the first line is complete, when the delimiter must be detected.
  let pending: string[] = [];
  const scanner = delimiter === undefined ? new FirstLineScanner() : undefined;

  const reportHeader = (header: string[] | null) => {
    if (headerReported) return;
    headerReported = true;
    options.onHeader?.(header, delimiter!);
  };

  const start = async (): Promise<CsvEngine> => {
    delimiter ??= scanner!.result();
    const e = new CsvEngine(delimiter, options.hasHeader);
    if (!options.hasHeader) reportHeader(null);
    for (const text of pending) await e.write(text);
    pending = [];
    return e;
  };

  function* drain(e: CsvEngine): Generator<CsvRecord> {
    for (const item of e.take()) {
      if (item.kind === 'header') {
        reportHeader(trimHeader(item.fields));
        continue;
      }
      rowNumber++;
      if (rowNumber <= skip) continue;
      yield { row_number: rowNumber, line: item.line, fields: item.fields };
    }
  }

  for await (const raw of chunks) {
    let text = raw;
    if (atStart && text !== '') {
      text = stripBom(text);
      atStart = false;
    }
    if (text === '') continue;
    if (engine === undefined) {
      pending.push(text);
      if (scanner && !scanner.feed(text)) continue;
      engine = await start();
    } else {
      await engine.write(text);
    }
    yield* drain(engine);
    if (engine.error) throw engine.error;
  }
  engine ??= await start();
  await engine.end();
  yield* drain(engine);
  if (engine.error) throw engine.error;
  reportHeader(options.hasHeader ? [] : null);
}

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
  const delim = delimiter.charCodeAt(0);
  const turns = new Turns();
  let records = 0;
  let inQuotes = false;
  let justClosed = false;
  let fieldStart = true;
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    if ((i & 0xffff) === 0) await turns.give();
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x22) {
        inQuotes = false;
        justClosed = true;
      } else if (blank && !isSpace(c)) blank = false;
      continue;
    }
    if (justClosed) {
      justClosed = false;
      if (c === 0x22) {
        // An escaped quote: text.
        inQuotes = true;
        blank = false;
        continue;
      }
    }
    if (c === 0x0a || c === 0x0d) {
      if (!blank) records++;
      blank = true;
      fieldStart = true;
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      continue;
    }
    if (c === 0x22 && fieldStart) inQuotes = true;
    fieldStart = c === delim;
    // Like the parser, a line of empty cells (",,,", '"",""') is blank.
    if (blank && c !== delim && c !== 0x22 && !isSpace(c)) blank = false;
  }
  if (!blank) records++;
  return Math.max(0, records - recordsBeforeData);
}
