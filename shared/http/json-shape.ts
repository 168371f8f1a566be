/** @module Shape checks on JSON bodies that must never recurse: nesting depth and keys per object (on the text) and text PostgreSQL cannot store (on the value). */

import { NextIndex, type PartedText, partsOf } from '../lib/text-scan.ts';
import { giveTurn } from '../lib/turns.ts';
import { truncate } from '../contacts/messages.ts';

/** Deepest nesting of objects and arrays a JSON body may have; the top-level object counts as 1. */
export const MAX_JSON_DEPTH = 64;

/** Characters scanned, or values visited, between two looks at the clock (giveTurn decides when to give one). */
const SLICE = 1 << 16;
const VALUES_PER_LOOK = 1024;

/**
 * Most keys one JSON object in a request body may have. Enumerating the keys of a huge object is
 * one uninterruptible step (about 0.6 s for a million), so such a body is refused before it is
 * parsed. Nothing legitimate comes close: a contact has 14 fields, custom_fields fit 16 KiB (at
 * most ~3,300 keys) and a CSV has at most MAX_CSV_COLUMNS columns to map (the same number).
 */
export const MAX_OBJECT_KEYS = 32_768;

/** What makes a body's shape unacceptable, found on its text: where, and which limit. */
export interface ShapeProblem {
  at: number;
  limit: 'depth' | 'keys';
}

/** Thrown by parseJson (json-sliced.ts) given limits: the body's shape is refused, whatever else is wrong with it. */
export class ShapeLimitError extends Error {
  constructor(readonly problem: ShapeProblem) {
    super(`${problem.limit} limit passed at character ${problem.at}`);
    this.name = 'ShapeLimitError';
  }
}

/** The limits a request body is held to. */
export interface ShapeLimits {
  maxDepth: number;
  maxKeys: number;
}

export const BODY_LIMITS: ShapeLimits = { maxDepth: MAX_JSON_DEPTH, maxKeys: MAX_OBJECT_KEYS };

/**
 * The first place where the text (or the concatenation of its parts) nests deeper than `maxDepth`
 * or an object gets more than `maxKeys` keys, or null. Runs on a small text before JSON.parse reads
 * it, so a body of a million brackets or keys never becomes a million nested values or properties,
 * and any later walk over the value is bounded (a large text's parser holds the limits as it reads:
 * parseJson). Linear, no recursion, in slices.
 */
export async function shapeProblemAt(
  text: PartedText,
  maxDepth = MAX_JSON_DEPTH,
  maxKeys = MAX_OBJECT_KEYS,
): Promise<ShapeProblem | null> {
  const reader = new ShapeReader(maxDepth, maxKeys);
  let base = 0;
  for (const part of partsOf(text)) {
    const problem = await reader.read(part, base);
    if (problem) return problem;
    base += part.length;
  }
  return null;
}

/** The state shapeProblemAt carries from one part of the text to the next. */
class ShapeReader {
  // Keys seen in the open container at each depth: outside strings, a colon only ever follows a key.
  private readonly keys: Uint32Array;
  private depth = 0;
  private inString = false;
  /** Where reading goes on in the next part: past its start when this one ends in a backslash. */
  private next = 0;

  constructor(private readonly maxDepth: number, private readonly maxKeys: number) {
    this.keys = new Uint32Array(maxDepth + 2);
  }

  async read(text: string, base: number): Promise<ShapeProblem | null> {
    const { keys, maxDepth, maxKeys } = this;
    // Inside a string only a quote or a backslash matters: the reader jumps from one to the next.
    const quotes = new NextIndex(text, '"');
    const backslashes = new NextIndex(text, '\\');
    let { depth, inString } = this;
    let i = this.next;
    while (i < text.length) {
      const end = Math.min(text.length, i + SLICE);
      while (i < end) {
        if (inString) {
          // Escapes often follow one another (`\\r\\n`): no search for the next one.
          const next = text.charCodeAt(i) === 0x5c ? i : backslashes.from(i);
          const quote = quotes.from(i);
          if (quote < next) {
            inString = false;
            i = quote + 1;
          } else {
            // A backslash escapes the next character, whatever it is; no quote left: the rest is string.
            i = next === Infinity ? text.length : next + 2;
          }
          continue;
        }
        const ch = text.charCodeAt(i);
        if (ch === 0x22) {
          inString = true;
        } else if (ch === 0x7b || ch === 0x5b) {
          if (++depth > maxDepth) return { at: base + i, limit: 'depth' };
          keys[depth] = 0;
        } else if (ch === 0x7d || ch === 0x5d) {
          depth--;
        } else if (ch === 0x3a && depth > 0) {
          if (++keys[depth] > maxKeys) return { at: base + i, limit: 'keys' };
        }
        i++;
      }
      await giveTurn();
    }
    this.depth = depth;
    this.inString = inString;
    this.next = i - text.length;
    return null;
  }
}

// PostgreSQL text cannot hold U+0000, and JSON escapes can smuggle in unpaired surrogates that no
// UTF-8 text can represent; either would fail the whole write later as a 500.
// deno-lint-ignore no-control-regex -- finding U+0000 is the point of this pattern.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with `s` for PostgreSQL text, or null; a long text (a CSV) is located by line. */
function describeUnstorable(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  return m ? describeMatch(s, m[0], m.index) : null;
}

