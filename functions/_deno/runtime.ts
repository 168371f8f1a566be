/** @module Deno-only pieces both Edge Functions share: DNS resolution for the webhook guard, and starting the worker in the background. */

import { serviceKeyFrom } from '../../shared/db/from-env.ts';

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined;

/** Every A and AAAA address of a host, for the webhook SSRF guard; a host with only one kind is fine. */
export async function resolveHost(host: string): Promise<string[]> {
  const results = await Promise.allSettled([Deno.resolveDns(host, 'A'), Deno.resolveDns(host, 'AAAA')]);
  const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (addresses.length === 0) {
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failure?.reason ?? new Error(`cannot resolve ${host}`);
  }
  return addresses;
}

/** Keeps a promise alive after the response on Supabase (EdgeRuntime.waitUntil); elsewhere it just runs. */
export function inBackground(p: Promise<unknown>): void {
  const settled = p.catch(() => {});
  if (typeof EdgeRuntime !== 'undefined' && EdgeRuntime) EdgeRuntime.waitUntil(settled);
}

/** POSTs to the import-worker function so queued work starts before the next cron tick. */
export function kickWorker(env: Record<string, string>): void {
  const base = env.IMPORT_WORKER_URL ??
    (env.SUPABASE_URL ? `${env.SUPABASE_URL}/functions/v1/import-worker` : undefined);
  const secret = env.WORKER_SECRET || serviceKeyFrom(env);
  if (!base || !secret) return;
  inBackground(
    fetch(base, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: '{}',
    }),
  );
}
