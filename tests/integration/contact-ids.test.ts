/**
 * @module Contact ids follow the UUIDv7 layout (the column default in foundation.sql): version 7,
 * the RFC 9562 variant, the creation time in milliseconds first, so a batch's primary-key entries
 * land together. Held here on ids the database itself makes.
 */
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';

const db = await freshDatabase();

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in an id's first 48 bits. */
const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('contact ids', () => {
  it('are version-7 UUIDs carrying the time they were made, distinct within one insert', async () => {
    const [w] = await db.sql<{ id: string }[]>`insert into workspaces (name) values ('ids') returning id`;
    const [{ before }] = await db.sql<{ before: string }[]>`
      select floor(extract(epoch from clock_timestamp()) * 1000)::bigint::text as before`;
    const rows = await db.sql<{ id: string }[]>`
      insert into contacts (workspace_id, email)
      select ${w.id}, 'id' || g || '@x.test' from generate_series(1, 1000) g
      returning id`;
    const [{ after }] = await db.sql<{ after: string }[]>`
      select floor(extract(epoch from clock_timestamp()) * 1000)::bigint::text as after`;

    const ids = rows.map((r) => r.id);
    expect(ids.filter((id) => !UUID_V7.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(1000);
    const times = ids.map(millisOf);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Number(before));
    expect(Math.max(...times)).toBeLessThanOrEqual(Number(after));
  });
});
