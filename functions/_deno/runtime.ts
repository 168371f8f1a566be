/** @module Deno-only pieces both Edge Functions share: DNS resolution for the webhook guard, and starting the worker in the background. */

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined;

/** Every A and AAAA address of a host; a host with neither is an error. */
export async function resolveHost(host: string): Promise<string[]> {
  const [a, aaaa] = await Promise.allSettled([Deno.resolveDns(host, 'A'), Deno.resolveDns(host, 'AAAA')]);
  const out = [...(a.status === 'fulfilled' ? a.value : []), ...(aaaa.status === 'fulfilled' ? aaaa.value : [])];
  if (out.length === 0) throw new Error(`cannot resolve ${host}`);
  return out;
}

/** Keeps a promise alive after the response on Supabase (EdgeRuntime.waitUntil); elsewhere it just runs. */
export function inBackground(p: Promise<unknown>): void {
  const settled = p.catch(() => {});
  if (typeof EdgeRuntime !== 'undefined' && EdgeRuntime) EdgeRuntime.waitUntil(settled);
}

/** POSTs to the import-worker function so queued work starts before the next cron tick. */
export function kickWorker(env: Record<string, string>): void {
  const base = env.IMPORT_WORKER_URL ?? (env.SUPABASE_URL ? `${env.SUPABASE_URL}/functions/v1/import-worker` : undefined);
  const secret = env.WORKER_SECRET ?? env.SUPABASE_SERVICE_ROLE_KEY;
  if (!base || !secret) return;
  inBackground(fetch(base, { method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, body: '{}' }));
}
