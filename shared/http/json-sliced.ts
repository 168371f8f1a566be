/**
 * @module Parses JSON the way JSON.parse does, but a large body in slices that give other requests
 * (and /health) a turn: JSON.parse of a 20 MB body holds the event loop for up to seconds. It also
 * keeps where each element of an array under the top-level object starts and ends in the text
 * (takeRawElements), so a queued import stores its rows' own text instead of serialising 200,000
 * parsed rows again; past the rows it reads itself, it need not build them at all (elementsBuilt).
 */
import { joined, lengthOf, NextIndex, NextMatch, type PartedText, partsOf } from '../lib/text-scan.ts';
import { giveTurn } from '../lib/turns.ts';
import { ShapeLimitError, type ShapeLimits, shapeProblemAt } from './json-shape.ts';

/** Bodies up to this many characters are parsed by JSON.parse in one go (a few milliseconds). */
const SLICED_PARSE_ABOVE = 1 << 20;

/** Characters read between two looks at the clock (giveTurn decides when to give one). */
const SLICE_CHARS = 1 << 14;

/**
 * Characters of a string decoded at a time: one JSON.parse of a 19 MB string holds the event loop.
 * (Pieces of 256K characters measured several times slower: each is a large object on fresh pages.)
 */
const PIECE_CHARS = 1 << 16;

export interface ParseOptions {
  slicedAbove?: number;
  sliceChars?: number;
  /**
   * For an array under these keys of the top-level object, the number of elements built when the
   * text is parsed in slices. The elements after them are checked as strictly, and their text kept
   * (takeRawElements), but they are left as holes of the array (its length stays right): a queued
   * import of 200,000 rows reads only its first rows and the texts of the others.
   */
  elementsBuilt?: Readonly<Record<string, number>>;
  /**
   * Nesting and keys per object the text may have: the first place past them, anywhere in the
   * text, is thrown as a ShapeLimitError, before any syntax error (as shapeProblemAt would find it).
   */
  limits?: ShapeLimits;
}

/**
 * JSON.parse's answer for `text` (or the concatenation of its parts), computed in slices when the
 * text is large; throws a SyntaxError like JSON.parse. See ParseOptions.elementsBuilt for the one
 * way the answer may differ, and ParseOptions.limits for the other error.
 */
export async function parseJson(text: PartedText, opts: ParseOptions = {}): Promise<unknown> {
  const { limits } = opts;
  if (lengthOf(text) <= (opts.slicedAbove ?? SLICED_PARSE_ABOVE)) {
    // JSON.parse would build whatever the text nests: the shape is looked at first.
    const shape = limits && await shapeProblemAt(text, limits.maxDepth, limits.maxKeys);
    if (shape) throw new ShapeLimitError(shape);
    return JSON.parse(joined(text));
  }
  // The parser holds the limits as it reads (a valid text is read once, ~85-125 ms less for a
  // 19 MB body than a shape pass before it); a text it refuses is looked at again for a shape
  // problem further on, which comes first.
  const parser = new SlicedJsonParser(partsOf(text), opts.elementsBuilt ?? {}, limits);
  try {
    while (!parser.step(opts.sliceChars ?? SLICE_CHARS)) await giveTurn();
    return parser.result();
  } catch (err) {
    // Whatever the parser refused the text for (a SyntaxError, so far), a shape problem comes first.
    const shape = limits && !(err instanceof ShapeLimitError) &&
      await shapeProblemAt(text, limits.maxDepth, limits.maxKeys);
    throw shape ? new ShapeLimitError(shape) : err;
  }
}

/**
 * The text an array's elements were parsed from: element k is `parts` (joined) from bounds[2k] to
 * bounds[2k + 1]. JSON.parse of that text gives the element again, as the parser gave it.
 */
export interface RawElements {
  parts: readonly string[];
  bounds: readonly number[];
}

/** Kept for the arrays directly under the top-level object of a text parsed in slices (a small body has none). */
const rawElements = new WeakMap<unknown[], RawElements>();

/**
 * The text of each element of `array`, when it was parsed in slices as a value of the top-level
 * object, handed over once: the entry holds the whole body's text, which then lives no longer
 * than its reader needs it.
 */
