import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';
import { securitySuite } from '../support/security-suite.ts';

const db = await freshDatabase();
const NOW = new Date('2026-06-01T12:00:00Z');
const api = testApp(db.port, { now: () => NOW });
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
});

const importRows = (body: Record<string, unknown>, key = keys.full.key) =>
  api.call('POST', '/v1/import/contacts', { key, body });
const contacts = () =>
  db.sql`select full_name, first_name, last_name, email, phone, job_title, company, priority, tags, custom_fields, workspace_id
           from contacts order by created_at, full_name`;

describe('POST /v1/import/contacts with rows', () => {
  it('imports the published example and answers in the documented shape', async () => {
    const res = await importRows({
      rows: [
        { full_name: 'Jane Doe', email: 'jane@acme.com' },
        { full_name: 'Bob Smith', email: 'bob@beta.com' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({
      job_id: expect.stringMatching(/^imp_[0-9A-HJKMNP-TV-Z]{26}$/),
      status: 'completed',
      total_rows: 2,
      created_count: 2,
      updated_count: 0,
      skipped_count: 0,
      errors: [],
    });
    expect((await contacts()).map((c) => [c.first_name, c.last_name, c.workspace_id])).toEqual([
      ['Bob', 'Smith', keys.full.workspaceId],
      ['Jane', 'Doe', keys.full.workspaceId],
    ]);
  });

  it('reports invalid rows with their row_number and contract code, and imports the rest', async () => {
    const res = await importRows({
      rows: [
        { full_name: 'Ok One', email: 'one@x.com' },
        { phone: '+4930901820' },
        { full_name: 'Bad Mail', email: 'bad@' },
        { full_name: 'Bad Phone', phone: '030 1234' },
        { full_name: 'Bad Field', priority: 'urgent' },
        'not an object',
        { full_name: 'Unknown', nickname: 'x' },
        { email: 'two@x.com' },
      ],
    });
    expect(res.status).toBe(200);
    const d = res.json.data;
    expect({ created: d.created_count, updated: d.updated_count, skipped: d.skipped_count }).toEqual({
      created: 2,
      updated: 0,
      skipped: 6,
    });
    expect(d.errors.map((e: { row_number: number; code: string }) => [e.row_number, e.code])).toEqual([
      [2, 'missing_identity'],
      [3, 'invalid_email'],
      [4, 'invalid_phone'],
      [5, 'invalid_field'],
      [6, 'invalid_field'],
      [7, 'invalid_field'],
    ]);
    expect(d.errors[1].message).toContain('bad@');
    expect(d.errors.every((e: object) => !('line' in e))).toBe(true);
    expect((await contacts()).map((c) => c.email)).toEqual(['one@x.com', 'two@x.com']);
  });

  it('skips matches by email (any case) and then by phone when update_existing is false, changing nothing', async () => {
    await importRows({
      rows: [{ full_name: 'Ann Old', email: 'ann@x.com', job_title: 'CTO' }, {
        full_name: 'Phil Old',
        phone: '+1 415 555 2671',
      }],
    });
    const res = await importRows({
      rows: [
        { full_name: 'Ann New', email: ' ANN@x.com ', job_title: 'CEO' },
        { full_name: 'Phil New', phone: '001-415-555-2671' },
        { full_name: 'Neu', email: 'neu@x.com' },
      ],
      tags: ['batch2'],
    });
    expect(res.json.data).toMatchObject({ created_count: 1, updated_count: 0, skipped_count: 2, errors: [] });
    const rows = await contacts();
    expect(rows.map((c) => [c.full_name, c.job_title, c.tags])).toEqual([
      ['Ann Old', 'CTO', []],
      ['Phil Old', null, []],
      ['Neu', null, ['batch2']],
    ]);
  });

  it('updates matches when update_existing is true: present fields overwrite, absent keep, tags union, custom_fields merge', async () => {
    await importRows({
      rows: [{
        full_name: 'Ann Lee',
        email: 'ann@x.com',
        job_title: 'CTO',
        company: 'Acme',
        tags: ['vip'],
        custom_fields: { a: 1, b: 1 },
        priority: 'low',
      }],
    });
    const res = await importRows({
      rows: [{
        email: 'Ann@X.com',
        job_title: 'CEO',
        company: '',
        tags: ['VIP', 'lead'],
        custom_fields: { b: 2, c: 3 },
        phone: '+4930901820',
      }],
      update_existing: true,
      tags: ['q3'],
    });
    expect(res.json.data).toMatchObject({ created_count: 0, updated_count: 1, skipped_count: 0 });
    const [c] = await contacts();
    expect(c).toMatchObject({
      full_name: 'Ann Lee', // names derived from the email do not overwrite
      first_name: 'Ann',
      last_name: 'Lee',
      email: 'Ann@X.com',
      phone: '+4930901820',
      job_title: 'CEO',
      company: 'Acme', // empty keeps
      priority: 3,
      tags: ['vip', 'lead', 'q3'],
      custom_fields: { a: 1, b: 2, c: 3 },
    });
  });

  it.each([
    ['full_name alone replaces all name parts', { full_name: 'Madonna' }, ['Madonna', 'Madonna', null]],
    ['last_name alone recomposes full_name', { last_name: 'Lee-Smith' }, ['Ann Lee-Smith', 'Ann', 'Lee-Smith']],
    ['"Last, First" is understood', { full_name: 'Park, Jo' }, ['Jo Park', 'Jo', 'Park']],
  ])('on update, %s', async (_name, patch, [full, first, last]) => {
    await importRows({ rows: [{ full_name: 'Ann Lee', email: 'ann@x.com' }] });
    await importRows({ rows: [{ email: 'ann@x.com', ...patch }], update_existing: true });
    const [c] = await contacts();
    expect([c.full_name, c.first_name, c.last_name]).toEqual([full, first, last]);
  });

  it('lets later rows match contacts earlier rows of the same import made', async () => {
    const skip = await importRows({
      rows: [
        { full_name: 'First', email: 'dup@x.com' },
        { full_name: 'Second', email: 'DUP@x.com' },
        { full_name: 'Phone One', phone: '+4930901820' },
        { full_name: 'Phone Two', phone: '+49 30 901820', email: 'p2@x.com' },
      ],
    });
    expect(skip.json.data).toMatchObject({ created_count: 2, updated_count: 0, skipped_count: 2 });
    await db.sql`delete from contacts`;
    const update = await importRows({
      rows: [
        { full_name: 'First', email: 'dup@x.com', tags: ['a'] },
        { email: 'dup@x.com', job_title: 'Boss', tags: ['b'] },
        { full_name: 'Phone One', phone: '+4930901820' },
        { phone: '+49 30 901820', email: 'p2@x.com' },
      ],
      update_existing: true,
    });
    expect(update.json.data).toMatchObject({ created_count: 2, updated_count: 2, skipped_count: 0 });
    expect((await contacts()).map((c) => [c.full_name, c.email, c.phone, c.job_title, c.tags])).toEqual([
      ['First', 'dup@x.com', null, 'Boss', ['a', 'b']],
      ['Phone One', 'p2@x.com', '+4930901820', null, []],
    ]);
  });

  it('reports ambiguous_match when the email matches one contact and the phone another', async () => {
    await importRows({ rows: [{ full_name: 'Mail', email: 'm@x.com' }, { full_name: 'Phone', phone: '+4930901820' }] });
    for (const update_existing of [false, true]) {
      const res = await importRows({
        rows: [{ full_name: 'Both', email: 'm@x.com', phone: '+4930901820' }],
        update_existing,
      });
      expect(res.json.data).toMatchObject({ created_count: 0, updated_count: 0, skipped_count: 1 });
      expect(res.json.data.errors).toEqual([{
        row_number: 1,
        code: 'ambiguous_match',
        message: expect.stringMatching(/^email matches contact .+ but phone matches contact .+$/),
      }]);
    }
    expect((await contacts()).map((c) => c.full_name)).toEqual(['Mail', 'Phone']);
  });

  it('detects ambiguity created earlier in the same import', async () => {
    const res = await importRows({
      rows: [
        { full_name: 'Mail', email: 'm@x.com' },
        { full_name: 'Phone', phone: '+4930901820' },
        { full_name: 'Both', email: 'm@x.com', phone: '+4930901820' },
      ],
      update_existing: true,
    });
    expect(res.json.data).toMatchObject({ created_count: 2, updated_count: 0, skipped_count: 1 });
    expect(res.json.data.errors.map((e: { row_number: number; code: string }) => [e.row_number, e.code])).toEqual([[
      3,
      'ambiguous_match',
    ]]);
  });

  it("never matches another workspace's contacts", async () => {
    await importRows({ rows: [{ full_name: 'Theirs', email: 'shared@x.com' }] }, keys.other.key);
    const res = await importRows({ rows: [{ full_name: 'Ours', email: 'shared@x.com' }], update_existing: true });
    expect(res.json.data).toMatchObject({ created_count: 1, updated_count: 0 });
    expect((await contacts()).map((c) => [c.full_name, c.workspace_id])).toEqual([
      ['Theirs', keys.other.workspaceId],
      ['Ours', keys.full.workspaceId],
    ]);
  });

  it('records the job so GET /v1/import/jobs/{job_id} returns it, to its own workspace only', async () => {
    const res = await importRows({ rows: [{ email: 'a@x.com' }, { email: 'nope' }], tags: ['t'] });
    const id = res.json.data.job_id;
    const job = await api.call('GET', `/v1/import/jobs/${id}`, { key: keys.readOnly.key });
    expect(job.status).toBe(200);
    expect(job.json.data).toMatchObject({
      job_id: id,
      status: 'completed',
      source: 'rows',
      total_rows: 2,
      processed_rows: 2,
      created_count: 1,
      updated_count: 0,
      skipped_count: 1,
      error_count: 1,
      errors: [{ row_number: 2, code: 'invalid_email', message: expect.any(String) }],
      errors_truncated: false,
      tags: ['t'],
      update_existing: false,
    });
    expect(job.json.data.finished_at).not.toBeNull();
    for (
      const [key, path] of [
        [keys.other.key, `/v1/import/jobs/${id}`],
        [keys.full.key, '/v1/import/jobs/imp_01HY1'],
        [keys.full.key, '/v1/import/jobs/imp_00000000000000000000000000'],
      ]
    ) {
      const r = await api.call('GET', path, { key });
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('not_found');
    }
  });

  it.each([
    ['neither rows nor csv', { update_existing: true }, ''],
    ['both rows and csv', { rows: [{ email: 'a@x.com' }], csv: 'email\na@x.com' }, ''],
    ['mapping with rows', { rows: [{ email: 'a@x.com' }], mapping: { Email: 'email' } }, 'mapping'],
    ['has_header with rows', { rows: [{ email: 'a@x.com' }], has_header: false }, 'has_header'],
    ['an empty rows array', { rows: [] }, 'rows'],
    ['rows that is not an array', { rows: { email: 'a@x.com' } }, 'rows'],
    ['an unknown body field', { rows: [{ email: 'a@x.com' }], dry_run: true }, 'dry_run'],
    ['a non-boolean update_existing', { rows: [{ email: 'a@x.com' }], update_existing: 'yes' }, 'update_existing'],
    ['an empty tag', { rows: [{ email: 'a@x.com' }], tags: ['ok', ' '] }, 'tags.1'],
    ['an oversized tag', { rows: [{ email: 'a@x.com' }], tags: ['x'.repeat(101)] }, 'tags.0'],
  ])('rejects %s with 400 validation_error naming it, writing nothing', async (_name, body, path) => {
    const res = await importRows(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await contacts()).toEqual([]);
    expect(
      (await db
        .sql`select count(*)::int as n from import_jobs where workspace_id = ${keys.full.workspaceId} and created_at > now() - interval '1 second' and total_rows = 0`)[
          0
        ].n,
    ).toBe(0);
  });

  it.each([
    [
      'a NUL character in a value',
      { rows: [{ full_name: 'Good', email: 'g@x.com' }, { full_name: 'Bad\u0000Name', email: 'b@x.com' }] },
      'rows.1.full_name',
      /NUL character/,
    ],
    [
      'an unpaired surrogate',
      { rows: [{ full_name: 'Bad\ud800', email: 'b@x.com' }] },
      'rows.0.full_name',
      /unpaired UTF-16 surrogate/,
    ],
    [
      'a NUL in a custom_fields key',
      { rows: [{ email: 'b@x.com', custom_fields: { 'k\u0000': 1 } }] },
      'rows.0.custom_fields.k?',
      /field name/,
    ],
    ['a NUL in a CSV', { csv: 'email,name\n' + 'a@x.com,A\n'.repeat(30) + 'b@x.com,B\u0000\n' }, 'csv', /line 32/],
  ])(
    'refuses text PostgreSQL cannot store (%s) with 400 naming where, writing nothing',
    async (_name, body, path, message) => {
      const res = await importRows(body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('validation_error');
      expect(res.json.error.details[0].path).toBe(path);
      expect(res.json.error.message).toMatch(message);
      expect(await contacts()).toEqual([]);
    },
  );

  it('rejects a wrong content type (415) and malformed JSON (400)', async () => {
    expect(
      (await api.call('POST', '/v1/import/contacts', {
        key: keys.full.key,
        raw: 'email\na@x.com',
        headers: { 'content-type': 'text/csv' },
      })).status,
    ).toBe(415);
    const bad = await api.call('POST', '/v1/import/contacts', {
      key: keys.full.key,
      raw: '{"rows": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe('The request body is not valid JSON.');
  });

  describe('security', () =>
    securitySuite(() => ({ api, keys }), {
      method: 'POST',
      path: '/v1/import/contacts',
      body: { rows: [{ email: 'sec@x.com' }] },
      forbidden: ['readOnly', 'webhooksOnly'],
    }));
  describe('security of job status', () =>
    securitySuite(() => ({ api, keys }), {
      method: 'GET',
      path: '/v1/import/jobs/imp_00000000000000000000000000',
      forbidden: ['webhooksOnly'],
    }));
});
