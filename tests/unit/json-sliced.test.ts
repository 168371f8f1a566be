/** The sliced JSON parser gives JSON.parse's answer (key order and own `__proto__` keys included) and refuses what JSON.parse refuses. */
import { describe, expect, it } from 'vitest';
import { parseJson, rawElementTexts, takeRawElements } from '../../shared/http/json-sliced.ts';

const sliced = (text: string, sliceChars = 7) => parseJson(text, { slicedAbove: 0, sliceChars });

/** A deterministic pseudo-random JSON value: every kind of token, escapes, nesting, duplicate-free keys. */
function randomValue(seed: { n: number }, depth: number): unknown {
  const r = () => (seed.n = (seed.n * 1103515245 + 12345) % 2147483648) / 2147483648;
  const kind = Math.floor(r() * (depth > 4 ? 6 : 8));
  const str = () =>
    [
      '',
      'a',
      'é',
      '\u2028',
      'quote " back \\ slash',
      'tab\tnew\nline',
      '\ud83d\ude00',
      '\u0001',
      'k'.repeat(Math.floor(r() * 40)),
    ][Math.floor(r() * 9)];
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -0, 1.5, -12e-7, 1e300, 123456789012, -3][Math.floor(r() * 7)];
    case 3:
    case 4:
      return str() + String(Math.floor(r() * 100));
    case 5:
      return str();
    case 6:
      return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(seed, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 6) }, (_, i) => [`${str()}${i}`, randomValue(seed, depth + 1)]),
      );
  }
}

describe('parseJson in slices', () => {
  it('equals JSON.parse on varied documents, with any slice size', async () => {
    for (let n = 1; n <= 80; n++) {
      const text = JSON.stringify(
        { v: randomValue({ n }, 0), w: [randomValue({ n: n + 7 }, 0)] },
        null,
        n % 3 === 0 ? 2 : undefined,
      );
      const got = await sliced(text, 1 + (n % 13) * 9);
      expect(got).toEqual(JSON.parse(text));
      expect(JSON.stringify(got)).toBe(JSON.stringify(JSON.parse(text)));
    }
  });

  it('decodes long strings a piece at a time, escapes and surrogate pairs across the pieces included', async () => {
    const alphabet = ['a', 'é', '"', '\\', '\n', '\u0001', '\ud83d\ude00', '\udc00', '\ud800', '/', '\u2028'];
    let seed = 7;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const length of [70_000, 140_000, 300_000]) {
      const value = Array.from({ length }, () => (r() < 0.7 ? 'x' : alphabet[Math.floor(r() * alphabet.length)])).join(
        '',
      );
      const text = JSON.stringify({
        [value.slice(0, 70_000)]: value,
        plain: 'y'.repeat(length),
        tail: `${'z'.repeat(length)}\n`,
      });
      const got = await sliced(text, 4096);
      expect(got).toEqual(JSON.parse(text));
    }
  });

  it('reads scalars at the top level, escapes and whitespace as JSON.parse does', async () => {
    for (
      const text of [
        '0',
        '-0.5e+3',
        ' true ',
        'null',
        '"a\\u0041\\n\\/"',
        '[]',
        '{}',
        ' [ 1 , [ ] , { } ] ',
        '{"a":1,"b":2,"a":3}',
      ]
    ) {
      expect(await sliced(text)).toEqual(JSON.parse(text));
    }
  });

  it('keeps "__proto__" an own key, like JSON.parse', async () => {
    const got = (await sliced('{"__proto__":{"polluted":1},"x":[{"__proto__":null}]}')) as {
      x: object[];
      polluted?: unknown;
    };
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.keys(got)).toEqual(['__proto__', 'x']);
    expect(got.polluted).toBeUndefined();
    expect(Object.hasOwn(got.x[0], '__proto__')).toBe(true);
  });

  it('refuses what JSON.parse refuses', async () => {
    const bad = [
      '"\\u12"',
      '"\\u12',
      '"\\uZZZZ"',
      '"\\',
      '"a\\"',
      '',
      '   ',
      '{',
      '[1,]',
      '[,1]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '[01]',
      '[1.]',
      '[.5]',
      '[+1]',
      '[tru]',
      '[nul]',
      '[truex]',
      '"a',
      '"\t"',
      '"\\x"',
      '[1] 2',
      '{"a":1}}',
      '[1 2]',
      "['a']",
      '[NaN]',
      '[Infinity]',
      '[-]',
      '[1e]',
      '{"a":}',
      '{,}',
      '[}',
      '{]',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      await expect(sliced(text), text).rejects.toThrow(SyntaxError);
    }
  });

  it('uses JSON.parse itself below the threshold', async () => {
    expect(await parseJson('{"a":[1,2]}')).toEqual({ a: [1, 2] });
  });
});

