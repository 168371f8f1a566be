/** @module Pins the byte offset readJsonBody gives for invalid UTF-8, in small bodies and across the 1 MB decode slices of large ones. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../shared/http/env.ts';
import { ApiError } from '../../shared/http/errors.ts';
import { readJsonBody } from '../../shared/http/json-body.ts';

const MB = 1 << 20;

/** The detail readJsonBody gives for `bytes`, or 'ok'. */
async function utf8Problem(bytes: Uint8Array): Promise<string> {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    try {
      await readJsonBody(c);
      return c.text('ok');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return c.text(err.details?.[0]?.message ?? err.message);
    }
  });
  const res = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  return res.text();
}

/** A JSON string body of `size` bytes of ASCII, with `insert` written at `at`. */
function body(size: number, at: number, insert: number[]): Uint8Array {
  const bytes = new Uint8Array(size).fill(0x78);
  bytes.set([0x22], 0);
  bytes.set([0x22], size - 1);
  bytes.set(insert, at);
  return bytes;
}

/** The offset by the obvious method: the first prefix a fatal decoder rejects, run for every end. */
function reference(bytes: Uint8Array, near: number): number {
  const ok = (end: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream });
      return true;
    } catch {
      return false;
    }
  };
  let end = Math.max(0, near - 8);
  while (end < bytes.length && ok(end + 1, true)) end++;
  if (ok(end, false)) return end;
  while ((bytes[end - 1] & 0xc0) === 0x80) end--;
  return end - 1;
}

describe('the offset of invalid UTF-8 in a large JSON body', () => {
  it('is exact for a bad byte near the end of a multi-megabyte body', async () => {
    const bytes = body(5 * MB + 123, 5 * MB + 100, [0xff]);
    expect(await utf8Problem(bytes)).toBe(`invalid UTF-8 at byte ${5 * MB + 100}`);
  });

  it('names the lead byte of a character split across a slice boundary that a bad byte then breaks', async () => {
    // "€" is E2 82 AC: its first two bytes end one slice, and "x" instead of AC begins the next.
    const bytes = body(3 * MB, MB - 2, [0xe2, 0x82, 0x78]);
    expect(await utf8Problem(bytes)).toBe(`invalid UTF-8 at byte ${MB - 2}`);
  });

  it('is exact for a bad byte right after a character split across a slice boundary', async () => {
    // "é" is C3 A9: C3 ends the first slice, A9 begins the second, then FF.
    const bytes = body(3 * MB, MB - 1, [0xc3, 0xa9, 0xff]);
    expect(await utf8Problem(bytes)).toBe(`invalid UTF-8 at byte ${MB + 1}`);
  });

  it('names the lead byte of a character cut off by the end of the body', async () => {
    const bytes = new Uint8Array(2 * MB + 2).fill(0x78);
    bytes.set([0xf0, 0x9f, 0x98], bytes.length - 3);
    expect(await utf8Problem(bytes)).toBe(`invalid UTF-8 at byte ${bytes.length - 3}`);
  });

  it.each([
    [MB - 3, [0xf0, 0x9f, 0x98, 0x80, 0xc0]],
    [MB - 1, [0xf0, 0x9f, 0x98, 0x78]],
    [2 * MB - 1, [0xed, 0xa0, 0x80]], // a surrogate encoded as UTF-8
    [4096 * 3 - 1, [0xe2, 0x82, 0xac, 0xe2, 0x28]],
    [2 * MB + 4095, [0xc3, 0x28]],
  ])('agrees with decoding every prefix, bad sequence at %i', async (at, insert) => {
    const bytes = body(3 * MB, at, insert);
    expect(await utf8Problem(bytes)).toBe(`invalid UTF-8 at byte ${reference(bytes, at)}`);
  });

  it('is exact in a small body', async () => {
    expect(await utf8Problem(new Uint8Array([0x7b, 0x22, 0xe2, 0x82, 0x22, 0x7d]))).toBe('invalid UTF-8 at byte 2');
    expect(await utf8Problem(new Uint8Array([0x7b, 0x7d]))).toBe('ok');
  });
});
