/** @module Who a request acts for once its key is resolved: the key, its workspace, scopes and rate limit. */
import type { Scope } from './api-keys.ts';

export interface Principal {
  keyId: string;
  workspaceId: string;
  scopes: Scope[];
  rateLimitPerMinute: number;
}
