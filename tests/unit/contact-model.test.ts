/** @module Pins the contact rules of spec/contract.md "Contact fields" (and the decisions made on top of them) to exact outputs, since imports and POST /v1/contacts both rely on them. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONTACT_FIELDS,
  ContactInputSchema,
  type ContactIssue,
  isValidEmail,
  nameFromEmail,
  normalizeContact,
  type NormalizedContact,
} from '../../shared/contacts/model.ts';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const NOW_ISO = NOW.toISOString();

function ok(input: unknown, opts: { now?: Date; allowUnknownFields?: boolean } = {}): NormalizedContact {
  const result = normalizeContact(input, { now: opts.now ?? NOW, allowUnknownFields: opts.allowUnknownFields });
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issues)}`);
  return result.contact;
}

function issues(input: unknown, opts: { allowUnknownFields?: boolean } = {}): ContactIssue[] {
  const result = normalizeContact(input, { now: NOW, ...opts });
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.contact)}`);
  return result.issues;
}

/** A string without repeats, so a leaked 61-character window is attributable to the input. */
function distinctive(length: number): string {
  let s = '';
  for (let i = 0; s.length < length; i++) s += `${String.fromCharCode(97 + (i % 26))}${i.toString(36)}`;
  return s.slice(0, length);
}

describe('CONTACT_FIELDS', () => {
  it('lists the 13 contract fields in contract order, then the legacy alias', () => {
    expect(CONTACT_FIELDS).toStrictEqual([
      'full_name',
      'first_name',
      'last_name',
      'email',
      'phone',
      'job_title',
      'company',
      'related_company_id',
      'linkedin_url',
      'priority',
      'tags',
      'custom_fields',
      'created_date',
      'company_id',
    ]);
  });
});

describe('normalizeContact: input shape', () => {
  it.each([
    ['null', null, 'a contact must be a JSON object, got null'],
    ['an array', [{ email: 'a@b.co' }], 'a contact must be a JSON object, got an array'],
    ['a string', 'jane@acme.com', 'a contact must be a JSON object, got a string'],
    ['a number', 5, 'a contact must be a JSON object, got a number'],
    ['undefined', undefined, 'a contact must be a JSON object, got undefined'],
    ['a Date', new Date(0), 'a contact must be a JSON object, got an object'],
    ['a class instance', new (class Row {})(), 'a contact must be a JSON object, got an object'],
  ])('rejects %s with one whole-object issue', (_label, input, message) => {
    expect(issues(input)).toStrictEqual([{ path: '', code: 'invalid_field', message }]);
  });

  it('accepts an object without a prototype', () => {
    const row = Object.assign(Object.create(null), { email: 'jane@acme.com' });
    expect(ok(row).email).toBe('jane@acme.com');
  });

  it('reports each unknown field, after the known fields, in input order', () => {
    expect(issues({ foo: 1, full_name: 'Jane', emial: 'jane@acme.com', bar: null })).toStrictEqual([
      { path: 'foo', code: 'invalid_field', message: 'unknown field "foo"' },
      { path: 'emial', code: 'invalid_field', message: 'unknown field "emial"' },
      { path: 'bar', code: 'invalid_field', message: 'unknown field "bar"' },
    ]);
    expect(issues({ foo: 1, email: 'nope' })).toStrictEqual([
      { path: 'email', code: 'invalid_email', message: 'email "nope" is not a valid email address' },
      { path: 'foo', code: 'invalid_field', message: 'unknown field "foo"' },
    ]);
  });

  it('ignores unknown fields when allowUnknownFields is true', () => {
    expect(ok({ foo: 1, full_name: 'Jane', 'Email Address': 'x' }, { allowUnknownFields: true })).toStrictEqual({
      full_name: 'Jane',
      first_name: 'Jane',
      created_date: NOW_ISO,
    });
  });

  it('still reports missing identity when the only fields are unknown', () => {
    expect(issues({ foo: 'Jane' }, { allowUnknownFields: true })).toStrictEqual([
      { path: '', code: 'missing_identity', message: 'a contact needs a name or an email' },
    ]);
  });
});

describe('normalizeContact: absent values', () => {
  it('treats null, undefined and blank strings as absent for every field', () => {
    const contact = ok({
      full_name: 'Jane',
      first_name: '   ',
      last_name: null,
      email: '',
      phone: ' \t ',
      job_title: undefined,
      company: '',
      related_company_id: null,
      company_id: '  ',
      linkedin_url: '',
      priority: ' ',
      tags: '',
      custom_fields: null,
      created_date: '',
    });
    expect(contact).toStrictEqual({ full_name: 'Jane', first_name: 'Jane', created_date: NOW_ISO });
  });

  it('drops keys that normalise to nothing (empty tag lists and empty custom_fields)', () => {
    const contact = ok({ full_name: 'Jane', tags: [' ', ''], custom_fields: {} });
    expect(Object.keys(contact).sort()).toStrictEqual(['created_date', 'first_name', 'full_name']);
  });

  it('never produces keys with undefined values', () => {
    const contact = ok({ first_name: 'Jane' });
    expect(Object.keys(contact).sort()).toStrictEqual(['created_date', 'first_name', 'full_name']);
    expect(Object.values(contact)).not.toContain(undefined);
  });

  it('trims every string field and keeps everything else as given', () => {
    expect(
      ok({
        full_name: '  Jane   Doe ',
        email: ' Jane.Doe@Acme.COM ',
        phone: ' +1 415 555 2671 ',
        job_title: '  Head  of  Sales ',
        company: ' Acme  Inc. ',
        related_company_id: ' cmp_1 ',
        linkedin_url: ' linkedin.com/in/jane ',
        priority: ' High ',
        tags: ' vip ; lead ',
        custom_fields: { source: ' fair ' },
        created_date: ' 2025-06-01T08:30:00Z ',
      }),
    ).toStrictEqual({
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'Jane.Doe@Acme.COM',
      email_normalized: 'jane.doe@acme.com',
      phone: '+14155552671',
      job_title: 'Head  of  Sales',
      company: 'Acme  Inc.',
      related_company_id: 'cmp_1',
      linkedin_url: 'https://linkedin.com/in/jane',
      priority: 1,
      tags: ['vip', 'lead'],
      custom_fields: { source: ' fair ' },
      created_date: '2025-06-01T08:30:00.000Z',
    });
  });
});

