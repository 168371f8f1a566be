/**
 * @module Validates and normalises one contact, step by step (unknown fields, names, email, phone,
 * the other texts, company id, URL, priority, tags, custom fields, identity), so JSON rows, CSV
 * records and POST /v1/contacts are judged identically before they reach the database.
 */
import {
  CONTACT_FIELDS,
  type ContactIssue,
  LEGACY_COMPANY_ID,
  MAX,
  type NormalizedContact,
  type NormalizeResult,
  type RowErrorCode,
} from './fields.ts';
import { isAbsent, isPlainObject, longerThan, msg, quote, truncate } from './messages.ts';
import { composeNames, nameFromEmail } from './names.ts';
import {
  isValidEmail,
  normaliseCreatedDate,
  normaliseCustomFields,
  normalisePhone,
  normalisePriority,
  normaliseTags,
  normaliseUrl,
} from './values.ts';

const NAME_FIELDS = ['full_name', 'first_name', 'last_name'] as const;
const IDENTITY_FIELDS = new Set<string>([...NAME_FIELDS, 'email']);

interface RankedIssue extends ContactIssue {
  rank: number;
}

/** One contact being read: the input, what has been accepted so far, and the issues found. */
class ContactReader {
  readonly issues: RankedIssue[] = [];
  readonly out: Omit<NormalizedContact, 'created_date'> = {};

  constructor(private readonly input: Record<string, unknown>) {}

  get(key: string): unknown {
    return Object.hasOwn(this.input, key) ? this.input[key] : undefined;
  }

  fail(field: string, path: string, code: RowErrorCode, message: string): void {
    this.issues.push({ path, code, message, rank: CONTACT_FIELDS.indexOf(field) });
  }

  /** Trimmed string, undefined when absent or invalid (an issue is recorded for the latter). */
  text(field: string, max: number, code: RowErrorCode = 'invalid_field'): string | undefined {
    const v = this.get(field);
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') {
      this.fail(field, field, code, msg.notString(field, v));
      return undefined;
    }
    const s = v.trim();
    if (longerThan(s, max)) {
      this.fail(field, field, code, msg.tooLong(field, max));
      return undefined;
    }
    return s;
  }
}

function readUnknownFields(r: ContactReader, input: Record<string, unknown>): void {
  let i = 0;
  for (const key of Object.keys(input)) {
    if (CONTACT_FIELDS.includes(key)) continue;
    // The path echoes user input too, so it is shortened like a message would be.
    r.issues.push({
      path: truncate(key),
      code: 'invalid_field',
      message: msg.unknownField(key),
      rank: CONTACT_FIELDS.length + i++,
    });
  }
}

/** Names: internal whitespace is collapsed because exports often carry double spaces or tabs. */
function readNames(r: ContactReader): Partial<Record<(typeof NAME_FIELDS)[number], string>> {
  const names: Partial<Record<(typeof NAME_FIELDS)[number], string>> = {};
  for (const field of NAME_FIELDS) {
    const v = r.get(field);
    if (isAbsent(v)) continue;
    if (typeof v !== 'string') {
      r.fail(field, field, 'invalid_field', msg.notString(field, v));
      continue;
    }
    const s = v.trim().replace(/\s+/g, ' ');
    if (longerThan(s, MAX.name)) {
      r.fail(field, field, 'invalid_field', msg.tooLong(field, MAX.name));
      continue;
    }
    names[field] = s;
  }
  return names;
}

function readEmailAndNames(r: ContactReader): void {
  const names = readNames(r);
  const email = r.text('email', MAX.email, 'invalid_email');
  if (email !== undefined) {
    if (isValidEmail(email)) {
      r.out.email = email;
      r.out.email_normalized = email.toLowerCase();
    } else {
      r.fail('email', 'email', 'invalid_email', `email ${quote(email)} is not a valid email address`);
    }
  }
  if (names.full_name !== undefined || names.first_name !== undefined || names.last_name !== undefined) {
    Object.assign(r.out, composeNames(names));
  } else if (r.out.email !== undefined) {
    Object.assign(r.out, nameFromEmail(r.out.email));
  }
}

function readPhone(r: ContactReader): void {
  const raw = r.get('phone');
  if (isAbsent(raw)) return;
  if (typeof raw !== 'string') return r.fail('phone', 'phone', 'invalid_phone', msg.phoneType(raw));
  const phone = normalisePhone(raw.trim());
  if (phone.ok) r.out.phone = phone.e164;
  else r.fail('phone', 'phone', 'invalid_phone', phone.message);
}

