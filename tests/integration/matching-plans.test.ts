/**
 * @module Matching plans that statistics cannot spoil. A workspace of 1,000,000 contacts and a young
 * one that was nearly empty at the last ANALYZE (so the planner believes it holds about one row):
 * every statement the SQL functions run against contacts while matching must be a unique-key (or
 * primary-key) lookup, never a scan of the workspace through contacts_workspace_created_idx nor a
 * sequential scan. The plans are the ones PostgreSQL really executed, nested statements included,
 * captured with auto_explain, under both custom and generic plans.
 */
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();
const BIG = '11111111-1111-4111-8111-111111111111';
const YOUNG = '22222222-2222-4222-8222-222222222222';
const youngEmail = (i: number) => `young${i}@example.com`;
const youngPhone = (i: number) => `+1666${String(i).padStart(7, '0')}`;

/** Fills contacts the fast way (indexes rebuilt from their own definitions afterwards), then analyses. */
async function buildTenants(sql: postgres.Sql) {
  await sql`insert into workspaces (id, name) values (${BIG}, 'big'), (${YOUNG}, 'young')`;
  const indexes = await sql<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
     where schemaname = 'public' and tablename = 'contacts' and indexname <> 'contacts_pkey'`;
  expect(indexes.map((i) => i.name).sort()).toEqual([
    'contacts_workspace_created_idx',
    'contacts_workspace_email_key',
    'contacts_workspace_phone_key',
  ]);
  await sql.begin(async (tx) => {
    for (const i of indexes) await tx.unsafe(`drop index public.${i.name}`);
    // Superuser only: skips the per-row foreign-key trigger of a million inserts.
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into contacts (workspace_id, full_name, email, phone, created_at)
      select ${BIG}, 'Big ' || g, 'big' || g || '@example.com', '+1555' || lpad(g::text, 7, '0'),
             now() - make_interval(secs => 1000000 - g)
        from generate_series(1, 1000000) g`;
    await tx`insert into contacts (workspace_id, full_name, email, phone) values (${YOUNG}, 'Young 0', ${
      youngEmail(0)
    }, ${youngPhone(0)})`;
    for (const i of indexes) await tx.unsafe(i.def);
  });
  await sql`analyze contacts`;
  // The young workspace grows after the analysis, as a new customer's first imports do.
  await sql`
    insert into contacts (workspace_id, full_name, email, phone)
    select ${YOUNG}, 'Young ' || g, 'young' || g || '@example.com', '+1666' || lpad(g::text, 7, '0')
      from generate_series(1, 5000) g`;
}

interface ScanNode {
  query: string;
  node: string;
  index?: string;
}