describe('normalizeContact: names', () => {
  type Names = Pick<NormalizedContact, 'full_name' | 'first_name' | 'last_name'>;
  it.each<[string, Record<string, unknown>, Names]>([
    ['splits a lone full_name on its last space', { full_name: 'Jane Doe' }, {
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
    }],
    [
      'splits on the LAST whitespace and collapses runs',
      { full_name: '  Jean   Paul\tSartre ' },
      { full_name: 'Jean Paul Sartre', first_name: 'Jean Paul', last_name: 'Sartre' },
    ],
    ['uses a single word as first name', { full_name: 'Cher' }, { full_name: 'Cher', first_name: 'Cher' }],
    ['understands "Last, First"', { full_name: 'Doe, Jane' }, {
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
    }],
    [
      'understands "Last, First" with extra spaces and a compound first name',
      { full_name: ' Sartre ,  Jean   Paul ' },
      { full_name: 'Jean Paul Sartre', first_name: 'Jean Paul', last_name: 'Sartre' },
    ],
    ['keeps a full_name with two commas whole', { full_name: 'Doe, Jane, PhD' }, { full_name: 'Doe, Jane, PhD' }],
    [
      'reads a suffix after the comma as a suffix, not a first name',
      { full_name: 'Frank Fox, Jr.' },
      { full_name: 'Frank Fox, Jr.', first_name: 'Frank', last_name: 'Fox' },
    ],
    ['reads "PhD" after the comma as a suffix', { full_name: 'Ada King, PhD' }, {
      full_name: 'Ada King, PhD',
      first_name: 'Ada',
      last_name: 'King',
    }],
    ['keeps a full_name with an empty side of the comma whole', { full_name: 'Doe,' }, { full_name: 'Doe,' }],
    ['keeps a full_name with an empty last part whole', { full_name: ', Jane' }, { full_name: ', Jane' }],
    ['composes first + last', { first_name: 'Jane', last_name: 'Doe' }, {
      full_name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
    }],
    [
      'composes with collapsed whitespace',
      { first_name: ' Mary  Ann ', last_name: ' van  Dyke ' },
      { full_name: 'Mary Ann van Dyke', first_name: 'Mary Ann', last_name: 'van Dyke' },
    ],
    ['uses first_name alone as full_name', { first_name: 'Jane' }, { full_name: 'Jane', first_name: 'Jane' }],
    ['uses last_name alone as full_name', { last_name: 'Doe' }, { full_name: 'Doe', last_name: 'Doe' }],
    [
      'keeps full_name and first_name exactly as given',
      { full_name: 'J. Doe', first_name: 'Jane' },
      { full_name: 'J. Doe', first_name: 'Jane' },
    ],
    [
      'keeps a "Last, First" full_name as given when a part is given',
      { full_name: 'Doe, Jane', last_name: 'Doe' },
      { full_name: 'Doe, Jane', last_name: 'Doe' },
    ],
    [
      'keeps all three as given even when inconsistent',
      { full_name: 'Bob Smith', first_name: 'Jane', last_name: 'Doe' },
      { full_name: 'Bob Smith', first_name: 'Jane', last_name: 'Doe' },
    ],
    [
      'derives the name from the email when no name is given',
      { email: 'hans.mueller@x.de' },
      { full_name: 'Hans Mueller', first_name: 'Hans', last_name: 'Mueller' },
    ],
    ['does not derive from the email when a name is given', { first_name: 'Jane', email: 'hans.mueller@x.de' }, {
      full_name: 'Jane',
      first_name: 'Jane',
    }],
    ['derives nothing from a numeric local part', { email: '12345@x.de' }, {}],
  ])('%s', (_label, input, expected) => {
    const { full_name, first_name, last_name } = ok(input);
    expect(JSON.parse(JSON.stringify({ full_name, first_name, last_name }))).toStrictEqual(expected);
  });

  it('keeps the email identity when no name can be derived', () => {
    expect(ok({ email: '2024@x.de' })).toStrictEqual({
      email: '2024@x.de',
      email_normalized: '2024@x.de',
      created_date: NOW_ISO,
    });
  });

  it('counts the 200-character limit in code points after collapsing whitespace', () => {
    expect(ok({ full_name: '😀'.repeat(200) }).first_name).toBe('😀'.repeat(200));
    expect(ok({ first_name: `${'a'.repeat(100)}     ${'b'.repeat(99)}` }).first_name).toBe(
      `${'a'.repeat(100)} ${'b'.repeat(99)}`,
    );
    expect(issues({ last_name: '😀'.repeat(201) })).toStrictEqual([
      { path: 'last_name', code: 'invalid_field', message: 'last_name is longer than 200 characters' },
    ]);
  });
});

