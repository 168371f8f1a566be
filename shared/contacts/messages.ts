/** @module How contact problems are worded, and the small value tests the wording needs; one place, so imports and POST /v1/contacts say the same thing. */

// Messages quote user input so people can find the bad cell, but a long value must not be echoed
// back whole (it bloats error lists and can leak pasted data); 50 code points plus an ellipsis.
const PREVIEW_CODE_POINTS = 50;

/** Whether `s` has more than `max` code points; never walks more than 2 × max characters. */
export function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  // A code point is one or two UTF-16 units.
  if (s.length > 2 * max) return true;
  let n = 0;
  for (const _ of s) if (++n > max) return true;
  return false;
}

export function truncate(s: string): string {
  let n = 0;
  let end = 0;
  for (const cp of s) {
    if (++n > PREVIEW_CODE_POINTS) return `${s.slice(0, end)}…`;
    end += cp.length;
  }
  return s;
}

export function quote(s: string): string {
  return JSON.stringify(truncate(s));
}

export function kindOf(v: unknown): string {
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

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isAbsent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

export const msg = {
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
