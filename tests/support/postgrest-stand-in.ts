/**
 * @module STAND-IN for PostgREST, which cannot run here. It serves only `POST /rest/v1/rpc/{fn}`,
 * the one request supabase-js `.rpc()` sends, over the real database, the way PostgREST builds it
 * (`callPlanToQuery`/`fromJsonBodyF` in PostgREST's QueryBuilder/SqlFragment): the raw body is bound
 * as ONE `json` parameter, `json_to_record` turns its keys into the function's declared parameter
 * types (JSON null → SQL NULL; `json` arguments keep the bytes as sent, `jsonb` ones are jsonb), the
 * function is called with those named arguments, and the body is `json_agg(result) -> 0` (a `json`
 * result keeps its key order, a `jsonb` one is jsonb's). One transaction per request: READ WRITE for
 * VOLATILE functions, READ ONLY for STABLE/IMMUTABLE ones; `set local role` from the presented key
 * (service_role or anon, like Supabase's two API keys) and `request.jwt.claims`/`request.method`/
 * `request.path` as transaction settings; PostgREST's error body and SQLSTATE → HTTP status table.
 *
 * Every way it still differs from PostgREST (v12/v13, as Supabase runs it):
 * - Only `POST /rest/v1/rpc/{fn}` in schema `public`; no tables/views, no GET/HEAD RPC, no
 *   `Prefer` handling (`params=single-object`, `return=`, `count=`, `tx=`), no `Accept` media types,
 *   no query-string filters/`select`/ordering on results, no OpenAPI root. Another
 *   `Content-Profile` than `public` is refused (PGRST106), like a schema not exposed.
 * - Results: only functions returning one scalar (jsonb, json, text, void …); set-returning and
 *   composite-returning functions, VARIADIC and OUT parameters are not supported.
 * - The body must be a JSON object: PostgREST also takes an array (one call per element,
 *   `json_to_recordset`) and form/text/binary bodies for single-parameter functions.
 * - Overloads: it picks the first overload whose parameter names cover the body's keys and whose
 *   parameters without defaults are all present; PostgREST answers PGRST203 (300) when several fit.
 *   A function with one unnamed json/jsonb parameter does not receive the whole body.
 * - No schema cache: new functions are visible at once (PostgREST needs `NOTIFY pgrst`).
 * - Keys are fixed strings, not JWTs: no signature, expiry, `aud` or custom claims; the
 *   `request.jwt.claims` setting holds only `{"role": …}`. No `request.headers`/`request.cookies`,
 *   no `db-pre-request` hook, no `search_path` of the exposed schemas plus `extensions` (the
 *   project's functions set their own), no per-role `statement_timeout` (Supabase sets 8 s for
 *   authenticated, 3 s for anon), no response headers from `response.headers`/`response.status`.
 * - Errors: PostgREST-specific codes only for an unknown path (PGRST125), a bad key (PGRST301),
 *   invalid JSON (PGRST102), an unexposed schema (PGRST106) and no matching function (PGRST202,
 *   without PostgREST's hint); connection-level failures surface as whatever postgres.js reports.
 * - One pool of 4 connections with no pool-timeout (PostgREST: PGRST003 after `db-pool-acquisition-timeout`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';

export interface PostgrestStandIn {
  url: string;
  serviceRoleKey: string;
  anonKey: string;
  close(): Promise<void>;
}

interface Overload {
  names: string[];
  types: string[];
  required: number;
  volatile: boolean;
}

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

// https://postgrest.org/en/stable/references/errors.html — "HTTP status codes" for SQLSTATEs.
export function statusForSqlState(code: string, role: string): number {
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === 'P0001') return 400;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42501') return role === 'anon' ? 401 : 403;
  const cls = code.slice(0, 2);
  if (cls === '08' || cls === '53') return 503;
  if (cls === '0L' || cls === '0P' || cls === '28') return 403;
  if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX'].includes(cls)) {
    return 500;
  }
  return 400;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The SQL PostgREST generates for a scalar-returning function called with `keys` (its `callPlanToQuery`). */
