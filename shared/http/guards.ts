/** @module The middleware chain of authenticated routes, in the documented order: auth → rate limit → permission → idempotency → body. */
import type { MiddlewareHandler } from 'hono';
import { type Permission, PERMISSIONS } from '../auth/permissions.ts';
import type { DataPort } from '../db/port.ts';
import type { Logger } from '../lib/logger.ts';
import type { RateLimiter } from '../ratelimit/limiter.ts';
import { authenticate, requireScope } from './authenticate.ts';
import type { ClientAddress } from './client-address.ts';
import type { AppEnv } from './env.ts';
import { createFailedAuthGuard } from './failed-auth.ts';
import { idempotency, type ResponseSealer } from './idempotency.ts';
import { jsonBody, type JsonBodyOptions } from './json-body.ts';
import { rateLimit } from './rate-limit.ts';

export interface GuardDeps {
  db: DataPort;
  limiter: RateLimiter;
  logger: Logger;
  clientAddress: ClientAddress;
  /** Seals stored idempotent responses that hold a secret (the webhook SecretBox); null when none is configured. */
  responseSealer: ResponseSealer | null;
}

/**
 * Rate limiting comes right after authentication so that every authenticated response, a 403
 * included, carries X-RateLimit-* and counts against the key; idempotency comes after both, so a
 * refused or throttled request never claims a key. Each guard is named for the request it guards,
 * and takes the permission (shared/auth/permissions.ts) the route requires.
 */
export function createGuards({ db, limiter, logger, clientAddress, responseSealer }: GuardDeps) {
  const auth = authenticate(db, createFailedAuthGuard(limiter), clientAddress);
  const limit = rateLimit(limiter, logger);
  const idem = idempotency(db, responseSealer);
  const allowed = (permission: Permission) => requireScope(...PERMISSIONS[permission]);
  return {
    /** Requests without a body (GET, DELETE). */
    noBody: (permission: Permission): MiddlewareHandler<AppEnv>[] => [auth, limit, allowed(permission)],
    /** Requests with a JSON body (POST, PATCH); a POST may carry an Idempotency-Key. */
    jsonBody: (
      permission: Permission,
      body: JsonBodyOptions = {},
    ): MiddlewareHandler<AppEnv>[] => [auth, limit, allowed(permission), idem, jsonBody(body)],
  };
}

export type Guards = ReturnType<typeof createGuards>;
