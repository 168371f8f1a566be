/**
 * @module The whole-batch insert of import_contacts_batch: a batch of new people is inserted without
 * matching, and a batch that turns out to hold a known key is undone and matched row by row with the
 * same outcome as if the attempt had never been made. Which path ran is read from the index scans
 * in the transaction (pg_stat_get_xact_numscans, read before and after, since PostgreSQL 15 counts
 * since its last flush of statistics): matching probes the unique keys, an insert does not.
 */
import type postgres from 'postgres';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataPort } from '../../shared/db/port.ts';
import { runImportWorker } from '../../shared/worker/import-worker.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let key: TestKey;
beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'whole-insert' });
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
});

const person = (i: number) => ({
  full_name: `Person ${i}`,
  email: `person${i}@example.com`,
  phone: `+4915${String(100000000 + i)}`,
});
const people = (count: number) => Array.from({ length: count }, (_, i) => person(i));
const importRows = (rows: unknown[], updateExisting = false) =>
  api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows, update_existing: updateExisting } });

/** A prepared batch as the import paths send it to SQL (PreparedRow: the contact, `n`, and `u` its patch). */
const prepared = (people: ReturnType<typeof person>[]) =>
  people.map((c, i) => ({ ...c, n: i + 1, u: { full_name: c.full_name } }));

/** Probes of the two matching keys counted by this session so far. */
async function keyProbes(tx: postgres.TransactionSql): Promise<number> {
  const [{ n }] = await tx`
    select (pg_stat_get_xact_numscans('contacts_workspace_email_key'::regclass)
          + pg_stat_get_xact_numscans('contacts_workspace_phone_key'::regclass))::int as n`;
  return n;
}

/** import_contacts_batch with `people`, in `tx`; `tryInsert` omitted leaves the default. */
async function batchOf(tx: postgres.TransactionSql, people: ReturnType<typeof person>[], tryInsert?: boolean) {
  const rows = tx.json(prepared(people));
  const [{ r }] = tryInsert === undefined
    ? await tx`select internal.import_contacts_batch(${key.workspaceId}, ${rows}::json, false) as r`
    : await tx`select internal.import_contacts_batch(${key.workspaceId}, ${rows}::json, false, ${tryInsert}) as r`;
  return r;
}

/** Tuples inserted into contacts in this transaction, those an undone attempt inserted included. */
async function insertedTuples(tx: postgres.TransactionSql): Promise<number> {
  const [{ n }] = await tx`select pg_stat_get_xact_tuples_inserted('contacts'::regclass)::int as n`;
  return n;
}

/** Runs `fn` in a transaction that is rolled back, so each case starts from the same table. */
async function inRolledBack(fn: (tx: postgres.TransactionSql) => Promise<void>): Promise<void> {
  const rollback = new Error('rollback');
  await db.sql.begin(async (tx) => {
    await fn(tx);
    throw rollback;
  }).catch((err) => {
    if (err !== rollback) throw err;
  });
}

