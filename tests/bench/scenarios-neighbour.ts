/**
 * @module The noisy neighbour: a young workspace's 500-row import beside a workspace of 1,000,000
 * contacts, with the statistics of an ANALYZE that ran before the young workspace existed (so the
 * planner believes it holds about one row), against the same import before the big workspace was
 * there. Runs last: it leaves the big workspace in the database.
 */
import type postgres from 'postgres';
import { SYNC_ROW_LIMIT } from '../../shared/imports/request.ts';
import { freshContacts, toJsonRow } from './data.ts';
import { type BenchOptions, measure, type ScenarioResult } from './scenario.ts';
import { checkImport } from './scenarios-sync.ts';
import type { BenchStack } from './stack.ts';

export const name = 'neighbour';
export const description =
  'a young workspace importing 500 rows beside a 1,000,000-contact workspace (stale statistics)';

const ROWS = SYNC_ROW_LIMIT;
/** Issue target: the young tenant's p50 within 1.5× of the same import without the big neighbour. */
const MAX_RATIO = 1.5;

/** Fills a big workspace fast: indexes dropped and rebuilt from their own definitions, FK trigger skipped. */
async function seedBigWorkspace(sql: postgres.Sql, count: number) {
  const [{ id }] = await sql`insert into workspaces (name) values ('big-neighbour') returning id`;
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
     where schemaname = 'public' and tablename = 'contacts' and indexname <> 'contacts_pkey'`;
  await sql.begin(async (tx) => {
    for (const i of indexes) await tx.unsafe(`drop index public.${i.name}`);
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into contacts (workspace_id, full_name, email, phone, company)
      select ${id}, 'Big ' || g, 'big.' || g || '@neighbour.example.org', '+4940' || lpad(g::text, 8, '0'), 'Big AG'
        from generate_series(1, ${count}::int) g`;
    for (const i of indexes) await tx.unsafe(i.def);
  });
  await sql`analyze`;
}

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const bigCount = opts.quick ? 100_000 : 1_000_000;
  const young = async (label: string, description: string) => {
    // A workspace created now: after the last ANALYZE, as a new customer's is.
    const key = await stack.createKey(`${label}-${Date.now()}`);
    return measure(
      {
        group: name,
        name: label,
        description,
        rows: ROWS,
        iterations: 40,
        warmup: 5,
        prepare: () => JSON.stringify({ rows: freshContacts(ROWS).map(toJsonRow) }),
        send: (body) => stack.request('POST', '/v1/import/contacts', { body, key: key.key }),
        check: (res) => checkImport(label, res, { created: ROWS, updated: 0, skipped: 0 }),
      },
      opts,
      stack,
    );
  };
  await stack.analyze();
  const alone = await young('young-500-alone', 'a new workspace, 500 new JSON rows per import, no big neighbour');
  opts.progress(`  seeding a neighbour of ${bigCount} contacts`);
  await seedBigWorkspace(stack.sql, bigCount);
  const beside = await young(
    'young-500-beside-big',
    `the same, in a workspace created after ANALYZE, beside ${bigCount} contacts of another`,
  );
  const ratio = beside.latency.p50 / alone.latency.p50;
  beside.baseline = alone.name;
  beside.target = { description: `p50 ≤ ${MAX_RATIO}× young-500-alone (${ratio.toFixed(2)}×)` };
  beside.pass = ratio <= MAX_RATIO;
  opts.progress(
    `  young tenant beside ${bigCount} contacts: p50 ${beside.latency.p50} ms = ${
      ratio.toFixed(2)
    }× alone (target ≤ ${MAX_RATIO}×)`,
  );
  return [alone, beside];
}
