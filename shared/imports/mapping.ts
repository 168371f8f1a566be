/** @module Decides which CSV column feeds which contact field (from the client's mapping, or by recognising the headers of common contact and CRM exports), so that every CSV record can be handed to the contact model as a contact-shaped object. */
import { CONTACT_FIELDS } from '../contacts/model.ts';
import type { CsvParseResult } from './csv.ts';

/** A contact field name from CONTACT_FIELDS (incl. legacy 'company_id'), or `custom_fields.<name>` (name 1..100 chars). */
export type MappingTarget = string;

export interface ColumnMapping {
  /** For each column index (0-based) the target, or absent when the column is ignored. */
  columns: Map<number, MappingTarget>;
  /** What the response reports as `mapping_used`: header name (or "1","2",... without header) → target, for used columns only, in column order. Duplicate header names appear once, mapped to the target. */
  used: Record<string, MappingTarget>;
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

const CUSTOM_PREFIX = 'custom_fields.';
const MAX_CUSTOM_NAME = 100;

/** Lower-case letters and digits only, diacritics removed, so `E-mail 1 - Value`, `Prénom` and `first_name` compare as `email1value`, `prenom`, `firstname`. */
export function normaliseHeader(h: string): string {
  return (
    h
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      // NFKD leaves ß alone; without this "Straße" would lose a letter rather than gain the usual spelling.
      .replace(/ß/g, 'ss')
      .replace(/[^a-z0-9]/g, '')
  );
}

const SYNONYM_LISTS: Record<string, readonly string[]> = {
  full_name: [
    'full_name',
    'Full Name',
    'Name',
    'Contact Name',
    'Contact',
    'Display Name',
    'Contact Full Name',
    'Person - Name',
    'Vollständiger Name',
    'Nom complet',
    'Nombre completo',
  ],
  first_name: [
    'first_name',
    'First Name',
    'First',
    'Given Name',
    'Forename',
    'FName',
    'Contact First Name',
    'Person - First name',
    'Vorname',
    'Prénom',
    'Nombre',
  ],
  last_name: [
    'last_name',
    'Last Name',
    'Last',
    'Family Name',
    'Surname',
    'LName',
    'Contact Last Name',
    'Person - Last name',
    'Nachname',
    'Familienname',
    'Nom',
    'Nom de famille',
    'Apellido',
    'Apellidos',
  ],
  email: [
    'email',
    'E-mail',
    'Email Address',
    'E-mail Address',
    'E-mail 1 - Value',
    'E-mail 2 - Value',
    'E-mail 3 - Value',
    'E-mail 2 Address',
    'E-mail 3 Address',
    'Email 1',
    'Email 2',
    'Work Email',
    'Business Email',
    'Personal Email',
    'Home Email',
    'Other Email',
    'Primary Email',
    'Mail',
    'Person - Email',
    'Person - Email - Work',
    'Person - Email - Home',
    'Person - Email - Other',
    'E-Mail-Adresse',
    'Adresse e-mail',
    'Adresse mail',
    'Courriel',
    'Correo electrónico',
    'Correo',
  ],
  phone: [
    'phone',
    'Phone Number',
    'Telephone',
    'Tel',
    'Mobile',
    'Mobile Phone',
    'Mobile Number',
    'Cell',
    'Cell Phone',
    'Business Phone',
    'Business Phone 2',
    'Work Phone',
    'Direct Phone',
    'Home Phone',
    'Home Phone 2',
    'Other Phone',
    'Primary Phone',
    'Phone 1 - Value',
    'Phone 2 - Value',
    'Phone 3 - Value',
    'Person - Phone',
    'Person - Phone - Work',
    'Person - Phone - Mobile',
    'Person - Phone - Home',
    'Person - Phone - Other',
    'Telefon',
    'Telefonnummer',
    'Handy',
    'Mobil',
    'Mobiltelefon',
    'Téléphone',
    'Portable',
    'Teléfono',
    'Móvil',
    'Celular',
  ],
  job_title: [
    'job_title',
    'Job Title',
    'Title',
    'Position',
    'Role',
    'Job Role',
    'Job Position',
    'Occupation',
    'Organization 1 - Title',
    'Organization Title',
    'Person - Job title',
    'Berufsbezeichnung',
    'Poste',
    'Fonction',
    'Cargo',
    'Puesto',
  ],
  company: [
    'company',
    'Company Name',
    'Organization',
    'Organisation',
    'Organization Name',
    'Organization 1 - Name',
    'Account Name',
    'Account',
    'Employer',
    'Person - Organization',
    'Firma',
    'Firmenname',
    'Unternehmen',
    'Société',
    'Entreprise',
    'Empresa',
    'Compañía',
  ],
  related_company_id: ['related_company_id', 'Related Company ID'],
  company_id: ['company_id', 'Company ID'],
  linkedin_url: [
    'linkedin_url',
    'LinkedIn',
    'LinkedIn URL',
    'LinkedIn Profile',
    'LinkedIn Profile URL',
    'LinkedIn Link',
    'LinkedIn Page',
  ],
  priority: ['priority', 'Priorität', 'Priorité', 'Prioridad'],
  tags: [
    'tags',
    'Tag',
    'Labels',
    'Label',
    'Categories',
    'Category',
    'Group Membership',
    'Groups',
    'Person - Labels',
    'Schlagwörter',
    'Kategorien',
    'Étiquettes',
    'Etiquetas',
  ],
  created_date: [
    'created_date',
    'Create Date',
    'Created At',
    'Created On',
    'Created',
    'Date Created',
    'Creation Date',
    'Created Time',
    'Erstellt am',
    'Erstellungsdatum',
    'Date de création',
    'Fecha de creación',
  ],
};

/** Normalised header → contact field. */
export const HEADER_SYNONYMS: Record<string, string> = Object.freeze(
  Object.fromEntries(
    Object.entries(SYNONYM_LISTS).flatMap(([field, names]) => names.map((n) => [normaliseHeader(n), field] as const)),
  ),
);

/**
 * Generic words that also name something else in some exports: Outlook's "Title" is the
 * salutation (Mr., Dr.) next to a real "Job Title", Google's "Occupation" sits beside
 * "Organization 1 - Title". Such a column is used only when no other column matches the field.
 */
const WEAK_SYNONYMS = new Set(['title', 'occupation', 'role', 'name', 'contact', 'account', 'created', 'mail', 'tel']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Keys come from user input; defineProperty keeps a header named "__proto__" an ordinary key.
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const FIELD_TARGETS = new Set(CONTACT_FIELDS.filter((f) => f !== 'custom_fields'));

/** The canonical target for a mapping value, or an explanation of why it is not one. */
function parseTarget(value: unknown): { target: string } | { problem: string } {
  if (typeof value !== 'string') return { problem: 'must be a contact field name (a string)' };
  const v = value.trim();
  if (v.startsWith(CUSTOM_PREFIX)) {
    const name = v.slice(CUSTOM_PREFIX.length);
    if (name.trim() === '') return { problem: 'needs a name after "custom_fields."' };
    if (codePointLength(name) > MAX_CUSTOM_NAME) {
      return { problem: `has a custom field name longer than ${MAX_CUSTOM_NAME} characters` };
    }
    return { target: v };
  }
  // Field names are matched case-insensitively: "Email" can only mean one thing.
  const field = v.toLowerCase();
  if (FIELD_TARGETS.has(field)) return { target: field };
  if (field === 'custom_fields') return { problem: 'is not a contact field; use "custom_fields.<name>" for a custom field' };
  return { problem: 'is not a contact field' };
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function buildUsed(columns: Map<number, MappingTarget>, nameOf: (i: number) => string): Record<string, MappingTarget> {
  const used: Record<string, MappingTarget> = {};
  for (const i of [...columns.keys()].sort((a, b) => a - b)) {
    const name = nameOf(i);
    if (!Object.hasOwn(used, name)) setOwn(used, name, columns.get(i)!);
  }
  return used;
}

function sortedMap(entries: Iterable<[number, MappingTarget]>): Map<number, MappingTarget> {
  return new Map([...entries].sort((a, b) => a[0] - b[0]));
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

export function resolveMapping(
  header: CsvParseResult['header'],
  firstRecordWidth: number,
  mapping: Record<string, unknown> | undefined,
): ColumnMapping {
  // null is how many JSON clients spell "not given".
  const given = mapping as unknown;
  if (given === undefined || given === null) {
    if (header === null) {
      throw new MappingError([{ path: 'mapping', message: 'mapping is required when has_header is false' }]);
    }
    return autoMapping(header);
  }
  if (!isPlainObject(given)) {
    throw new MappingError([
      { path: 'mapping', message: 'mapping must be an object of column name → contact field' },
    ]);
  }
  const keys = Object.keys(given);
  if (keys.length === 0) {
    throw new MappingError([
      { path: 'mapping', message: 'mapping is empty; map at least one column, or omit mapping to match headers by name' },
    ]);
  }

  const width = header === null ? firstRecordWidth : headerWidth(header);
  const problems: { path: string; message: string }[] = [];
  const columns = new Map<number, MappingTarget>();
  const claimedBy = new Map<number, string>();

  for (const key of keys) {
    const path = `mapping.${key}`;
    const value = given[key];
    const target = parseTarget(value);
    if ('problem' in target) {
      const shown = typeof value === 'string' ? quote(value) : JSON.stringify(value) ?? String(value);
      problems.push({ path, message: `mapping value ${shown} (for ${quote(key)}) ${target.problem}` });
    }
    const indexes = header === null ? columnNumber(key, width) : columnsNamed(header, key);
    if (indexes.length === 0) {
      problems.push({
        path,
        message:
          header === null
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
          message: `mapping keys ${quote(claimedBy.get(i)!)} and ${quote(key)} both name column ${i + 1} but map it to different fields`,
        });
        continue;
      }
      columns.set(i, target.target);
      claimedBy.set(i, key);
    }
  }
  if (problems.length > 0) throw new MappingError(problems);

  const sorted = sortedMap(columns);
  return {
    columns: sorted,
    used: buildUsed(sorted, (i) => (header === null ? String(i + 1) : header[i])),
    width,
  };
}

function columnNumber(key: string, width: number): number[] {
  const k = key.trim();
  if (!/^[1-9][0-9]*$/.test(k)) return [];
  const n = Number(k);
  return n <= width ? [n - 1] : [];
}

function columnsNamed(header: string[], key: string): number[] {
  const k = key.trim();
  const exact = header.flatMap((h, i) => (h === k ? [i] : []));
  if (exact.length > 0) return exact;
  const lower = k.toLowerCase();
  return header.flatMap((h, i) => (h.toLowerCase() === lower ? [i] : []));
}

const LISTED_HEADERS = 5;

function autoMapping(header: string[]): ColumnMapping {
  const candidates: { index: number; field: string; weak: boolean }[] = [];
  header.forEach((h, index) => {
    const n = normaliseHeader(h);
    if (n === '' || !Object.hasOwn(HEADER_SYNONYMS, n)) return;
    candidates.push({ index, field: HEADER_SYNONYMS[n], weak: WEAK_SYNONYMS.has(n) });
  });
  const strongFields = new Set(candidates.filter((c) => !c.weak).map((c) => c.field));
  const columns = sortedMap(
    candidates.filter((c) => !c.weak || !strongFields.has(c.field)).map((c) => [c.index, c.field] as [number, string]),
  );
  if (columns.size === 0) {
    const shown = header.slice(0, LISTED_HEADERS).map((h, i) => ({
      path: 'mapping',
      message: `column ${i + 1} ${quote(h)} matches no contact field`,
    }));
    throw new MappingError([
      {
        path: 'mapping',
        message: 'no column of the header could be matched to a contact field; supply a mapping',
      },
      ...shown,
    ]);
  }
  return { columns, used: buildUsed(columns, (i) => header[i]), width: headerWidth(header) };
}

/** Builds the contact-shaped object of one record: field → value, first NON-EMPTY (after trim) value wins where several columns map to one field; custom_fields.<x> targets are collected into a custom_fields object. Empty cells are omitted. */
export function recordToRow(fields: string[], mapping: ColumnMapping): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  let custom: Record<string, unknown> | undefined;
  for (const [i, target] of mapping.columns) {
    const raw = fields[i];
    if (raw === undefined) continue;
    // Trimmed here because custom field values are stored as given; contact fields are trimmed again by the model.
    const value = raw.trim();
    if (value === '') continue;
    if (target.startsWith(CUSTOM_PREFIX)) {
      const name = target.slice(CUSTOM_PREFIX.length);
      custom ??= {};
      if (!Object.hasOwn(custom, name)) setOwn(custom, name, value);
    } else if (!Object.hasOwn(row, target)) {
      setOwn(row, target, value);
    }
  }
  if (custom !== undefined) row.custom_fields = custom;
  return row;
}

/** Ragged-row check: a record is well-formed when its length equals width, or it is longer only by trailing cells that are empty after trim. Returns null or a message like `expected 5 columns, found 3`. */
export function columnCountProblem(fields: string[], width: number): string | null {
  if (fields.length === width) return null;
  if (fields.length > width && fields.slice(width).every((f) => f.trim() === '')) return null;
  return `expected ${width} column${width === 1 ? '' : 's'}, found ${fields.length}`;
}
