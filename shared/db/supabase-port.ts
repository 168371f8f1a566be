/** @module Data port adapter over supabase-js `.rpc()`: the production default on Supabase. */
import { createClient } from '@supabase/supabase-js';
import { deadlineExceeded, deadlineFor, type DeadlineOverrides } from './deadlines.ts';
import { giveTurn } from '../lib/turns.ts';
import { jsonStringInTurns, JsonText, textSlices } from './json-text.ts';
import { DatabaseError, type DataPort, isUnavailableState, type RpcArgs } from './port.ts';

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
export function createSupabasePort(
  supabaseUrl: string,
  serviceRoleKey: string,
  fetchImpl?: typeof fetch,
  options: SupabasePortOptions = {},
): DataPort {
  const jsonTexts = new JsonTextSplicer();
  const client = createClient(supabaseUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: jsonTexts.wrap(fetchImpl ?? ((input, init) => fetch(input, init))) },
    // The port never opens a realtime channel, but supabase-js builds its realtime client eagerly
    // and, on Node 20 (no global WebSocket), refuses to start without a transport.
    realtime: { transport: NoRealtimeTransport as unknown as typeof WebSocket },
  });
  return {
    async rpc<T>(name: string, args: RpcArgs = {}): Promise<T> {
      const ms = deadlineFor(name, options.deadlines);
      const signal = AbortSignal.timeout(ms);
      const call = await jsonTexts.stand(args);
      let res;
      try {
        res = await client.rpc(name, call.args).abortSignal(signal);
      } catch (err) {
        if (signal.aborted) throw deadlineExceeded(name, ms);
        throw new DatabaseError((err as Error)?.message ?? 'database call failed', undefined, true);
      } finally {
        call.done();
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

/**
 * supabase-js serialises the whole body in one `JSON.stringify` (with a replacer, slower still), so
 * a `JsonText` argument (or a long string, escaped here in slices) goes into it as a placeholder, and the port's fetch puts the text in
 * the placeholder's place just before the request leaves. Placeholders are random, so no value a
 * client sent can spell one.
 */
/** Characters of a string argument that supabase-js may escape in one go (a queued payload is up to ~19 MB). */
const LARGE_STRING = 256 * 1024;

class JsonTextSplicer {
  private readonly texts = new Map<string, string>();

  /**
   * `args` with each JsonText, and each string too long to escape in one go, replaced by a
   * placeholder; `done` forgets them once the call settled.
   */
  async stand(args: RpcArgs): Promise<{ args: RpcArgs; done(): void }> {
    const placeholders: string[] = [];
    const out: RpcArgs = {};
    for (const [key, value] of Object.entries(args)) {
      const json = value instanceof JsonText
        ? value
        : typeof value === 'string' && value.length > LARGE_STRING
        ? await jsonStringInTurns(value)
        : undefined;
      if (json === undefined) {
        out[key] = value;
        continue;
      }
      const placeholder = `json-text:${crypto.randomUUID()}`;
      this.texts.set(placeholder, json.text);
      placeholders.push(placeholder);
      out[key] = placeholder;
    }
    return { args: out, done: () => placeholders.forEach((p) => this.texts.delete(p)) };
  }

  wrap(inner: typeof fetch): typeof fetch {
    return (input, init) => {
      if (!init || typeof init.body !== 'string' || this.texts.size === 0) return inner(input, init);
      const pieces = this.splice(init.body);
      if (pieces.length === 1) return inner(input, init);
      // Encoding ~10-20 MB to UTF-8 in one go would hold the loop too: the body goes as a stream.
      // `duplex` is what fetch requires of a streamed body; not every runtime's RequestInit type names it.
      const streamed: RequestInit & { duplex: 'half' } = { ...init, body: encodedInTurns(pieces), duplex: 'half' };
      return inner(input, streamed);
    };
  }

  /** The body as pieces: the text around each placeholder, and the JSON text in its place. */
  private splice(body: string): string[] {
    const found = [...this.texts]
      .map(([placeholder, text]) => {
        const quoted = JSON.stringify(placeholder);
        const at = body.indexOf(quoted);
        return { at, end: at + quoted.length, text };
      })
      .filter((f) => f.at >= 0)
      .sort((a, b) => a.at - b.at);
    const pieces: string[] = [];
    let from = 0;
    for (const f of found) {
      pieces.push(body.slice(from, f.at), f.text);
      from = f.end;
    }
    pieces.push(body.slice(from));
    return pieces;
  }
}

/** Characters encoded to UTF-8 between two looks at the clock. */
const ENCODE_SLICE_CHARS = 256 * 1024;

/** The UTF-8 of `pieces` in sequence, as a stream of slices, with turns given between slices. */
function encodedInTurns(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const slices = (function* () {
    for (const piece of pieces) yield* textSlices(piece, ENCODE_SLICE_CHARS);
  })();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await giveTurn();
      const next = slices.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}
