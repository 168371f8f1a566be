/** @module One definition of what a contact is, so that JSON rows, CSV records and POST /v1/contacts are validated and normalised identically before they reach the database. */
import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** The fields of spec/contract.md "Contact fields", plus the legacy alias `company_id` (kept last: it only ever stands in for `related_company_id`). */
export const CONTACT_FIELDS: readonly string[] = Object.freeze([
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

export type ContactField =
  | 'full_name'
  | 'first_name'
  | 'last_name'
  | 'email'
  | 'phone'
  | 'job_title'
  | 'company'
  | 'related_company_id'
  | 'linkedin_url'
  | 'priority'
  | 'tags'
  | 'custom_fields'
  | 'created_date';

/** What the database gets. Absent keys mean "not supplied" so that updates can keep existing values; never null. */
export interface NormalizedContact {
  full_name?: string;
  first_name?: string;
  last_name?: string;
  /** Trimmed, case kept as given. */
  email?: string;
  /** Trimmed and lower-cased; the matching key. */
  email_normalized?: string;
  /** E.164. */
  phone?: string;
  job_title?: string;
  company?: string;
  related_company_id?: string;
  linkedin_url?: string;
  /** 1 (high) .. 3 (low). */
  priority?: number;
  tags?: string[];
  custom_fields?: Record<string, unknown>;
  /** ISO 8601 UTC; always set. */
  created_date: string;
}

export type RowErrorCode = 'missing_identity' | 'invalid_email' | 'invalid_phone' | 'invalid_field';

export interface ContactIssue {
  path: string;
  message: string;
  code: RowErrorCode;
}

export type NormalizeResult = { ok: true; contact: NormalizedContact } | { ok: false; issues: ContactIssue[] };

// Lengths are counted in Unicode code points, as PostgreSQL's char_length does.
const MAX = {
  name: 200,
  email: 254,
  phone: 50,
  job_title: 200,
  company: 200,
  related_company_id: 100,
  linkedin_url: 500,
  tag: 100,
  tags: 50,
  custom_fields_bytes: 16384,
} as const;

// Messages quote user input so people can find the bad cell, but a long value must not be echoed
// back whole (it bloats error lists and can leak pasted data); 50 code points plus an ellipsis.
const PREVIEW_CODE_POINTS = 50;

const NAME_FIELDS = ['full_name', 'first_name', 'last_name'] as const;
const IDENTITY_FIELDS = new Set<string>([...NAME_FIELDS, 'email']);

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function truncate(s: string): string {
  const cps = Array.from(s);
  return cps.length > PREVIEW_CODE_POINTS ? cps.slice(0, PREVIEW_CODE_POINTS).join('') + '…' : s;
}

function quote(s: string): string {
  return JSON.stringify(truncate(s));
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isAbsent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

const msg = {
  notString: (field: string, v: unknown) => `${field} must be a string, got ${kindOf(v)}`,
  tooLong: (field: string, max: number) => `${field} is longer than ${max} characters`,
  phoneType: (v: unknown) => `phone must be a string with a country code (+ or 00), got ${kindOf(v)}`,
  idType: (field: string, v: unknown) => `${field} must be a string or a number, got ${kindOf(v)}`,
  priority: (v: unknown) =>
    `priority must be high, medium, low or 1-3, got ${
      typeof v === 'string' ? quote(v.trim()) : typeof v === 'number' ? String(v) : kindOf(v)
    }`,
  tagsType: (v: unknown) => `tags must be an array of strings or a comma-separated string, got ${kindOf(v)}`,
  customFieldsType: (v: unknown) => `custom_fields must be a JSON object, got ${kindOf(v)}`,
  notObject: (v: unknown) => `a contact must be a JSON object, got ${kindOf(v)}`,
  unknownField: (key: string) => `unknown field ${quote(key)}`,
  missingIdentity: 'a contact needs a name or an email',
};

/** Derives a display name from an email's local part, for contacts that arrive with an email only. */
export function nameFromEmail(email: string): { first_name?: string; last_name?: string; full_name?: string } {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  const local = (at === -1 ? trimmed : trimmed.slice(0, at)).split('+')[0];
  // Numeric fragments are years, counters or employee numbers, never part of a name.
  const parts = local
    .split(/[._-]/)
    .filter((p) => p !== '' && !/^\d+$/.test(p))
    .map(capitalise);
  if (parts.length === 0) return {};
  if (parts.length === 1) return { first_name: parts[0], full_name: parts[0] };
  const last = parts[parts.length - 1];
  const first = parts.slice(0, -1).join(' ');
  return { first_name: first, last_name: last, full_name: `${first} ${last}` };
}

function capitalise(part: string): string {
  const head = String.fromCodePoint(part.codePointAt(0)!);
  return head.toUpperCase() + part.slice(head.length);
}

// The zod validator is only consulted for its verdict so that "valid email" means the same thing
// here as anywhere else zod is used in the project.
const emailFormat = z.email();

/** Whether a trimmed string is an email address this model accepts (CSV multi-value cells pick the first such value). */
export function isValidEmail(s: string): boolean {
  return emailFormat.safeParse(s).success;
}

/** Whether a trimmed string is a phone number this model accepts. */
export function isValidPhone(s: string): boolean {
  return normalisePhone(s).ok;
}

// Characters people use to format phone numbers; anything else (letters, "ext.", a second number)
// would be silently dropped by libphonenumber, so it is refused instead.
const PHONE_FORMATTING = /[\s\-.()/]/g;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Epoch milliseconds of a strict ISO 8601 date or date-time, or undefined when it is not a real instant. A date-time without an offset is read as UTC, like a bare date. */
function parseIsoInstant(s: string): number | undefined {
  const m = ISO_8601.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, because Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  return date.getTime() - offsetMinutes * 60_000;
}

function normaliseCreatedDate(v: unknown, now: Date): string {
  if (typeof v === 'string') {
    const t = parseIsoInstant(v.trim());
    if (t !== undefined) {
      const earliest = new Date(now.getTime());
      earliest.setUTCFullYear(earliest.getUTCFullYear() - 5);
      const latest = now.getTime() + 24 * 60 * 60 * 1000;
      if (t >= earliest.getTime() && t <= latest) return new Date(t).toISOString();
    }
  }
  // The contract treats an unusable created_date as "now", not as a reason to lose the row.
  return now.toISOString();
}

function normaliseUrl(raw: string): string | undefined {
  let candidate = raw;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    // "mailto:", "javascript:" and friends are schemes, not hosts; "host:443" is a port.
    if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(raw)) return undefined;
    candidate = `https://${raw}`;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // Credentials in a profile link are either a mistake or a phishing trick.
  if (url.username !== '' || url.password !== '') return undefined;
  if (!url.hostname.includes('.')) return undefined;
  return url.href;
}

interface RankedIssue extends ContactIssue {
  rank: number;
}

/**
 * Validates and normalises one contact. Every problem found is reported, ordered by
 * field (CONTACT_FIELDS order, unknown fields last), so `issues[0]` is the one to show first.
 */
export function normalizeContact(input: unknown, opts: { now: Date; allowUnknownFields?: boolean }): NormalizeResult {
  if (!isPlainObject(input)) {
    return { ok: false, issues: [{ path: '', code: 'invalid_field', message: msg.notObject(input) }] };
  }

  const issues: RankedIssue[] = [];
  const rankOf = (field: string) => CONTACT_FIELDS.indexOf(field);
  const fail = (field: string, path: string, code: RowErrorCode, message: string) => {
    issues.push({ path, code, message, rank: rankOf(field) });
  };
  const get = (key: string): unknown => (Object.hasOwn(input, key) ? input[key] : undefined);

  if (!opts.allowUnknownFields) {
    let i = 0;
    for (const key of Object.keys(input)) {
      if (CONTACT_FIELDS.includes(key)) continue;
      // The path echoes user input too, so it is shortened like a message would be.
      issues.push({ path: truncate(key), code: 'invalid_field', message: msg.unknownField(key), rank: CONTACT_FIELDS.length + i++ });
    }
  }

  const out: Omit<NormalizedContact, 'created_date'> = {};

  /** Trimmed string, undefined when absent or invalid (an issue is recorded for the latter). */
  const text = (field: string, max: number, code: RowErrorCode = 'invalid_field'): string | undefined => {
    const v = get(field);
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') {
      fail(field, field, code, msg.notString(field, v));
      return undefined;
    }
    const s = v.trim();
    if (codePointLength(s) > max) {
      fail(field, field, code, msg.tooLong(field, max));
      return undefined;
    }
    return s;
  };

  // Names: internal whitespace is collapsed because exports often carry double spaces or tabs.
  const names: Partial<Record<(typeof NAME_FIELDS)[number], string>> = {};
  for (const field of NAME_FIELDS) {
    const v = get(field);
    if (isAbsent(v)) continue;
    if (typeof v !== 'string') {
      fail(field, field, 'invalid_field', msg.notString(field, v));
      continue;
    }
    const s = v.trim().replace(/\s+/g, ' ');
    if (codePointLength(s) > MAX.name) {
      fail(field, field, 'invalid_field', msg.tooLong(field, MAX.name));
      continue;
    }
    names[field] = s;
  }

  const email = text('email', MAX.email, 'invalid_email');
  if (email !== undefined) {
    if (emailFormat.safeParse(email).success) {
      out.email = email;
      out.email_normalized = email.toLowerCase();
    } else {
      fail('email', 'email', 'invalid_email', `email ${quote(email)} is not a valid email address`);
    }
  }

  if (names.full_name !== undefined || names.first_name !== undefined || names.last_name !== undefined) {
    Object.assign(out, composeNames(names));
  } else if (out.email !== undefined) {
    Object.assign(out, nameFromEmail(out.email));
  }

  const rawPhone = get('phone');
  if (!isAbsent(rawPhone)) {
    if (typeof rawPhone !== 'string') {
      fail('phone', 'phone', 'invalid_phone', msg.phoneType(rawPhone));
    } else {
      const phone = normalisePhone(rawPhone.trim());
      if (phone.ok) out.phone = phone.e164;
      else fail('phone', 'phone', 'invalid_phone', phone.message);
    }
  }

  const jobTitle = text('job_title', MAX.job_title);
  if (jobTitle !== undefined) out.job_title = jobTitle;
  const company = text('company', MAX.company);
  if (company !== undefined) out.company = company;

  // The legacy alias is only read when the current name is absent, so a client sending both
  // (e.g. during a migration) is judged on the field it is moving to.
  const companyIdField = isAbsent(get('related_company_id')) ? 'company_id' : 'related_company_id';
  const rawCompanyId = get(companyIdField);
  if (!isAbsent(rawCompanyId)) {
    if (typeof rawCompanyId === 'number' && Number.isFinite(rawCompanyId)) {
      out.related_company_id = String(rawCompanyId);
    } else if (typeof rawCompanyId !== 'string') {
      fail(companyIdField, companyIdField, 'invalid_field', msg.idType(companyIdField, rawCompanyId));
    } else if (codePointLength(rawCompanyId.trim()) > MAX.related_company_id) {
      fail(companyIdField, companyIdField, 'invalid_field', msg.tooLong(companyIdField, MAX.related_company_id));
    } else {
      out.related_company_id = rawCompanyId.trim();
    }
  }

  const linkedin = text('linkedin_url', MAX.linkedin_url);
  if (linkedin !== undefined) {
    const href = normaliseUrl(linkedin);
    if (href === undefined) {
      fail('linkedin_url', 'linkedin_url', 'invalid_field', `linkedin_url ${quote(linkedin)} is not an http(s) URL`);
    } else if (codePointLength(href) > MAX.linkedin_url) {
      fail('linkedin_url', 'linkedin_url', 'invalid_field', msg.tooLong('linkedin_url', MAX.linkedin_url));
    } else {
      out.linkedin_url = href;
    }
  }

  const rawPriority = get('priority');
  if (!isAbsent(rawPriority)) {
    const priority = normalisePriority(rawPriority);
    if (priority === undefined) fail('priority', 'priority', 'invalid_field', msg.priority(rawPriority));
    else out.priority = priority;
  }

  const rawTags = get('tags');
  if (!isAbsent(rawTags)) {
    const tags = normaliseTags(rawTags);
    for (const issue of tags.issues) fail('tags', issue.path, 'invalid_field', issue.message);
    if (tags.issues.length === 0 && tags.tags.length > 0) out.tags = tags.tags;
  }

  const rawCustom = get('custom_fields');
  if (!isAbsent(rawCustom)) {
    const custom = normaliseCustomFields(rawCustom);
    if (typeof custom === 'string') fail('custom_fields', 'custom_fields', 'invalid_field', custom);
    else if (Object.keys(custom).length > 0) out.custom_fields = custom;
  }

  const created_date = normaliseCreatedDate(get('created_date'), opts.now);

  const hasIdentity =
    out.full_name !== undefined || out.first_name !== undefined || out.last_name !== undefined || out.email !== undefined;
  // A rejected name or email already explains why the identity is missing; saying it twice misleads.
  if (!hasIdentity && !issues.some((i) => IDENTITY_FIELDS.has(i.path))) {
    issues.push({ path: '', code: 'missing_identity', message: msg.missingIdentity, rank: -1 });
  }

  if (issues.length > 0) {
    issues.sort((a, b) => a.rank - b.rank);
    return { ok: false, issues: issues.map(({ path, code, message }) => ({ path, code, message })) };
  }
  return { ok: true, contact: { ...out, created_date } };
}

function composeNames(names: {
  full_name?: string;
  first_name?: string;
  last_name?: string;
}): Pick<NormalizedContact, 'full_name' | 'first_name' | 'last_name'> {
  const { full_name, first_name, last_name } = names;
  if (full_name === undefined) {
    return withoutUndefined({
      first_name,
      last_name,
      full_name: [first_name, last_name].filter((p) => p !== undefined).join(' '),
    });
  }
  // Given parts are the client's own decision; second-guessing them would overwrite good data.
  if (first_name !== undefined || last_name !== undefined) return withoutUndefined({ full_name, first_name, last_name });
  const commaParts = full_name.split(',');
  if (commaParts.length === 2) {
    const last = commaParts[0].trim();
    const first = commaParts[1].trim();
    // "Frank Fox, Jr." is a name with a suffix, not "Last, First".
    if (NAME_SUFFIX.test(first)) return withoutUndefined({ full_name, ...splitOnLastSpace(last) });
    if (last !== '' && first !== '') return { first_name: first, last_name: last, full_name: `${first} ${last}` };
  }
  // "Doe, Jane, PhD" or "Doe," have no reliable reading; keep the full name and guess no parts.
  if (full_name.includes(',')) return { full_name };
  return { full_name, ...splitOnLastSpace(full_name) };
}

const NAME_SUFFIX = /^(jr|sr|ii|iii|iv|v|phd|md|dds|esq|mba|cpa)\.?$/i;

function splitOnLastSpace(name: string): { first_name?: string; last_name?: string } {
  const space = name.lastIndexOf(' ');
  if (space === -1) return name === '' ? {} : { first_name: name };
  return { first_name: name.slice(0, space), last_name: name.slice(space + 1) };
}

// Absent must mean "no key": the update path treats a present key as "overwrite".
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function normalisePhone(raw: string): { ok: true; e164: string } | { ok: false; message: string } {
  if (codePointLength(raw) > MAX.phone) return { ok: false, message: msg.tooLong('phone', MAX.phone) };
  let compact = raw.replace(PHONE_FORMATTING, '');
  if (compact.startsWith('00')) compact = `+${compact.slice(2)}`;
  if (!compact.startsWith('+')) return { ok: false, message: `phone ${quote(raw)} needs a country code (+ or 00)` };
  if (!/^\+\d+$/.test(compact)) {
    return { ok: false, message: `phone ${quote(raw)} may only contain digits, spaces and + - . ( ) /` };
  }
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed || !parsed.isValid()) return { ok: false, message: `phone ${quote(raw)} is not a valid phone number` };
  return { ok: true, e164: parsed.number };
}

