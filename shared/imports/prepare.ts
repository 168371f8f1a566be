/** @module Turns one input row into what the batch upsert needs (the contact to insert, the patch to update) or a row error. */
import { normalizeContact, type NormalizedContact, type RowErrorCode } from '../contacts/model.ts';
import { type ContactField, STORED_FIELDS } from '../contacts/fields.ts';
import { isoString } from '../contacts/values.ts';

export type ImportErrorCode = RowErrorCode | 'ambiguous_match' | 'invalid_row';

export interface RowError {
  row_number: number;
  /** CSV only: the physical line where the record starts. */
  line?: number;
  code: ImportErrorCode;
  message: string;
}

/** The fields an update may overwrite; null clears a name part the row's full_name no longer has. */
export type Patch = Partial<Record<keyof NormalizedContact, unknown>>;

/**
 * A valid row as the batch upsert takes it: the contact to insert, its fields as keys
 * (email_normalized is left to the database, which derives it), plus its place and its patch. Flat,
 * so that SQL inserts a batch of rows as they are (contacts has no column n, l or u).
 */
export type PreparedRow = Omit<NormalizedContact, 'email_normalized'> & {
  /** row_number */
  n: number;
  /** CSV only: the line the record starts on, for errors SQL finds (ambiguous_match). */
  l?: number;
  /** The patch to update with; only sent when the import updates matches. */
  u?: Patch;
};

export interface PrepareOptions {
  now: Date;
  tags: string[];
  /** Whether matches are updated; without it no patch is built or sent. */
  updateExisting: boolean;
}

export type Prepared = { ok: true; row: PreparedRow } | { ok: false; error: RowError };

/** The fields buildPatch gives a rule of its own; every other stored field a row supplies overwrites. */
const OWN_PATCH_RULE: ReadonlySet<ContactField> = new Set([
  'full_name',
  'first_name',
  'last_name',
  'created_date',
  'tags',
]);
const UPDATABLE = STORED_FIELDS.filter((f) => !OWN_PATCH_RULE.has(f));

function supplied(raw: Record<string, unknown>, key: string): boolean {
  const v = raw[key];
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/**
 * What an update overwrites: only what the row itself supplied. Names derived from the email and
 * a created_date defaulted to "now" are not the row's words, so they never overwrite. A full_name
 * alone replaces all three name parts; first or last name alone leave full_name to be recomposed.
 */
function buildPatch(raw: Record<string, unknown>, c: NormalizedContact, nowIso: string): Patch {
  const u: Patch = {};
  for (const f of UPDATABLE) if (c[f] !== undefined) u[f] = c[f];
  const first = supplied(raw, 'first_name');
  const last = supplied(raw, 'last_name');
  if (supplied(raw, 'full_name')) u.full_name = c.full_name;
  if (first) u.first_name = c.first_name;
  if (last) u.last_name = c.last_name;
  if (supplied(raw, 'full_name') && !first && !last) {
    u.first_name = c.first_name ?? null;
    u.last_name = c.last_name ?? null;
  }
  if (supplied(raw, 'created_date') && c.created_date !== nowIso) u.created_date = c.created_date;
  // c.tags already carries the request's tags, which updates apply too.
  if (c.tags?.length) u.tags = c.tags;
  return u;
}

/** Merges request tags after the row's own, keeping the first spelling of case-insensitive duplicates. */
function withTags(own: string[] | undefined, extra: string[]): string[] | undefined {
  if (!extra.length) return own;
  const out = [...(own ?? [])];
  const seen = new Set(out.map((t) => t.toLowerCase()));
  for (const t of extra) {
    if (!seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      out.push(t);
    }
  }
  return out;
}

/** Prepares one row; `line` is the physical line a CSV record starts on. */
export function prepareRow(raw: unknown, rowNumber: number, opts: PrepareOptions, line?: number): Prepared {
  const result = normalizeContact(raw, { now: opts.now });
  if (!result.ok) {
    const [first] = result.issues;
    return {
      ok: false,
      error: {
        row_number: rowNumber,
        ...(line === undefined ? {} : { line }),
        code: first.code,
        message: result.issues.map((i) => i.message).join('; '),
      },
    };
  }
  const { email_normalized: _derivedBySql, ...c } = result.contact;
  const tags = withTags(c.tags, opts.tags);
  if (tags) c.tags = tags;
  const row: PreparedRow = Object.assign(c, { n: rowNumber });
  if (line !== undefined) row.l = line;
  if (opts.updateExisting) row.u = buildPatch(raw as Record<string, unknown>, c, isoString(opts.now));
  return { ok: true, row };
}
