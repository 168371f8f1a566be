/** @module Runs real-world export files (tests/fixtures/csv) through the CSV reader and the header matcher, so that the files people actually upload keep parsing and mapping to the same contacts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CsvParseResult, type CsvRecord, CsvStructureError, parseCsv } from '../../shared/imports/csv.ts';
import { streamCsvFrom } from '../support/csv-stream.ts';
import { type ColumnMapping, resolveMapping } from '../../shared/imports/mapping.ts';
import { columnCountProblem, recordToRow } from '../../shared/imports/record-row.ts';

const FIXTURES = new URL('../fixtures/csv/', import.meta.url);

function bytes(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

function text(name: string): string {
  return bytes(name).toString('utf8');
}

async function load(
  name: string,
): Promise<{ parsed: CsvParseResult; mapping: ColumnMapping; rows: Record<string, unknown>[] }> {
  const parsed = await parseCsv(text(name), { hasHeader: true });
  const mapping = resolveMapping(parsed.header, parsed.records[0]?.fields.length ?? 0, undefined);
  return { parsed, mapping, rows: parsed.records.map((r) => recordToRow(r.fields, mapping)) };
}

/**
 * What the worker reads: the request's parse finds where the data starts (after the header and any
 * preamble), and the worker resumes there with streamCsvFrom, chunk by chunk. It must see exactly
 * what the request handler saw.
 */
function streamed(name: string, chunkSize: number): Promise<CsvRecord[]> {
  return fromDataStart(text(name), chunkSize);
}

async function fromDataStart(t: string, chunkSize: number): Promise<CsvRecord[]> {
  const head = await parseCsv(t, { hasHeader: true, maxRecords: 0 });
  const body = t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
  const rest = Buffer.from(body, 'utf8').subarray(head.dataStart.offset).toString('utf8');
  const chunks: string[] = [];
  for (let i = 0; i < rest.length; i += chunkSize) chunks.push(rest.slice(i, i + chunkSize));
  const out: CsvRecord[] = [];
  const start = { ...head.dataStart, rowNumber: 0 };
  for await (const r of streamCsvFrom(chunks, { delimiter: head.delimiter, start })) {
    out.push({ row_number: r.row_number, line: r.line, fields: r.fields });
  }
  return out;
}

const lines = (parsed: CsvParseResult) => parsed.records.map((r) => r.line);

describe('fixture files', () => {
  it('are stored byte for byte (BOM and CRLF survive checkout)', () => {
    const excel = bytes('excel-utf8-bom-crlf.csv');
    expect([...excel.subarray(0, 3)]).toStrictEqual([0xef, 0xbb, 0xbf]);
    // 8 records end in CRLF; the in-cell break in Bob's job title is a bare LF, as Excel writes it.
    expect(excel.toString('utf8').match(/\r\n/g)).toHaveLength(8);
    expect(excel.toString('utf8').match(/(?<!\r)\n/g)).toHaveLength(1);
    const outlook = bytes('outlook.csv').toString('utf8');
    expect(outlook.match(/\r\n/g)).toHaveLength(7);
    expect(outlook.match(/(?<!\r)\n/g)).toBeNull();
    expect(bytes('excel-de-semicolon.csv').toString('utf8')).toContain('Müller;juergen');
    expect(bytes('google-sheets.tsv').toString('utf8').endsWith('NG')).toBe(true);
  });

  for (
    const name of [
      'excel-utf8-bom-crlf.csv',
      'excel-de-semicolon.csv',
      'google-sheets.tsv',
      'google-contacts.csv',
      'outlook.csv',
      'ragged.csv',
    ]
  ) {
    it(`${name}: streaming in small chunks yields what parseCsv returns`, async () => {
      const { parsed } = await load(name);
      for (const size of [1, 7, 64]) expect(await streamed(name, size)).toStrictEqual(parsed.records);
    });
  }
});

