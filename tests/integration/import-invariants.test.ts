import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp } from '../support/fixtures.ts';
import { rng } from '../support/random.ts';

const db = await freshDatabase();
const api = testApp(db.port);

/** A random row: valid, invalid in one of several ways, or a duplicate of an earlier identity. */
function randomRow(r: ReturnType<typeof rng>, i: number) {
  const id = r.int(0, 40);
  switch (r.int(0, 7)) {
    case 0:
      return { phone: `+4930${900000 + id}` }; // missing identity
    case 1:
      return { full_name: `Bad ${i}`, email: `bad${i}@` };
    case 2:
      return { full_name: `Bad ${i}`, phone: '12345' };
    case 3:
      return { full_name: `Bad ${i}`, priority: 9 };
    case 4:
      return { full_name: `Dup ${id}`, email: `dup${id}@x.com` };
    case 5:
      return { full_name: `Ph ${id}`, phone: `+4930${900000 + id}` };
    case 6:
      return { full_name: `Both ${id}`, email: `dup${id}@x.com`, phone: `+4930${900000 + r.int(0, 40)}` };
    default:
      return { email: `new${i}-${r.int(0, 1e9)}@x.com` };
  }
}

describe('the counting invariant', () => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))(
    'holds for a random mix of valid, invalid and duplicate rows (seed %i)',
    async (seed) => {
      const r = rng(seed * 7919);
      const key = await createKey(db.port, { workspace: `inv-${seed}` });
      let contactsBefore = 0;
      for (let round = 0; round < 3; round++) {
        const rows = Array.from({ length: r.int(1, 120) }, (_, i) => randomRow(r, i));
        const res = await api.call('POST', '/v1/import/contacts', {
          key: key.key,
          body: { rows, update_existing: r.chance(0.5) },
        });
        expect(res.status).toBe(200);
        const d = res.json.data;
        expect(d.created_count + d.updated_count + d.skipped_count).toBe(rows.length);
        expect(d.errors.length).toBeLessThanOrEqual(d.skipped_count);
        const rowNumbers = d.errors.map((e: { row_number: number }) => e.row_number);
        expect(rowNumbers).toEqual([...rowNumbers].sort((a: number, b: number) => a - b));
        expect(new Set(rowNumbers).size).toBe(rowNumbers.length);
        for (const n of rowNumbers) expect(n >= 1 && n <= rows.length).toBe(true);
        const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
        expect(n - contactsBefore).toBe(d.created_count);
        contactsBefore = n;
      }
    },
  );
});
