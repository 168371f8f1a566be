import { beforeAll, describe, expect, it } from 'vitest';
import type { DataPort } from '../../shared/db/port.ts';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp, type TestKey } from '../support/fixtures.ts';

const db = await freshDatabase();
const LEASE_SECONDS = 1;
/** The gateway's port, with every Idempotency-Key claimed for 1 s instead of 60: the lease runs out while the import works. */
const shortLeases: DataPort = {
  rpc: (name, args) =>
    db.port.rpc(name, name === 'idempotency_claim' ? { ...args, p_lease_seconds: LEASE_SECONDS } : args),
  close: async () => {},
};
const api = testApp(shortLeases);
let key: TestKey;
beforeAll(async () => {
  key = await createKey(db.port, { workspace: 'lease', rateLimit: 10_000 });
});

/** Holds the workspace's contacts lock (what every import takes first) until `release` is called. */
async function holdWorkspaceLock(workspaceId: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const done = db.sql.begin(async (tx) => {
    await tx`select internal.lock_workspace_contacts(${workspaceId}::uuid)`;
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await done;
  };
}

async function waitUntilImportWaitsOnLock() {
  for (let i = 0; i < 300; i++) {
    const [row] = await db.sql`select count(*)::int as n from pg_stat_activity
                                where datname = current_database() and query like '%import_run_sync%' and wait_event_type = 'Lock'`;
    if (row.n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the import never reached the workspace lock');
}

describe('a synchronous import never outlives its Idempotency-Key claim', () => {
  it('a retry after the lease ran out, while the import still works, gets 409; the import runs once and its answer is replayed', async () => {
    const body = { rows: [{ email: 'once@x.com' }, { email: 'twice@x.com' }] };
    const send = () =>
      api.call('POST', '/v1/import/contacts', { key: key.key, body, headers: { 'idempotency-key': 'lease-1' } });

    const unlock = await holdWorkspaceLock(key.workspaceId);
    let first: ReturnType<typeof send> | undefined;
    let retry: Awaited<ReturnType<typeof send>>;
    try {
      first = send();
      await waitUntilImportWaitsOnLock();
      // Wait out the lease, and check in the database that it did run out.
      await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 + 300));
      const [k] = await db
        .sql`select locked_until < now() as expired, state from idempotency_keys where key = 'lease-1'`;
      expect(k).toEqual({ expired: true, state: 'in_flight' });
      retry = await send();
    } finally {
      await unlock();
    }
    expect(retry.status).toBe(409);
    expect(retry.json.error.code).toBe('idempotency_key_in_use');
    expect(retry.headers.get('retry-after')).toMatch(/^\d+$/);

    const res = await first!;
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ created_count: 2 });
    const replay = await send();
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(res.text);
    expect((await db.sql`select count(*)::int as n from import_jobs`)[0].n).toBe(1);
    expect((await db.sql`select count(*)::int as n from contacts`)[0].n).toBe(2);
  });

  it('an import whose claim was taken over before it started writes nothing and answers 409', async () => {
    // Between the claim and the import, a retry takes the key over (the lease ran out meanwhile).
    const takenOver = testApp({
      rpc: async (name, args) => {
        if (name === 'import_run_sync') {
          await db.sql`update idempotency_keys set claim_token = gen_random_uuid() where key = 'lease-2'`;
        }
        return db.port.rpc(name, args);
      },
      close: async () => {},
    });
    const res = await takenOver.call('POST', '/v1/import/contacts', {
      key: key.key,
      body: { rows: [{ email: 'never@x.com' }] },
      headers: { 'idempotency-key': 'lease-2' },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('idempotency_key_in_use');
    expect((await db.sql`select count(*)::int as n from contacts where email = 'never@x.com'`)[0].n).toBe(0);
    // The retry's claim is untouched: still in flight, for it to finish.
    expect((await db.sql`select state from idempotency_keys where key = 'lease-2'`)[0].state).toBe('in_flight');
  });
});
