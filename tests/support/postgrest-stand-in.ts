/**
 * @module STAND-IN for PostgREST, which cannot run here. It implements only the documented
 * `POST /rest/v1/rpc/{fn}` behaviour that supabase-js `.rpc()` relies on, over the real database:
 * named arguments from the JSON body (cast to the function's declared types), the request's role
 * taken from the key (service_role or anon, like Supabase's two API keys), the result as JSON,
 * and PostgREST's error body (`code`, `message`, `details`, `hint`) with its SQLSTATE → HTTP status table.
 */
import { createServer, type Server } from 'node:http';
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
  if (['09', '25', '2D', '38', '39', '3B', '40', '54', '55', '57', '58', 'F0', 'HV', 'P0', 'XX'].includes(cls)) return 500;
  return 400;
}

export async function startPostgrestStandIn(databaseUrl: string): Promise<PostgrestStandIn> {
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const serviceRoleKey = 'stand-in-service-role-key';
  const anonKey = 'stand-in-anon-key';

  async function overloads(fn: string): Promise<Overload[]> {
    const rows = await sql<{ names: string[] | null; types: string[]; required: number }[]>`
      select p.proargnames as names,
             array(select format_type(t, null) from unnest(p.proargtypes) t) as types,
             p.pronargs - p.pronargdefaults as required
        from pg_proc p where p.proname = ${fn} and p.pronamespace = 'public'::regnamespace`;
    return rows.map((r) => ({ names: r.names ?? [], types: r.types, required: r.required }));
  }

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const match = /^\/rest\/v1\/rpc\/([a-z_][a-z0-9_]*)$/.exec(req.url?.split('?')[0] ?? '');
    if (req.method !== 'POST' || !match) return send(404, { code: 'PGRST125', message: 'Invalid path specified in request URL', details: null, hint: null });
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || String(req.headers.apikey ?? '');
    const role = token === serviceRoleKey ? 'service_role' : token === anonKey ? 'anon' : null;
    if (!role) return send(401, { code: 'PGRST301', message: 'JWT could not be decoded', details: null, hint: null });

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let args: Record<string, unknown>;
    try {
      args = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      return send(400, { code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
    }
    const fn = match[1];
    const keys = Object.keys(args);
    const chosen = (await overloads(fn)).find(
      (o) => keys.every((k) => o.names.includes(k)) && o.names.slice(0, o.required).every((n) => keys.includes(n)),
    );
    if (!chosen) {
      return send(404, {
        code: 'PGRST202',
        message: `Could not find the function public.${fn}(${keys.join(', ')}) in the schema cache`,
        details: null,
        hint: null,
      });
    }
    const params = keys.map((k) => {
      const type = chosen.types[chosen.names.indexOf(k)];
      return type === 'jsonb' || type === 'json' ? `${k} => (args.a -> '${k}')::${type}` : `${k} => (args.a ->> '${k}')::${type}`;
    });
    try {
      const result = await sql.begin(async (tx) => {
        await tx.unsafe(`set local role ${role}`);
        const rows = await tx.unsafe(`select to_jsonb(public.${fn}(${params.join(', ')})) as r from (select $1::jsonb as a) args`, [
          tx.json(args as postgres.JSONValue),
        ]);
        return rows[0].r;
      });
      send(200, result);
    } catch (err) {
      const e = err as { code?: string; message?: string; detail?: string; hint?: string };
      const code = e.code ?? 'XX000';
      send(statusForSqlState(code, role), { code, message: e.message ?? 'error', details: e.detail ?? null, hint: e.hint ?? null });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    anonKey,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 5 });
    },
  };
}
