import { beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPort } from '../../shared/db/postgres-port.ts';
import { runImportWorker } from '../../shared/worker/import-worker.ts';
import { runRetentionPurge } from '../../shared/worker/purge.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let key: TestKey;
beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'caps', rateLimit: 10_000 });
});

const importRows = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.call('POST', '/v1/import/contacts', { key: key.key, body, headers });
const getJob = async (id: string) => (await api.call('GET', `/v1/import/jobs/${id}`, { key: key.key })).json.data;
const count = async (table: string, where = 'true') =>
  (await db.sql.unsafe(`select count(*)::int as n from ${table} where ${where}`))[0].n as number;

async function drainWorker(jobId: string) {
  for (let i = 0; i < 50 && (await getJob(jobId)).status !== 'completed'; i++) {
    await runImportWorker({ db: db.port, workerId: 'caps-test' });
  }
  return getJob(jobId);
}

describe('caps on stored row errors', () => {
  it('a queued {"rows": [null × 12,000]} stores the first 10,000 errors and counts all 12,000 by code', async () => {
    const res = await importRows({ rows: Array.from({ length: 12_000 }, () => null) });
    expect(res.status).toBe(202);
    const job = await drainWorker(res.json.data.job_id);
    expect(job).toMatchObject({
      status: 'completed',
      total_rows: 12_000,
      skipped_count: 12_000,
      error_count: 12_000,
      errors_stored: 10_000,
      errors_truncated: true,
      error_counts: { invalid_field: 12_000 },
    });
    expect(job.errors).toHaveLength(100);
    const stored = await db.sql`select min(row_number)::int as first, max(row_number)::int as last, count(*)::int as n
                                  from import_job_errors where job_id = ${job.job_id}`;
    expect(stored[0]).toEqual({ first: 1, last: 10_000, n: 10_000 });

    const last = await api.call('GET', `/v1/import/jobs/${job.job_id}/errors?page=100&per_page=100`, { key: key.key });
    expect(last.json.meta).toEqual({ page: 100, per_page: 100, total: 10_000, total_pages: 100 });
    expect(last.json.data.at(-1)).toMatchObject({ row_number: 10_000, code: 'invalid_field' });
  }, 120_000);

  it('a sync import lists every error (at most 500) and its job counts them by code', async () => {
    const res = await importRows({ rows: [null, { email: 'bad@' }, { email: 'ok@x.com' }, 7] });
    expect(res.status).toBe(200);
    expect(res.json.data.errors.map((e: { code: string }) => e.code)).toEqual([
      'invalid_field',
      'invalid_email',
      'invalid_field',
    ]);
    expect(await getJob(res.json.data.job_id)).toMatchObject({
      error_count: 3,
      errors_stored: 3,
      errors_truncated: false,
      error_counts: { invalid_field: 2, invalid_email: 1 },
    });
  });
});

