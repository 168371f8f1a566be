import { serve, type ServerType } from '@hono/node-server';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { createWorkerApp } from '../../shared/worker/app.ts';
import { runTick } from '../../shared/worker/tick.ts';
import { migrate } from '../../scripts/lib/migrate.ts';
import { resolveHost } from '../../scripts/lib/resolve-host.ts';
import { createApp } from '../../shared/app.ts';
import { createKey } from '../support/fixtures.ts';
import { startHostedLikeCluster, SUPERUSER } from '../support/hosted-cluster.ts';
import type { PrivateCluster } from '../support/private-cluster.ts';
import { freePort } from '../support/processes.ts';

const SECRET = 'cron-shared-secret-0123456789abcdef';
let cluster: PrivateCluster;
let sql: postgres.Sql;
/** pg_net's background worker reads its queue as a superuser; the test plays that part. */
let netWorker: postgres.Sql;
let db: DataPort;
let workerServer: ServerType;
let workerUrl: string;
let calls = 0;
const notices: postgres.Notice[] = [];

beforeAll(async () => {
  // Like a hosted project: pg_cron only in database postgres, postgres not a superuser, Vault and
  // pg_net stood in for by the hosted bootstrap; the migrations run as postgres.
  cluster = await startHostedLikeCluster();
  sql = postgres(cluster.url('postgres'), { max: 2, onnotice: (n) => notices.push(n) });
  netWorker = postgres(cluster.url('postgres', SUPERUSER), { max: 1 });
  await migrate(cluster.url('postgres'), { withRolesStandIn: false });
  db = createPostgresPort(cluster.url('postgres'));

  // The import-worker function, served as it is on Supabase but by Node.
  const app = createWorkerApp({
    secrets: [SECRET],
    tick: async () => {
      calls++;
      const r = await runTick({
        db,
        workerId: 'cron-test',
        fetch,
        resolveHost,
        allowWebhookLoopback: false,
        webhookSecrets: null,
      });
      return { ...r.imports };
    },
  });
  const port = await freePort();
  workerServer = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  workerUrl = `http://127.0.0.1:${port}/import-worker`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => (workerServer ? workerServer.close(() => r()) : r()));
  await db?.close();
  await sql?.end({ timeout: 5 });
  await netWorker?.end({ timeout: 5 });
  cluster?.stop();
});

/** Plays pg_net's background worker: sends every queued request and removes it. */
async function drainNetQueue() {
  const queued =
    await netWorker`delete from net.http_request_queue returning url, headers, convert_from(body, 'UTF8') as body`;
  const statuses = [];
  for (const q of queued) {
    const res = await fetch(q.url, { method: 'POST', headers: q.headers, body: q.body });
    statuses.push(res.status);
  }
  return statuses;
}

describe('the pg_cron schedule', () => {
  it('registers the worker every minute and the retention purge every 5 minutes', async () => {
    const jobs = await sql`select jobname, schedule, command, active from cron.job order by jobname`;
    expect(jobs).toEqual([
      {
        jobname: 'leadlex-import-worker',
        schedule: '* * * * *',
        command: 'select internal.invoke_import_worker()',
        active: true,
      },
      {
        jobname: 'leadlex-retention-purge',
        schedule: '*/5 * * * *',
        command: 'select public.retention_purge()',
        active: true,
      },
    ]);
  });

  it('creates pg_cron in pg_catalog, as Supabase documents, and no extension in public', async () => {
    const exts =
      await sql`select e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace order by 1`;
    expect(exts.find((e) => e.extname === 'pg_cron')).toEqual({ extname: 'pg_cron', nspname: 'pg_catalog' });
    expect(exts.filter((e) => e.nspname === 'public')).toEqual([]);
    expect((await sql`select rolsuper from pg_roles where rolname = current_user`)[0].rolsuper).toBe(false);
  });

  it('does nothing, quietly, until the Vault secrets exist (it runs every minute)', async () => {
    notices.length = 0;
    const [{ id }] = await sql`select internal.invoke_import_worker() as id`;
    expect(id).toBeNull();
    expect(notices).toEqual([]);
    expect((await netWorker`select count(*)::int as n from net.http_request_queue`)[0].n).toBe(0);
  });

  it("running the job's command reaches the worker, which processes a queued import", async () => {
    // The test runs the command itself: pg_cron firing at a minute boundary would send a second request.
    await sql`update cron.job set active = false`;
    await sql`select vault.create_secret(${workerUrl}, 'import_worker_url')`;
    await sql`select vault.create_secret(${SECRET}, 'import_worker_secret')`;
    const key = await createKey(db, { workspace: 'cron' });
    const api = createApp({ db });
    const rows = Array.from({ length: 600 }, (_, i) => ({ email: `cron${i}@x.com` }));
    const queued = await api.request('/v1/import/contacts', {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rows }),
    });
    expect(queued.status).toBe(202);
    const { job_id } = (await queued.json()).data;

    const [{ command }] = await sql`select command from cron.job where jobname = 'leadlex-import-worker'`;
    const [{ id }] = await sql.unsafe(`${command} as id`);
    expect(Number(id)).toBeGreaterThan(0);
    const [request] = await netWorker`select url, headers from net.http_request_queue`;
    expect(request).toEqual({
      url: workerUrl,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` },
    });

    expect(await drainNetQueue()).toEqual([200]);
    expect(calls).toBe(1);
    const [job] = await sql`select status, created_count from import_jobs where id = ${job_id}`;
    expect(job).toEqual({ status: 'completed', created_count: 600 });
  });

  it('is refused by the worker with a wrong secret', async () => {
    await sql`update vault.secrets set secret = 'not-the-secret-0123456789' where name = 'import_worker_secret'`;
    await sql`select internal.invoke_import_worker()`;
    const before = calls;
    expect(await drainNetQueue()).toEqual([401]);
    expect(calls).toBe(before);
  });
});
