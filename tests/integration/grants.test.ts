import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();
const ROOT = new URL('../../', import.meta.url).pathname;

async function sourceFiles(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    // scripts/tools holds installed binaries (Deno, the Supabase CLI), not the application.
    .filter((e) => e.isFile() && ext.test(e.name) && !/\/(node_modules|tools)(\/|$)/.test(e.parentPath))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Every function name the application calls: `rpc('name'` in its TypeScript (or `call('name'`, the
 * worker's wrapper of the port's rpc), `select public.name(` in pg_cron jobs.
 */
async function calledFunctions(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const dir of ['shared', 'scripts', 'functions']) {
    for (const file of await sourceFiles(dir, /\.ts$/)) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/\b(?:rpc|call)(?:<[^()]*?>)?\(\s*['"]([a-z_0-9]+)['"]/g)) names.add(m[1]);
    }
  }
  for (const file of await sourceFiles('supabase/migrations', /\.sql$/)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/cron\.schedule\([^;]*?'select public\.([a-z_0-9]+)\(/g)) names.add(m[1]);
  }
  return names;
}

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
      expect({ sig: f.sig, anon: f.anon, authed: f.authed, public_exec: f.public_exec }).toEqual({
        sig: f.sig,
        anon: false,
        authed: false,
        public_exec: false,
      });
      // The lock-down helper itself is for migrations (the owner) only.
      expect({ sig: f.sig, service: f.service }).toEqual({
        sig: f.sig,
        service: f.sig !== 'internal.lock_down_public_functions()',
      });
    }
  });

  it('keeps in public exactly the functions the application calls; every helper lives in internal', async () => {
    const called = await calledFunctions();
    expect(called.size).toBeGreaterThanOrEqual(20);
    const rows = await db.sql<{ name: string }[]>`
      select distinct p.proname as name from pg_proc p where p.pronamespace = 'public'::regnamespace order by 1`;
    const inPublic = rows.map((r) => r.name);
    expect(inPublic.filter((n) => !called.has(n))).toEqual([]);
    expect([...called].filter((n) => !inPublic.includes(n)).sort()).toEqual([]);
  });

  it.each(['anon', 'authenticated'])('refuses %s when it actually calls a function or reads a table', async (role) => {
    for (
      const attempt of [
        `select public.health_ping()`,
        `select public.api_key_authenticate('${'0'.repeat(64)}')`,
        `select public.api_key_list()`,
        `select count(*) from public.api_keys`,
        `select count(*) from public.contacts`,
      ]
    ) {
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
      [
        'created_at',
        'expires_at',
        'id',
        'key_hash',
        'last_used_at',
        'name',
        'prefix',
        'rate_limit_per_minute',
        'revoked_at',
        'scopes',
        'workspace_id',
      ].sort(),
    );
  });
});
