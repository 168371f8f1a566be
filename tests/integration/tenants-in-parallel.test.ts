/**
 * @module Nothing serialises imports across workspaces: while one workspace's batch (and a job's
 * chunk commit) holds its transaction open, another workspace's goes through, and the same
 * workspace's waits. Each second transaction runs with a lock_timeout, so a wait shows as 55P03
 * however fast the machine is; the first stays open until the second has answered.
 */
import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const api = testApp(db.port);
let first: TestKey;
let second: TestKey;
beforeAll(async () => {
  first = await createKey(db.port, { workspace: 'parallel-first' });
  second = await createKey(db.port, { workspace: 'parallel-second' });
});

let serial = 0;
/** A prepared batch of new people, as the import paths send it. */
const batch = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const k = ++serial;
    return { n: i + 1, full_name: `Person ${k}`, email: `p${k}@example.com` };
  });

/**
 * Runs `hold` in a transaction kept open until `other` (in a transaction of its own, with a short
 * lock_timeout) has settled; returns how `other` settled.
 */
async function whileHeld(
  hold: (tx: postgres.TransactionSql) => Promise<unknown>,
  other: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<'done' | string> {
  let outcome = '';
  await db.sql.begin(async (tx) => {
    await hold(tx);
    outcome = await db.sql.begin(async (tx2) => {
      await tx2`set local lock_timeout = '300ms'`;
      await other(tx2);
    }).then(() => 'done', (err: { code?: string }) => err.code ?? String(err));
    throw new Error('rollback');
  }).catch((err) => {
    if ((err as Error).message !== 'rollback') throw err;
  });
  return outcome;
}

interface Claim {
  job_id: string;
  lease_token: string;
  cursor_offset: number;
}

const importBatch = (tx: postgres.TransactionSql, key: TestKey) =>
  tx`select internal.import_contacts_batch(${key.workspaceId}, ${tx.json(batch(50))}::json, false, true)`;

describe('imports of different workspaces', () => {
  it("go through while another workspace's batch is being written; the same workspace's wait", async () => {
    expect(await whileHeld((tx) => importBatch(tx, first), (tx) => importBatch(tx, second))).toBe('done');
    expect(await whileHeld((tx) => importBatch(tx, first), (tx) => importBatch(tx, first))).toBe('55P03');
  });

  it("commit a job's chunk while another workspace's job commits one", async () => {
    const jobs: Claim[] = [];
    for (const key of [first, second]) {
      const res = await api.call('POST', '/v1/import/contacts', {
        key: key.key,
        body: { rows: Array.from({ length: 501 }, (_, i) => ({ full_name: `Queued ${key.workspaceId} ${i}` })) },
      });
      expect(res.status).toBe(202);
      const claim = await db.port.rpc<Claim>('import_job_claim', { p_worker: `w-${jobs.length}`, p_lease_seconds: 60 });
      expect(claim.job_id).toBe(res.json.data.job_id);
      jobs.push(claim);
    }
    const commit = (tx: postgres.TransactionSql, j: Claim) =>
      tx`select public.import_job_commit_chunk(${j.job_id}, ${j.lease_token}::uuid, ${j.cursor_offset}, ${
        tx.json(batch(50))
      }::json, '[]'::jsonb, 50, ${Number(j.cursor_offset) + 1}, 2, false)`;
    expect(await whileHeld((tx) => commit(tx, jobs[0]), (tx) => commit(tx, jobs[1]))).toBe('done');
    expect(await whileHeld((tx) => commit(tx, jobs[0]), (tx) => commit(tx, jobs[0]))).toBe('55P03');
  });
});