describe('nameFromEmail', () => {
  it.each([
    ['hans.mueller@x.de', { first_name: 'Hans', last_name: 'Mueller', full_name: 'Hans Mueller' }],
    ['jdoe@x.com', { first_name: 'Jdoe', full_name: 'Jdoe' }],
    ['anna-lena.schmidt+news@x', { first_name: 'Anna Lena', last_name: 'Schmidt', full_name: 'Anna Lena Schmidt' }],
    ['john_doe_2@x.com', { first_name: 'John', last_name: 'Doe', full_name: 'John Doe' }],
    ['2024.info@x.com', { first_name: 'Info', full_name: 'Info' }],
    ['jean..paul@x.com', { first_name: 'Jean', last_name: 'Paul', full_name: 'Jean Paul' }],
    ['mcDonald.o_reilly@x.com', { first_name: 'McDonald O', last_name: 'Reilly', full_name: 'McDonald O Reilly' }],
    ['jane.DOE@x.com', { first_name: 'Jane', last_name: 'DOE', full_name: 'Jane DOE' }],
    ['élodie.dupont@x.fr', { first_name: 'Élodie', last_name: 'Dupont', full_name: 'Élodie Dupont' }],
    ['a1b.c@x.com', { first_name: 'A1b', last_name: 'C', full_name: 'A1b C' }],
    ['  jane.doe@x.com  ', { first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe' }],
    ['jane.doe', { first_name: 'Jane', last_name: 'Doe', full_name: 'Jane Doe' }],
    ['12345@x.com', {}],
    ['1.2-3_4@x.com', {}],
    ['._-@x.com', {}],
    ['+news@x.com', {}],
    ['', {}],
  ])('%s', (email, expected) => {
    expect(nameFromEmail(email)).toStrictEqual(expected);
  });
});

describe('normalizeContact: identity', () => {
  const missing: ContactIssue = { path: '', code: 'missing_identity', message: 'a contact needs a name or an email' };
  it.each<[string, Record<string, unknown>, ContactIssue[]]>([
    ['an empty object', {}, [missing]],
    ['only blank identity fields', { full_name: ' ', email: '', first_name: null }, [missing]],
    ['other fields but no name or email', { job_title: 'CEO', phone: '+1 415 555 2671' }, [missing]],
    [
      'other invalid fields (missing_identity comes first, by field order)',
      { priority: 'urgent', company: 7 },
      [
        missing,
        { path: 'company', code: 'invalid_field', message: 'company must be a string, got a number' },
        { path: 'priority', code: 'invalid_field', message: 'priority must be high, medium, low or 1-3, got "urgent"' },
      ],
    ],
    [
      'an invalid email only (no missing_identity on top)',
      { email: 'jane@' },
      [{ path: 'email', code: 'invalid_email', message: 'email "jane@" is not a valid email address' }],
    ],
    [
      'a wrongly typed name only (no missing_identity on top)',
      { full_name: 42 },
      [{ path: 'full_name', code: 'invalid_field', message: 'full_name must be a string, got a number' }],
    ],
  ])('reports %s', (_label, input, expected) => {
    expect(issues(input)).toStrictEqual(expected);
  });

  it.each([
    ['full_name', { full_name: 'Jane' }],
    ['first_name', { first_name: 'Jane' }],
    ['last_name', { last_name: 'Doe' }],
    ['email', { email: 'info@acme.com' }],
  ])('accepts %s alone as identity', (_label, input) => {
    expect(normalizeContact(input, { now: NOW }).ok).toBe(true);
  });
});

describe('normalizeContact: email', () => {
  const local = 'a'.repeat(64);
  const domain254 = `${'b'.repeat(63)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`; // 189 characters
  it.each([
    ['jane@acme.com', 'jane@acme.com', 'jane@acme.com'],
    ['  Jane.Doe@Acme.COM  ', 'Jane.Doe@Acme.COM', 'jane.doe@acme.com'],
    ['jane+crm@sub.acme.co.uk', 'jane+crm@sub.acme.co.uk', 'jane+crm@sub.acme.co.uk'],
    [`${local}@${domain254}`, `${local}@${domain254}`, `${local}@${domain254}`],
  ])('accepts %j', (input, email, normalized) => {
    const contact = ok({ email: input });
    expect([contact.email, contact.email_normalized]).toStrictEqual([email, normalized]);
  });

  it.each([
    ['jane@', 'email "jane@" is not a valid email address'],
    ['jane', 'email "jane" is not a valid email address'],
    ['@acme.com', 'email "@acme.com" is not a valid email address'],
    ['jane@acme', 'email "jane@acme" is not a valid email address'],
    ['jane doe@acme.com', 'email "jane doe@acme.com" is not a valid email address'],
    ['jane@@acme.com', 'email "jane@@acme.com" is not a valid email address'],
    ['"jane"@acme.com', 'email "\\"jane\\"@acme.com" is not a valid email address'],
    [`${local}@${domain254}x`, 'email is longer than 254 characters'],
  ])('rejects %j', (input, message) => {
    expect(issues({ full_name: 'Jane', email: input })).toStrictEqual([{
      path: 'email',
      code: 'invalid_email',
      message,
    }]);
  });

  it('checks the 254 limit on the test address itself', () => {
    expect(`${local}@${domain254}`).toHaveLength(254);
  });

  it("agrees with zod's email format on every address tried", () => {
    const format = z.email();
    // Every string of up to four characters from an alphabet of the pattern's classes and edges, in
    // each of a few frames, plus the cases above.
    const alphabet = ['a', 'Z', '0', '_', "'", '+', '-', '.', '@', ' ', 'é', '"'];
    const cores = [''];
    for (let n = 0; n < 4; n++) for (const c of cores.slice()) for (const a of alphabet) cores.push(c + a);
    const frames = [
      (c: string) => c,
      (c: string) => `${c}@x.co`,
      (c: string) => `j${c}@ac.me`,
      (c: string) => `j@a${c}.io`,
    ];
    const tried = [...new Set(frames.flatMap((f) => cores.map(f)))];
    tried.push('jane+crm@sub.acme.co.uk', `${local}@${domain254}`, 'jane@@acme.com', 'x@y.z');
    const differ = tried.filter((s) => isValidEmail(s) !== format.safeParse(s).success);
    expect(differ).toStrictEqual([]);
    expect(tried.filter(isValidEmail).length).toBeGreaterThan(1000);
  });
});

describe('normalizeContact: phone', () => {
  it.each([
    ['+1 415 555 2671', '+14155552671'],
    ['0049 30 901820', '+4930901820'],
    ['+1 (415) 555-2671', '+14155552671'],
    ['+1.415.555.2671', '+14155552671'],
    ['+14155552671', '+14155552671'],
    ['+44 20 7183 8750', '+442071838750'],
    ['(+49) 30/901820', '+4930901820'],
    ['00 49 171 1234567', '+491711234567'],
    [`+1${' '.repeat(38)}4155552671`, '+14155552671'], // exactly 50 characters
  ])('normalises %j to E.164', (input, e164) => {
    expect(ok({ full_name: 'Jane', phone: input }).phone).toBe(e164);
  });

  it.each<[string, unknown, string]>([
    ['no country code', '555-1234', 'phone "555-1234" needs a country code (+ or 00)'],
    ['a national number', '030 901820', 'phone "030 901820" needs a country code (+ or 00)'],
    ['a single leading 0', '049 30 901820', 'phone "049 30 901820" needs a country code (+ or 00)'],
    ['too short', '+1 123', 'phone "+1 123" is not a valid phone number'],
    ['an unknown country code', '+999 123 456 789', 'phone "+999 123 456 789" is not a valid phone number'],
    [
      'an extension',
      '+1 415 555 2671 ext. 5',
      'phone "+1 415 555 2671 ext. 5" may only contain digits, spaces and + - . ( ) /',
    ],
    ['letters', '+49 30 CALLME', 'phone "+49 30 CALLME" may only contain digits, spaces and + - . ( ) /'],
    [
      'two numbers',
      '+14155552671, +14155552672',
      'phone "+14155552671, +14155552672" may only contain digits, spaces and + - . ( ) /',
    ],
    ['a second plus', '++14155552671', 'phone "++14155552671" may only contain digits, spaces and + - . ( ) /'],
    ['51 characters', `+1${' '.repeat(39)}4155552671`, 'phone is longer than 50 characters'],
    ['a number', 14155552671, 'phone must be a string with a country code (+ or 00), got a number'],
    ['an object', { number: '+14155552671' }, 'phone must be a string with a country code (+ or 00), got an object'],
    ['a boolean', true, 'phone must be a string with a country code (+ or 00), got a boolean'],
  ])('rejects %s', (_label, input, message) => {
    expect(issues({ full_name: 'Jane', phone: input })).toStrictEqual([{
      path: 'phone',
      code: 'invalid_phone',
      message,
    }]);
  });
});

describe('normalizeContact: priority', () => {
  it.each<[unknown, number]>([
    ['high', 1],
    ['medium', 2],
    ['low', 3],
    [' HIGH ', 1],
    ['Medium', 2],
    ['LoW', 3],
    ['Normal', 2],
    [1, 1],
    [2, 2],
    [3, 3],
    [2.0, 2],
    ['1', 1],
    [' 3 ', 3],
  ])('maps %j to %d', (input, expected) => {
    expect(ok({ full_name: 'Jane', priority: input }).priority).toBe(expected);
  });

  it.each<[unknown, string]>([
    [0, 'priority must be high, medium, low or 1-3, got 0'],
    [4, 'priority must be high, medium, low or 1-3, got 4'],
    [1.5, 'priority must be high, medium, low or 1-3, got 1.5'],
    [-1, 'priority must be high, medium, low or 1-3, got -1'],
    ['4', 'priority must be high, medium, low or 1-3, got "4"'],
    ['1.0', 'priority must be high, medium, low or 1-3, got "1.0"'],
    ['urgent', 'priority must be high, medium, low or 1-3, got "urgent"'],
    [' critical ', 'priority must be high, medium, low or 1-3, got "critical"'],
    ['highest', 'priority must be high, medium, low or 1-3, got "highest"'],
    ['constructor', 'priority must be high, medium, low or 1-3, got "constructor"'],
    [true, 'priority must be high, medium, low or 1-3, got a boolean'],
    [['high'], 'priority must be high, medium, low or 1-3, got an array'],
  ])('rejects %j', (input, message) => {
    expect(issues({ full_name: 'Jane', priority: input })).toStrictEqual([{
      path: 'priority',
      code: 'invalid_field',
      message,
    }]);
  });
});

describe('normalizeContact: tags', () => {
  const distinctTags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i}`);
  it.each<[string, unknown, string[] | undefined]>([
    ['a comma-separated string', 'vip,lead, partner', ['vip', 'lead', 'partner']],
    ['a semicolon-separated string', 'vip; lead;partner', ['vip', 'lead', 'partner']],
    ['a mixed-separator string', 'vip, lead; partner', ['vip', 'lead', 'partner']],
    ['an array', [' vip ', 'lead'], ['vip', 'lead']],
    ['empties dropped', ['vip', '', '  ', 'lead'], ['vip', 'lead']],
    ['empty parts of a string dropped', ',vip,,;lead;', ['vip', 'lead']],
    ['case-insensitive duplicates, first spelling kept', ['VIP', 'lead', 'vip', 'Vip', 'LEAD'], ['VIP', 'lead']],
    ['duplicates in a string', 'Lead, lead ;LEAD', ['Lead']],
    ['inner spaces kept', ['trade  fair'], ['trade  fair']],
    ['only separators: absent', ' , ; ', undefined],
    ['an empty array: absent', [], undefined],
    ['exactly 50 tags', distinctTags(50), distinctTags(50)],
    [
      '60 entries that dedupe to 50',
      [...distinctTags(50), ...distinctTags(10).map((t) => t.toUpperCase())],
      distinctTags(50),
    ],
    ['a 100-character tag', ['x'.repeat(100)], ['x'.repeat(100)]],
  ])('accepts %s', (_label, input, expected) => {
    expect(ok({ full_name: 'Jane', tags: input }).tags).toStrictEqual(expected);
  });

  it.each<[string, unknown, ContactIssue[]]>([
    ['51 tags', distinctTags(51), [{
      path: 'tags',
      code: 'invalid_field',
      message: 'tags has 51 entries; at most 50 are allowed',
    }]],
    ['51 tags in a string', distinctTags(51).join(';'), [{
      path: 'tags',
      code: 'invalid_field',
      message: 'tags has 51 entries; at most 50 are allowed',
    }]],
    ['a 101-character tag', ['ok', 'x'.repeat(101)], [{
      path: 'tags.1',
      code: 'invalid_field',
      message: 'tags.1 is longer than 100 characters',
    }]],
    ['a 101-character tag in a string', `ok, ${'x'.repeat(101)}`, [{
      path: 'tags.1',
      code: 'invalid_field',
      message: 'tags.1 is longer than 100 characters',
    }]],
    [
      'non-string items, each by index',
      ['vip', 3, null, { name: 'x' }],
      [
        { path: 'tags.1', code: 'invalid_field', message: 'tags.1 must be a string, got a number' },
        { path: 'tags.2', code: 'invalid_field', message: 'tags.2 must be a string, got null' },
        { path: 'tags.3', code: 'invalid_field', message: 'tags.3 must be a string, got an object' },
      ],
    ],
    ['a number', 5, [{
      path: 'tags',
      code: 'invalid_field',
      message: 'tags must be an array of strings or a comma-separated string, got a number',
    }]],
    ['an object', { vip: true }, [{
      path: 'tags',
      code: 'invalid_field',
      message: 'tags must be an array of strings or a comma-separated string, got an object',
    }]],
  ])('rejects %s', (_label, input, expected) => {
    expect(issues({ full_name: 'Jane', tags: input })).toStrictEqual(expected);
  });
});

describe('normalizeContact: custom_fields', () => {
  // {"k":"…"} is 8 bytes of JSON around the value.
  const ofBytes = (n: number, char = 'x', charBytes = 1) => ({ k: char.repeat((n - 8) / charBytes) });

  it.each([
    ['exactly 16384 bytes', ofBytes(16384)],
    ['exactly 16384 bytes of 2-byte characters', ofBytes(16384, 'é', 2)],
    ['nested values', { a: { b: [1, 'two', null, true] }, 'key with space': 1.5 }],
  ])('accepts %s unchanged', (_label, input) => {
    expect(ok({ full_name: 'Jane', custom_fields: input }).custom_fields).toStrictEqual(input);
  });

  it('measures the fixtures as intended', () => {
    expect(new TextEncoder().encode(JSON.stringify(ofBytes(16384, 'é', 2))).length).toBe(16384);
    expect(new TextEncoder().encode(JSON.stringify(ofBytes(16385))).length).toBe(16385);
  });

  it("returns a JSON copy: undefined values dropped, dates as strings, not the caller's object", () => {
    const input = { a: undefined, when: new Date('2025-01-02T03:04:05.000Z'), n: 1 };
    const out = ok({ full_name: 'Jane', custom_fields: input }).custom_fields;
    expect(out).toStrictEqual({ when: '2025-01-02T03:04:05.000Z', n: 1 });
    expect(out).not.toBe(input);
  });

  it.each<[string, unknown, string]>([
    ['16385 bytes', ofBytes(16385), 'custom_fields is 16385 bytes as JSON; at most 16384 are allowed'],
    [
      '16386 bytes of 2-byte characters',
      ofBytes(16386, 'é', 2),
      'custom_fields is 16386 bytes as JSON; at most 16384 are allowed',
    ],
    ['an array', [{ a: 1 }], 'custom_fields must be a JSON object, got an array'],
    ['a string', '{"a":1}', 'custom_fields must be a JSON object, got a string'],
    ['a number', 1, 'custom_fields must be a JSON object, got a number'],
    ['a bigint inside', { n: 1n }, 'custom_fields must be serialisable as JSON'],
  ])('rejects %s', (_label, input, message) => {
    expect(issues({ full_name: 'Jane', custom_fields: input })).toStrictEqual([{
      path: 'custom_fields',
      code: 'invalid_field',
      message,
    }]);
  });
});

describe('normalizeContact: related_company_id and company_id', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a string, trimmed', { related_company_id: ' cmp_1 ' }, 'cmp_1'],
    ['a number, as a string', { related_company_id: 12345 }, '12345'],
    ['zero', { related_company_id: 0 }, '0'],
    ['the legacy alias', { company_id: 'legacy_7' }, 'legacy_7'],
    ['the legacy alias as a number', { company_id: 7 }, '7'],
    ['the current name over the alias', { related_company_id: 'new', company_id: 'old' }, 'new'],
    ['the current name, ignoring an invalid alias', { related_company_id: 'new', company_id: { x: 1 } }, 'new'],
    ['the alias when the current name is blank', { related_company_id: '  ', company_id: 'old' }, 'old'],
    ['exactly 100 characters', { related_company_id: 'r'.repeat(100) }, 'r'.repeat(100)],
  ])('accepts %s', (_label, input, expected) => {
    const contact = ok({ full_name: 'Jane', ...input });
    expect(contact.related_company_id).toBe(expected);
    expect(Object.keys(contact)).not.toContain('company_id');
  });

  it.each<[string, Record<string, unknown>, ContactIssue]>([
    ['101 characters', { related_company_id: 'r'.repeat(101) }, {
      path: 'related_company_id',
      code: 'invalid_field',
      message: 'related_company_id is longer than 100 characters',
    }],
    ['a boolean', { related_company_id: true }, {
      path: 'related_company_id',
      code: 'invalid_field',
      message: 'related_company_id must be a string or a number, got a boolean',
    }],
    ['an object', { related_company_id: { id: 1 } }, {
      path: 'related_company_id',
      code: 'invalid_field',
      message: 'related_company_id must be a string or a number, got an object',
    }],
    ['an invalid alias alone', { company_id: ['c'] }, {
      path: 'company_id',
      code: 'invalid_field',
      message: 'company_id must be a string or a number, got an array',
    }],
    ['an over-long alias alone', { company_id: 'c'.repeat(101) }, {
      path: 'company_id',
      code: 'invalid_field',
      message: 'company_id is longer than 100 characters',
    }],
    ['an invalid current name, even with a valid alias', { related_company_id: false, company_id: 'old' }, {
      path: 'related_company_id',
      code: 'invalid_field',
      message: 'related_company_id must be a string or a number, got a boolean',
    }],
  ])('rejects %s', (_label, input, expected) => {
    expect(issues({ full_name: 'Jane', ...input })).toStrictEqual([expected]);
  });
});

describe('normalizeContact: linkedin_url', () => {
  it.each([
    ['linkedin.com/in/jane', 'https://linkedin.com/in/jane'],
    ['www.linkedin.com/in/jane/', 'https://www.linkedin.com/in/jane/'],
    ['https://www.linkedin.com/in/jane', 'https://www.linkedin.com/in/jane'],
    ['http://linkedin.com/in/jane', 'http://linkedin.com/in/jane'],
    ['HTTPS://LinkedIn.com/in/Jane', 'https://linkedin.com/in/Jane'],
    ['linkedin.com', 'https://linkedin.com/'],
    ['linkedin.com:443/in/jane', 'https://linkedin.com/in/jane'],
    ['linkedin.com/in/jane doe', 'https://linkedin.com/in/jane%20doe'],
  ])('accepts %j as %j', (input, expected) => {
    expect(ok({ full_name: 'Jane', linkedin_url: input }).linkedin_url).toBe(expected);
  });

  it.each([
    'ftp://linkedin.com/in/jane',
    'mailto:jane@linkedin.com',
    'javascript:alert(1)',
    'localhost/in/jane',
    'https://user:pw@linkedin.com/in/jane',
    'jane doe',
    'https://',
    'linkedin',
  ])('rejects %j', (input) => {
    expect(issues({ full_name: 'Jane', linkedin_url: input })).toStrictEqual([
      {
        path: 'linkedin_url',
        code: 'invalid_field',
        message: `linkedin_url ${JSON.stringify(input)} is not an http(s) URL`,
      },
    ]);
  });

  it('enforces 500 characters on the trimmed input', () => {
    const url500 = `https://linkedin.com/in/${'j'.repeat(476)}`;
    expect(ok({ full_name: 'Jane', linkedin_url: ` ${url500} ` }).linkedin_url).toBe(url500);
    expect(issues({ full_name: 'Jane', linkedin_url: `${url500}j` })).toStrictEqual([
      { path: 'linkedin_url', code: 'invalid_field', message: 'linkedin_url is longer than 500 characters' },
    ]);
  });

  it('enforces 500 characters on the stored form too', () => {
    const bare = `linkedin.com/in/${'j'.repeat(484)}`; // 500 given, 508 once https:// is added
    expect(issues({ full_name: 'Jane', linkedin_url: bare })).toStrictEqual([
      { path: 'linkedin_url', code: 'invalid_field', message: 'linkedin_url is longer than 500 characters' },
    ]);
  });
});

