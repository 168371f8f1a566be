/** @module Once per test run: a template database with the Supabase roles stand-in and all migrations, cloned per test file. */
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { migrate } from '../../scripts/lib/migrate.ts';
import { adminUrl, databaseUrl, serverUrl } from './urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  const server = serverUrl();
  const admin = postgres(adminUrl(server), { max: 1, onnotice: () => {} });
  // One template per vitest project (each runs this setup), so projects never drop each other's.
  const template = `leadlex_tpl_${process.pid}_${project.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  try {
    await admin`select 1`;
  } catch (err) {
    throw new Error(`Tests need PostgreSQL at ${server} (set TEST_DATABASE_URL): ${(err as Error).message}`);
  }
  await admin.unsafe(`drop database if exists ${template} with (force)`);
  await admin.unsafe(`create database ${template}`);
  await migrate(databaseUrl(server, template));
  project.provide('templateDb', template);

  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end({ timeout: 5 });
  };
}