// Outlook and Google exports write "Normal" in their Priority column, meaning medium.
const PRIORITY_WORDS: Record<string, number> = { high: 1, medium: 2, normal: 2, low: 3 };

function normalisePriority(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 3 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (Object.hasOwn(PRIORITY_WORDS, s)) return PRIORITY_WORDS[s];
  return /^[1-3]$/.test(s) ? Number(s) : undefined;
}

function normaliseTags(v: unknown): { tags: string[]; issues: { path: string; message: string }[] } {
  const issues: { path: string; message: string }[] = [];
  let items: unknown[];
  if (typeof v === 'string') items = v.split(/[,;]/);
  else if (Array.isArray(v)) items = v;
  else return { tags: [], issues: [{ path: 'tags', message: msg.tagsType(v) }] };

  const tags: string[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const path = `tags.${i}`;
    if (typeof item !== 'string') {
      issues.push({ path, message: msg.notString(path, item) });
      return;
    }
    const tag = item.trim();
    if (tag === '') return;
    if (codePointLength(tag) > MAX.tag) {
      issues.push({ path, message: msg.tooLong(path, MAX.tag) });
      return;
    }
    const key = tag.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    tags.push(tag);
  });
  if (tags.length > MAX.tags) {
    issues.push({ path: 'tags', message: `tags has ${tags.length} entries; at most ${MAX.tags} are allowed` });
  }
  return { tags, issues };
}

