/** @module Applies supabase/migrations in order, recording them where the Supabase CLI does. Node-only tooling. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';

export const MIGRATIONS_DIR = new URL('../../supabase/migrations/', import.meta.url).pathname;
export const ROLES_STAND_IN = new URL('../../supabase/stand-ins/supabase-roles.sql', import.meta.url).pathname;

/**
 * Prepares a plain PostgreSQL like a Supabase one (the roles stand-in) and applies pending migrations,
 * each in its own transaction. Returns the versions applied now.
 */
export async function migrate(databaseUrl: string, { withRolesStandIn = true } = {}): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // One migrator at a time per database (several test workers or servers may start together).
    await sql`select pg_advisory_lock(7287001)`;
    if (withRolesStandIn) await sql.unsafe(await readFile(ROLES_STAND_IN, 'utf8'));
    await sql.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key, statements text[], name text
      );`);
    const done = new Set((await sql`select version from supabase_migrations.schema_migrations`).map((r) => r.version));
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
    const applied: string[] = [];
    for (const file of files) {
      const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
      if (done.has(version)) continue;
      const text = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
      await sql.begin(async (tx) => {
        await tx.unsafe(text);
        await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
                 values (${version}, ${rest.join('_')}, ${[text]})`;
      });
      applied.push(version);
    }
    await sql`select pg_advisory_unlock(7287001)`;
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
