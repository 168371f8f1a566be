/**
 * @module Parses JSON the way JSON.parse does, but a large body in slices that give other requests
 * (and /health) a turn: JSON.parse of a 20 MB body holds the event loop for up to seconds.
 */
// Oracle: this file as it was at 4985281, before its readers jumped over plain text; the differential tests compare the new code with it.
import { giveTurn } from '../../../shared/lib/turns.ts';

/** Bodies up to this many characters are parsed by JSON.parse in one go (a few milliseconds). */
const SLICED_PARSE_ABOVE = 1 << 20;

/** Characters read between two looks at the clock (giveTurn decides when to give one). */
const SLICE_CHARS = 1 << 14;

/** Characters of a string decoded at a time. */
const PIECE_CHARS = 1 << 16;

/** JSON.parse's answer for `text`, computed in slices when the text is large; throws a SyntaxError like JSON.parse. */
export async function parseJson(
  text: string,
  opts: { slicedAbove?: number; sliceChars?: number } = {},
): Promise<unknown> {
  if (text.length <= (opts.slicedAbove ?? SLICED_PARSE_ABOVE)) return JSON.parse(text);
  const parser = new SlicedJsonParser(text);
  while (!parser.step(opts.sliceChars ?? SLICE_CHARS)) await giveTurn();
  return parser.result();
}

interface Frame {
  value: unknown[] | Record<string, unknown>;
  isArray: boolean;
  /** The key whose value comes next (objects only). */
  key: string;
}

// What the parser expects next; every state can be left at any character and resumed.
const VALUE = 0;
const KEY = 1;
const COLON = 2;
const AFTER = 3;
const STRING = 4;
const SCALAR = 5;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Characters of a number or of true/false/null; anything else ends the token (the token is checked whole). */
function isScalarChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2b || c === 0x2d ||
    c === 0x2e;
}

function unexpected(text: string, i: number): SyntaxError {
  return new SyntaxError(`Unexpected character ${JSON.stringify(text[i])} in JSON at position ${i}`);
}

/** A resumable JSON reader: strings, numbers and literals are cut out of the text, containers built as they open. */
class SlicedJsonParser {
  private i = 0;
  private state = VALUE;
  /** A `]` or `}` may close the container now (right after it opened). */
  private mayClose = false;
  private readonly stack: Frame[] = [];
  private root: unknown = undefined;
  private tokenStart = 0;
  private afterBackslash = false;
  /** Hex digits of a \uXXXX escape still to come. */
  private hexLeft = 0;
  private stringIsKey = false;
  /** A long string is decoded a piece at a time: one JSON.parse of a 19 MB string holds the event loop. */
  private pieces: string[] = [];
  private pieceStart = 0;
  private pieceHasEscape = false;

  constructor(private readonly text: string) {}

  /** Reads up to `budget` more characters; true once the whole text is read. */
  step(budget: number): boolean {
    const t = this.text;
    const end = Math.min(t.length, this.i + budget);
    for (let i = this.i; i < end; i++) {
      const c = t.charCodeAt(i);
      if (this.state === STRING) {
        if (this.hexLeft > 0) this.hexLeft--;
        else if (this.afterBackslash) {
          this.afterBackslash = false;
          if (c === 0x75) this.hexLeft = 4;
        } else {
          // Between two characters of the string, outside any escape: a piece may end here.
          if (i - this.pieceStart >= PIECE_CHARS) this.endPiece(i);
          if (c === 0x5c) this.pieceHasEscape = this.afterBackslash = true;
          else if (c === 0x22) this.endString(i);
          else if (c < 0x20) throw new SyntaxError(`Bad control character in string literal in JSON at position ${i}`);
        }
      } else if (this.state === SCALAR) {
        if (isScalarChar(c)) continue;
        this.endScalar(i);
        i--; // this character is read again, after the value
      } else if (!isWhitespace(c)) {
        this.token(c, i);
      }
    }
    this.i = end;
    return end >= t.length;
  }

  result(): unknown {
    if (this.state === SCALAR) this.endScalar(this.text.length);
    if (this.state !== AFTER || this.stack.length > 0) throw new SyntaxError('Unexpected end of JSON input');
    return this.root;
  }

  private token(c: number, i: number): void {
    const top = this.stack[this.stack.length - 1];
    switch (this.state) {
      case VALUE:
        if (c === 0x5d && this.mayClose) return this.close();
        return this.startValue(c, i);
      case KEY:
        if (c === 0x7d && this.mayClose) return this.close();
        if (c !== 0x22) throw unexpected(this.text, i);
        return this.startString(i, true);
      case COLON:
        if (c !== 0x3a) throw unexpected(this.text, i);
        this.state = VALUE;
        this.mayClose = false;
        return;
      default: // AFTER
        if (!top) throw unexpected(this.text, i);
        if (c === 0x2c) {
          this.state = top.isArray ? VALUE : KEY;
          this.mayClose = false;
        } else if (c === (top.isArray ? 0x5d : 0x7d)) {
          this.close();
        } else {
          throw unexpected(this.text, i);
        }
    }
  }

  private startValue(c: number, i: number): void {
    if (c === 0x7b || c === 0x5b) {
      const isArray = c === 0x5b;
      const value = isArray ? [] : {};
      this.attach(value);
      this.stack.push({ value, isArray, key: '' });
      this.state = isArray ? VALUE : KEY;
      this.mayClose = true;
    } else if (c === 0x22) {
      this.startString(i, false);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
      this.state = SCALAR;
      this.tokenStart = i;
    } else {
      throw unexpected(this.text, i);
    }
  }

  private startString(i: number, isKey: boolean): void {
    this.state = STRING;
    this.tokenStart = i;
    this.pieceStart = i + 1;
    this.pieceHasEscape = false;
    this.stringIsKey = isKey;
  }

  /** Decodes the string's text from pieceStart to `end`: JSON.parse checks and decodes escapes; text without any is taken as it is. */
  private endPiece(end: number): void {
    const raw = this.text.slice(this.pieceStart, end);
    this.pieces.push(this.pieceHasEscape ? (JSON.parse(`"${raw}"`) as string) : raw);
    this.pieceStart = end;
    this.pieceHasEscape = false;
  }

  private endString(i: number): void {
    this.endPiece(i);
    // Halves of a surrogate pair escaped in two pieces join up again here.
    const s = this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    this.pieces = [];
    if (this.stringIsKey) {
      this.stack[this.stack.length - 1].key = s;
      this.state = COLON;
    } else {
      this.attach(s);
      this.state = AFTER;
    }
  }

  private endScalar(end: number): void {
    const raw = this.text.slice(this.tokenStart, end);
    let value: unknown;
    if (raw === 'true') value = true;
    else if (raw === 'false') value = false;
    else if (raw === 'null') value = null;
    else if (NUMBER.test(raw)) value = Number(raw);
    else {throw new SyntaxError(
        `Unexpected token ${JSON.stringify(raw.slice(0, 20))} in JSON at position ${this.tokenStart}`,
      );}
    this.attach(value);
    this.state = AFTER;
  }

  private close(): void {
    this.stack.pop();
    this.state = AFTER;
  }

  private attach(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = value;
    } else if (top.isArray) {
      (top.value as unknown[]).push(value);
    } else if (top.key === '__proto__') {
      // JSON.parse makes "__proto__" an own key; assigning it would replace the prototype instead.
      Object.defineProperty(top.value, top.key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      (top.value as Record<string, unknown>)[top.key] = value;
    }
  }
}