function describeMatch(s: string, ch: string, index: number): string {
  const what = ch === '\u0000'
    ? 'a NUL character (U+0000; is the file UTF-16? save it as UTF-8)'
    : 'an unpaired UTF-16 surrogate';
  if (s.length <= 200) return what;
  let line = 1;
  for (let i = s.indexOf('\n'); i !== -1 && i < index; i = s.indexOf('\n', i + 1)) line++;
  return `${what} on line ${line}`;
}

/** Characters of one long string searched at a time: one regex over a 19 MB string holds the event loop. */
const WINDOW = 1 << 20;

/** describeUnstorable, a window at a time with turns between for a long string. */
async function describeUnstorableInTurns(s: string): Promise<string | null> {
  if (s.length <= WINDOW) return describeUnstorable(s);
  const re = new RegExp(UNSTORABLE.source, 'g');
  for (let start = 0; start < s.length; start += WINDOW) {
    await giveTurn();
    const end = Math.min(s.length, start + WINDOW);
    // One character of context on each side, so a surrogate pair across an edge is seen whole.
    const from = Math.max(0, start - 1);
    const window = s.slice(from, Math.min(s.length, end + 1));
    re.lastIndex = 0;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      const at = from + m.index;
      if (at >= start && at < end) return describeMatch(s, m[0], at);
    }
  }
  return null;
}

/** A `\u` escape of U+0000 or of a surrogate: in text known to hold neither raw, the only way to one. */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Only a U+0000 or a surrogate in the text, or a `\u` escape of one, can give a parsed string
 * PostgreSQL cannot store; a false alarm (an escaped backslash before `u0000`, a valid pair) only
 * costs the walk.
 */
const MAY_HOLD_UNSTORABLE = new RegExp(`[\\u0000\\ud800-\\udfff]|${UNSTORABLE_ESCAPE.source}`);

/**
 * Whether the concatenation of `parts` has such an escape: each part searched on its own, and each
 * edge between two parts where an escape (six characters) may be cut.
 */
export async function mayHoldUnstorableEscape(parts: readonly string[]): Promise<boolean> {
  let before = '';
  for (const part of parts) {
    await giveTurn();
    if (UNSTORABLE_ESCAPE.test(part) || UNSTORABLE_ESCAPE.test(before.slice(-5) + part.slice(0, 5))) return true;
    if (part.length > 0) before = part.length >= 5 ? part : (before + part).slice(-5);
  }
  return false;
}

/**
 * False when parsing `text` cannot give a string findUnstorableText would report: one search of a
 * body of at most a window spares it the walk over every value (a 500-row import's ~5,000 strings
 * and keys: measured 1.4 ms for the walk, 0.4 ms for the search, on a busy machine). A longer text
 * is not searched at once (it would hold the event loop): true.
 */
export function mayHoldUnstorableText(text: string): boolean {
  return text.length > WINDOW || MAY_HOLD_UNSTORABLE.test(text);
}

interface Frame {
  value: object;
  keys: string[] | null; // null for arrays
  next: number;
  /** This container's key in its parent, and the parent, so a path is built only when something is wrong. */
  key: string;
  parent: Frame | null;
}

/** The dotted path, each key shortened: it is the client's text, echoed twice in the 400. */
function pathOf(frame: Frame | null, last: string): string {
  const parts = [truncate(last)];
  for (let f = frame; f && f.parent; f = f.parent) parts.push(truncate(f.key));
  return parts.reverse().join('.');
}

function frameFor(value: object, key: string, parent: Frame | null): Frame {
  return { value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0, key, parent };
}

/**
 * The first string (value or key), in document order, that PostgreSQL could not store, with its
 * dotted path. Depth-first with an explicit stack: a deep body cannot overflow the call stack.
 */
export async function findUnstorableText(root: unknown): Promise<{ path: string; what: string } | null> {
  if (typeof root === 'string') {
    const what = await describeUnstorableInTurns(root);
    return what ? { path: '', what } : null;
  }
  if (root === null || typeof root !== 'object') return null;
  const stack: Frame[] = [frameFor(root, '', null)];
  let visited = 0;
  while (stack.length > 0) {
    if (++visited % VALUES_PER_LOOK === 0) await giveTurn();
    const frame = stack[stack.length - 1];
    const size = frame.keys ? frame.keys.length : (frame.value as unknown[]).length;
    if (frame.next >= size) {
      stack.pop();
      continue;
    }
    const i = frame.next++;
    const key = frame.keys ? frame.keys[i] : String(i);
    if (frame.keys) {
      const keyIssue = describeUnstorable(key);
      if (keyIssue) {
        // deno-lint-ignore no-control-regex -- the path is echoed to the client: U+0000 and surrogates become '?'.
        return { path: pathOf(frame, key).replace(/[\u0000\ud800-\udfff]/g, '?'), what: `${keyIssue} in a field name` };
      }
    }
    const v = (frame.value as Record<string, unknown>)[key];
    if (typeof v === 'string') {
      const what = v.length > WINDOW ? await describeUnstorableInTurns(v) : describeUnstorable(v);
      if (what) return { path: pathOf(frame, key), what };
    } else if (v !== null && typeof v === 'object') {
      stack.push(frameFor(v, key, frame));
    }
  }
  return null;
}
