/**
 * @module Holds phone-plans.ts's own evaluation of the phone metadata to libphonenumber-js's answers:
 * the same valid numbers, the same E.164 forms, the same refusals, over every country's example
 * numbers and their one-digit variants, random digits behind every calling code, and the shapes the
 * library treats specially (national prefixes, non-geographic codes, lengths it refuses early).
 */
import { describe, expect, it } from 'vitest';
import { type CountryCode, getCountries, getCountryCallingCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { e164Of, fastE164, libraryE164 } from '../../shared/contacts/phone-plans.ts';
import { rng } from '../support/random.ts';

// A fixed seed, so a failure names an input that reproduces.
const next = rng(20261202).next;
const digit = () => String(Math.floor(next() * 10));
const digits = (n: number) => Array.from({ length: n }, digit).join('');

const CALLING_CODES = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
const NON_GEOGRAPHIC = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];

/** Every example with each digit changed once, shortened, lengthened, and behind a national prefix. */
function exampleVariants(): string[] {
  const out: string[] = [];
  for (const [country, national] of Object.entries(examples as Record<string, string>)) {
    const code = `+${getCountryCallingCode(country as CountryCode)}`;
    out.push(code + national, code + national.slice(0, -1), code + national + digit(), `${code}0${national}`);
    out.push(`${code}1${national}`, `${code}00${national}`, `${code}8${national}`, `${code}${national}${national}`);
    for (let i = 0; i < national.length; i++) {
      for (let d = 0; d < 10; d++) out.push(code + national.slice(0, i) + d + national.slice(i + 1));
    }
  }
  return out;
}

/** Random national numbers of every length up to past the library's limit, behind every calling code and some unknown ones. */
function randomNumbers(): string[] {
  const out: string[] = [];
  for (const code of [...CALLING_CODES, ...NON_GEOGRAPHIC, '0', '00', '999', '42', '28', '']) {
    for (let length = 0; length <= 19; length++) {
      for (let k = 0; k < 6; k++) out.push(`+${code}${digits(length)}`);
    }
  }
  for (let k = 0; k < 3000; k++) out.push(`+${digits(1 + Math.floor(next() * 20))}`);
  return out;
}

const INPUTS = [...new Set([...exampleVariants(), ...randomNumbers(), '+', '+0', '+1', '+12', '+123'])];

describe('phone-plans: the fast path agrees with libphonenumber-js', () => {
  it('gives the same E.164 form or refusal for every input, and decides most of them itself', () => {
    const disagreements: string[] = [];
    let decided = 0;
    let valid = 0;
    for (const input of INPUTS) {
      const library = libraryE164(input);
      const fast = fastE164(input);
      if (fast !== undefined) decided++;
      if (library !== undefined) valid++;
      if ((fast !== undefined && fast !== (library ?? null)) || e164Of(input) !== library) {
        disagreements.push(`${input}: library ${library}, fast ${fast}`);
      }
    }
    expect(disagreements.slice(0, 20)).toStrictEqual([]);
    // Guards against a sample that proves nothing: valid and invalid numbers both, mostly decided here.
    expect(INPUTS.length).toBeGreaterThan(40_000);
    expect(valid).toBeGreaterThan(10_000);
    expect(INPUTS.length - valid).toBeGreaterThan(10_000);
    expect(decided / INPUTS.length).toBeGreaterThan(0.8);
  });

  it.each([
    ['a US number', '+14155552671'],
    ['a German mobile', '+4915112345678'],
    ['a UK mobile', '+447400123456'],
    ['a Canadian number', '+16135550123'],
    ['a Jersey mobile (shares +44)', '+447797712345'],
    ['an invalid US number', '+10235550100'],
  ])('decides %s itself, as the library does', (_, input) => {
    const fast = fastE164(input);
    expect(fast).not.toBeUndefined();
    expect(fast ?? undefined).toBe(libraryE164(input));
  });

  it.each([
    ['a national prefix after the calling code', '+4901511234567'],
    ['a non-geographic calling code', '+80012345678'],
    ['an unknown calling code', '+999123456789'],
    ['a national number of one digit', '+491'],
    ['a national number longer than 17 digits', `+49${'1'.repeat(18)}`],
  ])('leaves %s to the library', (_, input) => {
    expect(fastE164(input)).toBeUndefined();
    expect(e164Of(input)).toBe(libraryE164(input));
  });
});
