/** @module The URL forms the contract names and the canonical (/v1) form of a request path. */

/** Local `/v1`, Supabase's `/api-gateway/v1`, and the full public `/functions/v1/api-gateway/v1`. */
export const BASE_PATHS = ['', '/api-gateway', '/functions/v1/api-gateway'] as const;

/** The path without its base, so one request reached through two URL forms is the same request. */
export function canonicalPath(path: string): string {
  for (const base of [...BASE_PATHS].reverse()) {
    if (base && path.startsWith(`${base}/`)) return path.slice(base.length);
  }
  return path;
}

/** The base as a client sees it: Supabase hands the function `/api-gateway/…` for the public `/functions/v1/api-gateway/…`. */
export function publicBasePath(base: string): string {
  return base === '/api-gateway' ? '/functions/v1/api-gateway' : base;
}
