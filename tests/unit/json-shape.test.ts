/** The shape checks on request bodies: depth and keys per object found on the text, and unstorable text found in long strings searched a window at a time. */
import { describe, expect, it } from 'vitest';
import {
  findUnstorableText,
  mayHoldUnstorableEscape,
  mayHoldUnstorableText,
  shapeProblemAt,
} from '../../shared/http/json-shape.ts';

describe('shapeProblemAt', () => {
  it('finds nesting past the depth and an object past the key limit, not keys spread over objects', async () => {
    expect(await shapeProblemAt('[[[1]]]', 3)).toBeNull();
    expect(await shapeProblemAt('[[[[1]]]]', 3)).toEqual({ at: 3, limit: 'depth' });
    expect(await shapeProblemAt('{"a":1,"b":{"c":1,"d":1},"e":"f:g"}', 64, 3)).toBeNull();
    expect(await shapeProblemAt('{"a":1,"b":2,"c":3,"d":4}', 64, 3)).toEqual({ at: 22, limit: 'keys' });
    expect(await shapeProblemAt('[{"a":1,"b":2},{"a":1,"b":2}]', 64, 2)).toBeNull();
  });
});

describe('findUnstorableText in a long string', () => {
  const W = 1 << 20;
  const long = (at: number, what: string) => 'x'.repeat(at) + what + 'x'.repeat(3 * W - at);

  it('finds a NUL or a lone surrogate wherever it is, with its line', async () => {
    for (const at of [0, W - 1, W, W + 1, 2 * W + 5]) {
      expect(await findUnstorableText({ csv: long(at, '\u0000') }), `NUL at ${at}`).toEqual({
        path: 'csv',
        what: 'a NUL character (U+0000; is the file UTF-16? save it as UTF-8) on line 1',
      });
      expect(await findUnstorableText({ csv: long(at, '\udc00') }), `low surrogate at ${at}`).toMatchObject({
        what: 'an unpaired UTF-16 surrogate on line 1',
      });
      expect(await findUnstorableText({ csv: long(at, '\ud800') }), `high surrogate at ${at}`).toMatchObject({
        what: 'an unpaired UTF-16 surrogate on line 1',
      });
    }
    expect(await findUnstorableText('a\nb\n' + 'x'.repeat(2 * W) + '\u0000')).toMatchObject({
      what: expect.stringContaining('on line 3'),
    });
  });

  it('accepts a surrogate pair across a window edge', async () => {
    for (const at of [W - 2, W - 1, W, 2 * W - 1]) {
      expect(await findUnstorableText({ csv: long(at, '\ud83d\ude00') }), `pair at ${at}`).toBeNull();
    }
  });
});

describe('findUnstorableText names where, shortened', () => {
  it('echoes huge keys in its path at most 50 code points each', async () => {
    const outer = 'o'.repeat(1 << 20);
    const inner = `${'i'.repeat(1 << 20)}\u0000`;
    expect(await findUnstorableText({ [outer]: { [inner]: 1 } })).toEqual({
      path: `${'o'.repeat(50)}….${'i'.repeat(50)}…`,
      what: 'a NUL character (U+0000; is the file UTF-16? save it as UTF-8) on line 1 in a field name',
    });
    expect(await findUnstorableText({ [outer]: ['ok', 'bad\ud800'] })).toEqual({
      path: `${'o'.repeat(50)}….1`,
      what: 'an unpaired UTF-16 surrogate',
    });
  });
});

describe('mayHoldUnstorableText', () => {
  it('is true for every body whose parsed value findUnstorableText faults, however the text spells it', async () => {
    const bodies = [
      '{"a":"x\\u0000y"}',
      '{"a":"\\uD800"}',
      '{"a":"\\udfff"}',
      '{"a":"\\uDBFFx"}',
      '{"\\u0000":1}',
      '["ok","\\ud83d"]',
      `{"a":"${'\ud800'}"}`,
    ];
    for (const text of bodies) {
      expect(await findUnstorableText(JSON.parse(text)), text).not.toBeNull();
      expect(mayHoldUnstorableText(text), text).toBe(true);
    }
  });

  it('is false for a body without NUL, surrogates or their escapes, and true for one too long to search at once', () => {
    expect(mayHoldUnstorableText('{"rows":[{"email":"a@b.test","name":"Müller \\u00e9 \\n"}]}')).toBe(false);
    expect(mayHoldUnstorableText(`"${'x'.repeat((1 << 20) + 1)}"`)).toBe(true);
    // JSON refuses a raw control character in a string, but the search need not rely on that.
    expect(mayHoldUnstorableText('{"a":"\u0000"}')).toBe(true);
  });
});

describe('mayHoldUnstorableEscape', () => {
  const whole = /\\u(?:0000|[dD][89a-fA-F])/;

  it('finds an escape of U+0000 or of a surrogate wherever the parts cut it, and nothing else', async () => {
    const alphabet = ['a', '\\', 'u', '0', 'd', 'D', '8', 'b', 'F', 'é', '\\u00e9', '\\ud', '\\u0'];
    let seed = 11;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let found = 0;
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: 4 + Math.floor(r() * 30) }, () => alphabet[Math.floor(r() * alphabet.length)])
        .join('');
      const parts: string[] = [];
      for (let at = 0; at < text.length;) {
        const len = Math.floor(r() * 8); // empty parts and parts shorter than an escape included
        parts.push(text.slice(at, at + len));
        at += len;
      }
      const expected = whole.test(text);
      if (expected) found++;
      expect(await mayHoldUnstorableEscape(parts), JSON.stringify(parts)).toBe(expected);
    }
    // Both answers were asked for many times.
    expect(found).toBeGreaterThan(300);
    expect(found).toBeLessThan(2700);
  });

  it('suspects a surrogate escape, even of a valid pair (the walk decides), not letters escaped as Python writes them', async () => {
    expect(await mayHoldUnstorableEscape(['{"rows":[{"full_name":"Jos\\u00e9 ', 'M\\u00fcller \\ud83d\\ude00"}]}']))
      .toBe(true);
    expect(await mayHoldUnstorableEscape(['{"rows":[{"full_name":"Jos\\u00e9 ', 'M\\u00fcller"}]}'])).toBe(false);
  });
});