describe('a batch of new people', () => {
  it('is inserted whole, without a probe per row', async () => {
    await inRolledBack(async (tx) => {
      const before = await keyProbes(tx);
      const r = await batchOf(tx, people(50), true);
      expect(r).toEqual({ created: 50, updated: 0, skipped: 0, errors: [] });
      // Two probes: the look at the first email and phone the batch spells, none per row.
      expect(await keyProbes(tx) - before).toBe(2);
      const [{ n }] = await tx`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
      expect(n).toBe(50);
    });
  });

  for (const tryInsert of [false, undefined]) {
    it(`is matched instead when the caller does not ask for the attempt (${tryInsert ?? 'the default'})`, async () => {
      await inRolledBack(async (tx) => {
        const before = await keyProbes(tx);
        const r = await batchOf(tx, people(50), tryInsert);
        expect(r).toEqual({ created: 50, updated: 0, skipped: 0, errors: [] });
        expect(await keyProbes(tx) - before).toBeGreaterThanOrEqual(50);
      });
    });
  }
});

describe('records read before the locks (p_parsed)', () => {
  it('are what the whole insert writes, once each, the JSON beside them not read', async () => {
    // Name-only rows: no unique key would refuse a second copy of them.
    const names = [{ full_name: 'Only Name A', n: 1 }, { full_name: 'Only Name B', n: 2 }];
    await inRolledBack(async (tx) => {
      const [{ r }] = await tx`
        select internal.import_contacts_batch(${key.workspaceId}, ${tx.json(names)}::json, false, true,
          array(select c from json_populate_recordset(null::public.contacts, ${tx.json(names)}::json) c)) as r`;
      expect(r).toMatchObject({ created: 2, updated: 0, skipped: 0 });
      const stored =
        await tx`select full_name from contacts where workspace_id = ${key.workspaceId} order by full_name`;
      expect(stored.map((c) => c.full_name)).toEqual(['Only Name A', 'Only Name B']);
      // Given the records, contacts_insert does not read the JSON at all: not even a non-array.
      const ids = await tx`
        select internal.contacts_insert(${key.workspaceId}, '"not an array"'::json,
          array(select c from json_populate_recordset(null::public.contacts, ${tx.json(names)}::json) c)) as id`;
      expect(ids).toHaveLength(2);
    });
  });
});

describe('a batch whose last row is a known person', () => {
  for (const updateExisting of [false, true]) {
    it(`creates the others once and ${updateExisting ? 'updates' : 'skips'} that row`, async () => {
      await importRows([{ ...person(499), full_name: 'Known Before' }]);
      const res = await importRows(Array.from({ length: 500 }, (_, i) => person(i)), updateExisting);
      expect(res.status).toBe(200);
      expect(res.json.data).toMatchObject({
        total_rows: 500,
        created_count: 499,
        updated_count: updateExisting ? 1 : 0,
        skipped_count: updateExisting ? 0 : 1,
        errors: [],
      });
      const rows = await db.sql<{ email: string; full_name: string }[]>`
        select email, full_name from contacts where workspace_id = ${key.workspaceId} order by email`;
      expect(rows).toHaveLength(500);
      expect(new Set(rows.map((r) => r.email)).size).toBe(500);
      expect(rows.find((r) => r.email === person(499).email)?.full_name).toBe(
        updateExisting ? 'Person 499' : 'Known Before',
      );
    });
  }

  it('matched by its phone alone: the attempt is undone and the batch matched', async () => {
    await importRows([{ full_name: 'Phone Owner', phone: person(9).phone }]);
    await inRolledBack(async (tx) => {
      const before = await keyProbes(tx);
      const r = await batchOf(tx, people(10), true);
      expect(r).toEqual({ created: 9, updated: 0, skipped: 1, errors: [] });
      expect(await keyProbes(tx) - before).toBeGreaterThanOrEqual(10);
      const [{ n }] = await tx`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
      expect(n).toBe(10);
    });
  });
});

describe('a batch whose first key is known', () => {
  it('is matched without an attempt; one whose first keys are new is attempted and undone', async () => {
    await importRows([person(0), { full_name: 'Phone Owner', phone: person(41).phone }]);
    // The first email spelled is person 0's (known): no attempt, which would have written the first
    // two rows (the second refused by the unique index after its heap tuple) and undone them.
    const firstKnown = [{ full_name: 'Name Only' } as ReturnType<typeof person>, ...people(10)];
    // The first email and phone are new; person 41's phone is known: the attempt writes all 41
    // rows, the last refused, and undoes them.
    const lastKnown = people(42).slice(1);
    for (const [batch, undone] of [[firstKnown, 0], [lastKnown, 41]] as const) {
      await inRolledBack(async (tx) => {
        const before = await insertedTuples(tx);
        const r = await batchOf(tx, [...batch], true);
        expect(r).toMatchObject({ created: batch.length - 1, skipped: 1, errors: [] });
        expect(await insertedTuples(tx) - before).toBe(batch.length - 1 + undone);
      });
    }
  });
});

describe('rows of one batch sharing a key', () => {
  it('are matched in order (the second row meets the first)', async () => {
    const people = Array.from({ length: 20 }, (_, i) => person(i));
    // The last row repeats the first one's email in other letter case.
    people.push({ ...person(20), email: person(0).email.toUpperCase() });
    const res = await importRows(people, true);
    expect(res.json.data).toMatchObject({ created_count: 20, updated_count: 1, skipped_count: 0 });
    const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
    expect(n).toBe(20);
  });

  it('tried whole all the same, are refused by the unique index, undone and matched in order', async () => {
    // A caller that misjudged the keys (its lower-casing differs from the database's, say).
    const batch = people(30);
    batch.push({ ...person(30), email: person(3).email.toUpperCase() });
    await inRolledBack(async (tx) => {
      const [{ ins: before }] = await tx`select pg_stat_get_xact_tuples_inserted('contacts'::regclass)::int as ins`;
      const r = await batchOf(tx, batch, true);
      expect(r).toEqual({ created: 30, updated: 0, skipped: 1, errors: [] });
      // The attempt inserted rows before the unique index refused the last one; they were undone.
      const [{ ins }] = await tx`select pg_stat_get_xact_tuples_inserted('contacts'::regclass)::int as ins`;
      expect(ins - before).toBeGreaterThan(30);
      const rows = await tx<{ email: string; full_name: string }[]>`
        select email, full_name from contacts where workspace_id = ${key.workspaceId}`;
      expect(rows).toHaveLength(30);
      expect(rows.find((c) => c.email === person(3).email)?.full_name).toBe('Person 3');
    });
  });
});

