/** @module CORS for browser callers from the origins the CORS_ORIGINS setting lists (none by default). */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** `CORS_ORIGINS`: comma-separated exact origins such as `https://app.example.com`; blank entries are ignored. */
export function parseOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o !== '');
}

/**
 * Answers preflights and adds the CORS headers for listed origins only; any other origin gets no CORS
 * headers at all, so its preflight falls through to the usual 404 and the browser refuses the call.
 */
export function corsForOrigins(origins: string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-ID'],
    exposeHeaders: ['X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
    maxAge: 600,
  });
  return function corsForListedOrigins(c, next) {
    if (allowed.size > 0) c.header('Vary', 'Origin', { append: true });
    if (!allowed.has(c.req.header('origin') ?? '')) return next();
    return handler(c, next);
  };
}
