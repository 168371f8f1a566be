/** @module Rate limiting with @upstash/ratelimit (sliding window) over any @upstash/redis client: Upstash's HTTP front, or TCP Redis through a requester. */
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { LimiterUnavailableError, type LimitResult, type RateLimiter } from './limiter.ts';

export interface UpstashLimiterOptions {
  /** Redis key prefix, so several deployments can share one database. */
  prefix?: string;
  /** Milliseconds to wait for Redis before failing open. */
  timeoutMs?: number;
  backend?: string;
}

export function createUpstashLimiter(redis: Redis, options: UpstashLimiterOptions = {}): RateLimiter {
  const timeoutMs = options.timeoutMs ?? 500;
  // One Ratelimit per distinct per-key limit, created on first use and then reused; limits are few.
  const byLimit = new Map<number, Ratelimit>();
  const forLimit = (perMinute: number) => {
    let rl = byLimit.get(perMinute);
    if (!rl) {
      rl = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(perMinute, '60 s'),
        prefix: options.prefix ?? 'leadlex:ratelimit',
        timeout: timeoutMs,
        analytics: false,
      });
      byLimit.set(perMinute, rl);
    }
    return rl;
  };
  return {
    backend: options.backend ?? 'upstash',
    async limit(identifier: string, perMinute: number): Promise<LimitResult> {
      const res = await forLimit(perMinute).limit(identifier);
      // @upstash/ratelimit lets the request pass when Redis is slow; say so, so the gateway logs it.
      if (res.reason === 'timeout') throw new LimiterUnavailableError(`rate limiter timed out after ${timeoutMs} ms`);
      return { success: res.success, limit: res.limit, remaining: res.remaining, reset: res.reset };
    },
  };
}
