/** @module Decides which CSV column feeds which contact field (from the client's mapping, or by recognising the headers of common contact and CRM exports; record-row.ts then builds each record's contact-shaped object). Linear in columns and keys: each is looked at a fixed number of times. */
import { CONTACT_FIELDS } from '../contacts/model.ts';
import { isPlainObject, longerThan, quote, truncate } from '../contacts/messages.ts';
import type { CsvParseResult } from './csv.ts';
import {
  ACCEPTED_IDENTITY_HEADERS,
  type HeaderMatch,
  isIdentityTarget,
  isVcardWebsite,
  matchHeader,
} from './header-synonyms.ts';
import { CUSTOM_PREFIX } from './record-row.ts';
import { giveTurn } from '../lib/turns.ts';

export { HEADER_SYNONYMS, normaliseHeader } from './header-synonyms.ts';

export interface ColumnMapping {
  /** Column index (0-based) → target (a contact field name, `custom_fields.<name>`, or a composite of the header synonyms such as vCard `N`, `ORG`), in the order a row consults them: preferred typed variants (vCard TYPE=pref) first, then column order. */
  columns: Map<number, string>;
  /** What the response reports as `mapping_used`: [header name (or "1","2",... without header), target] for used columns, in column order. A duplicated header name appears once. */
  used: [string, string][];
  /** What the response reports as `unmapped_columns`: the names of the columns not used, in column order. */
  unmapped: string[];
  /** Number of columns the header (or first record without header) defines. */
  width: number;
}

/** The mapping (or the header it is applied to) cannot be used; a 400 for the whole request. */
export class MappingError extends Error {
  readonly details: { path: string; message: string }[];
  constructor(details: { path: string; message: string }[]) {
    super(details.map((d) => d.message).join('; '));
    this.name = 'MappingError';
    this.details = details;
  }
}

const MAX_CUSTOM_NAME = 100;

const FIELD_TARGETS = new Set(CONTACT_FIELDS.filter((f) => f !== 'custom_fields'));

/** The canonical target for a mapping value, or an explanation of why it is not one. */
function parseTarget(value: unknown): { target: string } | { problem: string } {
  if (typeof value !== 'string') return { problem: 'must be a contact field name (a string)' };
  const v = value.trim();
  if (v.startsWith(CUSTOM_PREFIX)) {
    const name = v.slice(CUSTOM_PREFIX.length);
    if (name.trim() === '') return { problem: 'needs a name after "custom_fields."' };
    if (longerThan(name, MAX_CUSTOM_NAME)) {
      return { problem: `has a custom field name longer than ${MAX_CUSTOM_NAME} characters` };
    }
    return { target: v };
  }
  // Field names are matched case-insensitively: "Email" can only mean one thing.
  const field = v.toLowerCase();
  if (FIELD_TARGETS.has(field)) return { target: field };
  if (field === 'custom_fields') {
    return { problem: 'is not a contact field; use "custom_fields.<name>" for a custom field' };
  }
  return { problem: 'is not a contact field' };
}

/** mapping_used and unmapped_columns, both in column order. */
function* report(
  columns: Map<number, string>,
  width: number,
  nameOf: (i: number) => string,
): Steps<Pick<ColumnMapping, 'used' | 'unmapped'>> {
  const used: [string, string][] = [];
  const unmapped: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < width; i++) {
    if ((i & STEP_MASK) === STEP_MASK) yield;
    const target = columns.get(i);
    const name = nameOf(i);
    if (target === undefined) unmapped.push(name);
    else if (!seen.has(name)) {
      seen.add(name);
      used.push([name, target]);
    }
  }
  return { used, unmapped };
}

/**
 * Trailing unnamed columns come from a delimiter at the end of the header line; counting them would
 * make every data row that lacks the same trailing delimiter look short.
 */
function headerWidth(header: string[]): number {
  let w = header.length;
  while (w > 0 && header[w - 1] === '') w--;
  return w;
}

/** More problems than this are summarised: a 30,000-key mapping must not produce a 30,000-part message. */
const MAX_PROBLEMS = 20;
/** Header names quoted in an error, at most. */
const LISTED_HEADERS = 20;

