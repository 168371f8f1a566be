/**
 * @module A fresh, migrated database per test file, cloned from the run's template, and THE one place
 * that picks the data port the tests reach it through: postgres.js, or supabase-js through the
 * PostgREST stand-in, as the vitest project provides (`dataPort`; see vitest.config.ts).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { createSupabasePort } from '../../shared/db/supabase-port.ts';
import { startPostgrestStandIn } from './postgrest-stand-in.ts';
import { adminUrl, databaseUrl, serverUrl } from './urls.ts';

export type DataPortName = 'postgres' | 'supabase';

declare module 'vitest' {
  export interface ProvidedContext {
    dataPort: DataPortName;
  }
}

/** The data port of this vitest project (postgres.js unless the project says otherwise). */
export function dataPortName(): DataPortName {
  return inject('dataPort') ?? 'postgres';
}

export interface TestDb {
  name: string;
  url: string;
  /** Direct SQL for assertions on rows (tests only; the product goes through the port). */
  sql: postgres.Sql;
  /** The project's data port over this database (postgres.js, or supabase-js via the PostgREST stand-in). */
  port: DataPort;
  /** Environment that makes `tests/support/serve-app.ts` use the same data port. */
  serverEnv: Record<string, string>;
}

/** Call at the top level of a test file: creates the database now and drops it after the file. */
export async function freshDatabase(): Promise<TestDb> {
  const server = serverUrl();
  const name = `leadlex_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl(server), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${inject('templateDb')}`);
  const url = databaseUrl(server, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const { port, serverEnv, close } = await openPort(url);
  afterAll(async () => {
    await port.close();
    await close();
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  });
  return { name, url, sql, port, serverEnv };
}

async function openPort(
  url: string,
): Promise<{ port: DataPort; serverEnv: Record<string, string>; close(): Promise<void> }> {
  if (dataPortName() === 'supabase') {
    const standIn = await startPostgrestStandIn(url);
    return {
      port: createSupabasePort(standIn.url, standIn.serviceRoleKey),
      serverEnv: { SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: standIn.serviceRoleKey, DATABASE_URL: '' },
      close: () => standIn.close(),
    };
  }
  return {
    port: createPostgresPort(url),
    serverEnv: { DATABASE_URL: url, SUPABASE_URL: '', SUPABASE_SERVICE_ROLE_KEY: '' },
    close: async () => {},
  };
}
