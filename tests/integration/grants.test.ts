import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();

describe('least privilege', () => {
  it('lets neither anon nor authenticated execute any function in public or internal, and service_role all it calls', async () => {
    const fns = await db.sql<{ sig: string; anon: boolean; authed: boolean; service: boolean; public_exec: boolean }[]>`
      select p.oid::regprocedure::text as sig,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as authed,
             has_function_privilege('service_role', p.oid, 'execute') as service,
             coalesce(array_to_string(p.proacl, ',') ~ '(^|,)=X', false) as public_exec
        from pg_proc p where p.pronamespace in ('public'::regnamespace, 'internal'::regnamespace) order by 1`;
    expect(fns.length).toBeGreaterThanOrEqual(10);
    for (const f of fns) {
      expect({ sig: f.sig, anon: f.anon, authed: f.authed, public_exec: f.public_exec }).toEqual({ sig: f.sig, anon: false, authed: false, public_exec: false });
      // The lock-down helper itself is for migrations (the owner) only.
      expect({ sig: f.sig, service: f.service }).toEqual({ sig: f.sig, service: f.sig !== 'internal.lock_down_public_functions()' });
    }
  });

  it.each(['anon', 'authenticated'])('refuses %s when it actually calls a function or reads a table', async (role) => {
    for (const attempt of [
      `select public.health_ping()`,
      `select public.api_key_authenticate('${'0'.repeat(64)}')`,
      `select public.api_key_list()`,
      `select count(*) from public.api_keys`,
      `select count(*) from public.contacts`,
    ]) {
      const err = await db.sql
        .begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe(attempt);
        })
        .then(() => null, (e: { code?: string }) => e);
      expect({ attempt, code: err?.code }).toEqual({ attempt, code: '42501' });
    }
  });

  it('has row level security enabled on every table', async () => {
    const tables = await db.sql<{ relname: string; rls: boolean }[]>`
      select c.relname, c.relrowsecurity as rls from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`;
    expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining(['api_keys', 'contacts', 'workspaces']));
    for (const t of tables) expect(t).toEqual({ relname: t.relname, rls: true });
  });

  it('stores only a SHA-256 hash and a display prefix of each key', async () => {
    const cols = await db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns where table_schema = 'public' and table_name = 'api_keys'`;
    expect(cols.map((c) => c.column_name).sort()).toEqual(
      ['created_at', 'expires_at', 'id', 'key_hash', 'last_used_at', 'name', 'prefix', 'rate_limit_per_minute', 'revoked_at', 'scopes', 'workspace_id'].sort(),
    );
  });
});
