/** @module Middleware factories: resolve the bearer key to a workspace, and require scopes. */
import { createMiddleware } from 'hono/factory';
import type { DataPort } from '../db/port.ts';
import { ApiError, INVALID_KEY_MESSAGE } from './errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { AppEnv } from './env.ts';
import { type ClientAddress, throttleBucket } from './client-address.ts';
import { bearerKey, hashApiKey, type Scope } from '../auth/api-keys.ts';
import { type FailedAuthGuard, tooManyFailures } from './failed-auth.ts';

interface AuthRow {
  key_id: string;
  workspace_id: string;
  scopes: Scope[];
  rate_limit_per_minute: number;
}

/**
 * Resolves the bearer key. A key that failed recently is refused from memory, and an address with
 * too many failures gets 429 before its key is even hashed: unknown keys cost no database query.
 */
export function authenticate(db: DataPort, failed: FailedAuthGuard, clientAddress: ClientAddress) {
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const address = throttleBucket(clientAddress(c));
    const wait = failed.blockedFor(address);
    if (wait > 0) throw tooManyFailures(wait);
    const invalid = new ApiError('invalid_key', INVALID_KEY_MESSAGE);
    const key = bearerKey(c.req.header('authorization'));
    if (!key) throw await failed.failure(address, invalid);
    const hash = await hashApiKey(key);
    if (failed.isKnownFailed(hash)) throw await failed.failure(address, invalid);
    const row = await db.rpc<AuthRow | null>('api_key_authenticate', { p_key_hash: hash });
    if (!row) {
      failed.rememberFailed(hash);
      throw await failed.failure(address, invalid);
    }
    const principal: Principal = {
      keyId: row.key_id,
      workspaceId: row.workspace_id,
      scopes: row.scopes,
      rateLimitPerMinute: row.rate_limit_per_minute,
    };
    c.set('principal', principal);
    await next();
  });
}

/** Passes when the key holds at least one of `anyOf`. */
export function requireScope(...anyOf: Scope[]) {
  return createMiddleware<AppEnv>(async function requireScope(c, next) {
    const principal = c.get('principal');
    if (!principal || !anyOf.some((s) => principal.scopes.includes(s))) {
      throw new ApiError(
        'insufficient_permissions',
        `This API key lacks the ${anyOf.map((s) => `'${s}'`).join(' or ')} scope.`,
      );
    }
    await next();
  });
}
