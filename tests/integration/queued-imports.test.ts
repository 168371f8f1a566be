import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataPort } from '../../shared/db/port.ts';
import { runImportWorker } from '../../shared/worker/import-worker.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const queued: string[] = [];
const api = testApp(db.port, { onImportQueued: (id) => queued.push(id) });
let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'queue', rateLimit: 100000 });
  other = await createKey(db.port, { workspace: 'queue-other', rateLimit: 100000 });
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
  await db.sql`delete from import_jobs`;
  queued.length = 0;
});

const rows = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ full_name: `Person ${from + i}`, email: `p${from + i}@x.com` }));
// Without a CPU clock the worker counts every moment not spent awaiting the database as CPU, so on a
// busy machine the 1.5 s default could end a tick early; tests about the budget set their own.
const work = (opts: Partial<Parameters<typeof runImportWorker>[0]> = {}) =>
  runImportWorker({ db: db.port, workerId: 'test', chunkRows: 200, cpuBudgetMs: 60_000, ...opts });
const job = async (id: string, k = key) => (await api.call('GET', `/v1/import/jobs/${id}`, { key: k.key })).json.data;
const contactCount = async () => Number((await db.sql`select count(*)::int as n from contacts`)[0].n);

function csvOf(n: number, opts: { bad?: Set<number> } = {}) {
  const lines = ['First Name,Last Name,E-mail Address,Notes'];
  for (let i = 1; i <= n; i++) {
    const email = opts.bad?.has(i) ? `broken${i}@` : `c${i}@x.com`;
    // Every 50th record has a two-line quoted note, so physical lines and rows diverge.
    lines.push(i % 50 === 0 ? `Ann${i},Lee,${email},"line one\nline two"` : `Ann${i},Lee,${email},plain`);
  }
  return lines.join('\r\n') + '\r\n';
}

describe('enqueue', () => {
  it('answers 202 queued with job_id and total_rows for more than 500 JSON rows, and kicks the worker', async () => {
    const res = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      body: { rows: rows(501), tags: ['big'] },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ data: { job_id: expect.stringMatching(/^imp_/), status: 'queued', total_rows: 501 } });
    expect(queued).toEqual([res.json.data.job_id]);
    expect(await contactCount()).toBe(0);
    expect(await job(res.json.data.job_id)).toMatchObject({
      status: 'queued',
      total_rows: 501,
      processed_rows: 0,
      created_count: 0,
      started_at: null,
    });
  });

  it('queues a CSV of more than 500 records after checking its header and mapping, counting its rows', async () => {
    const res = await api.call('POST', '/v1/import/contacts', { key: key.key, body: { csv: csvOf(1200) } });
    expect(res.status).toBe(202);
    expect(res.json.data).toEqual({
      job_id: expect.stringMatching(/^imp_/),
      status: 'queued',
      total_rows: 1200,
      mapping_used: { 'First Name': 'first_name', 'Last Name': 'last_name', 'E-mail Address': 'email' },
      unmapped_columns: ['Notes'],
    });
    expect(Object.keys(res.json.data.mapping_used)).toStrictEqual(['First Name', 'Last Name', 'E-mail Address']);
    const bad = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      body: { csv: csvOf(1200), mapping: { Emial: 'email' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toContain('Emial');
  });

  it('replays a queued import with the original job_id under the same Idempotency-Key', async () => {
    const body = { rows: rows(600) };
    const first = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      body,
      headers: { 'idempotency-key': 'q-1' },
    });
    const again = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      body,
      headers: { 'idempotency-key': 'q-1' },
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.data.job_id).toBe(first.json.data.job_id);
    expect((await db.sql`select count(*)::int as n from import_jobs`)[0].n).toBe(1);
  });
});

