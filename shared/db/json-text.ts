/**
 * @module Data-port arguments already serialised as JSON. A sync import's prepared rows are up to
 * ~10 MB of JSON: one `JSON.stringify` of them (in postgres.js or supabase-js) held the event loop
 * for over 100 ms (issue 15), so the caller builds the text a row at a time with turns, and each
 * port passes the text through without serialising it again.
 */
import { giveTurn, turnDue } from '../lib/turns.ts';

/** A JSON document as text; a port sends it as the json or jsonb argument (as declared) it spells. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The JSON array of `values`, serialised element by element with turns given between them. */
export async function jsonArrayInTurns(values: readonly unknown[]): Promise<JsonText> {
  const parts: string[] = [];
  for (const value of values) {
    if (turnDue()) await giveTurn();
    // As JSON.stringify does for an array element that JSON cannot spell (undefined, a function).
    parts.push(JSON.stringify(value) ?? 'null');
  }
  await giveTurn();
  return new JsonText(`[${parts.join(',')}]`);
}

/** The JSON string literal of `text`, escaped a slice at a time with turns given between slices. */
export async function jsonStringInTurns(text: string): Promise<JsonText> {
  const parts: string[] = [];
  for (const slice of textSlices(text, STRING_SLICE_CHARS)) {
    await giveTurn();
    parts.push(JSON.stringify(slice).slice(1, -1));
  }
  await giveTurn();
  return new JsonText(`"${parts.join('')}"`);
}

const STRING_SLICE_CHARS = 256 * 1024;

/** `text` in slices of at most `size` UTF-16 units, none ending between a surrogate pair's halves. */
export function* textSlices(text: string, size: number): Generator<string> {
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(at, end);
    at = end;
  }
}