/** Every scan of contacts in the plans auto_explain reported while `run` ran (on one connection). */
async function contactScans(
  mode: 'force_custom_plan' | 'force_generic_plan',
  run: (sql: postgres.TransactionSql) => Promise<unknown>,
): Promise<ScanNode[]> {
  const notices: string[] = [];
  const sql = postgres(db.url, { max: 1, onnotice: (n) => notices.push(n.message) });
  try {
    await sql`load 'auto_explain'`;
    await sql`select set_config('auto_explain.log_min_duration', '0', false), set_config('auto_explain.log_nested_statements', 'on', false),
                     set_config('auto_explain.log_level', 'notice', false), set_config('auto_explain.log_format', 'json', false),
                     set_config('plan_cache_mode', ${mode}, false)`;
    // Generic plans are only built after a few executions in a session: run three times.
    for (let i = 0; i < 3; i++) {
      await sql.begin((tx) => run(tx)).catch((e) => (e.message === 'rollback' ? null : Promise.reject(e)));
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  const scans: ScanNode[] = [];
  for (const n of notices) {
    const at = n.indexOf('{');
    if (at < 0) continue;
    const explained = JSON.parse(n.slice(at)) as { 'Query Text': string; Plan: PlanNode };
    walk(explained.Plan, (p) => {
      // Scans only: the ModifyTable node of an insert or update names contacts too.
      if (
        p['Node Type'] !== 'ModifyTable' &&
        (p['Relation Name'] === 'contacts' || p['Index Name']?.startsWith('contacts_'))
      ) {
        scans.push({
          query: explained['Query Text'].replace(/\s+/g, ' ').slice(0, 120),
          node: p['Node Type'],
          index: p['Index Name'],
        });
      }
    });
  }
  return scans;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(p: PlanNode, visit: (p: PlanNode) => void) {
  visit(p);
  for (const c of p.Plans ?? []) walk(c, visit);
}

const KEYED = new Set(['contacts_workspace_email_key', 'contacts_workspace_phone_key', 'contacts_pkey']);

function expectOnlyKeyedLookups(scans: ScanNode[]) {
  const bad = scans.filter((s) => !(s.node === 'Index Scan' || s.node === 'Index Only Scan') || !KEYED.has(s.index!));
  expect(bad).toEqual([]);
}

/** Prepared rows (PreparedRow) that reach every matching statement: new, matched by email, by phone, updated, ambiguous, and in-batch duplicates (row by row). */
function batchRows() {
  return [
    {
      n: 1,
      full_name: 'New One',
      email: 'new1@example.com',
      phone: '+14155550101',
      u: { full_name: 'New One' },
    },
    { n: 2, full_name: 'By Email', email: youngEmail(10).toUpperCase(), u: { full_name: 'By Email' } },
    { n: 3, full_name: 'By Phone', phone: youngPhone(20), u: { full_name: 'By Phone' } },
    {
      n: 4,
      full_name: 'Ambiguous',
      email: youngEmail(30),
      phone: youngPhone(31),
      u: { full_name: 'Ambiguous' },
    },
    // Rows 5 and 6 share an email and rows 7 and 8 a phone: decided one by one, in order.
    { n: 5, full_name: 'Twice', email: 'twice@example.com', u: { full_name: 'Twice' } },
    {
      n: 6,
      full_name: 'Twice Again',
      email: 'twice@example.com',
      phone: '+14155550106',
      u: { full_name: 'Twice Again' },
    },
    { n: 7, full_name: 'Phone Twice', phone: youngPhone(40), u: { full_name: 'Phone Twice' } },
    {
      n: 8,
      full_name: 'Phone Twice Again',
      email: 'phone-twice@example.com',
      phone: youngPhone(40),
      u: { full_name: 'Phone Twice Again' },
    },
  ];
}

describe('matching plans beside a 1,000,000-contact workspace, with stale statistics', () => {
  beforeAll(async () => {
    await buildTenants(db.sql);
  }, 240_000);

  it('the statistics really are stale: the planner expects about one row in the young workspace', async () => {
    const [plan] = await db.sql<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }[]>`
      explain (format json) select id from contacts where workspace_id = ${YOUNG}`;
    expect(plan['QUERY PLAN'][0].Plan['Plan Rows']).toBeLessThan(100);
    const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${YOUNG}`;
    expect(n).toBe(5001);
  });

  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
    it(`import_contacts_batch and its row-by-row path probe only the unique keys (${mode})`, async () => {
      for (const update of [false, true]) {
        const scans = await contactScans(mode, async (sql) => {
          const [{ r }] = await sql`select internal.import_contacts_batch(${YOUNG}, ${
            sql.json(batchRows())
          }::json, ${update}) as r`;
          expect(r.errors.map((e: { row_number: number; code: string }) => [e.row_number, e.code])).toEqual([[
            4,
            'ambiguous_match',
          ]]);
          expect(r.created + r.updated + r.skipped).toBe(8);
          throw new Error('rollback');
        });
        expectOnlyKeyedLookups(scans);
        const used = (q: RegExp, index: string) => scans.some((s) => q.test(s.query) && s.index === index);
        // The set-based statement and the row-by-row path (import_one) each probed both keys.
        expect(used(/^with input as/, 'contacts_workspace_email_key')).toBe(true);
        expect(used(/^with input as/, 'contacts_workspace_phone_key')).toBe(true);
        expect(used(/email_normalized\) collate "C"\) =/, 'contacts_workspace_email_key')).toBe(true);
        expect(used(/\|\| phone\) collate "C"\) =/, 'contacts_workspace_phone_key')).toBe(true);
        // Updates (internal.contacts_patch, set-based and row by row) read and write contacts by primary key.
        if (update) {
          const patchScans = scans.filter((s) => /^\s*with patched as/.test(s.query));
          expect(patchScans.length).toBeGreaterThan(0);
          expect(new Set(patchScans.map((s) => s.index))).toEqual(new Set(['contacts_pkey']));
        }
      }
    });

    it(`contact_create's duplicate check probes only the unique keys (${mode})`, async () => {
      const scans = await contactScans(mode, async (sql) => {
        const [{ a }] = await sql`select public.contact_create(${YOUNG}, ${
          sql.json({ full_name: 'Dup', email: youngEmail(50) })
        }) as a`;
        expect(a).toMatchObject({ status: 'duplicate', field: 'email' });
        const [{ b }] = await sql`select public.contact_create(${YOUNG}, ${
          sql.json({ full_name: 'Dup', phone: youngPhone(60) })
        }) as b`;
        expect(b).toMatchObject({ status: 'duplicate', field: 'phone' });
        throw new Error('rollback');
      });
      expectOnlyKeyedLookups(scans);
      expect(scans.some((s) => s.index === 'contacts_workspace_email_key')).toBe(true);
      expect(scans.some((s) => s.index === 'contacts_workspace_phone_key')).toBe(true);
    });
  }
});