export function takeRawElements(array: unknown[]): RawElements | undefined {
  const raw = rawElements.get(array);
  rawElements.delete(array);
  return raw && raw.bounds.length === 2 * array.length ? raw : undefined;
}

/** The elements' texts in order (see RawElements), read from the parts front to back. */
export function* rawElementTexts(raw: RawElements): Generator<string> {
  const { parts, bounds } = raw;
  let k = 0;
  let start = 0;
  for (let e = 0; e < bounds.length; e += 2) {
    while (start + parts[k].length <= bounds[e] && k + 1 < parts.length) start += parts[k++].length;
    yield textFrom(parts, k, start, bounds[e], bounds[e + 1]);
  }
}

/** The text from `from` to `to` of the concatenated parts, part k (which starts at `start`) holding `from`. */
function textFrom(parts: readonly string[], k: number, start: number, from: number, to: number): string {
  let s = parts[k].slice(from - start, to - start);
  for (start += parts[k].length, k++; start < to; start += parts[k].length, k++) s += parts[k].slice(0, to - start);
  return s;
}

interface Frame {
  /** null for a container of an element that is only checked, not built. */
  value: unknown[] | Record<string, unknown> | null;
  isArray: boolean;
  /** The key whose value comes next (objects only). */
  key: string;
  /** Keys read so far (objects only). */
  keys: number;
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

// deno-lint-ignore no-control-regex -- a raw control character in a string is an error to find.
const CONTROL = /[\x00-\x1f]/g;

/**
 * A resumable JSON reader: strings, numbers and literals are cut out of the text, containers built
 * as they open. Positions count in the whole text; the reader holds one part of it at a time.
 */
class SlicedJsonParser {
  /** The part being read, and where it starts in the whole text. */
  private part = 0;
  private base = 0;
  private t: string;
  private i = 0;
  private state = VALUE;
  /** A `]` or `}` may close the container now (right after it opened). */
  private mayClose = false;
  private readonly stack: Frame[] = [];
  private root: unknown = undefined;
  /** The array directly under the top-level object being read, its elements' bounds so far, and how many of them to build. */
  private elements: { array: unknown[]; bounds: number[]; built: number } | null = null;
  /** The value being read is (part of) an element past those built: checked, not built. */
  private skimming = false;
  private tokenStart = 0;
  private afterBackslash = false;
  /** Hex digits of a \uXXXX escape still to come. */
  private hexLeft = 0;
  private stringIsKey = false;
  /** A long string is decoded a piece at a time: one JSON.parse of a 19 MB string holds the event loop. */
  private pieces: string[] = [];
  private pieceStart = 0;
  private pieceHasEscape = false;
  // Where, in the part, the characters that end a stretch of plain string text come next.
  private quotes!: NextIndex;
  private backslashes!: NextIndex;
  private controls!: NextMatch;

  constructor(
    private readonly parts: readonly string[],
    private readonly elementsBuilt: Readonly<Record<string, number>>,
    private readonly limits: ShapeLimits = { maxDepth: Infinity, maxKeys: Infinity },
  ) {
    this.t = parts[0] ?? '';
    this.searchPart();
  }

  /** Reads up to `budget` more characters (to the end of the part at most); true once the whole text is read. */
  step(budget: number): boolean {
    const t = this.t;
    const base = this.base;
    const partEnd = base + t.length;
    const end = Math.min(partEnd, this.i + budget);
    let i = this.i;
    while (i < end) {
      if (this.state === STRING) {
        i = this.readString(i, end);
        continue;
      }
      const c = t.charCodeAt(i - base);
      if (this.state === SCALAR) {
        if (!isScalarChar(c)) {
          this.endScalar(i);
          continue; // this character is read again, after the value
        }
      } else if (!isWhitespace(c)) {
        this.token(c, i);
      }
      i++;
    }
    this.i = end;
    if (end < partEnd || this.part + 1 >= this.parts.length) return end >= partEnd;
    this.base = partEnd;
    this.t = this.parts[++this.part];
    this.searchPart();
    return false;
  }

  private searchPart(): void {
    this.quotes = new NextIndex(this.t, '"');
    this.backslashes = new NextIndex(this.t, '\\');
    this.controls = new NextMatch(this.t, CONTROL);
  }

