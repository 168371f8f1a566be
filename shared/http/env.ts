/** @module The typed Hono context every route sees: request id, logger and the authenticated key. */
import type { Scope } from '../auth/api-keys.ts';
import type { Logger } from './logger.ts';

export interface Principal {
  keyId: string;
  workspaceId: string;
  scopes: Scope[];
  rateLimitPerMinute: number;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal;
  };
}
