/** @module The rate-limiter interface the gateway depends on; backends (Upstash, TCP Redis, memory) sit behind it. */

export interface LimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Unix epoch milliseconds when the window frees up. */
  reset: number;
}

export interface RateLimiter {
  /** Counts one request for `identifier` against `perMinute` in a sliding one-minute window. */
  limit(identifier: string, perMinute: number): Promise<LimitResult>;
  readonly backend: string;
}

/** Thrown when the backend did not answer in time; the gateway then lets the request through. */
export class LimiterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimiterUnavailableError';
  }
}

export const WINDOW_MS = 60_000;
