/** @module Pins the zod-to-details mapping: every unknown field named, its key echoed shortened. */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { zodDetails } from '../../shared/http/validation.ts';

describe('zodDetails', () => {
  it('names an unknown field, echoing a huge key shortened', () => {
    const key = `k${'x'.repeat(1 << 20)}`;
    const result = z.object({ nested: z.strictObject({ known: z.string().optional() }) }).safeParse({
      nested: { [key]: 1, extra: 2 },
    });
    expect(result.success).toBe(false);
    const shown = `k${'x'.repeat(49)}…`;
    expect(zodDetails(result.error!)).toStrictEqual([
      { path: `nested.${shown}`, message: `unknown field "${shown}"` },
      { path: 'nested.extra', message: 'unknown field "extra"' },
    ]);
  });
});
