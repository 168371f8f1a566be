/** @module Reads a JSON request body strictly: JSON content type, valid UTF-8, well-formed JSON of bounded depth and object size. */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { readBody } from './body.ts';
import { ApiError } from './errors.ts';
import {
  BODY_LIMITS,
  findUnstorableText,
  MAX_JSON_DEPTH,
  MAX_OBJECT_KEYS,
  mayHoldUnstorableEscape,
  mayHoldUnstorableText,
  ShapeLimitError,
  type ShapeProblem,
} from './json-shape.ts';
import { parseJson, type ParseOptions } from './json-sliced.ts';
import { type PartedText, partsOf } from '../lib/text-scan.ts';
import { giveTurn } from '../lib/turns.ts';

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** What a route lets the reader leave unbuilt: see ParseOptions.elementsBuilt. */
export type JsonBodyOptions = Pick<ParseOptions, 'elementsBuilt'>;

/**
 * Parses the body once and stores it on the context, so validators and handlers share one parse.
 * Errors name what is wrong (content type, byte offset of bad UTF-8, JSON position) and write nothing.
 */
export async function readJsonBody(c: Context<AppEnv>, opts: JsonBodyOptions = {}): Promise<unknown> {
  const contentType = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(contentType)) {
    throw new ApiError(
      'unsupported_media_type',
      `Content-Type must be application/json (got ${
        contentType ? JSON.stringify(contentType.slice(0, 100)) : 'none'
      }).`,
    );
  }
  const bytes = await readBody(c);
  const text = await decodeInTurns(bytes);
  if (partsOf(text).every((part) => part.trim() === '')) {
    throw new ApiError('validation_error', 'The request body is empty; a JSON object is required.', [{
      path: '',
      message: 'empty body',
    }]);
  }
  // Text PostgreSQL cannot store is looked for in the parsed values, so a body that may hold some
  // is built whole; any other may leave elements unbuilt (their text is what gets stored).
  const mayHold = await mayHoldUnstorable(text);
  let parsed: unknown;
  try {
    parsed = await parseJson(text, { ...(mayHold ? {} : opts), limits: BODY_LIMITS });
  } catch (err) {
    if (err instanceof ShapeLimitError) throw shapeError(err.problem);
    throw new ApiError('validation_error', 'The request body is not valid JSON.', [
      { path: '', message: (err as Error).message.slice(0, 200) },
    ]);
  }
  const bad = mayHold ? await findUnstorableText(parsed) : null;
  if (bad) {
    throw new ApiError(
      'validation_error',
      `The request body holds text that cannot be stored at ${bad.path || 'its top level'}: ${bad.what}.`,
      [
        { path: bad.path, message: bad.what },
      ],
    );
  }
  return parsed;
}

function shapeError({ at, limit }: ShapeProblem): ApiError {
  return limit === 'depth'
    ? new ApiError(
      'validation_error',
      `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`,
      [{ path: '', message: `nesting deeper than ${MAX_JSON_DEPTH} levels at character ${at}` }],
    )
    : new ApiError('validation_error', `The request body has an object with more than ${MAX_OBJECT_KEYS} keys.`, [
      { path: '', message: `more than ${MAX_OBJECT_KEYS} keys in one object at character ${at}` },
    ]);
}

/**
 * mayHoldUnstorableText for the body's text, a long one searched a part at a time (each part a
 * quick search): for a 200,000-row body that spares a walk over 800,000 strings and keys (~50 ms),
 * and lets the parser leave rows unbuilt. The text decoded as UTF-8 (no lone surrogate) and
 * parsed (no raw NUL: JSON refuses control characters in strings and anywhere else), so only a
 * `\u` escape of U+0000 or of a surrogate can give a parsed string PostgreSQL cannot store; a
 * body escaping its other non-ASCII letters (Python's json.dumps does by default) is not suspect.
 */
async function mayHoldUnstorable(text: PartedText): Promise<boolean> {
  return typeof text === 'string' ? mayHoldUnstorableText(text) : await mayHoldUnstorableEscape(text);
}

/** Bytes decoded between two looks at the clock: decoding 20 MB at once holds the event loop. */
const DECODE_SLICE = 1 << 20;

/**
 * Bytes of a valid body decoded at a time, few enough for each part to be an ordinary heap string:
 * parts of 1 MB are large objects, each on fresh pages (measured on Deno 2.9, a 17 MB body: 59 ms
 * to decode in 1 MB parts, 3 ms in 64 KB parts).
 */
const DECODE_PART = 1 << 16;

