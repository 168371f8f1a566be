import { describe, expect, it } from 'vitest';
import { jsonArrayInTurns, jsonStringInTurns, textSlices } from '../../shared/db/json-text.ts';

describe('JSON text built in turns', () => {
  it('spells an array as JSON.stringify does, holes and undefined as null', async () => {
    const values = [{ a: 1, b: [true, null], c: 'é\u{1F600}"\\\n' }, undefined, 'x', 3];
    expect((await jsonArrayInTurns(values)).text).toBe(JSON.stringify(values));
    expect((await jsonArrayInTurns([])).text).toBe('[]');
  });

  it('escapes a long string slice by slice to exactly the literal JSON.stringify gives', async () => {
    const text = `${'a"\\\n\u0001é'.repeat(60_000)}\u{1F600}${'\u{1F600}'.repeat(200_000)}`;
    expect((await jsonStringInTurns(text)).text).toBe(JSON.stringify(text));
  });

  it('slices text without ending a slice between the halves of a surrogate pair', () => {
    const text = `ab\u{1F600}cd\u{1F600}`;
    const slices = [...textSlices(text, 3)];
    expect(slices.join('')).toBe(text);
    expect(slices).toEqual(['ab', '\u{1F600}c', 'd\u{1F600}']);
  });
});