describe('Excel "CSV UTF-8" export (BOM, CRLF, comma)', () => {
  it('parses with the BOM stripped and in-cell line breaks kept', async () => {
    const { parsed } = await load('excel-utf8-bom-crlf.csv');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.header).toStrictEqual([
      'First Name',
      'Last Name',
      'Email Address',
      'Phone Number',
      'Company Name',
      'Job Title',
      'Priority',
      'Tags',
      'Created Date',
    ]);
    expect(parsed.records).toHaveLength(7);
    expect(parsed.truncated).toBe(false);
    // Bob's job title holds a line break, so Chloé starts one line later than her row number suggests.
    expect(lines(parsed)).toStrictEqual([2, 3, 4, 5, 7, 8, 9]);
    expect(parsed.records[3].fields[5]).toBe('Engineer\n(Platform)');
    expect(parsed.records[2].fields[4]).toBe('The "Best" Widgets Ltd');
  });

  it('maps every column by its header', async () => {
    const { mapping, rows } = await load('excel-utf8-bom-crlf.csv');
    expect(mapping.used).toStrictEqual(Object.entries({
      'First Name': 'first_name',
      'Last Name': 'last_name',
      'Email Address': 'email',
      'Phone Number': 'phone',
      'Company Name': 'company',
      'Job Title': 'job_title',
      Priority: 'priority',
      Tags: 'tags',
      'Created Date': 'created_date',
    }));
    expect(mapping.width).toBe(9);
    expect(rows[0]).toStrictEqual({
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'jane.doe@acme.com',
      phone: '+1 415 555 2671',
      company: 'Acme, Inc.',
      job_title: 'Head of Sales',
      priority: 'high',
      tags: ['customer', 'vip'],
      created_date: '2024-03-01',
    });
    expect(rows[4]).toStrictEqual({
      first_name: 'Chloé',
      last_name: 'Dubois',
      email: 'chloe.dubois@exemple.fr',
      phone: '+33 1 23 45 67 89',
      company: 'Société Générale',
      job_title: 'Directrice',
      tags: ['partner'],
      created_date: '2024-03-05',
    });
    expect(rows[5]).toStrictEqual({ email: 'info@nordwind.example', company: 'Nordwind AG' });
  });
});

describe('German Excel export (semicolon, decimal commas, umlauts)', () => {
  it('detects the semicolon although data rows are full of commas', async () => {
    const { parsed } = await load('excel-de-semicolon.csv');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.header).toStrictEqual([
      'Vorname',
      'Nachname',
      'E-Mail',
      'Telefon',
      'Firma',
      'Umsatz 2024 (EUR, netto)',
      'Größe',
    ]);
    expect(parsed.records).toHaveLength(6);
    expect(lines(parsed)).toStrictEqual([2, 3, 4, 5, 6, 7]);
    expect(parsed.records[0].fields).toStrictEqual([
      'Jürgen',
      'Müller',
      'juergen.mueller@beispiel.de',
      '+49 89 123456',
      'Müller & Söhne GmbH',
      '12.345,67',
      'L',
    ]);
    expect(parsed.records[2].fields[4]).toBe('Öztürk; Partner KG');
  });

  it('maps the German headers and ignores the others', async () => {
    const { mapping, rows } = await load('excel-de-semicolon.csv');
    expect(mapping.used).toStrictEqual(Object.entries({
      Vorname: 'first_name',
      Nachname: 'last_name',
      'E-Mail': 'email',
      Telefon: 'phone',
      Firma: 'company',
    }));
    expect(rows[1]).toStrictEqual({
      first_name: 'Anna',
      last_name: 'Größe',
      email: 'anna.groesse@firma.de',
      phone: '0049 30 9876543',
      company: 'Größe AG',
    });
    expect(rows[3]).toStrictEqual({
      first_name: 'Sabine',
      last_name: 'Weiß',
      phone: '+49 40 555666',
      company: 'Weiß Consulting',
    });
  });
});

describe('Google Sheets TSV export (tabs, non-ASCII names, no final newline)', () => {
  it('detects tabs and keeps commas and non-ASCII text in fields', async () => {
    const { parsed } = await load('google-sheets.tsv');
    expect(parsed.delimiter).toBe('\t');
    expect(parsed.header).toStrictEqual(['Full Name', 'Email', 'Phone', 'Company', 'Title', 'LinkedIn', 'Country']);
    expect(parsed.records).toHaveLength(6);
    expect(lines(parsed)).toStrictEqual([2, 3, 4, 5, 6, 7]);
    expect(parsed.records.map((r) => r.fields[0])).toStrictEqual([
      'José García',
      'Zoë Brooks',
      '王小明',
      'Ólafur Arnalds',
      'Brooks, Zoë',
      'Ngozi Okonkwo-Adeyemi',
    ]);
  });

  it('maps Title and LinkedIn, leaving Country unused', async () => {
    const { mapping, rows } = await load('google-sheets.tsv');
    expect(mapping.used).toStrictEqual(Object.entries({
      'Full Name': 'full_name',
      Email: 'email',
      Phone: 'phone',
      Company: 'company',
      Title: 'job_title',
      LinkedIn: 'linkedin_url',
    }));
    expect(rows[1]).toStrictEqual({
      full_name: 'Zoë Brooks',
      email: 'zoe@example.com',
      company: 'Rocket 🚀 Labs',
      job_title: 'Founder',
      linkedin_url: 'https://www.linkedin.com/in/zoe-brooks',
    });
    expect(rows[2]).toStrictEqual({
      full_name: '王小明',
      email: 'wang.xiaoming@example.cn',
      phone: '+86 10 1234 5678',
      company: '小明科技',
      job_title: '工程师',
    });
  });
});

