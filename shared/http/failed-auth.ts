/**
 * @module Throttles failed authentications: a bounded negative cache of key hashes that failed recently
 * (a repeat costs no database query) and a per-address limit on failures in the rate limiter's backend.
 */
import { ApiError } from './errors.ts';
import { withTimeout } from '../lib/timeout.ts';
import type { RateLimiter } from '../ratelimit/limiter.ts';

export interface FailedAuthLimits {
  /** Failed authentications one address may make per minute before it gets 429. */
  perMinute: number;
  /** Key hashes remembered as failed, oldest forgotten first. */
  cacheSize: number;
  /** How long a failed key hash is answered from memory. */
  cacheTtlMs: number;
  /** Addresses remembered as blocked, so a blocked address costs neither the database nor the limiter. */
  blockedSize: number;
}

export const FAILED_AUTH_LIMITS: FailedAuthLimits = {
  perMinute: 30,
  cacheSize: 10_000,
  cacheTtlMs: 10 * 60_000,
  blockedSize: 10_000,
};

/** A Map used as a bounded cache of expiry times: insertion order is age, the oldest entry goes first. */
class ExpiringSet {
  private readonly until = new Map<string, number>();
  constructor(private readonly maxSize: number) {}

  /** Milliseconds left for `key`, or 0 when it is absent or expired. */
  remaining(key: string, now: number): number {
    const t = this.until.get(key);
    if (t === undefined) return 0;
    if (t > now) return t - now;
    this.until.delete(key);
    return 0;
  }

  add(key: string, until: number): void {
    this.until.delete(key);
    this.until.set(key, until);
    if (this.until.size > this.maxSize) this.until.delete(this.until.keys().next().value!);
  }
}

export interface FailedAuthGuard {
  /** Seconds an address must still wait, or 0. */
  blockedFor(address: string | null): number;
  isKnownFailed(keyHash: string): boolean;
  rememberFailed(keyHash: string): void;
  /** Counts one failure of `address`; the error to throw: 429 once over the limit, else the 401. */
  failure(address: string | null, invalid: ApiError): Promise<ApiError>;
}

export function tooManyFailures(retryAfterSeconds: number): ApiError {
  return new ApiError(
    'rate_limited',
    `Too many failed authentications from this address; retry in ${retryAfterSeconds} s.`,
    undefined,
    {
      'Retry-After': String(retryAfterSeconds),
    },
  );
}

export function createFailedAuthGuard(
  limiter: RateLimiter,
  limits: FailedAuthLimits = FAILED_AUTH_LIMITS,
  now: () => number = Date.now,
): FailedAuthGuard {
  const failedKeys = new ExpiringSet(limits.cacheSize);
  const blocked = new ExpiringSet(limits.blockedSize);
  return {
    blockedFor: (address) => (address ? Math.ceil(blocked.remaining(address, now()) / 1000) : 0),
    isKnownFailed: (keyHash) => failedKeys.remaining(keyHash, now()) > 0,
    rememberFailed: (keyHash) => failedKeys.add(keyHash, now() + limits.cacheTtlMs),
    async failure(address, invalid) {
      if (!address) return invalid;
      // Fails open like the per-key limit: an unreachable limiter never turns a 401 into a 5xx.
      const result = await withTimeout(limiter.limit(`auth-failures:${address}`, limits.perMinute), 750).catch(() =>
        null
      );
      if (!result) return invalid;
      // The failure that uses up the allowance blocks the address at once: the next request from it
      // is refused before its key is looked up.
      if (!result.success || result.remaining <= 0) blocked.add(address, result.reset);
      if (result.success) return invalid;
      return tooManyFailures(Math.max(1, Math.ceil((result.reset - now()) / 1000)));
    },
  };
}