  /**
   * Reads a string's text from `i` up to `end` or the closing quote; returns where it stopped.
   * Escapes are read a character at a time (a step may end anywhere in one); the plain text
   * between them is passed over in one go.
   */
  private readString(i: number, end: number): number {
    const t = this.t;
    const base = this.base;
    while (i < end) {
      if (this.hexLeft > 0) {
        this.hexLeft--;
        i++;
      } else if (this.afterBackslash) {
        this.afterBackslash = false;
        if (t.charCodeAt(i - base) === 0x75) this.hexLeft = 4;
        i++;
      } else {
        const stop = this.nextStop(i, end);
        // Between two characters of the string, outside any escape: a piece may end anywhere up to here.
        if ((stop < end ? stop : end - 1) >= this.pieceStart + PIECE_CHARS) {
          this.endPiecesThrough(i, stop < end ? stop : end - 1);
        }
        if (stop === end) return end;
        const c = t.charCodeAt(stop - base);
        if (c === 0x5c) {
          this.pieceHasEscape = this.afterBackslash = true;
        } else if (c === 0x22) {
          this.endString(stop);
          return stop + 1;
        } else if (c < 0x20) {
          throw new SyntaxError(`Bad control character in string literal in JSON at position ${stop}`);
        } // else plain text where the search for control characters paused
        i = stop + 1;
      }
    }
    return i;
  }

  /** The text from `from` to `to` (both at most the end of the part being read), from as many parts as it spans. */
  private slice(from: number, to: number): string {
    if (from >= this.base) return this.t.slice(from - this.base, to - this.base);
    let k = this.part;
    let start = this.base;
    while (start > from) start -= this.parts[--k].length;
    return textFrom(this.parts, k, start, from, to);
  }

  private unexpected(i: number): SyntaxError {
    return new SyntaxError(`Unexpected character ${JSON.stringify(this.t[i - this.base])} in JSON at position ${i}`);
  }

  result(): unknown {
    if (this.state === SCALAR) this.endScalar(this.base + this.t.length);
    if (this.state !== AFTER || this.stack.length > 0) throw new SyntaxError('Unexpected end of JSON input');
    return this.root;
  }

  private token(c: number, i: number): void {
    const top = this.stack[this.stack.length - 1];
    switch (this.state) {
      case VALUE:
        if (c === 0x5d && this.mayClose) return this.close(i);
        return this.startValue(c, i);
      case KEY:
        if (c === 0x7d && this.mayClose) return this.close(i);
        if (c !== 0x22) throw this.unexpected(i);
        return this.startString(i, true);
      case COLON:
        if (c !== 0x3a) throw this.unexpected(i);
        if (++top.keys > this.limits.maxKeys) throw new ShapeLimitError({ at: i, limit: 'keys' });
        this.state = VALUE;
        this.mayClose = false;
        return;
      default: // AFTER
        if (!top) throw this.unexpected(i);
        if (c === 0x2c) {
          this.state = top.isArray ? VALUE : KEY;
          this.mayClose = false;
        } else if (c === (top.isArray ? 0x5d : 0x7d)) {
          this.close(i);
        } else {
          throw this.unexpected(i);
        }
    }
  }

  private startValue(c: number, i: number): void {
    if (this.atElement()) {
      const { bounds, built } = this.elements!;
      this.skimming = bounds.length >> 1 >= built;
      bounds.push(i);
    }
    if (c === 0x7b || c === 0x5b) {
      if (this.stack.length >= this.limits.maxDepth) throw new ShapeLimitError({ at: i, limit: 'depth' });
      const isArray = c === 0x5b;
      const value: unknown[] | Record<string, unknown> | null = this.skimming ? null : isArray ? [] : {};
      if (isArray && this.stack.length === 1 && !this.stack[0].isArray) {
        const key = this.stack[0].key;
        const built = Object.hasOwn(this.elementsBuilt, key) ? this.elementsBuilt[key] : Infinity;
        this.elements = { array: value as unknown[], bounds: [], built };
      }
      this.attach(value);
      this.stack.push({ value, isArray, key: '', keys: 0 });
      this.state = isArray ? VALUE : KEY;
      this.mayClose = true;
    } else if (c === 0x22) {
      this.startString(i, false);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
      this.state = SCALAR;
      this.tokenStart = i;
    } else {
      throw this.unexpected(i);
    }
  }

