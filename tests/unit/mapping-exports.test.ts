/** @module Pins how the headers and cells of real exports become contact fields (issue 11: vCard headers, typed variants, composite and multi-value cells, tag lists, unmapped_columns, the 400 without an identity column) and that mapping stays linear in columns and keys (issue 15). */
import { describe, expect, it } from 'vitest';
import { headerRecogniser, MappingError, resolveMapping } from '../../shared/imports/mapping.ts';
import { recordToRow, tagList } from '../../shared/imports/record-row.ts';
import { matchHeader } from '../../shared/imports/header-synonyms.ts';

const auto = (header: string[]) => resolveMapping(header, header.length, undefined);
const entries = (header: string[]) => [...auto(header).columns.entries()];

describe('typed and vCard headers', () => {
  it.each<[string, string]>([
    ['FN', 'full_name'],
    ['N', 'last_name;first_name'],
    ['ORG', 'company;custom_fields.department'],
    ['TITLE', 'job_title'],
    ['EMAIL;TYPE=INTERNET;TYPE=WORK', 'email'],
    ['item1.EMAIL;type=INTERNET;type=pref', 'email'],
    ['TEL;TYPE=CELL', 'phone'],
    ['CATEGORIES', 'tags'],
    ['Email (Work)', 'email'],
    ['Email (Home)', 'email'],
    ['Phone (Mobile)', 'phone'],
    ['Phone (Work)', 'phone'],
    ['Organization', 'company'],
    ['Email - Work', 'email'],
    ['Phone - Mobile', 'phone'],
    ['Person - Phone - Mobile', 'phone'],
    ['Mobile Phone Number', 'phone'],
    ['E-mail 4 - Value', 'email'],
    ['Email 3', 'email'],
    ['URL', 'linkedin_url'],
    ['Secondary Email', 'email'],
    ['Adresse de messagerie', 'email'],
    ['Dirección de correo electrónico', 'email'],
    ['Tél. mobile', 'phone'],
    ['Teléfono móvil', 'phone'],
    ['Telefon geschäftlich', 'phone'],
    ['MobilePhone', 'phone'],
    ['CreatedDate', 'created_date'],
    ['Account.Name', 'company'],
  ])('%j → %s', (header, field) => {
    expect(matchHeader(header)?.field).toBe(field);
  });

  it.each([
    'Name (Phonetic)',
    'Phone 1 - Label',
    'E-mail 1 - Label',
    'Email Type',
    'Address (Home)',
    'Phone - Fax',
    'n',
    'Org',
  ])(
    'does not take %j',
    (header) => {
      expect(
        matchHeader(header)?.field === 'email' || matchHeader(header)?.field === 'phone' ||
          matchHeader(header)?.field?.includes(';'),
      ).toBeFalsy();
    },
  );

  it('consults the preferred variant first, then the others in column order', () => {
    expect(entries(['EMAIL;TYPE=HOME', 'EMAIL;TYPE=WORK;TYPE=pref', 'FN'])).toStrictEqual([
      [1, 'email'],
      [0, 'email'],
      [2, 'full_name'],
    ]);
  });
});

describe('cells of real exports', () => {
  it('splits vCard N and ORG, unescaping \\; and joining several values of one component', () => {
    const m = auto(['FN', 'N', 'ORG', 'EMAIL;TYPE=WORK']);
    expect(recordToRow(['Dr. Anna Maria Müller', 'Müller;Anna,Maria;;Dr.;', 'Acme\\; Söhne;Vertrieb', 'a@x.de'], m))
      .toStrictEqual({
        full_name: 'Dr. Anna Maria Müller',
        last_name: 'Müller',
        first_name: 'Anna Maria',
        company: 'Acme; Söhne',
        custom_fields: { department: 'Vertrieb' },
        email: 'a@x.de',
      });
  });

  it('takes the first valid value of a " ::: " list and keeps the others, and every other column\'s value', () => {
    const m = auto(['Name', 'E-mail 1 - Value', 'E-mail 2 - Value', 'Phone 1 - Value']);
    expect(
      recordToRow(
        ['Jo', 'not-an-email ::: jo@x.com ::: JO@X.COM', 'jo@home.org', '+49 30 901820 ::: +1 415 555 2671'],
        m,
      ),
    ).toStrictEqual({
      full_name: 'Jo',
      email: 'jo@x.com',
      phone: '+49 30 901820',
      custom_fields: { other_emails: ['not-an-email', 'jo@home.org'], other_phones: ['+1 415 555 2671'] },
    });
  });

  it('uses the first value when none is valid, so the row error names it', () => {
    const m = auto(['Email']);
    expect(recordToRow(['nope ::: nada'], m)).toStrictEqual({
      email: 'nope',
      custom_fields: { other_emails: ['nada'] },
    });
  });

  it('uses a lone value as it is, valid or not, and keeps no others', () => {
    const m = auto(['Email', 'Phone']);
    expect(recordToRow(['nope', '0151 123'], m)).toStrictEqual({ email: 'nope', phone: '0151 123' });
    expect(recordToRow([' Jo@X.com ', '+1 415 555 2671'], m)).toStrictEqual({
      email: 'Jo@X.com',
      phone: '+1 415 555 2671',
    });
  });

  it.each<[string, string[]]>([
    ['* myContacts ::: Kunden ::: * starred', ['Kunden']],
    ['"Newsletter","VIP"', ['Newsletter', 'VIP']],
    ['"A ""quoted"" tag", plain ; other', ['A "quoted" tag', 'plain', 'other']],
    ['VIP;Customer', ['VIP', 'Customer']],
    ['* myContacts', []],
    ['*Star, 5* hotel', ['*Star', '5* hotel']],
  ])('tag cell %j → %j', (cell, tags) => {
    expect(tagList(cell)).toStrictEqual(tags);
  });
});

