/** @module The rules for one contact value each (email, phone, date, URL, priority, tags, custom_fields), bounded in work whatever the value's size. */
import { z } from 'zod';
import { CUSTOM_FIELDS_MEASURED_BYTES, MAX, MAX_TAG_ENTRIES } from './fields.ts';
import { isPlainObject, longerThan, msg, quote } from './messages.ts';
import { e164Of } from './phone-plans.ts';

// zod's email format decides, so that "valid email" means the same thing here as anywhere else zod
// is used in the project. Its pattern is tested directly, as the format's check does: safeParse
// would build a result (and for a miss an issue) for every row.
const EMAIL_PATTERN = z.email()._zod.def.pattern ?? z.regexes.email;

/** Whether a trimmed string is an email address this model accepts (CSV multi-value cells pick the first such value). */
export function isValidEmail(s: string): boolean {
  EMAIL_PATTERN.lastIndex = 0;
  return EMAIL_PATTERN.test(s);
}

/** Whether a trimmed string is a phone number this model accepts. */
export function isValidPhone(s: string): boolean {
  return normalisePhone(s).ok;
}

// Characters people use to format phone numbers; anything else (letters, "ext.", a second number)
// would be silently dropped by libphonenumber, so it is refused instead.
const PHONE_FORMATTING = /[\s\-.()/]/g;

export function normalisePhone(raw: string): { ok: true; e164: string } | { ok: false; message: string } {
  if (longerThan(raw, MAX.phone)) return { ok: false, message: msg.tooLong('phone', MAX.phone) };
  let compact = raw.replace(PHONE_FORMATTING, '');
  if (compact.startsWith('00')) compact = `+${compact.slice(2)}`;
  if (!compact.startsWith('+')) return { ok: false, message: `phone ${quote(raw)} needs a country code (+ or 00)` };
  if (!/^\+\d+$/.test(compact)) {
    return { ok: false, message: `phone ${quote(raw)} may only contain digits, spaces and + - . ( ) /` };
  }
  const e164 = e164Of(compact);
  if (e164 === undefined) return { ok: false, message: `phone ${quote(raw)} is not a valid phone number` };
  return { ok: true, e164 };
}

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

let lastIso = { time: NaN, iso: '' };

/** `date.toISOString()`, remembered for the last instant asked: every row of a batch shares one "now". */
export function isoString(date: Date): string {
  const time = date.getTime();
  if (time !== lastIso.time) lastIso = { time, iso: date.toISOString() };
  return lastIso.iso;
}

export function normaliseCreatedDate(v: unknown, now: Date): string {
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
  return isoString(now);
}

export function normaliseUrl(raw: string): string | undefined {
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

// Outlook and Google exports write "Normal" in their Priority column, meaning medium.
const PRIORITY_WORDS: Record<string, number> = { high: 1, medium: 2, normal: 2, low: 3 };

export function normalisePriority(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 3 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (Object.hasOwn(PRIORITY_WORDS, s)) return PRIORITY_WORDS[s];
  return /^[1-3]$/.test(s) ? Number(s) : undefined;
}

type TagIssue = { path: string; message: string };

/** Whether a tag string splits into more than MAX_TAG_ENTRIES entries, found without splitting it. */
function tooManyTagEntries(s: string): boolean {
  const separators = /[,;]/g;
  let entries = 1;
  while (separators.exec(s) !== null) if (++entries > MAX_TAG_ENTRIES) return true;
  return false;
}

export function normaliseTags(v: unknown): { tags: string[]; issues: TagIssue[] } {
  let items: unknown[];
  if (typeof v === 'string') {
    if (tooManyTagEntries(v)) return { tags: [], issues: [tooManyTags()] };
    items = v.split(/[,;]/);
  } else if (Array.isArray(v)) {
    if (v.length > MAX_TAG_ENTRIES) return { tags: [], issues: [tooManyTags()] };
    items = v;
  } else {
    return { tags: [], issues: [{ path: 'tags', message: msg.tagsType(v) }] };
  }
  const issues: TagIssue[] = [];
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
    if (longerThan(tag, MAX.tag)) {
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

function tooManyTags(): TagIssue {
  return { path: 'tags', message: `tags has more than ${MAX_TAG_ENTRIES} entries; at most ${MAX.tags} are allowed` };
}

/** The JSON round trip returns exactly what was measured and what the jsonb column will hold. */
export function normaliseCustomFields(v: unknown): Record<string, unknown> | string {
  if (!isPlainObject(v)) return msg.customFieldsType(v);
  if (jsonBytesExceed(v, CUSTOM_FIELDS_MEASURED_BYTES)) {
    return `custom_fields is more than ${CUSTOM_FIELDS_MEASURED_BYTES} bytes as JSON; at most ${MAX.custom_fields_bytes} are allowed`;
  }
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

/**
 * Whether the JSON of `root` is surely longer than `limit` bytes: a walk that adds up a lower
 * bound of its size (a UTF-16 unit is at least one UTF-8 byte) and stops as soon as it passes, so
 * a huge value costs no more than one of `limit` bytes. No recursion.
 */
function jsonBytesExceed(root: object, limit: number): boolean {
  let bytes = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') bytes += v.length + 2;
    else if (Array.isArray(v)) {
      bytes += 1 + Math.max(1, v.length);
      if (bytes <= limit) { for (const item of v) pending.push(item); }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      bytes += 1 + Math.max(1, keys.length);
      for (const k of keys) {
        if (bytes > limit) break;
        bytes += k.length + 3;
        pending.push((v as Record<string, unknown>)[k]);
      }
    } else bytes += 1;
    if (bytes > limit) return true;
  }
  return false;
}