/** The JSON round trip returns exactly what was measured and what the jsonb column will hold. */
function normaliseCustomFields(v: unknown): Record<string, unknown> | string {
  if (!isPlainObject(v)) return msg.customFieldsType(v);
  let json: string;
  try {
    json = JSON.stringify(v);
  } catch {
    return 'custom_fields must be serialisable as JSON';
  }
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX.custom_fields_bytes) {
    return `custom_fields is ${bytes} bytes as JSON; at most ${MAX.custom_fields_bytes} are allowed`;
  }
  return JSON.parse(json) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Request schema. It declares types (for the OpenAPI document and early rejection of malformed
// bodies) and then defers every content rule to normalizeContact, so the HTTP validator and the
// import engine cannot drift apart. Lengths are documented via metadata rather than zod's .max(),
// which counts UTF-16 units where the rules count code points.

const nullableText = (field: string, maxLength: number, description: string) =>
  z
    .string({ error: (iss) => msg.notString(field, iss.input) })
    .meta({ description, maxLength })
    .nullable()
    .optional();

const companyId = (field: string, description: string, deprecated = false) =>
  z
    .union([z.string().meta({ maxLength: MAX.related_company_id }), z.number()], {
      error: (iss) => msg.idType(field, iss.input),
    })
    .meta({ description, ...(deprecated ? { deprecated: true } : {}) })
    .nullable()
    .optional();

const contactShape = {
  full_name: nullableText(
    'full_name',
    MAX.name,
    'Full name. "Last, First" is understood; a lone full name is split on its last space.',
  ),
  first_name: nullableText('first_name', MAX.name, 'Given name.'),
  last_name: nullableText('last_name', MAX.name, 'Family name.'),
  email: z
    .string({ error: (iss) => msg.notString('email', iss.input) })
    .meta({ description: 'Email address; matched case-insensitively.', maxLength: MAX.email, format: 'email' })
    .nullable()
    .optional(),
  phone: z
    .string({ error: (iss) => msg.phoneType(iss.input) })
    .meta({
      description: 'Phone number with a country code (+ or 00); stored as E.164.',
      maxLength: MAX.phone,
      example: '+1 415 555 2671',
    })
    .nullable()
    .optional(),
  job_title: nullableText('job_title', MAX.job_title, 'Job title.'),
  company: nullableText('company', MAX.company, 'Company name.'),
  related_company_id: companyId('related_company_id', 'Identifier of the related company record.'),
  company_id: companyId('company_id', 'Legacy alias of related_company_id, used only when that is absent.', true),
  linkedin_url: nullableText(
    'linkedin_url',
    MAX.linkedin_url,
    'LinkedIn profile URL; https:// is added when no scheme is given.',
  ),
  priority: z
    .union([z.number(), z.string()], { error: (iss) => msg.priority(iss.input) })
    .meta({ description: '"high" (1), "medium" (2), "low" (3), or the integer 1-3.', example: 'high' })
    .nullable()
    .optional(),
  tags: z
    .union([z.array(z.unknown()).meta({ items: { type: 'string', maxLength: MAX.tag } }), z.string()], {
      error: (iss) => msg.tagsType(iss.input),
    })
    .meta({
      description: `Up to ${MAX.tags} tags, as an array or a string separated by commas or semicolons; de-duplicated case-insensitively.`,
    })
    .nullable()
    .optional(),
  custom_fields: z
    .record(z.string(), z.unknown(), { error: (iss) => msg.customFieldsType(iss.input) })
    .meta({ description: `Free-form JSON object, at most ${MAX.custom_fields_bytes} bytes serialised.` })
    .nullable()
    .optional(),
  // Any type is accepted because an unusable created_date becomes "now" rather than an error.
  created_date: z
    .unknown()
    .meta({
      type: 'string',
      format: 'date-time',
      description: 'ISO 8601 date or date-time, at most 24 h ahead and 5 years back; otherwise the time of import.',
    })
    .optional(),
};

/** Body of POST /v1/contacts and one element of `rows` in POST /v1/import/contacts. */
export const ContactInputSchema = z
  .strictObject(contactShape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((k) => msg.unknownField(k)).join('; ')
        : msg.notObject(iss.input),
  })
  .check((ctx) => {
    // zod skips this check after a type error; the only issue it can have raised by now is the
    // unknown-keys one, so unknown fields are left to zod and not reported twice.
    const result = normalizeContact(ctx.value, { now: new Date(), allowUnknownFields: true });
    if (result.ok) return;
    for (const issue of result.issues) {
      const path = issue.path === '' ? [] : issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      ctx.issues.push({ code: 'custom', message: issue.message, input: ctx.value, path, params: { code: issue.code } });
    }
  })
  // The OpenAPI document's components/schemas/ContactInput (POST /v1/contacts and each of an import's rows).
  .meta({ id: 'ContactInput' });

export type ContactInput = z.input<typeof ContactInputSchema>;
