import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey, testApp } from '../support/fixtures.ts';
import { rng } from '../support/random.ts';

const db = await freshDatabase();
const api = testApp(db.port);

/** Person i always carries email i; phone-only people j always carry only phone j. */
const email = (i: number) => `person${i}@example.com`;
const phone = (i: number) => `+1415555${String(1000 + i).padStart(4, '0')}`;

describe('concurrent imports into one workspace', () => {
  it.each([1, 2, 3])('create each contact exactly once and keep every response consistent (seed %i)', async (seed) => {
    const r = rng(seed);
    const key = await createKey(db.port, { workspace: `race-${seed}` });
    const imports = Array.from({ length: 10 }, () => {
      const people = r.shuffle(Array.from({ length: 60 }, (_, i) => i)).slice(0, 40);
      const rows = people.map((i) =>
        i < 45
          ? {
            full_name: `Person ${i}`,
            email: r.chance(0.5) ? email(i).toUpperCase() : email(i),
            ...(r.chance(0.5) ? { phone: phone(i) } : {}),
            tags: [`t${r.int(1, 3)}`],
          }
          : { full_name: `Phone ${i}`, phone: phone(i) }
      );
      return { rows, update_existing: r.chance(0.5) };
    });

    const responses = await Promise.all(
      imports.map((body) => api.call('POST', '/v1/import/contacts', { key: key.key, body })),
    );

    for (const [i, res] of responses.entries()) {
      expect(res.status).toBe(200);
      const d = res.json.data;
      expect(d.created_count + d.updated_count + d.skipped_count).toBe(imports[i].rows.length);
      expect(d.errors).toEqual([]);
      if (!imports[i].update_existing) expect(d.updated_count).toBe(0);
    }
    const people = new Set(
      imports.flatMap((b) => b.rows.map((row) => ('email' in row ? row.email!.toLowerCase() : row.phone))),
    );
    const rows = await db.sql<{ email: string | null; phone: string | null }[]>`
      select email_normalized as email, phone from contacts where workspace_id = ${key.workspaceId}`;
    expect(rows.length).toBe(people.size);
    expect(responses.reduce((n, res) => n + res.json.data.created_count, 0)).toBe(people.size);
    const emails = rows.filter((c) => c.email).map((c) => c.email);
    expect(new Set(emails).size).toBe(emails.length);
    const phones = rows.filter((c) => c.phone).map((c) => c.phone);
    expect(new Set(phones).size).toBe(phones.length);
    const jobs = await db
      .sql`select created_count, updated_count, skipped_count, total_rows from import_jobs where workspace_id = ${key.workspaceId}`;
    expect(jobs).toHaveLength(imports.length);
    for (const j of jobs) expect(j.created_count + j.updated_count + j.skipped_count).toBe(j.total_rows);
  });

  it('serialises with POST /v1/contacts: a concurrent single create never breaks an import', async () => {
    const key = await createKey(db.port, { workspace: 'race-single' });
    const rows = Array.from({ length: 200 }, (_, i) => ({ full_name: `P ${i}`, email: email(i) }));
    const singles = Array.from(
      { length: 20 },
      (_, i) => api.call('POST', '/v1/contacts', { key: key.key, body: { email: email(i * 10) } }),
    );
    const [imp, ...created] = await Promise.all([
      api.call('POST', '/v1/import/contacts', { key: key.key, body: { rows } }),
      ...singles,
    ]);
    expect(imp.status).toBe(200);
    const wonBySingles = created.filter((c) => c.status === 201).length;
    expect(created.every((c) => c.status === 201 || c.status === 409)).toBe(true);
    expect(imp.json.data.created_count + wonBySingles).toBe(200);
    expect(imp.json.data.skipped_count).toBe(wonBySingles);
    const [{ n }] = await db.sql`select count(*)::int as n from contacts where workspace_id = ${key.workspaceId}`;
    expect(n).toBe(200);
  });
});
