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
    const recorded = await sql<{ version: string; statements: string[] | null }[]>`
      select version, statements from supabase_migrations.schema_migrations`;
    // This migrator records a file as one statement; the Supabase CLI splits it into several, whose
    // text is not the file's, so only this migrator's records are compared.
    const done = new Map(recorded.map((r) => [r.version, r.statements?.length === 1 ? r.statements[0] : null]));
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
    const applied: string[] = [];
    for (const file of files) {
      const [version, ...rest] = file.replace(/\.sql$/, '').split('_');
      const text = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
      if (done.has(version)) {
        refuseChanged(file, done.get(version)!, text);
        continue;
      }
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

/**
 * The product is unreleased and its migrations are edited in place, so a database migrated by an
 * older checkout would silently keep the old functions and indexes. Stop with what to do instead.
 */
function refuseChanged(file: string, recorded: string | null, text: string): void {
  if (recorded === null || recorded === text) return;
  throw new Error(
    `migration ${file} has changed since it was applied to this database. Migrations are edited in place ` +
      'until the first release: start from an empty database (for `npm start`, delete the .local/ folder; ' +
      'elsewhere drop and recreate the database, or `supabase db reset`).',
  );
}