describe('normalizeContact: created_date', () => {
  // NOW is 2025-06-15T12:00:00.000Z: the window is [2020-06-15T12:00:00.000Z, 2025-06-16T12:00:00.000Z].
  it.each<[string, unknown, string]>([
    ['a date-time in Z', '2025-06-01T08:30:00Z', '2025-06-01T08:30:00.000Z'],
    ['a date-time with a fraction', '2025-06-01T08:30:00.123Z', '2025-06-01T08:30:00.123Z'],
    ['a date-time with a long fraction (truncated to ms)', '2025-06-01T08:30:00.123999Z', '2025-06-01T08:30:00.123Z'],
    ['a date-time with an offset', '2025-06-01T10:30:00+02:00', '2025-06-01T08:30:00.000Z'],
    ['a date-time with a negative offset', '2025-06-01T03:30:00-05:00', '2025-06-01T08:30:00.000Z'],
    ['a date-time with a compact offset', '2025-06-01T10:30:00+0200', '2025-06-01T08:30:00.000Z'],
    ['a date-time without seconds', '2025-06-01T08:30Z', '2025-06-01T08:30:00.000Z'],
    ['a date-time without an offset (read as UTC)', '2025-06-01T08:30:00', '2025-06-01T08:30:00.000Z'],
    ['a space separator', '2025-06-01 08:30:00Z', '2025-06-01T08:30:00.000Z'],
    ['lower-case t and z', '2025-06-01t08:30:00z', '2025-06-01T08:30:00.000Z'],
    ['a date', '2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['a padded date', ' 2024-03-01 ', '2024-03-01T00:00:00.000Z'],
    ['exactly 5 years back', '2020-06-15T12:00:00.000Z', '2020-06-15T12:00:00.000Z'],
    ['exactly 24 hours ahead', '2025-06-16T12:00:00.000Z', '2025-06-16T12:00:00.000Z'],
    ['exactly 24 hours ahead, by offset', '2025-06-16T14:00:00+02:00', '2025-06-16T12:00:00.000Z'],
    ['1 ms past 5 years back', '2020-06-15T11:59:59.999Z', NOW_ISO],
    ['1 ms past 24 hours ahead', '2025-06-16T12:00:00.001Z', NOW_ISO],
    ['past the window by offset', '2025-06-16T14:00:00.001+02:00', NOW_ISO],
    ['a date 5 years back (midnight is before the window)', '2020-06-15', NOW_ISO],
    ['an impossible day', '2024-02-30', NOW_ISO],
    ['29 February of a common year', '2023-02-29', NOW_ISO],
    ['31 April', '2025-04-31', NOW_ISO],
    ['30 April', '2025-04-30', '2025-04-30T00:00:00.000Z'],
    ['31 May', '2025-05-31', '2025-05-31T00:00:00.000Z'],
    ['month 13', '2025-13-01', NOW_ISO],
    ['hour 24', '2025-06-01T24:00:00Z', NOW_ISO],
    ['a leap second', '2025-06-01T23:59:60Z', NOW_ISO],
    ['a bad offset', '2025-06-01T08:30:00+25:00', NOW_ISO],
    ['a slashed date', '2025/06/01', NOW_ISO],
    ['a US date', '06/01/2025', NOW_ISO],
    ['an RFC 2822 date', 'Sun, 01 Jun 2025 08:30:00 GMT', NOW_ISO],
    ['a word', 'yesterday', NOW_ISO],
    ['far future', '2999-01-01', NOW_ISO],
    ['an epoch number', Date.parse('2025-06-01T00:00:00Z'), NOW_ISO],
    ['a boolean', true, NOW_ISO],
    ['an object', { date: '2025-06-01' }, NOW_ISO],
    ['absent', undefined, NOW_ISO],
  ])('%s → %s', (_label, input, expected) => {
    expect(ok({ full_name: 'Jane', created_date: input }).created_date).toBe(expected);
  });

  it('uses calendar years for the 5-year bound (29 February minus 5 years is 1 March)', () => {
    const leapNow = new Date('2024-02-29T12:00:00.000Z');
    expect(ok({ full_name: 'Jane', created_date: '2019-03-01T12:00:00Z' }, { now: leapNow }).created_date).toBe(
      '2019-03-01T12:00:00.000Z',
    );
    expect(ok({ full_name: 'Jane', created_date: '2019-03-01T11:59:59Z' }, { now: leapNow }).created_date).toBe(
      leapNow.toISOString(),
    );
  });
});

describe('normalizeContact: maximum lengths', () => {
  it.each<[string, number]>([
    ['full_name', 200],
    ['first_name', 200],
    ['last_name', 200],
    ['job_title', 200],
    ['company', 200],
  ])('%s allows %d characters and rejects one more', (field, max) => {
    expect(ok({ email: 'jane@acme.com', [field]: ` ${'x'.repeat(max)} ` })[field as keyof NormalizedContact]).toBe(
      'x'.repeat(max),
    );
    expect(issues({ email: 'jane@acme.com', [field]: 'x'.repeat(max + 1) })).toStrictEqual([
      { path: field, code: 'invalid_field', message: `${field} is longer than ${max} characters` },
    ]);
  });
});

describe('normalizeContact: wrong types', () => {
  it.each<[string, unknown, ContactIssue['code'], string]>([
    ['full_name', 5, 'invalid_field', 'full_name must be a string, got a number'],
    ['first_name', true, 'invalid_field', 'first_name must be a string, got a boolean'],
    ['last_name', ['Doe'], 'invalid_field', 'last_name must be a string, got an array'],
    ['email', 5, 'invalid_email', 'email must be a string, got a number'],
    ['email', ['jane@acme.com'], 'invalid_email', 'email must be a string, got an array'],
    ['job_title', 42, 'invalid_field', 'job_title must be a string, got a number'],
    ['company', { name: 'Acme' }, 'invalid_field', 'company must be a string, got an object'],
    ['linkedin_url', 1, 'invalid_field', 'linkedin_url must be a string, got a number'],
  ])('%s: %j', (field, value, code, message) => {
    const base = field === 'email' ? { full_name: 'Jane' } : { email: 'jane@acme.com' };
    expect(issues({ ...base, [field]: value })).toStrictEqual([{ path: field, code, message }]);
  });
});

describe('normalizeContact: collecting issues', () => {
  it('reports every issue, ordered by field, unknown fields last', () => {
    expect(
      issues({
        foo: 1,
        tags: ['ok', 2],
        priority: 'x',
        linkedin_url: 'nope',
        phone: '123',
        company: 1,
        email: 'bad',
        full_name: 5,
        created_date: 'whenever',
      }).map((i) => [i.path, i.code]),
    ).toStrictEqual([
      ['full_name', 'invalid_field'],
      ['email', 'invalid_email'],
      ['phone', 'invalid_phone'],
      ['company', 'invalid_field'],
      ['linkedin_url', 'invalid_field'],
      ['priority', 'invalid_field'],
      ['tags.1', 'invalid_field'],
      ['foo', 'invalid_field'],
    ]);
  });
});

describe('normalizeContact: messages never echo more than 60 characters of input', () => {
  const long = distinctive(400);
  it.each<[string, Record<string, unknown>]>([
    ['an invalid email', { full_name: 'Jane', email: `${distinctive(240)}@` }],
    ['an over-long email', { full_name: 'Jane', email: `${long}@acme.com` }],
    ['an invalid phone', { full_name: 'Jane', phone: `0${'9'.repeat(48)}` }],
    ['an over-long phone', { full_name: 'Jane', phone: `+1${long}` }],
    ['an invalid linkedin_url', { full_name: 'Jane', linkedin_url: `mailto:${distinctive(300)}` }],
    ['an unknown priority', { full_name: 'Jane', priority: long }],
    ['an unknown field', { full_name: 'Jane', [long]: 1 }],
    ['an over-long name', { full_name: long }],
    ['an over-long tag', { full_name: 'Jane', tags: [long] }],
  ])('%s', (_label, input) => {
    const found = issues(input);
    expect(found.length).toBeGreaterThan(0);
    const inputs = [...Object.keys(input), ...Object.values(input).flat()].filter((v): v is string =>
      typeof v === 'string'
    );
    for (const issue of found) {
      for (const value of inputs) {
        for (let i = 0; i + 61 <= value.length; i++) {
          expect(issue.message).not.toContain(value.slice(i, i + 61));
          expect(issue.path).not.toContain(value.slice(i, i + 61));
        }
      }
    }
  });

  it('shows the first 50 characters with an ellipsis', () => {
    const email = `${distinctive(100)}@`;
    expect(issues({ email })).toStrictEqual([
      { path: 'email', code: 'invalid_email', message: `email "${email.slice(0, 50)}…" is not a valid email address` },
    ]);
    expect(issues({ full_name: 'Jane', [long]: 1 })).toStrictEqual([
      { path: `${long.slice(0, 50)}…`, code: 'invalid_field', message: `unknown field "${long.slice(0, 50)}…"` },
    ]);
  });
});

describe('ContactInputSchema', () => {
  it('accepts a full valid body, including a number priority and a legacy company_id', () => {
    const body = {
      full_name: 'Jane Doe',
      email: 'jane@acme.com',
      phone: '+1 415 555 2671',
      priority: 2,
      tags: ['vip'],
      custom_fields: { a: 1 },
      company_id: 7,
      created_date: 'not a date',
    };
    expect(ContactInputSchema.safeParse(body)).toStrictEqual({ success: true, data: body });
  });

  it('accepts nulls everywhere as long as there is an identity', () => {
    const body = Object.fromEntries(CONTACT_FIELDS.map((f) => [f, null]));
    expect(ContactInputSchema.safeParse({ ...body, email: 'jane@acme.com' }).success).toBe(true);
  });

  it.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['a non-object', [], [{ path: [], message: 'a contact must be a JSON object, got an array' }]],
    ['an unknown key', { full_name: 'Jane', foo: 1 }, [{ path: [], message: 'unknown field "foo"' }]],
    ['a wrong type', { full_name: 'Jane', phone: 14155552671 }, [{
      path: ['phone'],
      message: 'phone must be a string with a country code (+ or 00), got a number',
    }]],
    ['an invalid email', { email: 'jane@' }, [{
      path: ['email'],
      message: 'email "jane@" is not a valid email address',
    }]],
    ['no identity', { job_title: 'CEO' }, [{ path: [], message: 'a contact needs a name or an email' }]],
    ['a bad tag item', { full_name: 'Jane', tags: ['a', 2] }, [{
      path: ['tags', 1],
      message: 'tags.1 must be a string, got a number',
    }]],
    ['an over-long company', { full_name: 'Jane', company: 'c'.repeat(201) }, [{
      path: ['company'],
      message: 'company is longer than 200 characters',
    }]],
  ])('rejects %s with the same message as normalizeContact', (_label, body, expected) => {
    const result = ContactInputSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toStrictEqual(expected);
  });

  it('carries the row error code on content issues', () => {
    const result = ContactInputSchema.safeParse({ full_name: 'Jane', phone: '555-1234' });
    expect(result.error?.issues).toMatchObject([{
      code: 'custom',
      path: ['phone'],
      params: { code: 'invalid_phone' },
    }]);
  });

  it('reports only the type error when a field has the wrong type', () => {
    const result = ContactInputSchema.safeParse({ email: 5, tags: [1] });
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toStrictEqual([
      { path: ['email'], message: 'email must be a string, got a number' },
    ]);
  });

  it('does not report an unknown key twice', () => {
    const result = ContactInputSchema.safeParse({ email: 'nope', foo: 1 });
    expect(result.error?.issues.map((i) => i.message)).toStrictEqual([
      'unknown field "foo"',
      'email "nope" is not a valid email address',
    ]);
  });
});
