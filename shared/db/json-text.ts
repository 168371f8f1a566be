/**
 * @module Data-port arguments already serialised as JSON. A sync import's prepared rows are up to
 * ~10 MB of JSON: one `JSON.stringify` of them (in postgres.js or supabase-js) held the event loop
 * for over 100 ms (issue 15), so the caller builds the text a row at a time with turns, and each
 * port passes the text through without serialising it again.
 */
import { Turns } from '../lib/turns.ts';

/** A JSON document as text; a port sends it as the jsonb (or json) argument it spells. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The JSON array of `values`, serialised element by element with turns given between them. */
export async function jsonArrayInTurns(values: readonly unknown[]): Promise<JsonText> {
  const turns = new Turns();
  const parts: string[] = [];
  for (const value of values) {
    await turns.give();
    // As JSON.stringify does for an array element that JSON cannot spell (undefined, a function).
    parts.push(JSON.stringify(value) ?? 'null');
  }
  await turns.give();
  return new JsonText(`[${parts.join(',')}]`);
}
