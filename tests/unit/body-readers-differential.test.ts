/**
 * @module Differential tests: the request-body readers that jump over plain text (JSON parse,
 * shape check, UTF-8 decode into parts, CSV record count) give exactly what the character-by-
 * character readers in tests/unit/oracles gave: the same values, errors, messages and positions,
 * on generated and hand-picked awkward inputs, whatever the slices and parts.
 */
import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../shared/http/env.ts';
import { ApiError } from '../../shared/http/errors.ts';
import { readJsonBody } from '../../shared/http/json-body.ts';
import { shapeProblemAt } from '../../shared/http/json-shape.ts';
import { parseJson } from '../../shared/http/json-sliced.ts';
import { countCsvRecords } from '../../shared/imports/csv-count.ts';
import type { Delimiter } from '../../shared/imports/csv-record.ts';
import { rng } from '../support/random.ts';
import { countCsvRecords as oldCountCsvRecords } from './oracles/csv-count.ts';
import { readJsonBody as oldReadJsonBody } from './oracles/json-body.ts';
import { shapeProblemAt as oldShapeProblemAt } from './oracles/json-shape.ts';
import { parseJson as oldParseJson } from './oracles/json-sliced.ts';

type Rng = ReturnType<typeof rng>;

/** A value written out with key order, -0, own `__proto__` keys and prototypes showing. */
function canon(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  const proto = Object.getPrototypeOf(v) === Object.prototype ? '' : '(other prototype)';
  const entries = Object.keys(v).map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`);
  return `{${proto}${entries.join(',')}}`;
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    return `ok ${canon(await run())}`;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

/** The text cut into parts at random places (empty parts and split surrogate pairs included). */
function randomParts(text: string, r: Rng): string[] {
  const kind = r.int(0, 3);
  if (kind === 0) return [text];
  const size = kind === 1 ? r.int(1, 9) : kind === 2 ? r.int(1000, 70_000) : 0;
  const parts: string[] = [];
  for (let at = 0; at < text.length;) {
    const n = size || r.int(0, Math.max(1, Math.floor(text.length / 3)));
    parts.push(text.slice(at, at + n));
    at += n;
  }
  if (r.chance(0.3)) parts.splice(r.int(0, parts.length), 0, '');
  return parts;
}

// Characters and snippets that make string text awkward to read.
const AWKWARD = [
  'a',
  'é',
  '"',
  '\\',
  '\n',
  '\r\n',
  '\t',
  '\u0001',
  '\u001f',
  '\u0000',
  '\ud83d\ude00',
  '\ud800',
  '\udc00',
  '/',
  '\u2028',
  '\u00a0',
  '\ufeff',
  '\u007f',
  'x'.repeat(20),
];

function randomString(r: Rng, maxParts: number): string {
  return Array.from({ length: r.int(0, maxParts) }, () => r.pick(AWKWARD)).join('');
}

/** A string literal as JSON text, characters escaped in every way JSON allows, some of them at random. */
function stringLiteral(s: string, r: Rng): string {
  let out = '"';
  for (const ch of s.split('')) {
    const code = ch.charCodeAt(0);
    if (r.chance(0.08)) {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${r.chance(0.5) ? hex : hex.toUpperCase()}`;
    } else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '/' && r.chance(0.5)) out += '\\/';
    else if (code < 0x20) out += JSON.stringify(ch).slice(1, -1);
    else out += ch;
  }
  return `${out}"`;
}

const space = (r: Rng) => (r.chance(0.2) ? r.pick([' ', '\n', '\t', '\r\n  ']) : '');

/** Random JSON text: every kind of token, awkward strings, nesting, whitespace here and there. */
function jsonText(r: Rng, depth: number): string {
  const kind = r.int(0, depth > 5 ? 5 : 7);
  switch (kind) {
    case 0:
      return r.pick(['null', 'true', 'false']);
    case 1:
      return r.pick(['0', '-0', '1.5', '-12e-7', '1E+300', '123456789012', '-3', '0.0']);
    case 2:
    case 3:
      return stringLiteral(randomString(r, 12), r);
    case 4:
      return stringLiteral(randomString(r, 2) + 'k'.repeat(r.int(0, 300)), r);
    case 5:
      return `[${space(r)}${Array.from({ length: r.int(0, 4) }, () => jsonText(r, depth + 1)).join(`,${space(r)}`)}]`;
    default: {
      const keys = Array.from(
        { length: r.int(0, 4) },
        (_, i) => `${stringLiteral(r.chance(0.1) ? '__proto__' : randomString(r, 3) + i, r)}${space(r)}:${space(r)}`,
      );
      return `{${space(r)}${keys.map((k) => k + jsonText(r, depth + 1)).join(`,${space(r)}`)}${space(r)}}`;
    }
  }
}

