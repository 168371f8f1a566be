/** @module Per-key rate limiting with the contract's X-RateLimit-* headers; fails open (and logs) when the limiter is unreachable. */
import { createMiddleware } from 'hono/factory';
import type { RateLimiter } from '../ratelimit/limiter.ts';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';
import type { Logger } from '../lib/logger.ts';
import { withTimeout } from '../lib/timeout.ts';

export function rateLimit(limiter: RateLimiter, logger: Logger, timeoutMs = 750) {
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const principal = c.get('principal');
    let result;
    try {
      result = await withTimeout(limiter.limit(principal.keyId, principal.rateLimitPerMinute), timeoutMs);
    } catch (err) {
      logger.log('warn', 'rate limiter unavailable; failing open', {
        request_id: c.get('requestId'),
        limiter: limiter.backend,
        error_message: (err as Error)?.message,
      });
      return next();
    }
    const headers = {
      'X-RateLimit-Limit': String(result.limit),
      'X-RateLimit-Remaining': String(Math.max(0, result.remaining)),
      'X-RateLimit-Reset': String(Math.ceil(result.reset / 1000)),
    };
    if (!result.success) {
      const retryAfter = Math.max(1, Math.ceil((result.reset - Date.now()) / 1000));
      throw new ApiError(
        'rate_limited',
        `Rate limit of ${result.limit} requests per minute exceeded; retry in ${retryAfter} s.`,
        undefined,
        {
          ...headers,
          'Retry-After': String(retryAfter),
        },
      );
    }
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  });
}
