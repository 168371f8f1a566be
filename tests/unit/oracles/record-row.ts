/** @module shared/imports/record-row.ts as it was before the worker-cpu change (a Map per row), frozen as a reference for tests. */
import { CUSTOM_FIELDS_MEASURED_BYTES } from '../../../shared/contacts/fields.ts';
import { isValidEmail, isValidPhone } from '../../../shared/contacts/model.ts';
import { COMPOSITE_NAME, COMPOSITE_ORG } from '../../../shared/imports/header-synonyms.ts';

/** A mapping target naming a custom field: `custom_fields.<name>`. */
export const CUSTOM_PREFIX = 'custom_fields.';

// Keys come from user input; defineProperty keeps a header named "__proto__" an ordinary key (the
// only key an assignment would not create: Object.prototype has no other setter).
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else obj[key] = value;
}

/** Google's separator for several values in one cell. */
const MULTI_VALUE = /\s*:::\s*/;

function multiValues(cell: string): string[] {
  // Most cells hold one value: no split, no filter.
  if (!cell.includes(':::')) return cell === '' ? [] : [cell];
  return cell.split(MULTI_VALUE).filter((v) => v !== '');
}

/** Splits a vCard structured value on unescaped `;`, unescaping `\;`, `\,` and `\\`; a `,` inside a component separates several values, which are joined with spaces. */
function vcardComponents(cell: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < cell.length; i++) {
    const ch = cell[i];
    if (ch === '\\' && i + 1 < cell.length) current += cell[++i];
    else if (ch === ';') {
      out.push(current);
      current = '';
    } else current += ch === ',' ? ' ' : ch;
  }
  out.push(current);
  return out.map((c) => c.trim().replace(/\s+/g, ' '));
}

/** A tag cell: Google's ` ::: ` list, a comma/semicolon list, or Mailchimp's quoted list (`"Newsletter","VIP"`). Google's system groups (`* myContacts`, `* starred`) are not tags. */
export function tagList(cell: string): string[] {
  const tags: string[] = [];
  for (const part of multiValues(cell)) {
    let i = 0;
    while (i <= part.length) {
      while (i < part.length && /\s/.test(part[i])) i++;
      let tag = '';
      if (part[i] === '"') {
        i++;
        while (i < part.length && !(part[i] === '"' && part[i + 1] !== '"')) {
          tag += part[i];
          i += part[i] === '"' ? 2 : 1;
        }
        i++;
        while (i < part.length && part[i] !== ',' && part[i] !== ';') i++;
      } else {
        while (i < part.length && part[i] !== ',' && part[i] !== ';') tag += part[i++];
      }
      i++;
      tag = tag.trim();
      if (tag !== '' && !/^\*\s/.test(tag)) tags.push(tag);
    }
  }
  return tags;
}

const VALIDATORS: Record<string, (s: string) => boolean> = { email: isValidEmail, phone: isValidPhone };
const OTHER_VALUES_KEY: Record<string, string> = { email: 'other_emails', phone: 'other_phones' };

/** A contact-shaped object under construction: the first value given to a key wins. */
class RowBuilder {
  readonly row: Record<string, unknown> = {};
  private custom: Record<string, unknown> | undefined;
  /** Email and phone values per column, in consultation order. */
  private readonly multi = new Map<string, string[][]>();

  set(field: string, value: string | string[]): void {
    if (value === '' || Object.hasOwn(this.row, field)) return;
    setOwn(this.row, field, value);
  }

  /** A lower bound of the custom fields' JSON size so far. */
  private customBytes = 0;

  setCustom(name: string, value: string | string[]): void {
    if (value === '') return;
    // Past this the row is refused for its custom_fields size anyway (the kept part alone is too
    // big): a row of 30,000 custom columns costs no more than one at the limit.
    if (this.customBytes > CUSTOM_FIELDS_MEASURED_BYTES) return;
    this.custom ??= {};
    if (Object.hasOwn(this.custom, name)) return;
    setOwn(this.custom, name, value);
    this.customBytes += name.length + 4 +
      (typeof value === 'string' ? value.length + 2 : value.join('').length + 2 * value.length + 1);
  }

  addValues(field: string, values: string[]): void {
    const list = this.multi.get(field);
    if (list) list.push(values);
    else this.multi.set(field, [values]);
  }

  /**
   * The first non-empty column wins (contract); within its cell the first valid value. Every other
   * distinct value is kept in custom_fields (`other_emails`, `other_phones`) rather than dropped.
   */
  finish(): Record<string, unknown> {
    for (const [field, cells] of this.multi) {
      // One column, one value: it is chosen whatever its validity, and there are no others to keep.
      if (cells.length === 1 && cells[0].length === 1) {
        this.set(field, cells[0][0]);
        continue;
      }
      const valid = VALIDATORS[field];
      const chosen = cells[0].find((v) => valid(v)) ?? cells[0][0];
      this.set(field, chosen);
      const seen = new Set([chosen.toLowerCase()]);
      const others = cells.flat().filter((v) => !seen.has(v.toLowerCase()) && seen.add(v.toLowerCase()));
      if (others.length > 0) this.setCustom(OTHER_VALUES_KEY[field], others);
    }
    if (this.custom !== undefined) this.row.custom_fields = this.custom;
    return this.row;
  }
}

function applyCell(b: RowBuilder, target: string, value: string): void {
  if (target.startsWith(CUSTOM_PREFIX)) return b.setCustom(target.slice(CUSTOM_PREFIX.length), value);
  switch (target) {
    case COMPOSITE_NAME: {
      const [last = '', first = ''] = vcardComponents(value);
      b.set('last_name', last);
      b.set('first_name', first);
      return;
    }
    case COMPOSITE_ORG: {
      const [company = '', ...department] = vcardComponents(value);
      b.set('company', company);
      b.setCustom('department', department.filter((d) => d !== '').join('; '));
      return;
    }
    case 'email':
    case 'phone': {
      const values = multiValues(value);
      if (values.length > 0) b.addValues(target, values);
      return;
    }
    case 'tags': {
      const tags = tagList(value);
      if (tags.length > 0) b.set('tags', tags);
      return;
    }
    default:
      b.set(target, value);
  }
}

/** Builds the contact-shaped object of one record: field → value, first NON-EMPTY (after trim) value wins where several columns map to one field; custom_fields.<x> targets are collected into a custom_fields object. Empty cells are omitted. */
export function recordToRow(
  fields: string[],
  mapping: { columns: ReadonlyMap<number, string> },
): Record<string, unknown> {
  const b = new RowBuilder();
  for (const [i, target] of mapping.columns) {
    const raw = fields[i];
    if (raw === undefined) continue;
    // Trimmed here because custom field values are stored as given; contact fields are trimmed again by the model.
    const value = raw.trim();
    if (value !== '') applyCell(b, target, value);
  }
  return b.finish();
}

/** Ragged-row check: a record is well-formed when its length equals width, or it is longer only by trailing cells that are empty after trim. Returns null or a message like `expected 5 columns, found 3`. */
export function columnCountProblem(fields: string[], width: number): string | null {
  if (fields.length === width) return null;
  if (fields.length > width && fields.slice(width).every((f) => f.trim() === '')) return null;
  return `expected ${width} column${width === 1 ? '' : 's'}, found ${fields.length}`;
}