describe('mapping_used and unmapped_columns', () => {
  it('lists both in column order, an unused unnamed column as ""', () => {
    const m = auto(['Notes', 'Email', '', 'Zeta', 'Alpha', 'Name']);
    expect(m.used).toStrictEqual([
      ['Email', 'email'],
      ['Name', 'full_name'],
    ]);
    expect(m.unmapped).toStrictEqual(['Notes', '', 'Zeta', 'Alpha']);
  });

  it('names unused column numbers without a header', () => {
    const m = resolveMapping(null, 4, { '3': 'email', '1': 'full_name' });
    expect(m.used).toStrictEqual([
      ['1', 'full_name'],
      ['3', 'email'],
    ]);
    expect(m.unmapped).toStrictEqual(['2', '4']);
  });

  it('refuses a mapping that maps no column to an email or a name', () => {
    expect(() => resolveMapping(['Phone', 'Email'], 2, { Phone: 'phone' })).toThrow(
      'the mapping maps no column to email or a name field (full_name, first_name, last_name); the header has 2 columns: "Phone", "Email"',
    );
  });
});

describe('headerRecogniser', () => {
  it('without a mapping, recognises a record naming an email or name column', () => {
    const isHeader = headerRecogniser(undefined);
    expect(isHeader(['Notes:'])).toBe(false);
    expect(
      isHeader(['When exporting your connection data, you may notice that some of the email addresses are missing.']),
    ).toBe(false);
    expect(isHeader(['First Name', 'Last Name', 'URL'])).toBe(true);
    expect(isHeader(['Phone', 'Company'])).toBe(false);
    // Weak words are common cell values ("Contact" as a source, "Name" as a label): not enough.
    expect(isHeader(['Contact', 'Name', 'Mail'])).toBe(false);
    expect(isHeader(['EMAIL;TYPE=WORK'])).toBe(true);
  });

  it('with a mapping, recognises a record naming one of its keys', () => {
    const isHeader = headerRecogniser({ ' Mail ': 'email' });
    expect(isHeader(['Notes:'])).toBe(false);
    expect(isHeader(['Who', 'mail'])).toBe(true);
  });
});

describe('linear in columns and mapping keys (issue 15)', () => {
  const WIDTH = 30_000;
  const header = Array.from({ length: WIDTH }, (_, i) => `column ${i + 1}`);
  // Far above the linear version (milliseconds) and far below the quadratic one (over a minute).
  const BOUND_MS = 10_000;

  function timed<T>(fn: () => T): { value: T; ms: number } {
    const t0 = performance.now();
    const value = fn();
    return { value, ms: performance.now() - t0 };
  }

  it('maps 30,000 mapping keys onto a 30,000-column header', () => {
    const mapping = Object.fromEntries(header.map((h, i) => [h, i === 0 ? 'email' : `custom_fields.c${i}`]));
    const { value: m, ms } = timed(() => resolveMapping(header, WIDTH, mapping));
    expect(ms).toBeLessThan(BOUND_MS);
    expect(m.columns.size).toBe(WIDTH);
    expect(m.columns.get(0)).toBe('email');
    expect(m.columns.get(WIDTH - 1)).toBe(`custom_fields.c${WIDTH - 1}`);
    expect(m.used).toHaveLength(WIDTH);
    expect(m.unmapped).toStrictEqual([]);
  });

  it('refuses 30,000 keys missing from a 30,000-column header with a bounded list of problems', () => {
    const mapping = Object.fromEntries(header.map((h) => [`${h}?`, 'email']));
    const { value: err, ms } = timed(() => {
      try {
        resolveMapping(header, WIDTH, mapping);
      } catch (e) {
        return e as MappingError;
      }
      throw new Error('expected a MappingError');
    });
    expect(ms).toBeLessThan(BOUND_MS);
    expect(err.details).toHaveLength(21);
    expect(err.details[0]).toStrictEqual({
      path: 'mapping.column 1?',
      message: 'mapping key "column 1?" is not a column of the header',
    });
    expect(err.details[20].message).toBe('and 29980 more problems of the same kind');
  });

  it('matches a 30,000-column header with no mapping', () => {
    const withEmail = [...header.slice(0, WIDTH - 1), 'Email'];
    const { value: m, ms } = timed(() => auto(withEmail));
    expect(ms).toBeLessThan(BOUND_MS);
    expect([...m.columns]).toStrictEqual([[WIDTH - 1, 'email']]);
    expect(m.unmapped).toHaveLength(WIDTH - 1);
    const { value: refused, ms: ms2 } = timed(() => {
      try {
        auto(header);
      } catch (e) {
        return e as MappingError;
      }
      throw new Error('expected a MappingError');
    });
    expect(ms2).toBeLessThan(BOUND_MS);
    expect(refused.details[1].message).toMatch(/^the header has 30000 columns: "column 1", .* and 29980 more$/);
  });
});
