/** @module Where a request comes from, for throttling failed authentications per address; each entry point says how to read it. */
import type { Context } from 'hono';

/** The client's address, or null when the runtime cannot tell (then no per-address limit applies). */
export type ClientAddress = (c: Context) => string | null;

const MAX_ADDRESS_LENGTH = 64;

/**
 * Supabase: the first hop of X-Forwarded-For, which the platform's gateway sets from the connecting
 * client. Only trust this behind such a gateway: anywhere else the client writes the header itself.
 */
export const forwardedForAddress: ClientAddress = (c) => {
  const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  return first ? first.slice(0, MAX_ADDRESS_LENGTH) : null;
};

export const unknownAddress: ClientAddress = () => null;
