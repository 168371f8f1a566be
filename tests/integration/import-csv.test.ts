import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { type KeyRing, keyRing, testApp } from '../support/fixtures.ts';
import { ROOT } from '../support/processes.ts';

const db = await freshDatabase();
const api = testApp(db.port, { now: () => new Date('2026-06-01T12:00:00Z') });
let keys: KeyRing;
beforeAll(async () => {
  keys = await keyRing(db.port);
});
beforeEach(async () => {
  await db.sql`delete from contacts`;
});

const fixture = (name: string) => readFileSync(join(ROOT, 'tests/fixtures/csv', name), 'utf8');
const importCsv = (body: Record<string, unknown>) =>
  api.call('POST', '/v1/import/contacts', { key: keys.full.key, body });
const contacts = () =>
  db.sql`select full_name, first_name, last_name, email, phone, company, job_title, priority, tags, custom_fields, created_date
           from contacts order by email nulls last`;

describe('POST /v1/import/contacts with real-world CSV exports', () => {
  it('imports an Excel "CSV UTF-8" export (BOM, CRLF, quoted commas, quotes and newlines) by header synonyms', async () => {
    const res = await importCsv({ csv: fixture('excel-utf8-bom-crlf.csv') });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      status: 'completed',
      total_rows: 7,
      created_count: 7,
      updated_count: 0,
      skipped_count: 0,
      errors: [],
    });
    expect(res.json.data.mapping_used).toEqual({
      'First Name': 'first_name',
      'Last Name': 'last_name',
      'Email Address': 'email',
      'Phone Number': 'phone',
      'Company Name': 'company',
      'Job Title': 'job_title',
      Priority: 'priority',
      Tags: 'tags',
      'Created Date': 'created_date',
    });
    const rows = await contacts();
    const jane = rows.find((c) => c.email === 'jane.doe@acme.com')!;
    expect(jane).toMatchObject({
      full_name: 'Jane Doe',
      phone: '+14155552671',
      company: 'Acme, Inc.',
      priority: 1,
      tags: ['customer', 'vip'],
    });
    expect(jane.created_date.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(rows.find((c) => c.email === 'BOB@BETA.COM')).toMatchObject({
      phone: '+442079460958',
      job_title: 'Engineer\n(Platform)',
      priority: 3,
    });
    expect(rows.find((c) => c.last_name === "O'Brien")).toMatchObject({
      company: 'The "Best" Widgets Ltd',
      priority: 2,
      tags: ['prospect'],
    });
    expect(rows.find((c) => c.email === 'info@nordwind.example')).toMatchObject({
      full_name: 'Info',
      company: 'Nordwind AG',
    });
    expect(rows.find((c) => c.email === 'li.na@example.cn')!.tags).toEqual(['lead', 'asia']);
  });

  it('recognises a semicolon-separated German Excel export and reports the bad row with its line', async () => {
    const res = await importCsv({ csv: fixture('excel-de-semicolon.csv') });
    expect(res.json.data).toMatchObject({ total_rows: 6, created_count: 5, skipped_count: 1 });
    expect(res.json.data.errors).toEqual([
      {
        row_number: 5,
        line: 6,
        code: 'invalid_email',
        message: 'email "j.schaefer@straße.example" is not a valid email address',
      },
    ]);
    expect(res.json.data.mapping_used).toEqual({
      Vorname: 'first_name',
      Nachname: 'last_name',
      'E-Mail': 'email',
      Telefon: 'phone',
      Firma: 'company',
    });
    const rows = await contacts();
    expect(rows.find((c) => c.email === 'anna.groesse@firma.de')).toMatchObject({
      full_name: 'Anna Größe',
      phone: '+49309876543',
      company: 'Größe AG',
    });
    expect(rows.find((c) => c.email === 'juergen.mueller@beispiel.de')!.company).toBe('Müller & Söhne GmbH');
  });

  it('recognises a tab-separated export with non-ASCII names', async () => {
    const res = await importCsv({ csv: fixture('google-sheets.tsv') });
    expect(res.json.data).toMatchObject({ total_rows: 6, created_count: 6, errors: [] });
    expect((await contacts()).map((c) => [c.email, c.full_name, c.first_name, c.last_name, c.phone])).toEqual([
      ['jose.garcia@ejemplo.es', 'José García', 'José', 'García', '+34912345678'],
      ['ngozi@example.ng', 'Ngozi Okonkwo-Adeyemi', 'Ngozi', 'Okonkwo-Adeyemi', '+2348021234567'],
      ['olafur@example.is', 'Ólafur Arnalds', 'Ólafur', 'Arnalds', '+3545512345'],
      ['wang.xiaoming@example.cn', '王小明', '王小明', null, '+861012345678'],
      ['zoe.brooks@example.org', 'Zoë Brooks', 'Zoë', 'Brooks', null],
      ['zoe@example.com', 'Zoë Brooks', 'Zoë', 'Brooks', null],
    ]);
  });

  it('takes what it needs from a Google Contacts export with dozens of unmapped columns and multi-line notes', async () => {
    const res = await importCsv({ csv: fixture('google-contacts.csv') });
    expect(res.json.data).toMatchObject({ total_rows: 6, created_count: 6, errors: [] });
    expect(Object.keys(res.json.data.mapping_used)).toHaveLength(11);
    expect((await contacts()).find((c) => c.email === 'jane@acme.com')).toMatchObject({
      full_name: 'Jane Doe',
      phone: '+14155552671',
      company: 'Acme Inc.',
      job_title: 'VP Sales',
    });
  });

  it('reads an Outlook export, where Priority says "Normal" and Categories are tags', async () => {
    const res = await importCsv({ csv: fixture('outlook.csv') });
    expect(res.json.data).toMatchObject({ total_rows: 5, created_count: 5, errors: [] });
    expect((await contacts()).find((c) => c.full_name === 'Emily Carter')).toMatchObject({
      company: 'Northwind Traders',
      job_title: 'Chief Scientist',
      tags: ['VIP', 'Customer'],
    });
  });

  it('turns ragged rows into invalid_row errors, ignores blank lines and trailing delimiters, and takes the first non-empty duplicate column', async () => {
    const res = await importCsv({ csv: fixture('ragged.csv') });
    expect(res.json.data).toMatchObject({ total_rows: 6, created_count: 4, skipped_count: 2 });
    expect(res.json.data.errors).toEqual([
      { row_number: 3, line: 4, code: 'invalid_row', message: 'expected 3 columns, found 2' },
      { row_number: 5, line: 9, code: 'invalid_row', message: 'expected 3 columns, found 5' },
    ]);
    expect((await contacts()).map((c) => [c.email, c.full_name])).toEqual([
      ['alice@example.com', 'Alice Adams'],
      ['bob@example.com', 'Bob Brown'],
      ['dave@example.com', 'Dave Diaz'],
      ['frank@example.com', 'Frank Fox, Jr.'],
    ]);
  });

  it('refuses a structurally broken file with 400 naming the line, writing nothing', async () => {
    const res = await importCsv({ csv: fixture('broken-unterminated.csv') });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'validation_error',
      message: 'The CSV is malformed at line 5: unterminated quoted field starting at line 5.',
      details: [{ path: 'csv', line: 5, message: 'unterminated quoted field starting at line 5' }],
    });
    expect(await contacts()).toEqual([]);
  });
});