describe('takeRawElements: the text of each element of an array under the top-level object', () => {
  /** The text cut into parts at varied places (an empty part included). */
  const partsOf = (text: string, n: number) => {
    const parts: string[] = [''];
    for (let at = 0, k = 1; at < text.length; at += 1 + ((k * n) % 23), k++) {
      parts.push(text.slice(at, at + 1 + ((k * n) % 23)));
    }
    return parts;
  };
  const textsOf = (rows: unknown[]) => {
    const raw = takeRawElements(rows);
    return raw ? [...rawElementTexts(raw)] : undefined;
  };

  it('gives texts that parse to the elements, as written, across parts and slices, pretty-printed or not', async () => {
    for (let n = 1; n <= 60; n++) {
      const rows = Array.from({ length: 1 + (n % 9) }, (_, i) => randomValue({ n: n * 31 + i }, 1));
      const text = JSON.stringify({ before: [1, { x: [2] }], rows, after: 'x' }, null, n % 2 ? 2 : undefined);
      const parsed = await parseJson(partsOf(text, n), { slicedAbove: 0, sliceChars: 1 + (n % 11) * 5 }) as {
        rows: unknown[];
        before: unknown[];
      };
      const texts = textsOf(parsed.rows)!;
      expect(texts.map((t) => JSON.parse(t))).toEqual(JSON.parse(text).rows);
      // Handed over once: the body's text is not kept for a second reader.
      expect(takeRawElements(parsed.rows)).toBeUndefined();
      // Each is the element's own text: no separator or whitespace around it.
      expect(texts.every((t) => t === t.trim() && !t.startsWith(','))).toBe(true);
      expect(textsOf(parsed.before)!.map((t) => JSON.parse(t))).toEqual([1, { x: [2] }]);
      expect(textsOf((parsed.before[1] as { x: unknown[] }).x)).toBeUndefined();
    }
  });

  it('keeps a number as written, where JSON.stringify of the parsed value would not', async () => {
    const parsed = await parseJson('{"rows":[{"priority":1e400},-0, "a\\u0041"]}', { slicedAbove: 0 }) as {
      rows: unknown[];
    };
    expect(textsOf(parsed.rows)).toEqual(['{"priority":1e400}', '-0', '"a\\u0041"']);
  });

  it('has an empty list for an empty array, nothing for arrays deeper down, nor below the threshold (JSON.parse)', async () => {
    const deep = await parseJson('{"a":{"rows":[1,2]},"rows":[]}', { slicedAbove: 0 }) as {
      a: { rows: unknown[] };
      rows: unknown[];
    };
    expect(textsOf(deep.a.rows)).toBeUndefined();
    expect(textsOf(deep.rows)).toEqual([]);
    const small = await parseJson('{"rows":[1,2]}') as { rows: unknown[] };
    expect(textsOf(small.rows)).toBeUndefined();
    const top = await parseJson('[[1,2]]', { slicedAbove: 0 }) as unknown[][];
    expect(textsOf(top[0])).toBeUndefined();
  });
});

