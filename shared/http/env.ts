/** @module The typed Hono context every route sees: request id, logger and the authenticated key. */
import type { Scope } from '../auth/api-keys.ts';
import type { Logger } from './logger.ts';

export interface Principal {
  keyId: string;
  workspaceId: string;
  scopes: Scope[];
  rateLimitPerMinute: number;
}

/** A claimed Idempotency-Key; a handler that stores the response in its own transaction sets `stored`. */
export interface IdempotencyState {
  key: string;
  /** The claim's token: only its holder may complete or release the key. */
  token: string;
  stored: boolean;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal;
    idempotency?: IdempotencyState;
    /** The request body, read once within the size limit. */
    rawBody?: Uint8Array;
  };
}
