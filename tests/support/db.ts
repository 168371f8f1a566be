/** @module A fresh, migrated database per test file, cloned from the run's template. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { adminUrl, databaseUrl, serverUrl } from './urls.ts';

export interface TestDb {
  name: string;
  url: string;
  /** Direct SQL for assertions on rows (tests only; the product goes through the port). */
  sql: postgres.Sql;
  /** The postgres.js data port over this database. */
  port: DataPort;
}

/** Call at the top level of a test file: creates the database now and drops it after the file. */
export async function freshDatabase(): Promise<TestDb> {
  const server = serverUrl();
  const name = `leadlex_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl(server), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${inject('templateDb')}`);
  const url = databaseUrl(server, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const port = createPostgresPort(url);
  afterAll(async () => {
    await port.close();
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  });
  return { name, url, sql, port };
}