const NASTY = [
  '"',
  '\\',
  'u',
  '\\u',
  '\\u12',
  '\\uD83D',
  '\\uDE00',
  '\\x',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  ' ',
  '\n',
  '\u0001',
  '\u0000',
  '0',
  '-',
  '.',
  'e',
  'tru',
  'n',
  'F',
  '\ud800',
];

/** A few random edits: most texts come out invalid somewhere, some still valid. */
function mutate(text: string, r: Rng): string {
  let s = text;
  for (let n = r.int(1, 3); n > 0; n--) {
    const at = r.int(0, s.length);
    const op = r.int(0, 2);
    if (op === 0) s = s.slice(0, at) + r.pick(NASTY) + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + r.pick(NASTY) + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(at + 1);
  }
  return s;
}

async function expectSameParse(text: string, r: Rng): Promise<void> {
  const sliceChars = r.pick([1, 3, 7, 64, 1000, 1 << 14, 1 << 20]);
  const opts = { slicedAbove: 0, sliceChars };
  const old = await outcome(() => oldParseJson(text, opts));
  const now = await outcome(() => parseJson(randomParts(text, r), opts));
  expect(now, text.length > 300 ? `${text.length} characters: ${text.slice(0, 300)}` : text).toBe(old);
}

/** Where a piece boundary falls for a string whose text starts at `start`: every 65536 characters. */
const PIECE = 1 << 16;

describe('parseJson against the character-by-character reader', () => {
  it('agrees on random documents, valid and mutated, whatever the slices and parts', async () => {
    const r = rng(1);
    for (let n = 0; n < 1500; n++) {
      const text = jsonText(r, 0);
      await expectSameParse(text, r);
      await expectSameParse(mutate(text, r), r);
    }
  });

  it('agrees on long strings with escapes, bad escapes and control characters at the piece boundaries', async () => {
    const r = rng(2);
    const snippets = [
      '\\r\\n',
      '\\uD83D\\uDE00',
      '\\ud83d',
      '\\uDE00',
      '\\u0041',
      '\\u00e9',
      '\\\\',
      '\\"',
      '\\/',
      '\\x',
      '\\u12',
      '\\u12"',
      '\\uZZZZ',
      '\\\u0001',
      '\\u\u000a00',
      '\u0001',
      '\n',
      '\t',
      '"',
      '\\',
    ];
    for (let n = 0; n < 100; n++) {
      const prefix = r.pick(['', '{"csv":', '[1,', '{"a":"b","long":']);
      const length = r.pick([PIECE - 10, PIECE + 20, 3 * PIECE + 50]);
      const chars = 'x'.repeat(length).split('');
      // Snippets in the body of the string, most of them a few characters from a piece boundary.
      for (let k = r.int(1, 6); k > 0; k--) {
        const near = r.chance(0.8) ? r.int(1, Math.floor(length / PIECE)) * PIECE + r.int(-8, 8) : r.int(0, length);
        const at = Math.max(0, Math.min(length - 1, near));
        chars[at] = r.pick(snippets.slice(0, r.chance(0.7) ? 10 : snippets.length));
      }
      const text = `${prefix}"${chars.join('')}"${prefix ? (prefix.startsWith('[') ? ']' : '}') : ''}`;
      await expectSameParse(text, r);
      if (r.chance(0.3)) await expectSameParse(text.slice(0, r.int(0, text.length)), r);
    }
  });

  it('agrees on a CSV in one long string, as a queued import sends it', async () => {
    const r = rng(3);
    const lines = Array.from(
      { length: 4000 },
      (_, i) => `Anna Weber,anna.weber.${i}@example-${i % 7}.com,+49 157 0000 ${i},"Nordwind, GmbH",CTO`,
    );
    const text = JSON.stringify({ csv: lines.join(r.pick(['\r\n', '\n'])), has_header: false });
    for (let n = 0; n < 4; n++) await expectSameParse(text, r);
    await expectSameParse(text.replace('0123', '01\u00013'), r);
    await expectSameParse(text.slice(0, 200_000) + '\\q' + text.slice(200_000), r);
  });

  it('agrees on deep nesting and on objects with many keys', async () => {
    const r = rng(4);
    for (const n of [1, 64, 65, 1000, 2000]) {
      await expectSameParse('['.repeat(n) + ']'.repeat(n), r);
      await expectSameParse('{"a":'.repeat(n) + '1' + '}'.repeat(n), r);
      await expectSameParse('['.repeat(n) + ']'.repeat(n - 1), r);
    }
    const many = `{${Array.from({ length: 40_000 }, (_, i) => `"k${i % 30_000}":${i}`).join(',')}}`;
    await expectSameParse(many, r);
    await expectSameParse(many.replace('"k29999":', '"k29999",'), r);
  });
});