describe('retention purge', () => {
  /** A finished sync job with `errors` row errors, finished `daysAgo` days ago. */
  async function finishedJob(daysAgo: number, errors = 2): Promise<string> {
    const res = await importRows({
      rows: [{ email: `fine-${Math.random()}@x.com` }, ...Array.from({ length: errors }, () => null)],
    });
    const id = res.json.data.job_id as string;
    await db.sql`update import_jobs set finished_at = now() - make_interval(days => ${daysAgo}) where id = ${id}`;
    return id;
  }

  it('deletes finished jobs past 30 days with their errors, and expired idempotency keys; keeps the rest', async () => {
    const old = await finishedJob(31, 3);
    const recent = await finishedJob(29, 3);
    // A job still queued, however old, is never purged.
    const queued = (await importRows({ rows: Array.from({ length: 501 }, () => null) })).json.data.job_id as string;
    await db.sql`update import_jobs set created_at = now() - interval '60 days' where id = ${queued}`;
    await importRows({ rows: [{ email: 'k1@x.com' }] }, { 'idempotency-key': 'old-key' });
    await importRows({ rows: [{ email: 'k2@x.com' }] }, { 'idempotency-key': 'new-key' });
    await db.sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old-key'`;

    const out = await runRetentionPurge(db.port);
    expect(out).toMatchObject({ idempotency_keys: 1, more: false });
    expect(out.import_jobs).toBeGreaterThanOrEqual(1);
    expect(await count('import_jobs', `id = '${old}'`)).toBe(0);
    expect(await count('import_job_errors', `job_id = '${old}'`)).toBe(0);
    expect(await count('import_jobs', `id in ('${recent}', '${queued}')`)).toBe(2);
    expect(await count('import_job_errors', `job_id = '${recent}'`)).toBe(3);
    expect(await count('import_job_payloads', `job_id = '${queued}'`)).toBe(1);
    expect((await db.sql`select key from idempotency_keys where key in ('old-key', 'new-key')`).map((r) => r.key))
      .toEqual(['new-key']);
    expect((await api.call('GET', `/v1/import/jobs/${old}`, { key: key.key })).status).toBe(404);
  });

  it('deletes in bounded batches, reporting `more` until the backlog is gone', async () => {
    const ids = [await finishedJob(40, 5), await finishedJob(40, 5), await finishedJob(40, 0)];
    const batches = [];
    for (let i = 0; i < 20; i++) {
      const r = await db.port.rpc<{ import_jobs: number; import_job_errors: number; more: boolean }>(
        'retention_purge',
        { p_batch: 4 },
      );
      batches.push(r);
      expect(r.import_jobs).toBeLessThanOrEqual(4);
      expect(r.import_job_errors).toBeLessThanOrEqual(4);
      if (!r.more) break;
    }
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.at(-1)!.more).toBe(false);
    expect(batches.reduce((s, b) => s + b.import_job_errors, 0)).toBe(10);
    expect(await count('import_jobs', `id in (${ids.map((i) => `'${i}'`).join(', ')})`)).toBe(0);
  });

  it('takes its retention from the database setting leadlex.import_job_retention_days', async () => {
    const id = await finishedJob(11, 1);
    await db.sql.unsafe(`alter database ${db.name} set leadlex.import_job_retention_days = 10`);
    // The setting reaches new sessions: a new port.
    const port = createPostgresPort(db.url);
    try {
      await runRetentionPurge(port);
    } finally {
      await port.close();
      await db.sql.unsafe(`alter database ${db.name} reset leadlex.import_job_retention_days`);
    }
    expect(await count('import_jobs', `id = '${id}'`)).toBe(0);
  });

  it('finds what to delete through indexes, beside 20,000 young jobs and keys (EXPLAIN)', async () => {
    await db.sql`insert into import_jobs (id, workspace_id, status, source, total_rows, processed_rows, finished_at)
                 select 'imp_' || lpad(i::text, 26, '0'), ${key.workspaceId}, 'completed', 'rows', 0, 0, now()
                   from generate_series(1, 20000) i`;
    await db.sql`insert into idempotency_keys (workspace_id, key, fingerprint, state, response_status, response_body)
                 select ${key.workspaceId}, 'young-' || i, repeat('a', 64), 'completed', 200, '{}'
                   from generate_series(1, 20000) i`;
    await db.sql`analyze import_jobs, idempotency_keys, import_job_errors`;
    const plan = async (q: string) => (await db.sql.unsafe(`explain ${q}`)).map((r) => r['QUERY PLAN']).join('\n');
    // The statements of internal.import_jobs_purge and internal.idempotency_purge, as written there.
    const jobs = await plan(`select id from public.import_jobs
       where status in ('completed', 'failed') and finished_at < now() - internal.import_job_retention()
       order by finished_at limit 10000`);
    expect(jobs).toMatch(/Index (Only )?Scan using import_jobs_finished_idx/);
    const keys = await plan(`select workspace_id, key from public.idempotency_keys
       where created_at < now() - interval '24 hours' order by created_at limit 10000`);
    expect(keys).toMatch(/Index Scan using idempotency_keys_created_idx/);
    expect(`${jobs}\n${keys}`).not.toMatch(/Seq Scan/);
  });
});
