/** @module Pins how CSV columns become contact fields (spec/contract.md "CSV": mapping, has_header, header synonyms, mapping_used) and the exact messages a client sees for a bad mapping. */
import { describe, expect, it } from 'vitest';
import { CONTACT_FIELDS } from '../../shared/contacts/model.ts';
import {
  type ColumnMapping,
  HEADER_SYNONYMS,
  MappingError,
  normaliseHeader,
  resolveMapping,
} from '../../shared/imports/mapping.ts';
import { columnCountProblem, recordToRow } from '../../shared/imports/record-row.ts';

function mappingError(fn: () => unknown): MappingError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return err as MappingError;
  }
  throw new Error('expected a MappingError');
}

const entries = (m: ColumnMapping) => [...m.columns.entries()];

describe('normaliseHeader', () => {
  it.each([
    ['E-mail 1 - Value', 'email1value'],
    ['  First Name ', 'firstname'],
    ['first_name', 'firstname'],
    ['Prénom', 'prenom'],
    ['Société', 'societe'],
    ['Correo electrónico', 'correoelectronico'],
    ['Größe', 'grosse'],
    ['Ｅｍａｉｌ', 'email'],
    ['LinkedIn/URL', 'linkedinurl'],
    ['王小明', ''],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normaliseHeader(input)).toBe(expected);
  });
});

describe('HEADER_SYNONYMS', () => {
  it.each<[string, string]>([
    // the contact fields themselves
    ...CONTACT_FIELDS.filter((f) => f !== 'custom_fields').map((f) => [f, f] as [string, string]),
    // Google Contacts
    ['Given Name', 'first_name'],
    ['Family Name', 'last_name'],
    ['Name', 'full_name'],
    ['E-mail 1 - Value', 'email'],
    ['E-mail 2 - Value', 'email'],
    ['Phone 1 - Value', 'phone'],
    ['Organization 1 - Name', 'company'],
    ['Organization 1 - Title', 'job_title'],
    ['Group Membership', 'tags'],
    // newer Google Contacts
    ['Organization Name', 'company'],
    ['Organization Title', 'job_title'],
    // Outlook
    ['First Name', 'first_name'],
    ['Last Name', 'last_name'],
    ['E-mail Address', 'email'],
    ['E-mail 2 Address', 'email'],
    ['Mobile Phone', 'phone'],
    ['Business Phone', 'phone'],
    ['Home Phone', 'phone'],
    ['Company', 'company'],
    ['Job Title', 'job_title'],
    ['Categories', 'tags'],
    // HubSpot, Salesforce, Pipedrive, LinkedIn
    ['Email Address', 'email'],
    ['Work Email', 'email'],
    ['Phone Number', 'phone'],
    ['Mobile', 'phone'],
    ['Company Name', 'company'],
    ['Organization', 'company'],
    ['Account Name', 'company'],
    ['Title', 'job_title'],
    ['Position', 'job_title'],
    ['LinkedIn', 'linkedin_url'],
    ['LinkedIn URL', 'linkedin_url'],
    ['LinkedIn Profile', 'linkedin_url'],
    ['Priority', 'priority'],
    ['Tags', 'tags'],
    ['Labels', 'tags'],
    ['Created Date', 'created_date'],
    ['Create Date', 'created_date'],
    ['Created At', 'created_date'],
    ['Full Name', 'full_name'],
    ['Contact Name', 'full_name'],
    ['First', 'first_name'],
    ['Last', 'last_name'],
    ['Surname', 'last_name'],
    ['Forename', 'first_name'],
    ['Person - Email - Work', 'email'],
    ['Person - Organization', 'company'],
    // German, French, Spanish
    ['E-Mail', 'email'],
    ['Vorname', 'first_name'],
    ['Nachname', 'last_name'],
    ['Firma', 'company'],
    ['Telefon', 'phone'],
    ['Handy', 'phone'],
    ['Prénom', 'first_name'],
    ['Nom', 'last_name'],
    ['Société', 'company'],
    ['Téléphone', 'phone'],
    ['Nombre', 'first_name'],
    ['Apellido', 'last_name'],
    ['Empresa', 'company'],
    ['Teléfono', 'phone'],
    ['Correo electrónico', 'email'],
    // company ids
    ['company_id', 'company_id'],
    ['Company ID', 'company_id'],
    ['related_company_id', 'related_company_id'],
  ])('%j → %s', (header, field) => {
    expect(HEADER_SYNONYMS[normaliseHeader(header)]).toBe(field);
  });

  it('maps only to contact fields, never to custom_fields, and is keyed by normalised names', () => {
    for (const [key, field] of Object.entries(HEADER_SYNONYMS)) {
      expect(normaliseHeader(key)).toBe(key);
      expect(CONTACT_FIELDS).toContain(field);
      expect(field).not.toBe('custom_fields');
    }
    expect(Object.hasOwn(HEADER_SYNONYMS, 'customfields')).toBe(false);
  });

  it.each([
    'Notes',
    'Department',
    'E-mail Type',
    'E-mail Display Name',
    'Phone 1 - Type',
    'Middle Name',
    'Website 1 - Value',
    'E-mail 1 - Label',
    'Phone 1 - Label',
    'Business Fax',
  ])(
    'does not claim %j',
    (header) => {
      expect(Object.hasOwn(HEADER_SYNONYMS, normaliseHeader(header))).toBe(false);
    },
  );
});

