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
        throw new DatabaseError(res.error.message, code, unavailable(res.status, code));
      }
      return res.data as T;
    },
    async close() {},
  };
}

/**
 * supabase-js reports a failed fetch as status 0 with no code. PostgREST answers 503 when it cannot
 * reach or read the database (PGRST000–002) and 504 when no pooled connection freed up in time
 * (PGRST003); the gateway in front of it answers 502 or higher, without a PostgREST code, when
 * PostgREST itself is not there.
 */
function unavailable(status: number, code: string | undefined): boolean {
  if (status === 0 || status === 503 || status === 504) return true;
  if (!code) return status >= 502;
  return /^PGRST00[0-3]$/.test(code) || isUnavailableState(code);
}
