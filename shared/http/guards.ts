/** @module The middleware chain of authenticated routes, in the documented order: auth → rate limit → scope → idempotency → body. */
import type { MiddlewareHandler } from 'hono';
import { authenticate, requireScope } from '../auth/authenticate.ts';
import { createFailedAuthGuard } from '../auth/failed-auth.ts';
import type { ClientAddress } from './client-address.ts';
import type { AppEnv } from './env.ts';
import type { Scope } from '../auth/api-keys.ts';
import type { DataPort } from '../db/port.ts';
import type { RateLimiter } from '../ratelimit/limiter.ts';
import { idempotency } from './idempotency.ts';
import { jsonBody } from './json-body.ts';
import type { Logger } from './logger.ts';
import { rateLimit } from './rate-limit.ts';

export interface GuardDeps {
  db: DataPort;
  limiter: RateLimiter;
  logger: Logger;
  clientAddress: ClientAddress;
}

/**
 * Rate limiting comes right after authentication so that every authenticated response, a 403
 * included, carries X-RateLimit-* and counts against the key; idempotency comes after both, so a
 * refused or throttled request never claims a key.
 */
export function createGuards({ db, limiter, logger, clientAddress }: GuardDeps) {
  const auth = authenticate(db, createFailedAuthGuard(limiter), clientAddress);
  const limit = rateLimit(limiter, logger);
  const idem = idempotency(db);
  return {
    /** GET routes: any of the scopes. */
    read: (...scopes: Scope[]): MiddlewareHandler<AppEnv>[] => [auth, limit, requireScope(...scopes)],
    /** POST routes with a JSON body. */
    write: (...scopes: Scope[]): MiddlewareHandler<AppEnv>[] => [auth, limit, requireScope(...scopes), idem, jsonBody()],
  };
}

export type Guards = ReturnType<typeof createGuards>;
