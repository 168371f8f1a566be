/**
 * @module contacts.workspace_id has no foreign key (its per-row check cost a 500-row import ~10 % of
 * its database time); triggers keep what the key kept. These tests hold them to that: no contact
 * without its workspace, `on delete cascade`, and a workspace deletion that waits for an import
 * writing into it, as it waited for the key's lock.
 */
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();

async function workspace(name: string): Promise<string> {
  const [w] = await db.sql<{ id: string }[]>`insert into workspaces (name) values (${name}) returning id`;
  return w.id;
}

async function contactCount(workspaceId: string): Promise<number> {
  const [r] = await db.sql<
    { n: number }[]
  >`select count(*)::int as n from contacts where workspace_id = ${workspaceId}`;
  return r.n;
}

/** The SQLSTATE a statement fails with, or null when it succeeds. */
async function failure(run: () => Promise<unknown>): Promise<string | null> {
  return await run().then(() => null, (e: { code?: string }) => e.code ?? 'no code');
}

describe('the workspace of a contact', () => {
  it('refuses a contact whose workspace does not exist, as the service role does it, alone or among valid ones', async () => {
    const ws = await workspace('integrity-insert');
    const missing = '00000000-0000-4000-8000-000000000000';
    const insertAs = (sql: string) =>
      db.sql.begin(async (tx) => {
        await tx.unsafe('set local role service_role');
        await tx.unsafe(sql);
      });
    expect(
      await failure(() => insertAs(`insert into contacts (workspace_id, email) values ('${missing}', 'a@x.test')`)),
    )
      .toBe('23503');
    expect(
      await failure(() =>
        insertAs(`insert into contacts (workspace_id, email) values ('${ws}', 'b@x.test'), ('${missing}', 'c@x.test')`)
      ),
    ).toBe('23503');
    expect(await failure(() => insertAs(`insert into contacts (workspace_id, email) values ('${ws}', 'd@x.test')`)))
      .toBeNull();
    expect(await contactCount(ws)).toBe(1);
    expect(await contactCount(missing)).toBe(0);
  });

  it('refuses moving a contact to a workspace that does not exist, and allows moving it to one that does', async () => {
    const from = await workspace('integrity-move-from');
    const to = await workspace('integrity-move-to');
    await db.sql`insert into contacts (workspace_id, email) values (${from}, 'm@x.test')`;
    expect(
      await failure(() =>
        db.sql`update contacts set workspace_id = '00000000-0000-4000-8000-000000000001' where workspace_id = ${from}`
      ),
    ).toBe('23503');
    await db.sql`update contacts set workspace_id = ${to} where workspace_id = ${from}`;
    expect([await contactCount(from), await contactCount(to)]).toEqual([0, 1]);
  });

  it("deletes a workspace's contacts with it, and no other workspace's", async () => {
    const gone = await workspace('integrity-delete');
    const kept = await workspace('integrity-kept');
    await db.sql`insert into contacts (workspace_id, email)
                 select ${gone}::uuid, 'g' || n || '@x.test' from generate_series(1, 3) n
                 union all select ${kept}::uuid, 'k@x.test'`;
    await db.sql`delete from workspaces where id = ${gone}`;
    expect([await contactCount(gone), await contactCount(kept)]).toEqual([0, 1]);
  });

  it('refuses changing the id of a workspace that has contacts', async () => {
    const ws = await workspace('integrity-rekey');
    await db.sql`insert into contacts (workspace_id, email) values (${ws}, 'r@x.test')`;
    expect(await failure(() => db.sql`update workspaces set id = gen_random_uuid() where id = ${ws}`)).toBe('23503');
    expect(await contactCount(ws)).toBe(1);
  });

  it('makes a workspace deletion wait for an import writing into it, then deletes what the import wrote', async () => {
    const ws = await workspace('integrity-concurrent');
    const importer = await db.sql.reserve();
    const deleter = await db.sql.reserve();
    try {
      await importer`begin`;
      await importer`insert into contacts (workspace_id, email) values (${ws}, 'i@x.test')`;
      const [{ pid }] = await deleter<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const deletion = deleter`delete from workspaces where id = ${ws}`.then(() => 'deleted');
      // The deletion waits on the workspace row the import locked (as the foreign key's check locked it).
      await waitUntil(async () => {
        const [s] = await db.sql<{ waiting: boolean }[]>`
          select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = ${pid}`;
        return s?.waiting === true;
      });
      await importer`commit`;
      expect(await deletion).toBe('deleted');
      expect(await contactCount(ws)).toBe(0);
    } finally {
      importer.release();
      deleter.release();
    }
  });

  it('fails an import into a workspace deleted before the import locked it', async () => {
    const ws = await workspace('integrity-deleted-first');
    await db.sql`delete from workspaces where id = ${ws}`;
    expect(await failure(() => db.sql`insert into contacts (workspace_id, email) values (${ws}, 'late@x.test')`))
      .toBe('23503');
  });
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
