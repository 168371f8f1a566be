/**
 * @module The contact field table: every contact field once, with its kind, from which the field
 * list and the TypeScript types derive (adding a field here is the TypeScript side of adding it).
 */

/**
 * The fields of spec/contract.md "Contact fields", in the order issues are reported, each with the
 * kind of value the database stores.
 */
const FIELD_KINDS = {
  full_name: 'text',
  first_name: 'text',
  last_name: 'text',
  /** Trimmed, case kept as given. */
  email: 'text',
  /** E.164. */
  phone: 'text',
  job_title: 'text',
  company: 'text',
  related_company_id: 'text',
  linkedin_url: 'text',
  /** 1 (high) .. 3 (low). */
  priority: 'integer',
  tags: 'list',
  custom_fields: 'object',
  created_date: 'text',
} as const;

interface KindTypes {
  text: string;
  integer: number;
  list: string[];
  object: Record<string, unknown>;
}

export type ContactField = keyof typeof FIELD_KINDS;

/** The stored fields, in table order. */
export const STORED_FIELDS = Object.freeze(Object.keys(FIELD_KINDS) as ContactField[]);

/** Legacy alias of `related_company_id`, read only when that is absent. */
export const LEGACY_COMPANY_ID = 'company_id';

/** Every field a client may send: the stored ones plus the legacy alias (kept last: it only ever stands in for `related_company_id`). */
export const CONTACT_FIELDS: readonly string[] = Object.freeze([...STORED_FIELDS, LEGACY_COMPANY_ID]);

/** What the database gets. Absent keys mean "not supplied" so that updates can keep existing values; never null. */
export type NormalizedContact = { [F in ContactField]?: KindTypes[(typeof FIELD_KINDS)[F]] } & {
  /** Trimmed and lower-cased email; the matching key. */
  email_normalized?: string;
  /** ISO 8601 UTC; always set. */
  created_date: string;
};

export type RowErrorCode = 'missing_identity' | 'invalid_email' | 'invalid_phone' | 'invalid_field';

export interface ContactIssue {
  path: string;
  message: string;
  code: RowErrorCode;
}

export type NormalizeResult = { ok: true; contact: NormalizedContact } | { ok: false; issues: ContactIssue[] };

/** Limits of spec/contract.md. Lengths are counted in Unicode code points, as PostgreSQL's char_length does. */
export const MAX = {
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

/**
 * Raw tag entries (before empty ones and duplicates are dropped) beyond which a list is refused
 * without looking at each: 20 times the limit leaves room for any real list with repeats, and
 * keeps a list of millions from costing a walk over millions.
 */
export const MAX_TAG_ENTRIES = 1000;

/**
 * custom_fields up to this size (a lower bound of its JSON, found by a walk that stops here) are
 * serialised to report their exact size; beyond it the answer says "more than" this, and a CSV
 * row stops collecting custom fields once they pass it (the row is refused either way).
 */
export const CUSTOM_FIELDS_MEASURED_BYTES = 1 << 16;
