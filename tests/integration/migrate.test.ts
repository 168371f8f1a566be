/** The migrator applies nothing twice, and refuses a database migrated by an older text of a migration. */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../scripts/lib/migrate.ts';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();

describe('migrate', () => {
  it('applies nothing to a database that has every migration', async () => {
    expect(await migrate(db.url)).toEqual([]);
  });

  it('stops with what to do when an applied migration has changed since', async () => {
    const [first] = await db.sql<{ version: string }[]>`
      select version from supabase_migrations.schema_migrations order by version limit 1`;
    await db
      .sql`update supabase_migrations.schema_migrations set statements = array['-- an older text'] where version = ${first.version}`;
    await expect(migrate(db.url)).rejects.toThrow(
      /has changed since it was applied to this database.*delete the \.local\/ folder/,
    );
  });

  it('does not compare what the Supabase CLI recorded (one row per statement)', async () => {
    const [first] = await db.sql<{ version: string }[]>`
      select version from supabase_migrations.schema_migrations order by version limit 1`;
    await db
      .sql`update supabase_migrations.schema_migrations set statements = array['create table a ()', 'create table b ()'] where version = ${first.version}`;
    expect(await migrate(db.url)).toEqual([]);
  });
});