describe('Google Contacts export (56 columns, multi-line notes and addresses)', () => {
  it('parses every column and numbers lines across multi-line cells', async () => {
    const { parsed } = await load('google-contacts.csv');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.header).toHaveLength(56);
    expect(parsed.header!.slice(0, 5)).toStrictEqual([
      'Name',
      'Given Name',
      'Additional Name',
      'Family Name',
      'Yomi Name',
    ]);
    expect(parsed.records).toHaveLength(6);
    expect(parsed.records.every((r) => r.fields.length === 56)).toBe(true);
    // Jane's notes span 2 lines, Wang's address 4, Robert's notes 4 (one of them empty).
    expect(lines(parsed)).toStrictEqual([2, 4, 8, 9, 13, 14]);
    expect(parsed.records[3].fields[25]).toBe(
      'He said "call me Bob".\nPrefers email over phone.\n\nDo not call before 10am.',
    );
  });

  it('maps names, both e-mail and phone values, organisation and groups', async () => {
    const { mapping, rows } = await load('google-contacts.csv');
    expect(mapping.used).toStrictEqual(Object.entries({
      Name: 'full_name',
      'Given Name': 'first_name',
      'Family Name': 'last_name',
      Priority: 'priority',
      'Group Membership': 'tags',
      'E-mail 1 - Value': 'email',
      'E-mail 2 - Value': 'email',
      'Phone 1 - Value': 'phone',
      'Phone 2 - Value': 'phone',
      'Organization 1 - Name': 'company',
      'Organization 1 - Title': 'job_title',
    }));
    expect(rows[0]).toStrictEqual({
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
      // Google's system group is not a tag.
      tags: ['Customers'],
      email: 'jane@acme.com',
      phone: '+1 415-555-2671',
      company: 'Acme Inc.',
      job_title: 'VP Sales',
    });
    // E-mail 1 and Phone 1 are empty: the second ones are used.
    expect(rows[2]).toStrictEqual({
      full_name: 'Priya Raman',
      first_name: 'Priya',
      last_name: 'Raman',
      priority: 'High',
      tags: ['Partners'],
      email: 'priya.raman@example.in',
      phone: '+91 98765 43210',
      company: 'Raman Textiles',
    });
    expect(rows[4]).toStrictEqual({ email: 'newsletter@example.org' });
  });
});

describe('Outlook export (all fields quoted, CRLF)', () => {
  it('parses quoted empty fields and CRLF inside notes', async () => {
    const { parsed } = await load('outlook.csv');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.header).toHaveLength(38);
    expect(parsed.header!.slice(0, 4)).toStrictEqual(['Title', 'First Name', 'Middle Name', 'Last Name']);
    expect(parsed.records).toHaveLength(5);
    expect(lines(parsed)).toStrictEqual([2, 3, 5, 6, 7]);
    expect(parsed.records[1].fields[33]).toBe('Visited the Milan office.\r\nWants a demo in May.');
  });

  it('uses Job Title rather than the salutation, and the first non-empty phone and e-mail', async () => {
    const { mapping, rows } = await load('outlook.csv');
    expect(mapping.used).toStrictEqual(Object.entries({
      'First Name': 'first_name',
      'Last Name': 'last_name',
      Company: 'company',
      'Job Title': 'job_title',
      'Business Phone': 'phone',
      'Business Phone 2': 'phone',
      'Home Phone': 'phone',
      'Mobile Phone': 'phone',
      'Other Phone': 'phone',
      Categories: 'tags',
      'E-mail Address': 'email',
      'E-mail 2 Address': 'email',
      Priority: 'priority',
    }));
    // Outlook writes "Normal" into Priority for every contact; it is passed on as found.
    expect(rows[0]).toStrictEqual({
      first_name: 'Emily',
      last_name: 'Carter',
      company: 'Northwind Traders',
      job_title: 'Chief Scientist',
      phone: '+1 (206) 555-0100',
      // The mobile number is not lost: every further phone and email is kept.
      custom_fields: { other_phones: ['+1 206 555 0199'] },
      tags: ['VIP', 'Customer'],
      email: 'emily.carter@northwind.example',
      priority: 'Normal',
    });
    expect(rows[2]).toStrictEqual({
      first_name: 'Ingrid',
      last_name: 'Johansson',
      company: 'Fjord AB',
      phone: '+46 8 123 456 78',
      email: 'ingrid@fjord.example',
      priority: 'Normal',
    });
    expect(rows[3].phone).toBe('+44 20 7946 0000');
  });
});