describe('elementsBuilt: elements past the first N of a named array are checked and kept as text, not built', () => {
  const partsOf = (text: string, n: number) => {
    const parts: string[] = [];
    for (let at = 0, k = 1; at < text.length; at += 1 + ((k * n) % 97), k++) {
      parts.push(text.slice(at, at + 1 + ((k * n) % 97)));
    }
    return parts;
  };
  /** Pretty-printed with tabs and CRLF line ends now and then: whitespace JSON allows between tokens. */
  const layout = (value: unknown, n: number) => {
    if (n % 3 === 0) return JSON.stringify(value);
    const pretty = JSON.stringify(value, null, n % 3 === 1 ? '\t' : 2);
    return n % 2 ? pretty.replace(/\n/g, '\r\n') : pretty;
  };

  it('builds the first N, leaves holes after them, and keeps every text, whatever the slices and parts', async () => {
    for (let n = 1; n <= 60; n++) {
      const rows = Array.from({ length: 1 + (n % 11) }, (_, i) => randomValue({ n: n * 17 + i }, 1));
      const text = layout({ before: [1, { x: [2] }], rows, after: ['a', 'b'] }, n);
      const built = n % 13;
      const parsed = await parseJson(partsOf(text, n), {
        slicedAbove: 0,
        sliceChars: 1 + (n % 11) * 5,
        elementsBuilt: { rows: built },
      }) as Record<string, unknown[]>;
      const expected = JSON.parse(text);
      expect(parsed.rows).toHaveLength(rows.length);
      for (let i = 0; i < rows.length; i++) {
        if (i < built) expect(parsed.rows[i], `${n} ${i}`).toEqual(expected.rows[i]);
        else expect(i in parsed.rows, `${n} ${i}`).toBe(false);
      }
      expect(parsed.before).toEqual(expected.before);
      expect(parsed.after).toEqual(expected.after);
      expect(Object.keys(parsed)).toEqual(['before', 'rows', 'after']);
      expect([...rawElementTexts(takeRawElements(parsed.rows)!)].map((t) => JSON.parse(t))).toEqual(expected.rows);
    }
  });

  it('checks strings longer than a piece, with escapes, and keeps their text whole', async () => {
    const long = 'ab"c\\d\u2028\ud83d\ude00\u0001'.repeat(20_000);
    const rows = [{ a: 1 }, { note: long, [long.slice(0, 70_000)]: [long] }, long];
    const text = JSON.stringify({ rows });
    const parsed = await parseJson(text, { slicedAbove: 0, sliceChars: 4096, elementsBuilt: { rows: 1 } }) as {
      rows: unknown[];
    };
    expect(parsed.rows).toEqual([{ a: 1 }, undefined, undefined]);
    expect([...rawElementTexts(takeRawElements(parsed.rows)!)].map((t) => JSON.parse(t))).toEqual(rows);
  });

  it('refuses what JSON.parse refuses inside an element it does not build, with the same message', async () => {
    const bad = [
      '"\\u12"',
      '"\\uZZZZ"',
      '"a\\"',
      '"\\x"',
      '"\t"',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '[01]',
      '[1.]',
      '[tru]',
      '[truex]',
      '{"a":}',
      '{"a":[1}',
      '[}',
      'nul',
      '-',
      '{"k":"v\\q"}',
    ];
    for (const b of bad) {
      for (const long of [false, true]) {
        const value = long ? `{"pad":"${'p'.repeat(70_000)}","bad":${b}}` : b;
        const text = `{"rows":[{"ok":1},${value},2]}`;
        expect(() => JSON.parse(text), b).toThrow(SyntaxError);
        const whole = await parseJson(text, { slicedAbove: 0 }).catch((e: Error) => e);
        const skimmed = await parseJson(text, { slicedAbove: 0, elementsBuilt: { rows: 1 } }).catch((e: Error) => e);
        expect(skimmed, b).toBeInstanceOf(SyntaxError);
        expect((skimmed as Error).message, b).toBe((whole as Error).message);
      }
    }
  });

  it('builds every array not named, and one named but not directly under the top-level object', async () => {
    const text = '{"constructor":[1,2],"__proto__":[3],"a":{"rows":[4,5]},"rows":[6,7]}';
    const parsed = await parseJson(text, { slicedAbove: 0, elementsBuilt: { rows: 0 } }) as Record<string, unknown>;
    expect(Object.hasOwn(parsed, 'constructor') && parsed.constructor).toEqual([1, 2]);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual([3]);
    expect(parsed.a).toEqual({ rows: [4, 5] });
    expect(parsed.rows).toEqual([undefined, undefined]);
    expect((parsed.rows as unknown[]).length).toBe(2);
  });

  it('builds everything below the threshold, where JSON.parse reads the text', async () => {
    expect(await parseJson('{"rows":[1,2]}', { elementsBuilt: { rows: 0 } })).toEqual({ rows: [1, 2] });
  });
});