describe('the worker', () => {
  it('cuts a chunk at chunkBytes of payload before chunkRows rows, so wide rows never make a large chunk', async () => {
    const wide = Array.from(
      { length: 600 },
      (_, i) => ({ full_name: `Person ${i}`, email: `w${i}@x.com`, custom_fields: { note: 'x'.repeat(1000) } }),
    );
    const res = await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: wide } });
    expect(res.status).toBe(202);
    // Over 1 KB a row: 600 rows (more than 600 KB) in chunks cut at 16 KB are over 30 chunks, where 1000 rows a chunk would be one.
    const out = await work({ chunkRows: 1000, chunkBytes: 16 * 1024 });
    expect(out).toMatchObject({ completed: 1, rows: 600 });
    expect(out.chunks).toBeGreaterThan(30);
    expect(await job(res.json.data.job_id)).toMatchObject({ status: 'completed', created_count: 600, error_count: 0 });
  });

  it('processes a queued JSON import to completion with the counts of a synchronous one', async () => {
    await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(100, 0) } });
    const body = {
      rows: [...rows(700, 50), { email: 'bad@' }, { phone: '+4930901820' }],
      update_existing: true,
      tags: ['big'],
    };
    const { job_id } = (await api.call('POST', '/v1/import/contacts', { key: key.key, body })).json.data;
    const tick = await work();
    expect(tick).toMatchObject({ jobs: 1, completed: 1, failed: 0, rows: 702, stopped: 'idle' });
    const j = await job(job_id);
    expect(j).toMatchObject({
      status: 'completed',
      total_rows: 702,
      processed_rows: 702,
      created_count: 650,
      updated_count: 50,
      skipped_count: 2,
      error_count: 2,
      errors: [
        { row_number: 701, code: 'invalid_email', message: expect.any(String) },
        { row_number: 702, code: 'missing_identity', message: expect.any(String) },
      ],
      errors_truncated: false,
    });
    expect(j.started_at).not.toBeNull();
    expect(j.finished_at).not.toBeNull();
    expect(await contactCount()).toBe(750);
    const tagged = await db.sql`select count(*)::int as n from contacts where 'big' = any(tags)`;
    expect(tagged[0].n).toBe(700);
    expect((await db.sql`select count(*)::int as n from import_job_payloads`)[0].n).toBe(0);
  });

  it('stores a payload larger than one part of the data port whole, multi-byte characters included', async () => {
    // ~1.2 M characters: the postgres.js port sends it in several parts (postgres-json-parts.ts).
    const note = '\u00e9\u{1F600}'.repeat(333);
    const big = Array.from(
      { length: 600 },
      (_, i) => ({
        full_name: `Big ${i}`,
        email: `big${i}@x.com`,
        job_title: note.slice(0, 199),
        custom_fields: { note },
      }),
    );
    const { job_id } = (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: big } })).json.data;
    expect(await work()).toMatchObject({ completed: 1, failed: 0, rows: 600 });
    expect(await job(job_id)).toMatchObject({ status: 'completed', created_count: 600, error_count: 0 });
    const stored = await db
      .sql`select count(*)::int as n from contacts where custom_fields->>'note' = ${note} and job_title = ${
      note.slice(0, 199)
    }`;
    expect(stored[0].n).toBe(600);
  });

  it("stores a large JSON body's rows as their own text, one a line, and the worker reads the values the request held", async () => {
    // Over 1 MB, so the body is parsed in slices, pretty-printed so rows span lines; row 3 says
    // priority 1e400, which JSON.stringify of the parsed value would have turned into null.
    const note = 'n'.repeat(2000);
    const body = { rows: Array.from({ length: 600 }, (_, i) => ({ email: `raw${i}@x.com`, custom_fields: { note } })) };
    // Row 551 too, past the rows the request builds (routes.ts: elementsBuilt): its text alone is read.
    for (const i of [2, 550]) (body.rows[i] as Record<string, unknown>).priority = 'PRIORITY';
    const text = JSON.stringify(body, null, 2).replaceAll('"PRIORITY"', '1e400');
    const res = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      raw: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const [{ payload }] = await db.sql`select convert_from(data, 'UTF8') as payload from import_job_payloads`;
    const lines = (payload as string).split('\n');
    expect(lines).toHaveLength(600);
    // Row 3 is lines 14-20 of the body ('{' to '},'), its line feeds now spaces.
    const row3 = text.split('\n').slice(14, 21).join('\n').trim().replace(/,$/, '');
    expect(row3).toMatch(/^\{\n +"email": "raw2@x\.com",[^]*"priority": 1e400\n +\}$/);
    expect(lines[2]).toBe(row3.replace(/\n/g, ' '));
    expect(lines[0]).toBe(text.split('\n').slice(2, 8).join(' ').trim().replace(/,$/, ''));
    expect(lines[550]).toMatch(/^\{ +"email": "raw550@x\.com",[^]*"priority": 1e400 +\}$/);
    expect(await work()).toMatchObject({ completed: 1, failed: 0, rows: 600 });
    expect(await job(res.json.data.job_id)).toMatchObject({
      status: 'completed',
      created_count: 598,
      error_count: 2,
      errors: [
        { row_number: 3, code: 'invalid_field', message: expect.stringContaining('priority') },
        { row_number: 551, code: 'invalid_field', message: expect.stringContaining('priority') },
      ],
    });
  });

  it('refuses a large JSON body with text PostgreSQL cannot store in a row it would not build, naming the row', async () => {
    const note = 'n'.repeat(2000);
    const body = { rows: Array.from({ length: 600 }, (_, i) => ({ email: `nul${i}@x.com`, custom_fields: { note } })) };
    (body.rows[559].custom_fields as Record<string, string>).note = 'NUL';
    const res = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      raw: JSON.stringify(body).replace('"NUL"', '"a\\u0000b"'),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'validation_error',
      details: [{ path: 'rows.559.custom_fields.note', message: expect.stringContaining('U+0000') }],
    });
    expect((await db.sql`select count(*)::int as n from import_jobs`)[0].n).toBe(0);
  });

  it('imports a large body whose letters are escaped as Python writes them, rows past those built included', async () => {
    const note = 'n'.repeat(2000);
    const body = {
      rows: Array.from(
        { length: 600 },
        (_, i) => ({ full_name: `José Müller ${i}`, email: `py${i}@x.com`, custom_fields: { note } }),
      ),
    };
    // json.dumps's default (ensure_ascii): every non-ASCII letter as a \u escape, none of them suspect.
    const text = JSON.stringify(body).replace(
      /[\u0080-\uffff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(text).toContain('Jos\\u00e9 M\\u00fcller 599');
    const res = await api.call('POST', '/v1/import/contacts', {
      key: key.key,
      raw: text,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    expect(await work()).toMatchObject({ completed: 1, failed: 0, rows: 600 });
    expect(await job(res.json.data.job_id)).toMatchObject({ status: 'completed', created_count: 600, error_count: 0 });
    const names = await db.sql`select full_name from contacts where email in ('py0@x.com', 'py550@x.com', 'py599@x.com')
      order by email`;
    expect(names.map((r) => r.full_name)).toEqual(['José Müller 0', 'José Müller 550', 'José Müller 599']);
  });

  it('processes a queued CSV with row errors that carry their physical lines, paged at /errors', async () => {
    const bad = new Set(Array.from({ length: 130 }, (_, i) => i * 7 + 3));
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { csv: csvOf(1000, { bad }) } })).json.data;
    await work({ chunkRows: 150, sliceBytes: 4096 });
    const j = await job(job_id);
    expect(j).toMatchObject({
      status: 'completed',
      total_rows: 1000,
      created_count: 870,
      skipped_count: 130,
      error_count: 130,
      errors_truncated: true,
    });
    expect(j.errors).toHaveLength(100);
    // Record r sits on line r + 1 plus one extra line for every two-line note before it.
    const lineOf = (r: number) => r + 1 + Math.floor((r - 1) / 50);
    expect(j.errors[0]).toEqual({
      row_number: 3,
      line: lineOf(3),
      code: 'invalid_email',
      message: expect.stringContaining('broken3@'),
    });
    const page2 = await api.call('GET', `/v1/import/jobs/${job_id}/errors?page=2&per_page=100`, { key: key.key });
    expect(page2.json.meta).toEqual({ page: 2, per_page: 100, total: 130, total_pages: 2 });
    expect(page2.json.data).toHaveLength(30);
    expect(page2.json.data.map((e: { row_number: number }) => e.row_number)).toEqual(
      [...bad].sort((a, b) => a - b).slice(100),
    );
    for (const e of page2.json.data) expect(e.line).toBe(lineOf(e.row_number));
    expect(await contactCount()).toBe(870);
  });

  it('stops at its CPU budget with work left and the next tick finishes exactly where it stopped', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { csv: csvOf(2000) } })).json.data;
    const first = await work({ chunkRows: 100, cpuBudgetMs: 0 });
    expect(first).toMatchObject({ chunks: 1, rows: 100, completed: 0, stopped: 'budget' });
    const mid = await job(job_id);
    expect(mid).toMatchObject({ processed_rows: 100, created_count: 100 });
    expect(['processing', 'queued']).toContain(mid.status);
    let ticks = 1;
    while ((await job(job_id)).status !== 'completed') {
      await work({ chunkRows: 300, cpuBudgetMs: 5 });
      expect(++ticks).toBeLessThan(100);
    }
    expect(await job(job_id)).toMatchObject({ processed_rows: 2000, created_count: 2000, skipped_count: 0 });
    expect(await contactCount()).toBe(2000);
  });

  it('picks up a job whose worker died (lease expired), resuming from the committed cursor', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(900) } })).json.data;
    await work({ chunkRows: 300, cpuBudgetMs: 0 }); // one chunk, then pauses
    // A worker claims it and dies without a word.
    const dead = await db.port.rpc<{ job_id: string }>('import_job_claim', { p_worker: 'doomed', p_lease_seconds: 60 });
    expect(dead.job_id).toBe(job_id);
    expect(await work()).toMatchObject({ jobs: 0 }); // leased: nobody else may take it
    await db.sql`update import_jobs set locked_until = now() - interval '1 second' where id = ${job_id}`;
    expect(await work()).toMatchObject({ jobs: 1, completed: 1, rows: 600 });
    expect(await job(job_id)).toMatchObject({ status: 'completed', created_count: 900, processed_rows: 900 });
  });

  it("sends a chunk's commit while the one before it commits, and takes their answers in order", async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(1000) } })).json.data;
    const events: string[] = [];
    let sent = 0;
    const waiting: { after: number; go: () => void }[] = [];
    /**
     * Each commit's answer is held until the next commit has been sent (at most 10 s; the last one,
     * which completes the job, has no next): a committer that waited for an answer before sending
     * the next commit would get each answer only after the wait, and the order below would show it.
     */
    const nextSent = (k: number, last: boolean) =>
      new Promise<void>((go) => {
        if (last || sent > k) return go();
        waiting.push({ after: k, go });
        setTimeout(go, 10_000);
      });
    // The database runs the commits in the order they were sent (the real port may open a
    // connection for one and let the next overtake it: that is the `early` answer's test, below).
    let inOrder: Promise<unknown> = Promise.resolve();
    const port: DataPort = {
      rpc: async (name, args) => {
        if (name !== 'import_job_commit_chunk') return db.port.rpc(name, args);
        const k = ++sent;
        events.push(`send ${k}`);
        for (const w of waiting.filter((w) => w.after < k)) w.go();
        const run = inOrder.then(() => db.port.rpc(name, args));
        inOrder = run.catch(() => {});
        const out = await run;
        await nextSent(k, args!.p_done === true);
        events.push(`answer ${k}`);
        return out as never;
      },
      close: async () => {},
    };
    expect(await runImportWorker({ db: port, workerId: 'pipelined', chunkRows: 200, cpuBudgetMs: 60_000 }))
      .toMatchObject({ jobs: 1, completed: 1, rows: 1000 });
    // Five chunks of 200 rows and the empty one that completes the job.
    expect(events).toEqual([
      'send 1',
      'send 2',
      'answer 1',
      'send 3',
      'answer 2',
      'send 4',
      'answer 3',
      'send 5',
      'answer 4',
      'send 6',
      'answer 5',
      'answer 6',
    ]);
    expect(await job(job_id)).toMatchObject({ status: 'completed', processed_rows: 1000, created_count: 1000 });
    expect(await contactCount()).toBe(1000);
    const emails = await db.sql`select count(distinct email)::int as n from contacts`;
    expect(emails[0].n).toBe(1000);
  });

  it('sends again a commit that overtook the one before it (answered early); every chunk commits once, in order', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(600) } })).json.data;
    const answers: { at: number; status: string; processed?: number }[] = [];
    let calls = 0;
    let secondAnswered = () => {};
    const second = new Promise<void>((go) => {
      secondAnswered = go;
      setTimeout(go, 10_000);
    });
    const port: DataPort = {
      rpc: async (name, args) => {
        if (name !== 'import_job_commit_chunk') return db.port.rpc(name, args);
        const call = ++calls;
        // The first commit reaches the database only once the second has been answered, as when a
        // connection is being opened for the first and the second finds one ready.
        if (call === 1) await second;
        const out = await db.port.rpc<{ status: string; processed_rows?: number }>(name, args);
        answers.push({ at: args!.p_expected_offset as number, status: out.status, processed: out.processed_rows });
        if (call === 2) secondAnswered();
        return out as never;
      },
      close: async () => {},
    };
    expect(await runImportWorker({ db: port, workerId: 'overtaken', chunkRows: 200, cpuBudgetMs: 60_000 }))
      .toMatchObject({ jobs: 1, completed: 1, rows: 600 });
    expect(answers[0]).toMatchObject({ at: expect.any(Number), status: 'early' });
    expect(answers[0].at).toBeGreaterThan(0);
    // Three chunks of 200 and the empty one that completes the job, each committed once, in order:
    // each commit's answer counts the rows of every chunk up to its own (answers on two
    // connections may reach the worker in either order, so their arrival order proves nothing).
    const committed = answers.filter((a) => a.status !== 'early').sort((a, b) => a.at - b.at);
    expect(committed.map((a) => a.processed)).toEqual([200, 400, 600, 600]);
    expect(new Set(committed.map((a) => a.at)).size).toBe(4);
    expect(committed.map((a) => a.at)).toContain(answers[0].at);
    expect(await job(job_id)).toMatchObject({ status: 'completed', processed_rows: 600, created_count: 600 });
    const [{ n, distinct }] = await db
      .sql`select count(*)::int as n, count(distinct email)::int as distinct from contacts`;
    expect([n, distinct]).toEqual([600, 600]);
  });

  it('answers a chunk that comes before the one it follows `early`, writing nothing; sent again, it commits', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(600) } })).json.data;
    const claim = await db.port.rpc<{ job_id: string; lease_token: string }>('import_job_claim', {
      p_worker: 'by-hand',
      p_lease_seconds: 60,
    });
    expect(claim.job_id).toBe(job_id);
    const commit = (from: number, to: number, person: number) =>
      db.port.rpc<{ status: string }>('import_job_commit_chunk', {
        p_job_id: job_id,
        p_lease_token: claim.lease_token,
        p_expected_offset: from,
        p_rows: [{ n: person + 1, full_name: `Hand ${person}`, email: `hand${person}@x.com` }],
        p_errors: [],
        p_rows_read: 1,
        p_next_offset: to,
        p_next_line: 1,
        p_done: false,
      });
    expect(await commit(10, 20, 1)).toEqual({ status: 'early' });
    expect(await job(job_id)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect(await contactCount()).toBe(0);
    expect(await commit(0, 10, 0)).toMatchObject({ status: 'processing', processed_rows: 1 });
    expect(await commit(10, 20, 1)).toMatchObject({ status: 'processing', processed_rows: 2 });
    // Behind the cursor is another worker's business: lost.
    expect(await commit(10, 20, 1)).toEqual({ status: 'lease_lost' });
    // So is a stale lease, even for a batch the database cannot read (read before the locks when
    // it is to be inserted whole): the answer is lease_lost, not that batch's error.
    const stale = await db.port.rpc<{ status: string }>('import_job_commit_chunk', {
      p_job_id: job_id,
      p_lease_token: '00000000-0000-4000-8000-000000000000',
      p_expected_offset: 20,
      p_rows: [{ n: 3, full_name: 'Unreadable', priority: 'not a number' }],
      p_errors: [],
      p_rows_read: 1,
      p_next_offset: 30,
      p_next_line: 1,
      p_done: false,
      p_keys_distinct: true,
    });
    expect(stale).toEqual({ status: 'lease_lost' });
    expect(await job(job_id)).toMatchObject({ processed_rows: 2, created_count: 2 });
    expect(await contactCount()).toBe(2);
  });

  it('retries a chunk that throws with backoff, then fails the job keeping what was committed', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(1000) } })).json.data;
    // A data port that works for the commits of the first two chunks (a chunk's commit may be sent
    // twice: see `early`) and then breaks every time.
    const working = new Set<unknown>();
    const flaky: DataPort = {
      rpc: (name, args) => {
        if (name !== 'import_job_commit_chunk') return db.port.rpc(name, args);
        if (working.size < 2) working.add(args!.p_expected_offset);
        return working.has(args!.p_expected_offset)
          ? db.port.rpc(name, args)
          : Promise.reject(new Error('simulated outage'));
      },
      close: async () => {},
    };
    // A failed run schedules the next attempt at (the database's now during the run) + backoff, so
    // the backoff lies between next_attempt_at minus the clock after the run and minus the clock before it.
    const clock = async () => (await db.sql`select clock_timestamp() as t`)[0].t.getTime() as number;
    const backoffs: [number, number][] = [];
    const failOnce = async () => {
      const before = await clock();
      await runImportWorker({ db: flaky, workerId: 'flaky', chunkRows: 200 });
      const after = await clock();
      const [row] = await db
        .sql`select status, attempts, last_error, next_attempt_at from import_jobs where id = ${job_id}`;
      if (row.status !== 'failed') {
        backoffs.push([
          (row.next_attempt_at.getTime() - after) / 1000,
          (row.next_attempt_at.getTime() - before) / 1000,
        ]);
      }
      return row;
    };
    let j = await failOnce();
    expect(j).toMatchObject({ status: 'processing', attempts: 1 });
    expect(j.last_error).toContain('simulated outage');
    for (let i = 0; i < 10 && j.status !== 'failed'; i++) {
      // Drive time forward instead of sleeping.
      await db.sql`update import_jobs set next_attempt_at = now() where id = ${job_id}`;
      j = await failOnce();
    }
    expect(backoffs).toHaveLength(4);
    [5, 10, 20, 40].forEach((secs, i) => {
      expect(backoffs[i][0]).toBeLessThanOrEqual(secs);
      expect(backoffs[i][1]).toBeGreaterThanOrEqual(secs);
    });
    const done = await job(job_id);
    expect(done).toMatchObject({ status: 'failed', processed_rows: 400, created_count: 400 });
    expect(done.failure_reason).toContain('simulated outage');
    expect(await contactCount()).toBe(400);
    const events = await db.sql`select body from webhook_events where body like ${'%' + job_id + '%'}`;
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].body).data).toMatchObject({ job_id, status: 'failed', created_count: 400 });
  });

  it('fails a CSV that breaks midway at the line where its structure broke, keeping the rows before it', async () => {
    const csv = csvOf(800) + 'Zed,Last,"never closed,x\r\nmore\r\n';
    const { job_id } = (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { csv } })).json.data;
    await work({ chunkRows: 250 });
    const j = await job(job_id);
    expect(j.status).toBe('failed');
    // Record 800 starts on line 816 and its two-line note ends on 817.
    expect(j.failure_reason).toBe('The CSV is malformed at line 818: unterminated quoted field starting at line 818.');
    expect(j).toMatchObject({ processed_rows: 800, created_count: 800 });
    expect(await contactCount()).toBe(800);
  });

  it('writes the import.completed event in the transaction that completes the job', async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(550) } })).json.data;
    expect((await db.sql`select count(*)::int as n from webhook_events where body like ${'%' + job_id + '%'}`)[0].n)
      .toBe(0);
    await work();
    const [e] = await db.sql`select workspace_id, body from webhook_events where body like ${'%' + job_id + '%'}`;
    expect(e.workspace_id).toBe(key.workspaceId);
    expect(JSON.parse(e.body)).toMatchObject({
      event: 'import.completed',
      workspace_id: key.workspaceId,
      data: {
        job_id,
        status: 'completed',
        total_rows: 550,
        created_count: 550,
        updated_count: 0,
        skipped_count: 0,
        error_count: 0,
      },
    });
  });

  it('lets several workers run in parallel: every job is processed exactly once', async () => {
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) {
      ids.push(
        (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(800, k * 1000) } })).json.data
          .job_id,
      );
    }
    const ticks = await Promise.all(
      Array.from({ length: 3 }, (_, w) => runImportWorker({ db: db.port, workerId: `w${w}`, chunkRows: 100 })),
    );
    expect(ticks.reduce((n, t) => n + t.completed, 0)).toBe(4);
    for (const id of ids) {
      expect(await job(id)).toMatchObject({ status: 'completed', created_count: 800, processed_rows: 800 });
    }
    expect(await contactCount()).toBe(3200);
  });

  it("keeps jobs to their workspace: another workspace's job and its errors are 404", async () => {
    const { job_id } =
      (await api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows: rows(501) } })).json.data;
    expect((await api.call('GET', `/v1/import/jobs/${job_id}`, { key: other.key })).status).toBe(404);
    expect((await api.call('GET', `/v1/import/jobs/${job_id}/errors`, { key: other.key })).status).toBe(404);
  });
});