describe('resolveMapping without a mapping (header matching)', () => {
  it('matches headers by name, ignoring case, spaces and punctuation, and reports the used columns in column order', () => {
    const m = resolveMapping(['Notes', 'E-MAIL', 'first name', 'Last_Name', 'Shoe size'], 1, undefined);
    expect(entries(m)).toStrictEqual([
      [1, 'email'],
      [2, 'first_name'],
      [3, 'last_name'],
    ]);
    expect(m.used).toStrictEqual(
      Object.entries({ 'E-MAIL': 'email', 'first name': 'first_name', Last_Name: 'last_name' }),
    );
    expect(m.used.map(([name]) => name)).toStrictEqual(['E-MAIL', 'first name', 'Last_Name']);
    expect(m.width).toBe(5);
  });

  it('maps every column that matches a field, so the first non-empty one can win per row', () => {
    const m = resolveMapping(['Work Email', 'Name', 'E-mail 2 - Value', 'Email Address'], 4, undefined);
    expect(entries(m)).toStrictEqual([
      [0, 'email'],
      [1, 'full_name'],
      [2, 'email'],
      [3, 'email'],
    ]);
    // The other addresses are not lost (issue 11): they are kept in custom_fields.
    expect(recordToRow(['', 'Jane', ' jane@b.c ', 'jane@d.e'], m)).toStrictEqual({
      email: 'jane@b.c',
      full_name: 'Jane',
      custom_fields: { other_emails: ['jane@d.e'] },
    });
  });

  it('lists a duplicated header name once in used', () => {
    const m = resolveMapping(['Email', 'Name', 'Email'], 3, undefined);
    expect(entries(m)).toStrictEqual([
      [0, 'email'],
      [1, 'full_name'],
      [2, 'email'],
    ]);
    expect(m.used).toStrictEqual(Object.entries({ Email: 'email', Name: 'full_name' }));
  });

  it('ignores Outlook\'s salutation "Title" when a "Job Title" column exists', () => {
    const m = resolveMapping(['Title', 'First Name', 'Last Name', 'Job Title'], 4, undefined);
    expect(entries(m)).toStrictEqual([
      [1, 'first_name'],
      [2, 'last_name'],
      [3, 'job_title'],
    ]);
    expect(recordToRow(['Dr.', 'Emily', 'Carter', 'Chief Scientist'], m)).toStrictEqual({
      first_name: 'Emily',
      last_name: 'Carter',
      job_title: 'Chief Scientist',
    });
  });

  it('uses a lone "Title" column as the job title', () => {
    const m = resolveMapping(['Email', 'Title'], 2, undefined);
    expect(m.used).toStrictEqual(Object.entries({ Email: 'email', Title: 'job_title' }));
  });

  it('prefers "Full Name" over a generic "Name", and "Organization 1 - Title" over "Occupation"', () => {
    const m = resolveMapping(['Name', 'Full Name', 'Occupation', 'Organization 1 - Title'], 4, undefined);
    expect(m.used).toStrictEqual(Object.entries({ 'Full Name': 'full_name', 'Organization 1 - Title': 'job_title' }));
  });

  it('does not count trailing unnamed columns (a trailing delimiter on the header line) in the width', () => {
    expect(resolveMapping(['Email', 'Name', '', ''], 4, undefined).width).toBe(2);
    expect(resolveMapping(['Email', '', 'Name'], 3, undefined).width).toBe(3);
  });

  it('treats header names like "__proto__" and "constructor" as plain names', () => {
    const m = resolveMapping(['__proto__', 'constructor', 'email'], 3, undefined);
    expect(m.used).toStrictEqual(Object.entries({ email: 'email' }));
  });

  const NO_IDENTITY =
    'no column of the header maps to email or a name field (full_name, first_name, last_name); supply a mapping, or name the columns as one of the accepted headers';

  it('refuses a header where no column gives an email or a name, naming the headers seen and the names accepted', () => {
    const err = mappingError(() => resolveMapping(['Col A', 'Phone', 'Company', 'Col D'], 4, undefined));
    expect(err.message.startsWith(NO_IDENTITY)).toBe(true);
    expect(err.details.slice(0, 2)).toStrictEqual([
      { path: 'mapping', message: NO_IDENTITY },
      { path: 'csv', message: 'the header has 4 columns: "Col A", "Phone", "Company", "Col D"' },
    ]);
    expect(err.details.slice(2).map((d) => d.message)).toContain('accepted: full_name, Name, Full Name, FN');
  });

  it('lists at most 20 headers of a wide header', () => {
    const wide = Array.from({ length: 25 }, (_, i) => `c${i + 1}`);
    const err = mappingError(() => resolveMapping(wide, 25, undefined));
    expect(err.details[1].message).toBe(
      `the header has 25 columns: ${wide.slice(0, 20).map((h) => `"${h}"`).join(', ')} and 5 more`,
    );
  });

  it('refuses an empty header', () => {
    expect(mappingError(() => resolveMapping([], 0, undefined)).details[0].message).toBe(NO_IDENTITY);
  });

  it('treats a null mapping as no mapping', () => {
    expect(resolveMapping(['Email'], 1, null as unknown as undefined).used).toStrictEqual(
      Object.entries({ Email: 'email' }),
    );
  });
});