function capped(problems: { path: string; message: string }[]): { path: string; message: string }[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [
    ...problems.slice(0, MAX_PROBLEMS),
    { path: 'mapping', message: `and ${problems.length - MAX_PROBLEMS} more problems of the same kind` },
  ];
}

function listHeaders(header: string[]): string {
  const shown = header.slice(0, LISTED_HEADERS).map(quote).join(', ');
  return header.length > LISTED_HEADERS ? `${shown} and ${header.length - LISTED_HEADERS} more` : shown;
}

const IDENTITY_FIELDS_TEXT = 'email or a name field (full_name, first_name, last_name)';

/** An import whose columns cannot give any contact an email or a name would skip every row: refuse it whole. */
function requireIdentity(columns: Map<number, string>, header: string[] | null, explicit: boolean): void {
  for (const target of columns.values()) if (isIdentityTarget(target)) return;
  const seen = header === null ? [] : [{
    path: 'csv',
    message: `the header has ${header.length} column${header.length === 1 ? '' : 's'}: ${listHeaders(header)}`,
  }];
  if (explicit) {
    throw new MappingError([
      { path: 'mapping', message: `the mapping maps no column to ${IDENTITY_FIELDS_TEXT}` },
      ...seen,
    ]);
  }
  throw new MappingError([
    {
      path: 'mapping',
      message:
        `no column of the header maps to ${IDENTITY_FIELDS_TEXT}; supply a mapping, or name the columns as one of the accepted headers`,
    },
    ...seen,
    ...ACCEPTED_IDENTITY_HEADERS.map((names) => ({ path: 'mapping', message: `accepted: ${names}` })),
  ]);
}

/**
 * Work in steps: a generator that yields between slices of columns or keys, so the same logic runs
 * in one go (tests, the CLI) or with turns given to other requests (a 30,000-column request).
 */
type Steps<T> = Generator<void, T, void>;

/** Columns or keys handled between two steps, as a mask: a step ends every 1,024. */
const STEP_MASK = 1023;

export function resolveMapping(
  header: CsvParseResult['header'],
  firstRecordWidth: number,
  mapping: Record<string, unknown> | undefined,
): ColumnMapping {
  const steps = resolveSteps(header, firstRecordWidth, mapping);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** resolveMapping, giving other requests a turn when it has run for a while. */
export async function resolveMappingInTurns(
  header: CsvParseResult['header'],
  firstRecordWidth: number,
  mapping: Record<string, unknown> | undefined,
): Promise<ColumnMapping> {
  const steps = resolveSteps(header, firstRecordWidth, mapping);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await giveTurn();
  }
}

function* resolveSteps(
  header: CsvParseResult['header'],
  firstRecordWidth: number,
  mapping: Record<string, unknown> | undefined,
): Steps<ColumnMapping> {
  // null is how many JSON clients spell "not given".
  const given = mapping as unknown;
  if (given === undefined || given === null) {
    if (header === null) {
      throw new MappingError([{ path: 'mapping', message: 'mapping is required when has_header is false' }]);
    }
    return yield* autoMapping(header);
  }
  if (!isPlainObject(given)) {
    throw new MappingError([
      { path: 'mapping', message: 'mapping must be an object of column name → contact field' },
    ]);
  }
  if (Object.keys(given).length === 0) {
    throw new MappingError([
      {
        path: 'mapping',
        message: 'mapping is empty; map at least one column, or omit mapping to match headers by name',
      },
    ]);
  }
  const width = header === null ? firstRecordWidth : headerWidth(header);
  const columns = yield* explicitColumns(given, header, width);
  requireIdentity(columns, header, true);
  const sorted = new Map([...columns].sort((a, b) => a[0] - b[0]));
  const reported = yield* report(sorted, width, (i) => (header === null ? String(i + 1) : header[i]));
  return { columns: sorted, ...reported, width };
}

