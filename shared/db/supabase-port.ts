/** @module Data port adapter over supabase-js `.rpc()`: the production default on Supabase. */
import { createClient } from '@supabase/supabase-js';
import { deadlineExceeded, deadlineFor, type DeadlineOverrides } from './deadlines.ts';
import { DatabaseError, isUnavailableState, type DataPort, type RpcArgs } from './port.ts';

class NoRealtimeTransport {
  constructor() {
    throw new Error('the data port does not use Supabase Realtime');
  }
}

export interface SupabasePortOptions {
  /** Per-call deadlines (milliseconds) in place of the defaults of `deadlines.ts`. */
  deadlines?: DeadlineOverrides;
}

/**
 * Each call's HTTP request is aborted at its deadline (connect and wait included). PostgREST runs
 * the statement under its own timeout: the `statement_timeout` of the role (on Supabase,
 * service_role falls back to the authenticator role's 8 s unless set).
 */
export function createSupabasePort(supabaseUrl: string, serviceRoleKey: string, fetchImpl?: typeof fetch, options: SupabasePortOptions = {}): DataPort {
  const client = createClient(supabaseUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: fetchImpl ? { fetch: fetchImpl } : undefined,
    // The port never opens a realtime channel, but supabase-js builds its realtime client eagerly
    // and, on Node 20 (no global WebSocket), refuses to start without a transport.
    realtime: { transport: NoRealtimeTransport as unknown as typeof WebSocket },
  });
  return {
    async rpc<T>(name: string, args: RpcArgs = {}): Promise<T> {
      const ms = deadlineFor(name, options.deadlines);
      const signal = AbortSignal.timeout(ms);
      let res;
      try {
        res = await client.rpc(name, args).abortSignal(signal);
      } catch (err) {
        if (signal.aborted) throw deadlineExceeded(name, ms);
        throw new DatabaseError((err as Error)?.message ?? 'database call failed', undefined, true);
      }
      if (res.error && signal.aborted) throw deadlineExceeded(name, ms);
      if (res.error) {
        const code = res.error.code || undefined;
        // supabase-js reports fetch failures with an empty code and status 0.
        const unreachable = !code && (res.status === 0 || res.status >= 502);
        throw new DatabaseError(res.error.message, code, unreachable || res.status === 503 || isUnavailableState(code));
      }
      return res.data as T;
    },
    async close() {},
  };
}