describe('CSV errors found while matching', () => {
  it('give ambiguous_match the line of its record too', async () => {
    await api.call('POST', '/v1/contacts', { key: keys.full.key, body: { email: 'a@x.io' } });
    await api.call('POST', '/v1/contacts', { key: keys.full.key, body: { full_name: 'B', phone: '+4930901820' } });
    const res = await importCsv({
      csv: 'name,email,phone\n"Two\nLines",x@x.io,\nX,a@x.io,+4930901820\nY,a@x.io,+4930901820\n',
    });
    expect(res.json.data.errors).toEqual([
      { row_number: 2, line: 4, code: 'ambiguous_match', message: expect.stringMatching(/^email matches contact/) },
      { row_number: 3, line: 5, code: 'ambiguous_match', message: expect.stringMatching(/^email matches contact/) },
    ]);
  });
});

describe('CSV mapping', () => {
  const csv = 'Mail,Who,Where\nann@x.com,Ann Lee,Acme\nbo@x.com,Bo Chan,Beta\n';

  it('uses an explicit mapping, ignoring unmapped columns, and reports it back', async () => {
    const res = await importCsv({ csv, mapping: { Mail: 'email', Who: 'full_name', Where: 'custom_fields.site' } });
    expect(res.json.data).toMatchObject({
      created_count: 2,
      mapping_used: { Mail: 'email', Who: 'full_name', Where: 'custom_fields.site' },
    });
    expect((await contacts())[0]).toMatchObject({
      email: 'ann@x.com',
      first_name: 'Ann',
      last_name: 'Lee',
      custom_fields: { site: 'Acme' },
    });
  });

  it('maps 1-based column numbers when there is no header', async () => {
    const res = await importCsv({
      csv: 'ann@x.com;Ann Lee\nbo@x.com;Bo Chan\n',
      has_header: false,
      mapping: { '1': 'email', '2': 'full_name' },
    });
    expect(res.json.data).toMatchObject({
      total_rows: 2,
      created_count: 2,
      mapping_used: { '1': 'email', '2': 'full_name' },
    });
  });

  it('honours an explicit delimiter', async () => {
    const res = await importCsv({ csv: 'email|name\nann@x.com|Ann\n', delimiter: '|' });
    expect(res.json.data).toMatchObject({ created_count: 1, mapping_used: { email: 'email', name: 'full_name' } });
  });

  it.each([
    ['a key that is not in the header', { mapping: { Mial: 'email' } }, 'mapping.Mial', /Mial/],
    ['a value that is not a contact field', { mapping: { Mail: 'emali' } }, 'mapping.Mail', /emali/],
    ['a non-string value', { mapping: { Mail: 5 } }, 'mapping.Mail', /Mail/],
    [
      'column numbers out of range without a header',
      { has_header: false, mapping: { '9': 'email' } },
      'mapping.9',
      /9/,
    ],
    ['no mapping without a header', { has_header: false }, 'mapping', /mapping is required/],
  ])('refuses %s with 400 naming it, writing nothing', async (_name, extra, path, message) => {
    const res = await importCsv({ csv, ...extra });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_error');
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(res.json.error.message).toMatch(message);
    expect(await contacts()).toEqual([]);
  });

  it('refuses a header nothing can be matched to, listing it', async () => {
    const res = await importCsv({ csv: 'foo,bar\n1,2\n' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/no column of the header maps to email or a name field/);
    expect(res.json.error.details).toContainEqual({ path: 'csv', message: 'the header has 2 columns: "foo", "bar"' });
  });

  it('refuses a CSV without data rows', async () => {
    const res = await importCsv({ csv: 'email,name\n\n' });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: 'csv', message: 'no data rows' }]);
  });

  it('stops parsing at row 501 of a large CSV, so a broken tail does not fail the request', async () => {
    const big = ['email,name', ...Array.from({ length: 800 }, (_, i) => `p${i}@x.com,P ${i}`), 'x@x.com,"never closed']
      .join('\n');
    const res = await importCsv({ csv: big });
    expect(res.status).toBe(202);
    expect(res.json.data).toMatchObject({ status: 'queued', total_rows: 801 });
  });
});
