/** @module How a contact's name parts are read: "Last, First", a lone full name, or a name guessed from the email's local part. */
import type { NormalizedContact } from './fields.ts';

type NameParts = Pick<NormalizedContact, 'full_name' | 'first_name' | 'last_name'>;

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

/** The three name parts from those given: the missing ones composed or split from the others. */
export function composeNames(names: NameParts): NameParts {
  const { full_name, first_name, last_name } = names;
  if (full_name === undefined) {
    return withoutUndefined({
      first_name,
      last_name,
      full_name: [first_name, last_name].filter((p) => p !== undefined).join(' '),
    });
  }
  // Given parts are the client's own decision; second-guessing them would overwrite good data.
  if (first_name !== undefined || last_name !== undefined) {
    return withoutUndefined({ full_name, first_name, last_name });
  }
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

// Absent must mean "no key": the update path treats a present key as "overwrite". Built key by key
// (in the literal's order) rather than through entries, which cost three arrays per row.
function withoutUndefined<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