describe('resolveMapping with a mapping and a header', () => {
  const header = ['Full Name', 'Email Adress', 'Tel.', 'Lead Source', 'Email Adress'];

  it('maps the named columns only and ignores the rest', () => {
    const m = resolveMapping(header, 5, { 'Full Name': 'full_name', 'Lead Source': 'custom_fields.source' });
    expect(entries(m)).toStrictEqual([
      [0, 'full_name'],
      [3, 'custom_fields.source'],
    ]);
    expect(m.used).toStrictEqual(Object.entries({ 'Full Name': 'full_name', 'Lead Source': 'custom_fields.source' }));
    expect(m.width).toBe(5);
  });

  it('maps every column of a duplicated header name', () => {
    const m = resolveMapping(header, 5, { 'Email Adress': 'email' });
    expect(entries(m)).toStrictEqual([
      [1, 'email'],
      [4, 'email'],
    ]);
    expect(m.used).toStrictEqual(Object.entries({ 'Email Adress': 'email' }));
  });

  it('matches keys after trimming, and case-insensitively only when there is no exact match', () => {
    expect(entries(resolveMapping(header, 5, { '  tel. ': 'phone', 'full name': 'full_name' }))).toStrictEqual([
      [0, 'full_name'],
      [2, 'phone'],
    ]);
    const m = resolveMapping(['email', 'EMAIL', 'Name'], 3, { EMAIL: 'email', name: 'full_name' });
    expect(entries(m)).toStrictEqual([
      [1, 'email'],
      [2, 'full_name'],
    ]);
    expect(m.used).toStrictEqual(Object.entries({ EMAIL: 'email', Name: 'full_name' }));
  });

  it('accepts field names in any case and with surrounding spaces, reporting the canonical name', () => {
    const m = resolveMapping(header, 5, { 'Full Name': ' Full_Name ', 'Tel.': 'PHONE' });
    expect(m.used).toStrictEqual(Object.entries({ 'Full Name': 'full_name', 'Tel.': 'phone' }));
  });

  it('accepts the legacy company_id and every contact field', () => {
    const fields = CONTACT_FIELDS.filter((f) => f !== 'custom_fields');
    const m = resolveMapping(fields, fields.length, Object.fromEntries(fields.map((f) => [f, f])));
    expect(m.used).toStrictEqual(Object.entries(Object.fromEntries(fields.map((f) => [f, f]))));
  });

  it('names a key that is not a column of the header', () => {
    const err = mappingError(() => resolveMapping(header, 5, { Emial: 'email' }));
    expect(err.message).toBe('mapping key "Emial" is not a column of the header');
    expect(err.details).toStrictEqual([{
      path: 'mapping.Emial',
      message: 'mapping key "Emial" is not a column of the header',
    }]);
  });

  it('names a value that is not a contact field', () => {
    const err = mappingError(() => resolveMapping(header, 5, { 'Email Adress': 'emali' }));
    expect(err.details).toStrictEqual([
      { path: 'mapping.Email Adress', message: 'mapping value "emali" (for "Email Adress") is not a contact field' },
    ]);
  });

  it.each<[unknown, string]>([
    [42, 'mapping value 42 (for "Tel.") must be a contact field name (a string)'],
    [null, 'mapping value null (for "Tel.") must be a contact field name (a string)'],
    [['phone'], 'mapping value ["phone"] (for "Tel.") must be a contact field name (a string)'],
    [
      'custom_fields',
      'mapping value "custom_fields" (for "Tel.") is not a contact field; use "custom_fields.<name>" for a custom field',
    ],
    ['custom_fields.', 'mapping value "custom_fields." (for "Tel.") needs a name after "custom_fields."'],
    ['custom_fields.   ', 'mapping value "custom_fields.   " (for "Tel.") needs a name after "custom_fields."'],
    [
      `custom_fields.${'x'.repeat(101)}`,
      // The value is echoed shortened to 50 code points, as every echo of client text.
      `mapping value "custom_fields.${
        'x'.repeat(36)
      }…" (for "Tel.") has a custom field name longer than 100 characters`,
    ],
    ['', 'mapping value "" (for "Tel.") is not a contact field'],
    ['email_normalized', 'mapping value "email_normalized" (for "Tel.") is not a contact field'],
  ])('refuses the value %j', (value, message) => {
    const err = mappingError(() => resolveMapping(header, 5, { 'Tel.': value }));
    expect(err.details).toStrictEqual([{ path: 'mapping.Tel.', message }]);
  });

  it('accepts custom field names up to 100 characters, counted in code points', () => {
    const name = '😀'.repeat(100);
    expect(resolveMapping(header, 5, { 'Full Name': 'full_name', 'Tel.': `custom_fields.${name}` }).used).toStrictEqual(
      Object.entries({ 'Full Name': 'full_name', 'Tel.': `custom_fields.${name}` }),
    );
  });

  it('echoes a huge key, header or value shortened, however many problems there are', () => {
    const huge = (c: string, i: number) => `${c}${i}`.padEnd(1 << 20, c);
    const given: Record<string, unknown> = {};
    for (let i = 0; i < 25; i++) given[huge('k', i)] = i % 2 === 0 ? huge('v', i) : [huge('a', i)];
    const err = mappingError(() => resolveMapping([huge('h', 0), 'Email'], 2, given));
    expect(err.details).toHaveLength(21);
    for (const d of err.details) {
      expect(d.path.length).toBeLessThan(100);
      expect(d.message.length).toBeLessThan(300);
    }
    expect(err.details[0]).toStrictEqual({
      path: `mapping.${'k0'.padEnd(50, 'k')}…`,
      message: `mapping value "${'v0'.padEnd(50, 'v')}…" (for "${'k0'.padEnd(50, 'k')}…") is not a contact field`,
    });
    expect(err.details[2].message).toBe(
      `mapping value ${`["a1`.padEnd(50, 'a')}… (for "${
        'k1'.padEnd(50, 'k')
      }…") must be a contact field name (a string)`,
    );
    const noIdentity = mappingError(() => resolveMapping([huge('h', 0), 'Phone'], 2, { Phone: 'phone' }));
    expect(noIdentity.details[1].message).toBe(`the header has 2 columns: "${'h0'.padEnd(50, 'h')}…", "Phone"`);
  });

  it('reports every problem at once', () => {
    const err = mappingError(() =>
      resolveMapping(header, 5, { Emial: 'email', 'Full Name': 'fullname', Nope: 'nope' })
    );
    expect(err.details).toStrictEqual([
      { path: 'mapping.Emial', message: 'mapping key "Emial" is not a column of the header' },
      { path: 'mapping.Full Name', message: 'mapping value "fullname" (for "Full Name") is not a contact field' },
      { path: 'mapping.Nope', message: 'mapping value "nope" (for "Nope") is not a contact field' },
      { path: 'mapping.Nope', message: 'mapping key "Nope" is not a column of the header' },
    ]);
    expect(err.message).toBe(err.details.map((d) => d.message).join('; '));
  });

  it('refuses two keys that name the same column with different fields, but allows them to agree', () => {
    const err = mappingError(() => resolveMapping(['Email'], 1, { Email: 'email', email: 'custom_fields.mail' }));
    expect(err.details).toStrictEqual([
      {
        path: 'mapping.email',
        message: 'mapping keys "Email" and "email" both name column 1 but map it to different fields',
      },
    ]);
    expect(resolveMapping(['Email'], 1, { Email: 'email', email: 'email' }).used).toStrictEqual(
      Object.entries({ Email: 'email' }),
    );
  });

  it('refuses an empty mapping and a mapping that is not an object', () => {
    expect(mappingError(() => resolveMapping(header, 5, {})).details).toStrictEqual([
      {
        path: 'mapping',
        message: 'mapping is empty; map at least one column, or omit mapping to match headers by name',
      },
    ]);
    for (const bad of [[], 'email', 3, true]) {
      expect(mappingError(() => resolveMapping(header, 5, bad as unknown as Record<string, unknown>)).details)
        .toStrictEqual([
          { path: 'mapping', message: 'mapping must be an object of column name → contact field' },
        ]);
    }
  });
});

describe('resolveMapping without a header', () => {
  it('requires a mapping', () => {
    const err = mappingError(() => resolveMapping(null, 3, undefined));
    expect(err.message).toBe('mapping is required when has_header is false');
    expect(err.details).toStrictEqual([{ path: 'mapping', message: 'mapping is required when has_header is false' }]);
  });

  it('takes 1-based column numbers as keys and reports them in column order', () => {
    const m = resolveMapping(null, 4, { '3': 'email', '1': 'full_name', ' 4 ': 'custom_fields.note' });
    expect(entries(m)).toStrictEqual([
      [0, 'full_name'],
      [2, 'email'],
      [3, 'custom_fields.note'],
    ]);
    expect(m.used).toStrictEqual(Object.entries({ '1': 'full_name', '3': 'email', '4': 'custom_fields.note' }));
    expect(m.width).toBe(4);
  });

  it.each(['0', '5', '01', '1.0', 'Email', '-1', ''])('refuses the key %j', (key) => {
    const err = mappingError(() => resolveMapping(null, 4, { [key]: 'email' }));
    expect(err.details).toStrictEqual([
      {
        path: `mapping.${key}`,
        message: `mapping key ${JSON.stringify(key)} is not a column number between 1 and 4 (has_header is false)`,
      },
    ]);
  });
});

describe('recordToRow', () => {
  const mapping = resolveMapping(
    ['Email', 'Work Email', 'Name', 'Note', 'Source', 'Tags', 'Note'],
    7,
    {
      Email: 'email',
      'Work Email': 'email',
      Name: 'full_name',
      Note: 'custom_fields.note',
      Source: 'custom_fields.source',
      Tags: 'tags',
    },
  );

  it('takes the first non-empty value per field, in column order, and trims values', () => {
    expect(recordToRow(['  ', ' work@x.y ', 'Jane Doe', '', 'fair', 'a;b', ' second note '], mapping)).toStrictEqual({
      email: 'work@x.y',
      full_name: 'Jane Doe',
      custom_fields: { note: 'second note', source: 'fair' },
      tags: ['a', 'b'],
    });
  });

  it('omits empty cells, and custom_fields when all of them are empty', () => {
    expect(recordToRow(['a@x.y', '', '', '', '', '', ''], mapping)).toStrictEqual({ email: 'a@x.y' });
  });

  it('ignores mapped columns that a short record lacks, and extra cells a long one has', () => {
    expect(recordToRow(['a@x.y'], mapping)).toStrictEqual({ email: 'a@x.y' });
    expect(recordToRow(['a@x.y', '', 'Jane', '', '', '', '', 'extra', 'more'], mapping)).toStrictEqual({
      email: 'a@x.y',
      full_name: 'Jane',
    });
  });

  it('keeps custom field names like "__proto__" as own keys', () => {
    const m = resolveMapping(['a', 'b'], 2, { a: 'email', b: 'custom_fields.__proto__' });
    const row = recordToRow(['x@y.z', 'polluted?'], m);
    expect(Object.keys(row.custom_fields as object)).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(row.custom_fields)).toBe(Object.prototype);
  });

  it('keeps multi-line cell values', () => {
    const m = resolveMapping(['Email', 'Notes'], 2, { Email: 'email', Notes: 'custom_fields.notes' });
    expect(recordToRow(['a@x.y', 'line 1\r\nline 2\n'], m)).toStrictEqual({
      email: 'a@x.y',
      custom_fields: { notes: 'line 1\r\nline 2' },
    });
  });
});

describe('columnCountProblem', () => {
  it.each<[string[], number, string | null]>([
    [['a', 'b', 'c'], 3, null],
    [['a', 'b', 'c', '', '  '], 3, null],
    [['a', 'b', 'c', '', 'x'], 3, 'expected 3 columns, found 5'],
    [['a', 'b'], 3, 'expected 3 columns, found 2'],
    [['a', '', ''], 3, null],
    [[''], 1, null],
    [['a', 'b'], 1, 'expected 1 column, found 2'],
    [['a'], 5, 'expected 5 columns, found 1'],
  ])('%j with width %i → %j', (fields, width, expected) => {
    expect(columnCountProblem(fields, width)).toBe(expected);
  });
});