/** The body's text: one string, or for a large body the parts it decodes to (never joined: see PartedText). */
async function decodeInTurns(bytes: Uint8Array): Promise<PartedText> {
  if (bytes.length <= DECODE_SLICE) {
    try {
      return decoder.decode(bytes);
    } catch {
      throw invalidUtf8(bytes, 0);
    }
  }
  // Parts cut between characters decode on their own, without a streaming decoder (Node's gives
  // two-byte strings: twice the memory, slower for every reader after). Only a BOM at the very
  // start is dropped, as the streaming decoder drops it.
  const first = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const rest = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const parts: string[] = [];
  for (let from = 0; from < bytes.length;) {
    await giveTurn();
    const to = characterBoundary(bytes, from, Math.min(bytes.length, from + DECODE_PART));
    try {
      parts.push((from === 0 ? first : rest).decode(bytes.subarray(from, to)));
    } catch {
      // Invalid somewhere: the streaming decode names the offset exactly as it always has.
      return await decodeStreaming(bytes);
    }
    from = to;
  }
  return parts;
}

/** The first character start at or a few bytes before `at` (after `from`); any place in a run of continuation bytes too long to be valid. */
function characterBoundary(bytes: Uint8Array, from: number, at: number): number {
  if (at >= bytes.length) return at;
  for (let b = at; b > from && at - b <= 3; b--) {
    if ((bytes[b] & 0xc0) !== 0x80) return b;
  }
  return at;
}

/** Decodes in slices with a streaming decoder, which carries a character split between two slices over to the next one. */
async function decodeStreaming(bytes: Uint8Array): Promise<string> {
  const streaming = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += DECODE_SLICE) {
    await giveTurn();
    try {
      parts.push(streaming.decode(bytes.subarray(i, i + DECODE_SLICE), { stream: i + DECODE_SLICE < bytes.length }));
    } catch {
      // Everything before this slice decoded, so the bad sequence is in it (or starts just before it).
      throw invalidUtf8(bytes, i);
    }
  }
  return parts.join('');
}

function invalidUtf8(bytes: Uint8Array, validUpTo: number): ApiError {
  return new ApiError('validation_error', 'The request body is not valid UTF-8.', [
    { path: '', message: `invalid UTF-8 at byte ${firstInvalidUtf8Offset(bytes, validUpTo)}` },
  ]);
}

/** Bytes a probe decodes at once while narrowing a bad slice down to a few KB. */
const PROBE = 4096;

/**
 * Offset of the first bad sequence, given that `bytes[0, validUpTo)` decoded (maybe ending inside a
 * character) and the bad sequence lies within one slice after it: a probe finds the 4 KB that fail,
 * then a bisection inside them, so the work is bounded by one slice whatever the body's size.
 */
function firstInvalidUtf8Offset(bytes: Uint8Array, validUpTo: number): number {
  const end = Math.min(bytes.length, validUpTo + DECODE_SLICE);
  const from = characterStart(bytes, validUpTo);
  const probe = new TextDecoder('utf-8', { fatal: true });
  for (let at = from; at < end; at += PROBE) {
    const stop = Math.min(at + PROBE, end);
    try {
      probe.decode(bytes.subarray(at, stop), { stream: stop < bytes.length });
    } catch {
      return bisect(bytes, characterStart(bytes, at), stop);
    }
  }
  return bisect(bytes, from, end);
}

/** Where the character holding byte `at - 1` starts, when the valid bytes before `at` end inside it; else `at`. */
function characterStart(bytes: Uint8Array, at: number): number {
  let b = at;
  while (b > 0 && at - b < 3 && (bytes[b - 1] & 0xc0) === 0x80) b--;
  return b > 0 && bytes[b - 1] >= 0xc0 ? b - 1 : b;
}

/** Bisects `bytes[from, end)`, which starts on a character boundary and holds the bad sequence. */
function bisect(bytes: Uint8Array, from: number, end: number): number {
  // The longest prefix a streaming fatal decoder accepts ends at the bad sequence, possibly after
  // the lead byte of a character the bad byte then breaks.
  const decodes = (stop: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(from, stop), { stream });
      return true;
    } catch {
      return false;
    }
  };
  let lo = from;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (decodes(mid, true)) lo = mid;
    else hi = mid - 1;
  }
  if (!decodes(lo, false)) {
    while (lo > from && (bytes[lo - 1] & 0xc0) === 0x80) lo--;
    lo--;
  }
  return lo;
}

/** Route middleware: reads the body strictly before the route's zod validator sees it. */
export function jsonBody(opts: JsonBodyOptions = {}) {
  return createMiddleware<AppEnv>(async function jsonBody(c, next) {
    const parsed = await readJsonBody(c, opts);
    // The validator calls c.req.json(); answering from the strict parse avoids parsing twice and
    // keeps our precise error messages instead of a generic "Malformed JSON".
    c.req.json = (() => Promise.resolve(parsed)) as typeof c.req.json;
    await next();
  });
}
