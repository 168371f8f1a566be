/** GET /v1/import/jobs/{job_id}/errors.csv: every row error of a job as CSV, streamed in keyset pages, tenant-isolated. */
import { parse } from 'csv-parse/sync';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { runImportWorker } from '../../shared/worker/import-worker.ts';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port, 'errcsv');
  await db.sql`update api_keys set rate_limit_per_minute = 100000`;
});

/** A CSV whose rows in `bad` have an invalid email; every 7th row has a two-line note. */
function csvOf(n: number, bad: (i: number) => boolean) {
  const lines = ['Name,Email,Notes'];
  for (let i = 1; i <= n; i++) {
    lines.push(`P ${i},${bad(i) ? `broken${i}@` : `p${i}@errcsv.example`},${i % 7 === 0 ? '"a\nb"' : 'x'}`);
  }
  return lines.join('\n') + '\n';
}

const errorsCsv = (jobId: string, key = keys.full.key) =>
  api.call('GET', `/v1/import/jobs/${jobId}/errors.csv`, { key });

describe('GET /v1/import/jobs/{job_id}/errors.csv', () => {
  it('streams every error of a queued job in row order, across several pages, as text/csv', async () => {
    const posted = await api.call('POST', '/v1/import/contacts', {
      key: keys.full.key,
      body: { csv: csvOf(2600, (i) => i > 100) },
    });
    expect(posted.status).toBe(202);
    const jobId = posted.json.data.job_id;
    while ((await runImportWorker({ db: db.port, workerId: 't' })).jobs > 0);
    const res = await errorsCsv(jobId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('x-ratelimit-limit')).toBe('100000');
    expect(res.text.startsWith('row_number,line,code,message\r\n')).toBe(true);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2500);
    expect(rows.map((r) => Number(r.row_number))).toEqual(Array.from({ length: 2500 }, (_, i) => i + 101));
    // Line = header + rows before it + one extra line per two-line note before it.
    const lineOf = (i: number) => 1 + i + Math.floor((i - 1) / 7);
    expect(rows[0]).toEqual({
      row_number: '101',
      line: String(lineOf(101)),
      code: 'invalid_email',
      message: expect.stringContaining('broken101@'),
    });
    expect(rows[2499].line).toBe(String(lineOf(2600)));
    // The same errors as the paged JSON endpoint gives.
    const json = await api.call('GET', `/v1/import/jobs/${jobId}/errors?page=25&per_page=100`, {
      key: keys.readOnly.key,
    });
    expect(json.json.data.map((e: { message: string }) => e.message)).toEqual(rows.slice(2400).map((r) => r.message));
  }, 120_000);

  it('answers a synchronous job, and an empty CSV (header only) for a job without errors', async () => {
    const withErrors = await api.call('POST', '/v1/import/contacts', {
      key: keys.full.key,
      body: { rows: [{ email: 'ok@sync.example' }, { email: 'nope' }] },
    });
    const res = await errorsCsv(withErrors.json.data.job_id, keys.readOnly.key);
    expect(res.text).toBe(
      `row_number,line,code,message\r\n2,,invalid_email,"${
        withErrors.json.data.errors[0].message.replace(/"/g, '""')
      }"\r\n`,
    );
    const clean = await api.call('POST', '/v1/import/contacts', {
      key: keys.full.key,
      body: { rows: [{ email: 'ok2@sync.example' }] },
    });
    expect((await errorsCsv(clean.json.data.job_id)).text).toBe('row_number,line,code,message\r\n');
  });

  it('is 404 for another workspace, an unknown or malformed id; 401 without a key; 403 without a contacts scope', async () => {
    const mine = await api.call('POST', '/v1/import/contacts', {
      key: keys.full.key,
      body: { rows: [{ email: 'nope' }] },
    });
    const id = mine.json.data.job_id;
    for (
      const [jobId, key] of [[id, keys.other.key], [`imp_${ulid()}`, keys.full.key], ['imp_x', keys.full.key], [
        '../jobs',
        keys.full.key,
      ]]
    ) {
      const res = await errorsCsv(jobId, key);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    expect((await api.call('GET', `/v1/import/jobs/${id}/errors.csv`)).status).toBe(401);
    expect((await errorsCsv(id, keys.webhooksOnly.key)).json.error.code).toBe('insufficient_permissions');
    expect((await errorsCsv(id, keys.writeOnly.key)).status).toBe(200);
  });

  it('prefixes messages a spreadsheet would run as a formula, and quotes commas, quotes and line breaks', async () => {
    const [ws] = await db.sql`select id from workspaces where name = 'errcsv'`;
    const id = `imp_${ulid()}`;
    await db
      .sql`insert into import_jobs (id, workspace_id, status, source, total_rows, processed_rows, skipped_count, error_count)
                 values (${id}, ${ws.id}, 'completed', 'csv', 5, 5, 5, 5)`;
    const messages = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', 'a, "b"\nc'];
    for (const [i, m] of messages.entries()) {
      await db.sql`insert into import_job_errors (job_id, row_number, line, code, message) values (${id}, ${i + 1}, ${
        i + 2
      }, 'invalid_field', ${m})`;
    }
    const rows = parse((await errorsCsv(id)).text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.message)).toEqual([`'=HYPERLINK("http://x","y")`, "'+1", "'-2", "'@SUM(A1)", 'a, "b"\nc']);
  });

  it('pages by row number on the primary key: no OFFSET, no sort, however many errors a job has', async () => {
    const [ws] = await db.sql`select id from workspaces where name = 'errcsv'`;
    const id = `imp_${ulid()}`;
    const n = 200_000;
    await db
      .sql`insert into import_jobs (id, workspace_id, status, source, total_rows, processed_rows, skipped_count, error_count)
                 values (${id}, ${ws.id}, 'completed', 'csv', ${n}, ${n}, ${n}, ${n})`;
    await db.sql`insert into import_job_errors (job_id, row_number, line, code, message)
                 select ${id}, g, g + 1, 'invalid_email', 'bad ' || g from generate_series(1, ${n}) g`;
    await db.sql`analyze import_job_errors`;
    const [fn] = await db.sql`select prosrc from pg_proc where proname = 'import_job_errors_after'`;
    expect(fn.prosrc).not.toMatch(/offset/i);
    const plan = await db.sql.unsafe(
      `explain (format json) select row_number, line, code, message from public.import_job_errors
        where job_id = $1 and row_number > $2 order by row_number limit 1000`,
      [id, n - 500],
    );
    const text = JSON.stringify(plan[0]['QUERY PLAN']);
    expect(text).toContain('"Index Name":"import_job_errors_pkey"');
    expect(text).not.toContain('"Node Type":"Sort"');
    const res = await errorsCsv(id);
    expect(res.text.split('\r\n').at(-2)).toBe(`${n},${n + 1},invalid_email,bad ${n}`);
  }, 120_000);
});