describe('hand-edited file (ragged rows, trailing delimiters, blank lines, duplicate header)', () => {
  it('skips blank and whitespace-only lines but keeps counting physical lines', async () => {
    const { parsed } = await load('ragged.csv');
    expect(parsed.delimiter).toBe(',');
    expect(parsed.header).toStrictEqual(['Email', 'Name', 'Email', '']);
    expect(parsed.records.map((r) => [r.row_number, r.line, r.fields.length])).toStrictEqual([
      [1, 2, 4],
      [2, 3, 4],
      [3, 4, 2],
      [4, 7, 6],
      [5, 9, 5],
      [6, 11, 4],
    ]);
  });

  it('maps both Email columns, and flags only the rows whose extra cells hold data or that are short', async () => {
    const { parsed, mapping, rows } = await load('ragged.csv');
    expect(mapping.used).toStrictEqual(Object.entries({ Email: 'email', Name: 'full_name' }));
    expect(mapping.width).toBe(3);
    expect(parsed.records.map((r) => columnCountProblem(r.fields, mapping.width))).toStrictEqual([
      null,
      null,
      'expected 3 columns, found 2',
      null,
      'expected 3 columns, found 5',
      null,
    ]);
    expect(rows).toStrictEqual([
      { email: 'alice@example.com', full_name: 'Alice Adams' },
      { full_name: 'Bob Brown', email: 'bob@example.com' },
      { email: 'carol@example.com', full_name: 'Carol Chen' },
      { email: 'dave@example.com', full_name: 'Dave Diaz', custom_fields: { other_emails: ['dave.diaz@example.com'] } },
      { email: 'erin@example.com', full_name: 'Erin Evans' },
      { email: 'frank@example.com', full_name: 'Frank Fox, Jr.' },
    ]);
  });
});

describe('broken file (unterminated quote)', () => {
  it('is refused with the line where the broken record starts', async () => {
    const err = await parseCsv(text('broken-unterminated.csv'), { hasHeader: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvStructureError);
    expect(err).toMatchObject({
      code: 'unterminated_quote',
      line: 5,
      message: 'unterminated quoted field starting at line 5',
    });
  });

  it('can still be read up to the break when only the first rows are wanted', async () => {
    const parsed = await parseCsv(text('broken-unterminated.csv'), { hasHeader: true, maxRecords: 2 });
    expect(parsed.records).toStrictEqual([
      { row_number: 1, line: 2, fields: ['Jane Doe', 'jane@acme.com', 'Called on Monday'] },
      { row_number: 2, line: 3, fields: ['Bob Smith', 'bob@beta.com', 'Prefers "email"\nover phone'] },
    ]);
    expect(parsed.truncated).toBe(true);
  });

  it('streams the good rows, then fails at the same line', async () => {
    const seen: number[] = [];
    const err = await (async () => {
      const t = text('broken-unterminated.csv');
      const head = await parseCsv(t, { hasHeader: true, maxRecords: 0 });
      const rest = Buffer.from(t, 'utf8').subarray(head.dataStart.offset).toString('utf8');
      for await (
        const r of streamCsvFrom([rest], { delimiter: head.delimiter, start: { ...head.dataStart, rowNumber: 0 } })
      ) seen.push(r.line);
    })().catch((e: unknown) => e);
    expect(seen).toStrictEqual([2, 3]);
    expect(err).toMatchObject({ code: 'unterminated_quote', line: 5 });
  });
});