describe('parseJson holding limits against the shape reader, then the character-by-character reader', () => {
  /** What the body reader did before the parser held the limits: the shape pass first, then the parse. */
  async function expected(text: string, limits: { maxDepth: number; maxKeys: number }, sliceChars: number) {
    const shape = await oldShapeProblemAt(text, limits.maxDepth, limits.maxKeys);
    if (shape) return `ShapeLimitError: ${shape.limit} limit passed at character ${shape.at}`;
    return await outcome(() => oldParseJson(text, { slicedAbove: 0, sliceChars }));
  }

  it('agrees on random documents, mutated ones and punctuation, whatever the limits, slices and parts', async () => {
    const r = rng(41);
    let refused = 0;
    for (let n = 0; n < 3000; n++) {
      const doc = jsonText(r, 0);
      const text = r.pick([doc, mutate(doc, r), punctuation(r, r.int(1, 60)), `{"rows":[${doc},${mutate(doc, r)}]}`]);
      const limits = { maxDepth: r.int(1, 6), maxKeys: r.int(1, 5) };
      const sliceChars = r.pick([1, 3, 7, 64, 1 << 14]);
      const elementsBuilt = r.chance(0.5) ? { rows: r.int(0, 2) } : undefined;
      const want = await expected(text, limits, sliceChars);
      if (want.startsWith('ShapeLimitError')) refused++;
      const got = await outcome(() =>
        parseJson(randomParts(text, r), { slicedAbove: 0, sliceChars, limits, elementsBuilt })
      );
      // Values may differ by the rows left unbuilt; errors may not.
      if (elementsBuilt && want.startsWith('ok') && got.startsWith('ok')) continue;
      expect(got, text).toBe(want);
    }
    expect(refused).toBeGreaterThan(300);
  });
});

/** Random text that is mostly JSON punctuation, strings and escapes. */
function punctuation(r: Rng, length: number): string {
  return Array.from({ length }, () => r.pick(['{', '}', '[', ']', ':', ',', '"', '\\', 'a', ' ', '"k":', '\\"'])).join(
    '',
  );
}

describe('shapeProblemAt against the character-by-character reader', () => {
  it('agrees on random documents and punctuation, whatever the limits and parts', async () => {
    const r = rng(5);
    for (let n = 0; n < 2000; n++) {
      const text = r.chance(0.5) ? jsonText(r, 0) : punctuation(r, r.int(0, 400));
      const maxDepth = r.int(1, 6);
      const maxKeys = r.int(1, 6);
      const parts = randomParts(text, r);
      expect(await shapeProblemAt(parts, maxDepth, maxKeys), text).toEqual(
        await oldShapeProblemAt(text, maxDepth, maxKeys),
      );
    }
  });

  it('agrees on long texts, parts cut right after a backslash included', async () => {
    const r = rng(6);
    for (let n = 0; n < 20; n++) {
      const text = punctuation(r, r.int(100_000, 300_000));
      const cut = text.indexOf('\\', r.int(0, text.length - 1)) + 1;
      const parts = cut > 0 && r.chance(0.5) ? [text.slice(0, cut), text.slice(cut)] : randomParts(text, r);
      for (const [depth, keys] of [[64, 32_768], [r.int(2, 40), r.int(2, 400)]]) {
        expect(await shapeProblemAt(parts, depth, keys)).toEqual(await oldShapeProblemAt(text, depth, keys));
      }
    }
  });
});

/** Random CSV text: fields, quotes, escaped quotes, blank and space-only lines, CR, LF and CRLF. */
function csvText(r: Rng, tokens: number, delimiter: Delimiter): string {
  const pieces = [
    'a',
    'bc',
    ' ',
    '\t',
    delimiter,
    delimiter,
    ',',
    ';',
    '"',
    '""',
    '"q, "" x"',
    '\r',
    '\n',
    '\r\n',
    '\r\n\r\n',
    '\ufeff',
    '\u00a0',
    '\u000b',
    '\u000c',
    'x y',
  ];
  return Array.from({ length: tokens }, () => r.pick(pieces)).join('');
}