describe('the import paths', () => {
  it('tell SQL whether the keys of each batch are distinct, the sync import and the worker alike', async () => {
    const sync: unknown[] = [];
    // By the chunk's start: a commit that overtook the one before it is sent again, with the same word.
    const chunks = new Map<number, unknown>();
    const recording: DataPort = {
      rpc: (name, args) => {
        if (name === 'import_run_sync') sync.push(args?.p_keys_distinct);
        if (name === 'import_job_commit_chunk') chunks.set(Number(args?.p_expected_offset), args?.p_keys_distinct);
        return db.port.rpc(name, args);
      },
      close: async () => {},
    };
    const app = testApp(recording);
    const post = (rows: unknown[]) => app.call('POST', '/v1/import/contacts', { key: key.key, body: { rows } });
    /** `rows` with row `at` repeating row `from`'s email in other letter case. */
    const twice = (rows: ReturnType<typeof person>[], from: number, at: number) => [
      ...rows.slice(0, at),
      { ...rows[at], email: rows[from].email.toUpperCase() },
      ...rows.slice(at + 1),
    ];
    expect((await post(people(5))).json.data).toMatchObject({ created_count: 5 });
    expect((await post(twice(people(10).slice(5), 0, 3))).json.data).toMatchObject({
      created_count: 4,
      skipped_count: 1,
    });
    // A queued job in chunks of 200: a row of the second repeats another row's email of that chunk.
    const queued = twice(people(610).slice(10), 250, 300);
    expect((await post(queued)).status).toBe(202);
    expect(await runImportWorker({ db: recording, workerId: 'told', chunkRows: 200, cpuBudgetMs: 60_000 }))
      .toMatchObject({ jobs: 1, completed: 1, rows: 600 });
    expect(sync).toEqual([true, false]);
    // Three chunks of 200 and the empty one that completes the job.
    expect([...chunks].sort(([a], [b]) => a - b).map(([, distinct]) => distinct)).toEqual([true, false, true, false]);
    const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
    expect(n).toBe(5 + 4 + 599);
  });
});

describe('a queued job', () => {
  /** A job row with the given counters, applied one all-new batch in a rolled-back transaction. */
  async function probesOfNextBatch(
    counters: { updated: number; skipped: number; errors: number },
    keysDistinct = true,
  ) {
    let probes = -1;
    await inRolledBack(async (tx) => {
      const id = `imp_${'0'.repeat(24)}AB`;
      const before = await keyProbes(tx);
      await tx`
        insert into import_jobs (id, workspace_id, status, source, total_rows, processed_rows,
                                 updated_count, skipped_count, error_count)
        values (${id}, ${key.workspaceId}, 'processing', 'rows', 1000, 100,
                ${counters.updated}, ${counters.skipped}, ${counters.errors})`;
      const [{ r }] = await tx`select (internal.import_job_apply(j, ${
        tx.json(prepared(people(20)))
      }::json, '[]', 20, ${keysDistinct})).created_count as r from import_jobs j where j.id = ${id}`;
      expect(r).toBe(20);
      probes = await keyProbes(tx) - before;
    });
    return probes;
  }

  it('tries the whole insert while its rows so far were created or invalid', async () => {
    expect(await probesOfNextBatch({ updated: 0, skipped: 3, errors: 3 })).toBe(2);
  });

  it('matches a batch whose keys the worker did not find distinct', async () => {
    expect(await probesOfNextBatch({ updated: 0, skipped: 0, errors: 0 }, false)).toBeGreaterThanOrEqual(20);
  });

  it('matches every batch once a row has matched a known person', async () => {
    expect(await probesOfNextBatch({ updated: 1, skipped: 0, errors: 0 })).toBeGreaterThanOrEqual(20);
    expect(await probesOfNextBatch({ updated: 0, skipped: 4, errors: 3 })).toBeGreaterThanOrEqual(20);
  });
});
