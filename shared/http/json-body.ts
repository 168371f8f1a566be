/** @module Reads a JSON request body strictly: JSON content type, valid UTF-8, well-formed JSON. */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { readBody } from './body.ts';
import { ApiError } from './errors.ts';

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses the body once and stores it on the context, so validators and handlers share one parse.
 * Errors name what is wrong (content type, byte offset of bad UTF-8, JSON position) and write nothing.
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const contentType = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(contentType)) {
    throw new ApiError('unsupported_media_type', `Content-Type must be application/json (got ${contentType ? JSON.stringify(contentType.slice(0, 100)) : 'none'}).`);
  }
  const bytes = await readBody(c);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new ApiError('validation_error', 'The request body is not valid UTF-8.', [
      { path: '', message: `invalid UTF-8 at byte ${firstInvalidUtf8Offset(bytes)}` },
    ]);
  }
  if (text.trim() === '') {
    throw new ApiError('validation_error', 'The request body is empty; a JSON object is required.', [{ path: '', message: 'empty body' }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError('validation_error', 'The request body is not valid JSON.', [
      { path: '', message: (err as Error).message.slice(0, 200) },
    ]);
  }
  const bad = findUnstorableText(parsed, '');
  if (bad) {
    throw new ApiError('validation_error', `The request body holds text that cannot be stored at ${bad.path || 'its top level'}: ${bad.what}.`, [
      { path: bad.path, message: bad.what },
    ]);
  }
  return parsed;
}

// PostgreSQL text cannot hold U+0000, and JSON escapes can smuggle in unpaired surrogates that no
// UTF-8 text can represent; either would fail the whole write later as a 500.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describeUnstorable(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  if (!m) return null;
  const what = m[0] === '\u0000' ? 'a NUL character (U+0000; is the file UTF-16? save it as UTF-8)' : 'an unpaired UTF-16 surrogate';
  // Long texts (a CSV) are located by line, as a person would look for it.
  if (s.length > 200) {
    let line = 1;
    for (let i = 0; i < m.index; i++) if (s.charCodeAt(i) === 10) line++;
    return `${what} on line ${line}`;
  }
  return what;
}

/** The first string (value or key) that PostgreSQL could not store, with its path. */
export function findUnstorableText(value: unknown, path: string): { path: string; what: string } | null {
  if (typeof value === 'string') {
    const what = describeUnstorable(value);
    return what ? { path, what } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnstorableText(value[i], path ? `${path}.${i}` : String(i));
      if (bad) return bad;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyIssue = describeUnstorable(k);
      const here = path ? `${path}.${k}` : k;
      if (keyIssue) return { path: here.replace(/[\u0000\ud800-\udfff]/g, '?'), what: `${keyIssue} in a field name` };
      const bad = findUnstorableText(v, here);
      if (bad) return bad;
    }
  }
  return null;
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  // Bisect on a streaming fatal decoder: the longest prefix it accepts ends at the bad sequence,
  // possibly after the lead byte of a character the bad byte then breaks.
  const decodes = (end: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (decodes(mid, true)) lo = mid;
    else hi = mid - 1;
  }
  if (!decodes(lo, false)) {
    while (lo > 0 && (bytes[lo - 1] & 0xc0) === 0x80) lo--;
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