/** Rows of fields, some quoted with delimiters, quotes and line breaks inside. */
function csvRows(r: Rng, rows: number, delimiter: Delimiter): string {
  const field = () =>
    r.pick([
      'Anna',
      '',
      ' ',
      `"Nordwind${delimiter} GmbH"`,
      '"say ""hi"""',
      '"two\nlines"',
      '"cr\r\nlf"',
      '""',
      'x"y',
    ]);
  const lines = Array.from(
    { length: rows },
    () => (r.chance(0.1) ? r.pick(['', '  ', delimiter.repeat(3)]) : Array.from({ length: 4 }, field).join(delimiter)),
  );
  return lines.join(r.pick(['\n', '\r\n', '\r'])) + r.pick(['', '\n', '\r\n']);
}

describe('countCsvRecords against the character-by-character reader', () => {
  const delimiters: Delimiter[] = [',', ';', '\t', '|'];

  it('agrees on random and row-shaped CSV text, short and long, for every delimiter', async () => {
    const r = rng(7);
    for (let n = 0; n < 3000; n++) {
      const delimiter = r.pick(delimiters);
      const text = n % 2 ? csvText(r, r.int(0, 60), delimiter) : csvRows(r, r.int(0, 12), delimiter);
      const before = r.int(0, 2);
      expect(await countCsvRecords(text, delimiter, before), JSON.stringify(text)).toBe(
        await oldCountCsvRecords(text, delimiter, before),
      );
    }
    for (let n = 0; n < 30; n++) {
      const delimiter = r.pick(delimiters);
      const text = n % 2 ? csvText(r, r.int(20_000, 60_000), delimiter) : csvRows(r, r.int(5000, 20_000), delimiter);
      expect(await countCsvRecords(text, delimiter, 1)).toBe(await oldCountCsvRecords(text, delimiter, 1));
    }
  });
});

