/** @module In-process sliding-window limiter for the embedded default (one process, no Redis). */
import { type LimitResult, type RateLimiter, WINDOW_MS } from './limiter.ts';

/**
 * The same approximation @upstash/ratelimit's sliding window uses: the current fixed window's count
 * plus the previous window's count weighted by how much of it still overlaps the sliding window.
 */
export function createMemoryLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, number>();
  let swept = -1;
  function take(identifier: string, perMinute: number): LimitResult {
    const t = now();
    const current = Math.floor(t / WINDOW_MS);
    const currentKey = `${identifier}:${current}`;
    const previousCount = windows.get(`${identifier}:${current - 1}`) ?? 0;
    const currentCount = windows.get(currentKey) ?? 0;
    const overlap = 1 - (t % WINDOW_MS) / WINDOW_MS;
    const used = Math.floor(previousCount * overlap) + currentCount;
    const reset = (current + 1) * WINDOW_MS;
    if (used >= perMinute) return { success: false, limit: perMinute, remaining: 0, reset };
    windows.set(currentKey, currentCount + 1);
    // Forget windows older than the previous one so the map stays small; once per window, so a
    // request costs O(1) however many identifiers (keys, client addresses) are being counted.
    if (current !== swept) {
      swept = current;
      for (const k of windows.keys()) {
        const w = Number(k.slice(k.lastIndexOf(':') + 1));
        if (w < current - 1) windows.delete(k);
      }
    }
    return { success: true, limit: perMinute, remaining: Math.max(0, perMinute - used - 1), reset };
  }
  // Counting is synchronous; the interface is async for the networked backends.
  return { backend: 'memory', limit: (identifier, perMinute) => Promise.resolve(take(identifier, perMinute)) };
}
