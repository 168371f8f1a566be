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

/**
 * What failures are counted against: the address itself for IPv4, its /64 for IPv6. One subscriber
 * is usually given a whole /64, so counting single IPv6 addresses would let a client step around
 * the limit by rotating through its own 2^64 of them. An IPv4-mapped IPv6 address counts as the IPv4.
 */
export function throttleBucket(address: string | null): string | null {
  if (address === null || !address.includes(':')) return address;
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped) return mapped[1];
  const groups = ipv6Groups(bare);
  return groups ? `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64` : address;
}

/** The eight hex groups of an IPv6 address (`::` expanded), or null when it is not one. */
function ipv6Groups(text: string): string[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups : null;
}
