/** @module Reads a JSON request body strictly: JSON content type, valid UTF-8, well-formed JSON of bounded depth and object size. */
// Oracle: this file as it was at 4985281, before its readers jumped over plain text; the differential tests compare the new code with it.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../../shared/http/env.ts';
import { readBody } from '../../../shared/http/body.ts';
import { ApiError } from '../../../shared/http/errors.ts';
import {
  findUnstorableText,
  MAX_JSON_DEPTH,
  MAX_OBJECT_KEYS,
  mayHoldUnstorableText,
  shapeProblemAt,
} from './json-shape.ts';
import { parseJson } from './json-sliced.ts';
import { giveTurn } from '../../../shared/lib/turns.ts';

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses the body once and stores it on the context, so validators and handlers share one parse.
 * Errors name what is wrong (content type, byte offset of bad UTF-8, JSON position) and write nothing.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
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
  if (text.trim() === '') {
    throw new ApiError('validation_error', 'The request body is empty; a JSON object is required.', [{
      path: '',
      message: 'empty body',
    }]);
  }
  const shape = await shapeProblemAt(text);
  if (shape?.limit === 'depth') {
    throw new ApiError(
      'validation_error',
      `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`,
      [
        { path: '', message: `nesting deeper than ${MAX_JSON_DEPTH} levels at character ${shape.at}` },
      ],
    );
  }
  if (shape?.limit === 'keys') {
    throw new ApiError('validation_error', `The request body has an object with more than ${MAX_OBJECT_KEYS} keys.`, [
      { path: '', message: `more than ${MAX_OBJECT_KEYS} keys in one object at character ${shape.at}` },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = await parseJson(text);
  } catch (err) {
    throw new ApiError('validation_error', 'The request body is not valid JSON.', [
      { path: '', message: (err as Error).message.slice(0, 200) },
    ]);
  }
  const bad = mayHoldUnstorableText(text) ? await findUnstorableText(parsed) : null;
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

/** Bytes decoded between two looks at the clock: decoding 20 MB at once holds the event loop. */
const DECODE_SLICE = 1 << 20;

async function decodeInTurns(bytes: Uint8Array): Promise<string> {
  if (bytes.length <= DECODE_SLICE) {
    try {
      return decoder.decode(bytes);
    } catch {
      throw invalidUtf8(bytes, 0);
    }
  }
  // A streaming decoder carries a character split between two slices over to the next one.
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
export function jsonBody() {
  return createMiddleware<AppEnv>(async function jsonBody(c, next) {
    const parsed = await readJsonBody(c);
    // The validator calls c.req.json(); answering from the strict parse avoids parsing twice and
    // keeps our precise error messages instead of a generic "Malformed JSON".
    c.req.json = (() => Promise.resolve(parsed)) as typeof c.req.json;
    await next();
  });
}
