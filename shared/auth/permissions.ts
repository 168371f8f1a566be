/** @module What each kind of route requires, from the contract's "Authentication and scopes": one table the guards and the tests read. */
import type { Scope } from './api-keys.ts';

/** Any one of a permission's scopes grants it. */
export const PERMISSIONS = {
  /** Reading contacts and import jobs (status, errors): either contacts scope. */
  readContacts: ['read:contacts', 'write:contacts'],
  /** Imports and contact creation. */
  writeContacts: ['write:contacts'],
  /** Every webhooks route, reads and deletes included. */
  manageWebhooks: ['admin:webhooks'],
} as const satisfies Record<string, readonly Scope[]>;

export type Permission = keyof typeof PERMISSIONS;
