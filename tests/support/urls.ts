/** @module Where the test PostgreSQL is: TEST_DATABASE_URL, or the machine's server on 127.0.0.1:5432. */

export function serverUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** The same server, another database. */
export function databaseUrl(server: string, database: string): string {
  const u = new URL(server);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database that is always there for CREATE/DROP DATABASE. */
export function adminUrl(server: string): string {
  return databaseUrl(server, 'postgres');
}
