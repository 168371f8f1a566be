/** @module The typed Hono context every route sees: request id, logger, the authenticated key, the claimed Idempotency-Key and the body read once. */
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../lib/logger.ts';
import type { IdempotencyState } from './idempotency.ts';

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
