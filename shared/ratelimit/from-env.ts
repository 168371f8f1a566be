/** @module Picks the production rate limiter from plain settings: Upstash over HTTP when configured, else the in-process one. */
import { Redis } from '@upstash/redis';
import type { RateLimiter } from './limiter.ts';
import { createMemoryLimiter } from './memory.ts';
import { createUpstashLimiter } from './upstash.ts';

export interface LimiterConfig {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

export function upstashLimiterFromEnv(env: LimiterConfig): RateLimiter | null {
  if (!env.UPSTASH_REDIS_REST_URL || !env.UPSTASH_REDIS_REST_TOKEN) return null;
  // No client-side retries: a slow Upstash must fail open within the limiter timeout, not retry past it.
  const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, retry: false });
  return createUpstashLimiter(redis, { backend: 'upstash' });
}

export function limiterFromEnv(env: LimiterConfig): RateLimiter {
  return upstashLimiterFromEnv(env) ?? createMemoryLimiter();
}
