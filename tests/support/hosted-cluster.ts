/**
 * @module A private PostgreSQL cluster prepared like a hosted Supabase project: superuser
 * supabase_admin, a `postgres` role that is not a superuser, pg_cron preloaded for database
 * `postgres` only, the API roles (`supabase-roles.sql`) and what `hosted-bootstrap.sql` sets up before any migration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { ROLES_STAND_IN } from '../../scripts/lib/migrate.ts';
import { pgLibDir, type PrivateCluster, startPrivateCluster } from './private-cluster.ts';
import { freePort, ROOT } from './processes.ts';

export const HOSTED_BOOTSTRAP = join(ROOT, 'supabase/stand-ins/hosted-bootstrap.sql');
export const SUPERUSER = 'supabase_admin';

/** Extra server settings go on top of the hosted-like ones. */
export async function startHostedLikeCluster(settings: Record<string, string> = {}): Promise<PrivateCluster> {
  for (const [lib, pkg] of [['pg_cron', 'cron'], ['plpgsql_check', 'plpgsql-check']]) {
    if (!existsSync(join(pgLibDir(), `${lib}.so`))) {
      throw new Error(
        `${lib} is not installed in ${pgLibDir()}: install the Debian package postgresql-<major>-${pkg} (npm test does this as root)`,
      );
    }
  }
  const cluster = startPrivateCluster(
    await freePort(),
    { shared_preload_libraries: 'pg_cron', 'cron.database_name': 'postgres', ...settings },
    { superuser: SUPERUSER },
  );
  const admin = postgres(cluster.url('postgres', SUPERUSER), { max: 1, onnotice: () => {} });
  try {
    for (const file of [ROLES_STAND_IN, HOSTED_BOOTSTRAP]) await admin.unsafe(readFileSync(file, 'utf8'));
  } catch (err) {
    cluster.stop();
    throw err;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return cluster;
}
