/** @module Where a request comes from, for throttling failed authentications per address; each entry point says how to read it. */
import type { Context } from 'hono';

/** The client's address, or null when the runtime cannot tell (then no per-address limit applies). */
export type ClientAddress = (c: Context) => string | null;

const MAX_ADDRESS_LENGTH = 64;

/**
 * Supabase (hosted): CF-Connecting-IP. The platform's API gateway sits behind Cloudflare, which sets
 * this header to the address that connected to its edge. X-Forwarded-For is not used: its first hop
 * is whatever the client sent (a spoofed value reaches the function), so an attacker could rotate it
 * to escape the per-address limit. Neither is X-Real-IP as a fallback: a request that somehow arrives
 * without CF-Connecting-IP would then be keyed by a header nobody vouches for. Without the header the
 * answer is null: no per-address limit, while the negative cache of failed keys still applies.
 * Evidence: https://github.com/orgs/supabase/discussions/34647 (a spoofed X-Forwarded-For reaches
 * the project) and Cloudflare's header reference; Supabase does not document a header for Edge
 * Functions, so the README asks to check it on a hosted project.
 */
export const cloudflareConnectingAddress: ClientAddress = (c) => {
  const address = c.req.header('cf-connecting-ip')?.trim();
  return address ? address.slice(0, MAX_ADDRESS_LENGTH) : null;
};

export const unknownAddress: ClientAddress = () => null;
