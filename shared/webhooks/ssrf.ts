/**
 * @module The SSRF guard for webhook URLs: https only, no credentials, and every address the host
 * resolves to must be public. Used at registration and again right before each delivery.
 * Runtime-neutral: DNS resolution is injected (`resolveHost`).
 */

export type ResolveHost = (host: string) => Promise<string[]>;

export interface WebhookUrlCheckOptions {
  resolveHost: ResolveHost;
  /** WEBHOOK_ALLOW_LOOPBACK=1: also allow loopback addresses (and `http` to them). Local development only. */
  allowLoopback: boolean;
}

/** The resolver when none is configured: hostnames cannot be checked, so they are refused (IP literals still work). */
export const unconfiguredResolver: ResolveHost = () => Promise.reject(new Error('no DNS resolver is configured'));

export type WebhookUrlCheck = { ok: true } | { ok: false; reason: string };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

type V4Range = readonly [string, number, string];

// Non-public IPv4 ranges (IANA special-purpose registry, RFC 6890 and successors). Loopback is
// named `loopback` because WEBHOOK_ALLOW_LOOPBACK lets exactly that category through.
const V4_RANGES: readonly V4Range[] = [
  ['0.0.0.0', 8, 'unspecified ("this network", 0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT, 100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (169.254.0.0/16, cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'reserved (IETF protocol assignments)'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, 'reserved (6to4 relay anycast)'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'reserved (benchmarking)'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4)'],
];

const V4_PARSED = V4_RANGES.map(([base, bits, kind]) => ({ base: parseIPv4(base)!, bits, kind }));

/** A strict dotted quad (no octal, hex or short forms) as a 32-bit unsigned number, or null. */
export function parseIPv4(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if (part.length > 1 && part.startsWith('0')) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

function v4String(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function v4Category(n: number): string | null {
  for (const r of V4_PARSED) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if (((n & mask) >>> 0) === ((r.base & mask) >>> 0)) return r.kind;
  }
  return null;
}

/** Eight 16-bit groups of an IPv6 address (`::`, embedded dotted quad, any case), or null. Zone ids are refused. */
export function parseIPv6(input: string): number[] | null {
  let ip = input;
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (!/^[0-9A-Fa-f:.]+$/.test(ip) || !ip.includes(':')) return null;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes its two hex groups.
  const lastColon = ip.lastIndexOf(':');
  const last = ip.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (v4 === null) return null;
    ip = `${ip.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  if (head === null) return null;
  if (halves.length === 2) {
    const rest = parseGroups(halves[1]);
    if (rest === null || head.length + rest.length > 7) return null;
    return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  }
  return head.length === 8 ? head : null;
}

function v6Category(g: number[]): string | null {
  const embedded = (hi: number, lo: number) => ((hi << 16) >>> 0) + lo;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped): the IPv4 address is what is reached.
  if (zeros(0, 5) && g[5] === 0xffff) {
    const inner = v4Category(embedded(g[6], g[7]));
    return inner && `${inner}, IPv4-mapped ${v4String(embedded(g[6], g[7]))}`;
  }
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 8)) return 'unspecified (::)';
  // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) {
    const inner = v4Category(embedded(g[6], g[7]));
    return inner && `${inner}, NAT64-embedded ${v4String(embedded(g[6], g[7]))}`;
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'reserved (local-use NAT64, 64:ff9b:1::/48)';
  // 6to4 2002::/16 carries an IPv4 address in bits 16–47.
  if (g[0] === 0x2002) {
    const inner = v4Category(embedded(g[1], g[2]));
    return inner && `${inner}, 6to4-embedded ${v4String(embedded(g[1], g[2]))}`;
  }
  if ((g[0] & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((g[0] & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)';
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation (2001:db8::/32)';
  if (g[0] === 0x3fff && g[1] <= 0x0fff) return 'documentation (3fff::/20)';
  if (g[0] === 0x2001 && g[1] === 0) return 'reserved (Teredo, 2001::/32)';
  if (g[0] === 0x2001 && g[1] < 0x0200) return 'reserved (IETF protocol assignments, 2001::/23)';
  if (g[0] === 0x0100 && zeros(1, 4)) return 'reserved (discard-only, 100::/64)';
  // Everything outside global unicast (2000::/3) is unassigned or special.
  if ((g[0] & 0xe000) !== 0x2000) return 'reserved (outside global unicast 2000::/3)';
  return null;
}

/** Why an address is not public (e.g. `private (RFC 1918)`), or null when it is public. Unparseable input is `not an IP address`. */
export function addressCategory(ip: string): string | null {
  const v4 = parseIPv4(ip);
  if (v4 !== null) return v4Category(v4);
  if (ip.includes('%')) return 'scoped IPv6 address (zone id)';
  const v6 = parseIPv6(ip);
  if (v6 !== null) return v6Category(v6);
  return 'not an IP address';
}

export function isPublicAddress(ip: string): boolean {
  return addressCategory(ip) === null;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(ip: string): boolean {
  const c = addressCategory(ip);
  return c === 'loopback' || (c?.startsWith('loopback, IPv4-mapped') ?? false);
}

function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/**
 * Checks a webhook URL: parses it, requires https (or http to loopback with `allowLoopback`),
 * refuses credentials, and resolves the host (IP literals are checked without DNS) so that every
 * address is public (or loopback with `allowLoopback`). The reason names what failed.
 */
export async function checkWebhookUrl(
  url: string,
  { resolveHost, allowLoopback }: WebhookUrlCheckOptions,
): Promise<WebhookUrlCheck> {
  const fail = (reason: string): WebhookUrlCheck => ({ ok: false, reason });
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return fail(`the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail('not a valid absolute URL');
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && allowLoopback)) {
    return fail(`the URL must use https (got ${u.protocol.replace(/:$/, '')})`);
  }
  if (u.username || u.password) return fail('the URL must not contain credentials (user:password@)');
  const host = u.hostname;
  if (!host) return fail('the URL has no host');

  let addresses: string[];
  let literal = false;
  if (host.startsWith('[') && host.endsWith(']')) {
    addresses = [host.slice(1, -1)];
    literal = true;
  } else if (parseIPv4(host) !== null) {
    addresses = [host];
    literal = true;
  } else if (isLoopbackName(host)) {
    if (!allowLoopback) return fail(`the host ${host} is a loopback name`);
    addresses = [];
  } else {
    try {
      addresses = await resolveHost(host);
    } catch (err) {
      return fail(`the host ${host} could not be resolved (${describeResolveError(err)})`);
    }
    if (addresses.length === 0) return fail(`the host ${host} has no addresses`);
  }

  let allLoopback = true;
  for (const ip of addresses) {
    const category = addressCategory(ip);
    const loopback = isLoopbackAddress(ip);
    allLoopback &&= loopback;
    if (category === null || (loopback && allowLoopback)) continue;
    const subject = literal ? `the address ${ip}` : `the host ${host} resolves to ${ip}, which`;
    return fail(`${subject} is not a public address: ${category}`);
  }
  if (u.protocol === 'http:' && !allLoopback) {
    return fail('the URL must use https (http is allowed only to loopback addresses with WEBHOOK_ALLOW_LOOPBACK=1)');
  }
  return { ok: true };
}

function describeResolveError(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === 'string'
    ? e.code
    : typeof e?.name === 'string' && e.name !== 'Error'
    ? e.name
    : undefined;
  return code ?? (typeof e?.message === 'string' ? e.message.slice(0, 100) : 'lookup failed');
}