export function rpcQuery(fn: string, keys: string[], overload: Overload): string {
  const typed = keys.map((k) => `${quoteIdent(k)} ${overload.types[overload.names.indexOf(k)]}`);
  const body = keys.length
    ? `(select ${keys.map(quoteIdent).join(', ')} from json_to_record(pgrst_payload.json_data) as _(${
      typed.join(', ')
    }) limit 1)`
    : '(select)';
  const args = keys.map((k) => `${quoteIdent(k)} := pgrst_body.${quoteIdent(k)}`).join(', ');
  return `select coalesce(json_agg(pgrst_call.pgrst_scalar) -> 0, 'null')::text as body
            from (select $1::text::json as json_data) pgrst_payload,
                 lateral ${body} pgrst_body,
                 lateral (select public.${quoteIdent(fn)}(${args}) as pgrst_scalar) pgrst_call`;
}

async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startPostgrestStandIn(databaseUrl: string): Promise<PostgrestStandIn> {
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const serviceRoleKey = 'stand-in-service-role-key';
  const anonKey = 'stand-in-anon-key';

  async function overloads(fn: string): Promise<Overload[]> {
    const rows = await sql<{ names: string[] | null; types: string[]; required: number; volatility: string }[]>`
      select p.proargnames as names,
             array(select format_type(t, null) from unnest(p.proargtypes) t) as types,
             p.pronargs - p.pronargdefaults as required, p.provolatile as volatility
        from pg_proc p where p.proname = ${fn} and p.pronamespace = 'public'::regnamespace and p.prokind = 'f'`;
    return rows.map((r) => ({
      names: r.names ?? [],
      types: r.types,
      required: r.required,
      volatile: r.volatility === 'v',
    }));
  }

  async function call(res: ServerResponse, fn: string, role: string, raw: string) {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    };
    const fail = (
      status: number,
      code: string,
      message: string,
      details: string | null = null,
      hint: string | null = null,
    ) => send(status, JSON.stringify({ code, details, hint, message }));
    let args: unknown;
    try {
      args = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return fail(400, 'PGRST102', 'Empty or invalid json');
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      return fail(400, 'PGRST102', 'Empty or invalid json');
    }
    const keys = Object.keys(args);
    const chosen = (await overloads(fn)).find(
      (o) => keys.every((k) => o.names.includes(k)) && o.names.slice(0, o.required).every((n) => keys.includes(n)),
    );
    if (!chosen) {
      return fail(
        404,
        'PGRST202',
        `Could not find the function public.${fn}(${[...keys].sort().join(', ')}) in the schema cache`,
      );
    }
    try {
      const body = await sql.begin(chosen.volatile ? 'read write' : 'read only', async (tx) => {
        await tx.unsafe(`set local role ${quoteIdent(role)}`);
        await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role })}, true),
                        set_config('request.method', 'POST', true), set_config('request.path', ${`/rpc/${fn}`}, true)`;
        const rows = await tx.unsafe(rpcQuery(fn, keys, chosen), [raw.trim() === '' ? '{}' : raw]);
        return rows[0].body as string;
      });
      send(200, body);
    } catch (err) {
      const e = err as PgError;
      const code = e.code ?? 'XX000';
      fail(statusForSqlState(code, role), code, e.message ?? 'error', e.detail ?? null, e.hint ?? null);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const refuse = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code, details: null, hint: null, message }));
    };
    const match = /^\/rest\/v1\/rpc\/([a-z_][a-z0-9_]*)$/.exec(req.url?.split('?')[0] ?? '');
    if (req.method !== 'POST' || !match) return refuse(404, 'PGRST125', 'Invalid path specified in request URL');
    const profile = req.headers['content-profile'];
    if (profile !== undefined && profile !== 'public') {
      return refuse(406, 'PGRST106', 'The schema must be one of the following: public');
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || String(req.headers.apikey ?? '');
    const role = token === serviceRoleKey ? 'service_role' : token === anonKey ? 'anon' : null;
    if (!role) return refuse(401, 'PGRST301', 'JWT could not be decoded');
    await call(res, match[1], role, await readRaw(req));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    anonKey,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 5 });
    },
  };
}