  private startString(i: number, isKey: boolean): void {
    this.state = STRING;
    this.tokenStart = i;
    this.pieceStart = i + 1;
    this.pieceHasEscape = false;
    this.stringIsKey = isKey;
  }

  /** The next quote, backslash or control character from `i` on (or a place where the search paused), or `end`. */
  private nextStop(i: number, end: number): number {
    const at = i - this.base;
    const c = this.t.charCodeAt(at);
    // Escapes often follow one another (`\\r\\n`): no search for those.
    if (c === 0x5c || c === 0x22 || c < 0x20) return i;
    return Math.min(end, this.base + Math.min(this.quotes.from(at), this.backslashes.from(at), this.controls.from(at)));
  }

  /** Ends each piece that reaches PIECE_CHARS at a place from `from` to `last`, all outside any escape. */
  private endPiecesThrough(from: number, last: number): void {
    for (let at = Math.max(from, this.pieceStart + PIECE_CHARS); at <= last; at = this.pieceStart + PIECE_CHARS) {
      this.endPiece(at);
    }
  }

  /** Decodes the string's text from pieceStart to `end`: JSON.parse checks and decodes escapes; text without any is taken as it is. */
  private endPiece(end: number): void {
    if (this.skimming) {
      if (this.pieceHasEscape) JSON.parse(`"${this.slice(this.pieceStart, end)}"`);
      this.pieceStart = end;
      this.pieceHasEscape = false;
      return;
    }
    const raw = this.slice(this.pieceStart, end);
    this.pieces.push(this.pieceHasEscape ? (JSON.parse(`"${raw}"`) as string) : raw);
    this.pieceStart = end;
    this.pieceHasEscape = false;
  }

  private endString(i: number): void {
    if (this.skimming) return this.endSkimmedString(i);
    let s: string;
    if (this.pieces.length === 0) {
      // The string is one piece: its own text, quotes included, is the text JSON.parse would decode.
      s = this.pieceHasEscape
        ? (JSON.parse(this.slice(this.tokenStart, i + 1)) as string)
        : this.slice(this.pieceStart, i);
    } else {
      this.endPiece(i);
      // Halves of a surrogate pair escaped in two pieces join up again here.
      s = this.pieces.join('');
      this.pieces = [];
    }
    if (this.stringIsKey) {
      this.stack[this.stack.length - 1].key = s;
      this.state = COLON;
    } else {
      this.attach(s);
      this.state = AFTER;
      this.endElementAt(i + 1);
    }
  }

  /** A string of an element that is not built: its escapes checked, its text not cut out. */
  private endSkimmedString(i: number): void {
    if (this.pieceHasEscape) JSON.parse(`"${this.slice(this.pieceStart, i)}"`);
    if (this.stringIsKey) {
      this.state = COLON;
    } else {
      this.state = AFTER;
      this.endElementAt(i + 1);
    }
  }

  /** After a value: when it was an element of the kept array, its end. */
  private endElementAt(end: number): void {
    if (this.atElement()) {
      this.elements!.bounds.push(end);
      this.skimming = false;
    }
  }

  private endScalar(end: number): void {
    const raw = this.slice(this.tokenStart, end);
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
    this.endElementAt(end);
  }

  /** Closes the container at `i`. */
  private close(i: number): void {
    const closed = this.stack.pop()!;
    this.state = AFTER;
    if (this.atElement()) this.endElementAt(i + 1);
    else if (closed.value !== null && closed.value === this.elements?.array) {
      const { array, bounds } = this.elements;
      // The elements not built are holes: the length is the count of elements read.
      array.length = bounds.length >> 1;
      rawElements.set(array, { parts: this.parts, bounds });
      this.elements = null;
    }
  }

  /** Whether the open container is the array whose elements are kept (a value now is one of them). */
  private atElement(): boolean {
    return this.elements !== null && this.stack.length === 2 && this.stack[1].value === this.elements.array;
  }

  private attach(value: unknown): void {
    if (this.skimming) return;
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
