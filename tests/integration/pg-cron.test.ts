import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { pgLibDir, startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { freePort, ROOT } from '../support/processes.ts';

const SECRET = 'cron-shared-secret-0123456789abcdef';
let cluster: PrivateCluster;
let sql: postgres.Sql;
let db: DataPort;
let workerServer: ServerType;
let workerUrl: string;
let calls = 0;

beforeAll(async () => {
  if (!existsSync(join(pgLibDir(), 'pg_cron.so'))) {
    throw new Error(`pg_cron is not installed in ${pgLibDir()}: install the Debian package postgresql-<major>-cron (npm test does this as root)`);
  }
  cluster = startPrivateCluster(await freePort(), { shared_preload_libraries: 'pg_cron', 'cron.database_name': 'leadlex' });
  const admin = postgres(cluster.url('postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe('create database leadlex');
  await admin.end();
  sql = postgres(cluster.url('leadlex'), { max: 2, onnotice: () => {} });
  // What a Supabase project already has: pg_net and Vault (stood in for), before the migrations.
  for (const f of ['pg-net.sql', 'vault.sql']) await sql.unsafe(readFileSync(join(ROOT, 'supabase/stand-ins', f), 'utf8'));
  await migrate(cluster.url('leadlex'));
  db = createPostgresPort(cluster.url('leadlex'));

  // The import-worker function, served as it is on Supabase but by Node.
  const app = createWorkerApp({
    secrets: [SECRET],
    tick: async () => {
      calls++;
      const r = await runTick({ db, workerId: 'cron-test', fetch, resolveHost, allowWebhookLoopback: false, webhookSecrets: null });
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
  cluster?.stop();
});

/** Plays pg_net's background worker: sends every queued request and removes it. */
async function drainNetQueue() {
  const queued = await sql`delete from net.http_request_queue returning url, headers, convert_from(body, 'UTF8') as body`;
  const statuses = [];
  for (const q of queued) {
    const res = await fetch(q.url, { method: 'POST', headers: q.headers, body: q.body });
    statuses.push(res.status);
  }
  return statuses;
}

describe('the pg_cron schedule', () => {
  it('registers the worker every minute and the idempotency purge hourly', async () => {
    const jobs = await sql`select jobname, schedule, command, active from cron.job order by jobname`;
    expect(jobs).toEqual([
      { jobname: 'leadlex-idempotency-purge', schedule: '17 * * * *', command: 'select public.idempotency_purge()', active: true },
      { jobname: 'leadlex-import-worker', schedule: '* * * * *', command: 'select internal.invoke_import_worker()', active: true },
    ]);
  });

  it('does nothing but warn until the Vault secrets exist', async () => {
    const [{ id }] = await sql`select internal.invoke_import_worker() as id`;
    expect(id).toBeNull();
    expect((await sql`select count(*)::int as n from net.http_request_queue`)[0].n).toBe(0);
  });

  it("running the job's command reaches the worker, which processes a queued import", async () => {
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
    const [request] = await sql`select url, headers from net.http_request_queue`;
    expect(request).toEqual({ url: workerUrl, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` } });

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