/** What a route answers for `bytes` when `read` reads the body: the parsed value, or the error. */
async function answer(read: typeof readJsonBody, bytes: Uint8Array): Promise<string> {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    try {
      return c.text(`ok ${canon(await read(c))}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return c.text(`${err.code} ${err.message} ${JSON.stringify(err.details)}`);
    }
  });
  const res = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  return res.text();
}

const MB = 1 << 20;
const enc = new TextEncoder();

/** A JSON body `{"csv":"xxx…"}` of `size` bytes with `insert` written at byte `at` (inside the string). */
function bodyWith(size: number, inserts: [number, number[]][], head = '{"csv":"'): Uint8Array {
  const bytes = new Uint8Array(size).fill(0x78);
  bytes.set(enc.encode(head), 0);
  bytes.set(enc.encode('"}'), size - 2);
  for (const [at, insert] of inserts) bytes.set(insert, at);
  return bytes;
}

describe('readJsonBody against the body reader before it', () => {
  const EMOJI = [0xf0, 0x9f, 0x98, 0x80];
  const EURO = [0xe2, 0x82, 0xac];
  const BOM = [0xef, 0xbb, 0xbf];

  it('gives the same value for large bodies with characters and BOMs across the decode parts', async () => {
    const bodies: Uint8Array[] = [];
    for (const boundary of [1 << 16, 2 << 16, MB, MB + (1 << 16)]) {
      for (const shift of [-3, -1, 0]) {
        bodies.push(bodyWith(MB + 200_077, [[boundary + shift, EMOJI], [boundary + 5000 + shift, EURO]]));
      }
      bodies.push(bodyWith(MB + 200_000, [[boundary, BOM]]));
      bodies.push(bodyWith(MB + 200_000, [[boundary - 1, [0x5c, 0x5c]], [boundary + 1, [0x5c, 0x6e]]]));
    }
    bodies.push(new Uint8Array([...BOM, ...bodyWith(2 * MB, [])]));
    bodies.push(new Uint8Array([...BOM, ...BOM, ...bodyWith(2 * MB, [])]));
    for (const bytes of bodies) expect(await answer(readJsonBody, bytes)).toBe(await answer(oldReadJsonBody, bytes));
  });

  it('names the same offset for invalid UTF-8 anywhere in a large body', async () => {
    const cases: [number, number[]][] = [];
    for (const boundary of [1 << 16, 5 << 16, MB, 2 * MB - 3]) {
      for (const shift of [-3, -1, 0, 1, 2]) {
        cases.push([boundary + shift, [0xff]]);
        cases.push([boundary + shift, [0x80]]);
        cases.push([boundary + shift, [0xe2, 0x82, 0x78]]);
        cases.push([boundary + shift, [0xed, 0xa0, 0x80]]);
        cases.push([boundary + shift, [0xf0, 0x9f, 0x98, 0x80, 0xc0]]);
      }
    }
    for (const [at, insert] of cases) {
      const bytes = bodyWith(2 * MB + 5, [[at, insert]]);
      expect(await answer(readJsonBody, bytes), `${at} ${insert}`).toBe(await answer(oldReadJsonBody, bytes));
    }
    const truncated = bodyWith(2 * MB, []);
    truncated.set([0xf0, 0x9f, 0x98], truncated.length - 3);
    expect(await answer(readJsonBody, truncated)).toBe(await answer(oldReadJsonBody, truncated));
  });

  it('gives the same errors for blank, too deep, too wide, malformed and unstorable large bodies', async () => {
    const texts = [
      ' '.repeat(MB + 10),
      `${' \n\t\r'.repeat(MB / 2)}\ufeff\u00a0`,
      `${' '.repeat(MB)}x`,
      `{"a":${'['.repeat(70)}${' '.repeat(MB)}${']'.repeat(70)}}`,
      `{${Array.from({ length: 40_000 }, (_, i) => `"key${i}":1`).join(',')}}`,
      `{"csv":"${'line\\r\\n'.repeat(MB / 4)}bad \\x escape"}`,
      `{"csv":"${'line\\r\\n'.repeat(MB / 4)}raw \u0001 control"}`,
      `{"csv":"${'line\\r\\n'.repeat(MB / 4)}nul \\u0000 here"}`,
      `{"csv":"${'line\\n'.repeat(MB / 4)}lone \\udc00 surrogate"}`,
      `{"rows":[${Array.from({ length: 30_000 }, (_, i) => `{"email":"u${i}@x.test","name":"Zoë ${i}"}`).join(',')}]}`,
      `{"rows":[${'{"email":"a@b.test"},'.repeat(60_000)}]}`,
      `{"csv":"${'x'.repeat(MB)}"`,
      // A NUL escape cut by the first decode part, whose 65,536 bytes end right after the backslash.
      `{"csv":"${'x'.repeat((1 << 16) - 9)}\\u0000${'x'.repeat(MB)}"}`,
      `{"csv":"${'x'.repeat((1 << 16) - 10)}\\\\u0000${'x'.repeat(MB)}"}`,
      ...['\\uD800', '\\udfff', '\\uD83D\\uDE00', '\\\\u0000', '\\u0041', 'no escape'].map((last) =>
        `{"rows":[${'{"email":"a@b.test","name":"Zoë"},'.repeat(31_000)}{"name":"${last}"}]}`
      ),
      `{"rows":[${'{"email":"a@b.test"},'.repeat(60_000)}{"\\u0000":1}]}`,
      // Too deep or too wide after a syntax error: the shape is named, as when it was checked first.
      `{"x":tru,"a":${'['.repeat(70)}${' '.repeat(MB)}${']'.repeat(70)}}`,
      `{"a":${'['.repeat(70)}1,,${' '.repeat(MB)}${']'.repeat(70)}}`,
      `{"bad":01,${Array.from({ length: 40_000 }, (_, i) => `"key${i}":1`).join(',')}${' '.repeat(MB)}}`,
      `{${Array.from({ length: 40_000 }, (_, i) => `"key${i}":1`).join(',')}${' '.repeat(MB)}}`,
      `{"rows":[${'{"email":"a@b.test"},'.repeat(60_000)}{"x":tru}],"deep":${'['.repeat(70)}${']'.repeat(70)}}`,
      `{"rows":[${'{"email":"a@b.test"},'.repeat(60_000)}{"x":"\\q"}]}`,
      `{"rows":[${'{"email":"a@b.test"},'.repeat(60_000)}${'['.repeat(70)}${']'.repeat(70)}]}`,
    ];
    const built = (c: Context<AppEnv>) => readJsonBody(c, { elementsBuilt: { rows: 500 } });
    for (const text of texts) {
      const bytes = enc.encode(text);
      const old = await answer(oldReadJsonBody, bytes);
      expect(await answer(readJsonBody, bytes), text.slice(0, 60)).toBe(old);
      // Rows left unbuilt change the value, never an error.
      if (!old.startsWith('ok')) expect(await answer(built, bytes), text.slice(0, 60)).toBe(old);
    }
  });
});
