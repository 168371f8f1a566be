import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostedLikeCluster } from '../support/hosted-cluster.ts';
import type { PrivateCluster } from '../support/private-cluster.ts';
import { ROOT, run } from '../support/processes.ts';

// The real Supabase CLI from npm (package.json pins it) against a database prepared like a hosted
// project: what `supabase db push` and `supabase db lint` do on Supabase, minus the network.
const CLI = join(ROOT, 'scripts/tools/node_modules/.bin/supabase');
const CLI_TIMEOUT = 240_000;
const MIGRATIONS = readdirSync(join(ROOT, 'supabase/migrations')).filter((f) => f.endsWith('.sql')).sort();

let cluster: PrivateCluster;
let dbUrl: string;
let sql: postgres.Sql;

const supabase = (...args: string[]) => run(CLI, [...args, '--db-url', dbUrl], { DO_NOT_TRACK: '1' }, CLI_TIMEOUT);

beforeAll(async () => {
  cluster = await startHostedLikeCluster();
  // As Supabase's postgres role, which is not a superuser; the local server speaks no TLS.
  dbUrl = `${cluster.url('postgres')}?sslmode=disable`;
  sql = postgres(cluster.url('postgres'), { max: 1, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  cluster?.stop();
});

describe('the migrations through the Supabase CLI onto a hosted-like database', () => {
  it('`supabase db push` applies every migration as the non-superuser postgres', { timeout: CLI_TIMEOUT }, async () => {
    const push = await supabase('db', 'push', '--yes');
    expect(push.stderr + push.stdout).toContain('Finished supabase db push.');
    expect(push.code).toBe(0);
    for (const file of MIGRATIONS) expect(push.stderr + push.stdout).toContain(`Applying migration ${file}`);
    const applied = await sql`select version from supabase_migrations.schema_migrations order by version`;
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((f) => f.split('_')[0]));
    expect((await sql`select rolsuper from pg_roles where rolname = 'postgres'`)[0].rolsuper).toBe(false);
  });

  it('leaves no extension in public and schedules the worker through pg_cron as postgres', async () => {
    const inPublic = await sql`select e.extname from pg_extension e where e.extnamespace = 'public'::regnamespace`;
    expect(inPublic).toEqual([]);
    const jobs = await sql`select jobname, username from cron.job order by jobname`;
    expect(jobs).toEqual([
      { jobname: 'leadlex-import-worker', username: 'postgres' },
      { jobname: 'leadlex-retention-purge', username: 'postgres' },
    ]);
  });

  it('`supabase db lint --level warning` finds nothing', { timeout: CLI_TIMEOUT }, async () => {
    const lint = await supabase('db', 'lint', '--level', 'warning', '--fail-on', 'warning');
    expect({ code: lint.code, stdout: lint.stdout.trim() }).toEqual({
      code: 0,
      stdout: expect.not.stringContaining('"issues"'),
    });
    expect(lint.stderr + lint.stdout).toContain('Linting schema: public');
    expect(lint.stderr + lint.stdout).toContain('Linting schema: internal');
  });
});