/** Applies the client's mapping: one pass over the keys, each looked up in an index of the header built once. */
function* explicitColumns(
  given: Record<string, unknown>,
  header: string[] | null,
  width: number,
): Steps<Map<number, string>> {
  const problems: { path: string; message: string }[] = [];
  const columns = new Map<number, string>();
  const claimedBy = new Map<number, string>();
  const lookup = header === null ? (key: string) => columnNumber(key, width) : yield* headerIndex(header);
  let n = 0;
  for (const key of Object.keys(given)) {
    if ((++n & STEP_MASK) === 0) yield;
    // Keys and values are the client's text: echoed shortened, or 20 problems could echo 20 MB.
    const path = `mapping.${truncate(key)}`;
    const value = given[key];
    const target = parseTarget(value);
    if ('problem' in target) {
      const shown = typeof value === 'string' ? quote(value) : truncate(JSON.stringify(value) ?? String(value));
      problems.push({ path, message: `mapping value ${shown} (for ${quote(key)}) ${target.problem}` });
    }
    const indexes = lookup(key);
    if (indexes.length === 0) {
      problems.push({
        path,
        message: header === null
          ? `mapping key ${quote(key)} is not a column number between 1 and ${width} (has_header is false)`
          : `mapping key ${quote(key)} is not a column of the header`,
      });
      continue;
    }
    if ('problem' in target) continue;
    for (const i of indexes) {
      const previous = columns.get(i);
      if (previous !== undefined && previous !== target.target) {
        problems.push({
          path,
          message: `mapping keys ${quote(claimedBy.get(i)!)} and ${quote(key)} both name column ${
            i + 1
          } but map it to different fields`,
        });
        continue;
      }
      columns.set(i, target.target);
      claimedBy.set(i, key);
    }
  }
  if (problems.length > 0) throw new MappingError(capped(problems));
  return columns;
}

function columnNumber(key: string, width: number): number[] {
  const k = key.trim();
  if (!/^[1-9][0-9]*$/.test(k)) return [];
  const n = Number(k);
  return n <= width ? [n - 1] : [];
}

/** Header name → its column indexes, exact and lower-cased; a key matches case-insensitively only when nothing matches exactly. */
function* headerIndex(header: string[]): Steps<(key: string) => number[]> {
  const exact = new Map<string, number[]>();
  const lower = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, i: number) => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  for (let i = 0; i < header.length; i++) {
    if ((i & STEP_MASK) === STEP_MASK) yield;
    add(exact, header[i], i);
    add(lower, header[i].toLowerCase(), i);
  }
  return (key) => {
    const k = key.trim();
    return exact.get(k) ?? lower.get(k.toLowerCase()) ?? [];
  };
}

function* autoMapping(header: string[]): Steps<ColumnMapping> {
  const width = headerWidth(header);
  const candidates: ({ index: number } & HeaderMatch)[] = [];
  for (let index = 0; index < width; index++) {
    if ((index & STEP_MASK) === STEP_MASK) yield;
    const match = matchHeader(header[index]);
    if (match) candidates.push({ index, ...match });
  }
  const strongFields = new Set(candidates.filter((c) => !c.weak).map((c) => c.field));
  const vcard = candidates.some((c) => c.vcard);
  const kept = candidates.filter((c) =>
    (!c.weak || !strongFields.has(c.field)) && !(vcard && isVcardWebsite(header[c.index]))
  );
  // Consultation order: preferred variants first; within each group, column order (stable sort).
  kept.sort((a, b) => Number(b.preferred) - Number(a.preferred));
  const columns = new Map(kept.map((c) => [c.index, c.field] as [number, string]));
  requireIdentity(columns, header, false);
  const reported = yield* report(columns, width, (i) => header[i]);
  return { columns, ...reported, width };
}

/**
 * Whether a record could be the header, so that a preamble before it (LinkedIn's "Notes:" lines)
 * can be skipped: with a mapping, it names one of the mapping's keys; without, one of its cells is
 * recognised as an email or name header by a specific name (not a weak word such as "Name").
 */
export function headerRecogniser(mapping: unknown): (fields: string[]) => boolean {
  if (mapping === undefined || mapping === null) {
    // Weak words ("Name", "Mail", "Contact") are common cell values too; only a strong one marks a header.
    return (fields) =>
      fields.some((f) => {
        const m = matchHeader(f.trim());
        return m !== undefined && !m.weak && isIdentityTarget(m.field);
      });
  }
  if (!isPlainObject(mapping)) return () => true;
  const keys = new Set(Object.keys(mapping).map((k) => k.trim().toLowerCase()));
  return (fields) => fields.some((f) => keys.has(f.trim().toLowerCase()));
}