/** The legacy alias is only read when the current name is absent, so a client sending both (e.g. during a migration) is judged on the field it is moving to. */
function readCompanyId(r: ContactReader): void {
  const field = isAbsent(r.get('related_company_id')) ? LEGACY_COMPANY_ID : 'related_company_id';
  const raw = r.get(field);
  if (isAbsent(raw)) return;
  if (typeof raw === 'number' && Number.isFinite(raw)) r.out.related_company_id = String(raw);
  else if (typeof raw !== 'string') r.fail(field, field, 'invalid_field', msg.idType(field, raw));
  else if (longerThan(raw.trim(), MAX.related_company_id)) {
    r.fail(field, field, 'invalid_field', msg.tooLong(field, MAX.related_company_id));
  } else r.out.related_company_id = raw.trim();
}

function readLinkedin(r: ContactReader): void {
  const linkedin = r.text('linkedin_url', MAX.linkedin_url);
  if (linkedin === undefined) return;
  const href = normaliseUrl(linkedin);
  if (href === undefined) {
    r.fail('linkedin_url', 'linkedin_url', 'invalid_field', `linkedin_url ${quote(linkedin)} is not an http(s) URL`);
  } else if (longerThan(href, MAX.linkedin_url)) {
    r.fail('linkedin_url', 'linkedin_url', 'invalid_field', msg.tooLong('linkedin_url', MAX.linkedin_url));
  } else r.out.linkedin_url = href;
}

function readOtherFields(r: ContactReader): void {
  const jobTitle = r.text('job_title', MAX.job_title);
  if (jobTitle !== undefined) r.out.job_title = jobTitle;
  const company = r.text('company', MAX.company);
  if (company !== undefined) r.out.company = company;
  readCompanyId(r);
  readLinkedin(r);
  const rawPriority = r.get('priority');
  if (!isAbsent(rawPriority)) {
    const priority = normalisePriority(rawPriority);
    if (priority === undefined) r.fail('priority', 'priority', 'invalid_field', msg.priority(rawPriority));
    else r.out.priority = priority;
  }
  const rawTags = r.get('tags');
  if (!isAbsent(rawTags)) {
    const tags = normaliseTags(rawTags);
    for (const issue of tags.issues) r.fail('tags', issue.path, 'invalid_field', issue.message);
    if (tags.issues.length === 0 && tags.tags.length > 0) r.out.tags = tags.tags;
  }
  const rawCustom = r.get('custom_fields');
  if (!isAbsent(rawCustom)) {
    const custom = normaliseCustomFields(rawCustom);
    if (typeof custom === 'string') r.fail('custom_fields', 'custom_fields', 'invalid_field', custom);
    else if (Object.keys(custom).length > 0) r.out.custom_fields = custom;
  }
}

function verdict(r: ContactReader, created_date: string): NormalizeResult {
  const { out, issues } = r;
  const hasIdentity = out.full_name !== undefined || out.first_name !== undefined || out.last_name !== undefined ||
    out.email !== undefined;
  // A rejected name or email already explains why the identity is missing; saying it twice misleads.
  if (!hasIdentity && !issues.some((i) => IDENTITY_FIELDS.has(i.path))) {
    issues.push({ path: '', code: 'missing_identity', message: msg.missingIdentity, rank: -1 });
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.rank - b.rank);
    return { ok: false, issues: issues.map(({ path, code, message }) => ({ path, code, message })) };
  }
  // The reader's own object becomes the contact: no copy of every accepted field per row.
  const contact = out as NormalizedContact;
  contact.created_date = created_date;
  return { ok: true, contact };
}

/**
 * Validates and normalises one contact. Every problem found is reported, ordered by
 * field (CONTACT_FIELDS order, unknown fields last), so `issues[0]` is the one to show first.
 */
export function normalizeContact(input: unknown, opts: { now: Date; allowUnknownFields?: boolean }): NormalizeResult {
  if (!isPlainObject(input)) {
    return { ok: false, issues: [{ path: '', code: 'invalid_field', message: msg.notObject(input) }] };
  }
  const r = new ContactReader(input);
  if (!opts.allowUnknownFields) readUnknownFields(r, input);
  readEmailAndNames(r);
  readPhone(r);
  readOtherFields(r);
  return verdict(r, normaliseCreatedDate(r.get('created_date'), opts.now));
}
