/** @module Refuses query strings no handler can use: invalid percent-encoding, invalid UTF-8, or a NUL that PostgreSQL text cannot hold. */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';

export interface QueryProblem {
  /** The parameter's name as far as it could be read; `?` stands for what could not. */
  param: string;
  what: string;
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return null; // a stray %, or percent-encoded bytes that are not UTF-8 (surrogates included)
  }
}

/** The first unusable name or value in `url`'s query string, or null. */
export function queryProblem(url: string): QueryProblem | null {
  const start = url.indexOf('?');
  if (start < 0) return null;
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end < 0 ? undefined : end);
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decode(rawName);
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const param = name === null ? rawName.replace(/%/g, '?').slice(0, 64) : name.replaceAll('\u0000', '?').slice(0, 64);
    if (name === null || value === null) return { param, what: 'invalid percent-encoding or invalid UTF-8' };
    if (name.includes('\u0000') || value.includes('\u0000')) return { param, what: 'a NUL character (%00)' };
  }
  return null;
}

/** App-wide, before authentication: a query string that cannot be read is a malformed request on any route. */
export function queryText() {
  return createMiddleware<AppEnv>(async function queryText(c, next) {
    const problem = queryProblem(c.req.url);
    if (problem) {
      throw new ApiError('validation_error', `The query string holds ${problem.what} in "${problem.param}".`, [
        { path: problem.param, message: problem.what },
      ]);
    }
    await next();
  });
}
