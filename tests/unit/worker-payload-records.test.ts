import { describe, expect, it } from 'vitest';
import { utf8Length } from '../../shared/worker/payload-records.ts';

describe('utf8Length (the NDJSON cursor counts bytes without encoding each line)', () => {
  const encoder = new TextEncoder();
  it.each([
    ['', 'empty'],
    ['{"email":"a@example.com"}', 'ASCII'],
    ['{"full_name":"Zoë Ørsted"}', 'two-byte characters'],
    ['{"company":"株式会社"}', 'three-byte characters'],
    ['{"note":"🙂 and 𝄞"}', 'surrogate pairs (four bytes)'],
    ['a\uD800b', 'a lone high surrogate (encoded as U+FFFD)'],
    ['a\uDC00', 'a lone low surrogate at the end'],
    ['\uD83D', 'a high surrogate alone'],
  ])('agrees with TextEncoder on %j (%s)', (s) => {
    expect(utf8Length(s)).toBe(encoder.encode(s).length);
  });
});
