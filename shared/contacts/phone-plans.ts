/**
 * @module Whether "+<digits>" is a valid phone number, and its E.164 form, exactly as
 * libphonenumber-js says. The library builds a RegExp from its metadata for every pattern it tries,
 * on every call: 15-50 µs a number, the largest single cost of preparing a row. For the common case
 * (a known country calling code, no national prefix to strip) this evaluates the same metadata, in
 * the same order, with patterns compiled once; everything else is left to the library. A property
 * test (tests/unit/phone-plans.test.ts) holds the two to the same answers.
 */
import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js';

/** The library's verdict on "+<digits>": the E.164 number, or undefined when it is not valid. */
export function libraryE164(compact: string): string | undefined {
  const parsed = parsePhoneNumberFromString(compact);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The accessors of the library's metadata that its parser uses (present at runtime, not in its typings). */
interface LibraryPlan {
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
interface LibraryMetadata {
  numberingPlan: LibraryPlan;
  selectNumberingPlan(countryOrCallingCode: string): void;
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

/** Every number type the library knows; a number of a country with types is valid when one of them matches. */
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** The library's MIN_LENGTH_FOR_NSN and MAX_LENGTH_FOR_NSN; numbers outside are left to it. */
const NSN_LENGTHS = { min: 2, max: 17 };

interface TypeRule {
  pattern: RegExp;
  lengths: number[] | undefined;
}

/** One country's numbering plan, with its patterns compiled as the library's matchesEntirely compiles them. */
interface Plan {
  national: RegExp;
  /** National prefix for parsing: a number it matches is left to the library, which may strip it. */
  prefix: RegExp | undefined;
  leadingDigits: RegExp | undefined;
  /** Undefined for a plan without types, which the national pattern alone validates. */
  types: TypeRule[] | undefined;
}

const metadata = new Metadata() as unknown as LibraryMetadata;
const plans = new Map<string, Plan>();
const entirely = (pattern: string) => new RegExp(`^(?:${pattern})$`);

function planOf(country: string): Plan {
  let plan = plans.get(country);
  if (plan) return plan;
  metadata.selectNumberingPlan(country);
  const p = metadata.numberingPlan;
  const prefix = p.nationalPrefixForParsing();
  const leading = p.leadingDigits();
  const types: TypeRule[] = [];
  for (const name of TYPES) {
    const t = p.type(name);
    if (t && t.pattern()) types.push({ pattern: entirely(t.pattern()), lengths: t.possibleLengths() });
  }
  plan = {
    national: entirely(p.nationalNumberPattern() || ''),
    prefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
    leadingDigits: leading ? new RegExp(leading) : undefined,
    types: p.hasTypes() ? types : undefined,
  };
  plans.set(country, plan);
  return plan;
}

/** The library's getNumberType(...) !== undefined. */
function hasType(plan: Plan, national: string, types: TypeRule[]): boolean {
  if (!plan.national.test(national)) return false;
  return types.some((t) => (!t.lengths || t.lengths.includes(national.length)) && t.pattern.test(national));
}

/** The library's isValid() of a number whose plan is known. */
function validIn(plan: Plan, national: string): boolean {
  return plan.types ? hasType(plan, national, plan.types) : plan.national.test(national);
}

/** The library's getCountryByNationalNumber: the first country whose leading digits, or else types, fit. */
function countryOf(countries: string[], national: string): string | undefined {
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits) {
      if (national.search(plan.leadingDigits) === 0) return country;
    } else if (plan.types && hasType(plan, national, plan.types)) return country;
  }
  return undefined;
}

/** The calling code "+<digits>" starts with, as the library finds it (the shortest known one). */
function callingCodeOf(digits: string): string | undefined {
  for (let i = 1; i <= 3 && i <= digits.length; i++) {
    const code = digits.slice(0, i);
    if (metadata.hasCallingCode(code)) return code;
  }
  return undefined;
}

/**
 * The library's verdict on "+<digits>" where it can be had without the library: the E.164 number,
 * null when not valid, undefined when the number takes a path this does not follow (no or a
 * non-geographic calling code, a national prefix, a length the library refuses early).
 */
export function fastE164(compact: string): string | null | undefined {
  const digits = compact.slice(1);
  if (digits[0] === '0') return undefined;
  const code = callingCodeOf(digits);
  const countries = code === undefined ? undefined : metadata.getCountryCodesForCallingCode(code);
  if (code === undefined || countries === undefined) return undefined;
  const national = digits.slice(code.length);
  if (national.length < NSN_LENGTHS.min || national.length > NSN_LENGTHS.max) return undefined;
  const main = planOf(countries[0]);
  const prefix = main.prefix?.exec(national);
  if (prefix && (prefix[0] !== '' || prefix.length > 1)) return undefined;
  const country = countries.length === 1 ? countries[0] : countryOf(countries, national);
  return validIn(country === undefined ? main : planOf(country), national) ? compact : null;
}

/** The E.164 form of "+<digits>" when it is a valid phone number. */
export function e164Of(compact: string): string | undefined {
  const fast = fastE164(compact);
  return fast === undefined ? libraryE164(compact) : fast ?? undefined;
}
