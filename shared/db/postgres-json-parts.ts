/**
 * @module Sending a large text or JsonText argument to PostgreSQL in parts. postgres.js builds each
 * query's Bind message in one go (measuring, encoding and copying every parameter three times):
 * for a sync import's ~10 MB of rows that held the event loop for over 100 ms, and ~40 ms for a
 * queued import's ~17 MB payload (issue 15). So a large text is sent half a megabyte per statement
 * into a temporary table, with turns given between parts, and the call reads it back from there,
 * all in one transaction, as the type the function declares for that argument (a small argument
 * is sent untyped, and PostgreSQL types it so). The next part is encoded and sent while the
 * database stores the one before, and parts are stored uncompressed: they are read back once.
 */
import type postgres from 'postgres';
import { giveTurn } from '../lib/turns.ts';
import { JsonText, textSlices } from './json-text.ts';

/** Characters per part: a few milliseconds of postgres.js's encoding and copying. */
export const PART_CHARS = 512 * 1024;

/** The text of `v` when it is too large to send as one parameter: a string, or a JsonText's text. */
export function largeText(v: unknown): string | undefined {
  const text = v instanceof JsonText ? v.text : typeof v === 'string' ? v : undefined;
  return text !== undefined && text.length > PART_CHARS ? text : undefined;
}

const CREATE_PARTS = 'create temp table text_parts (arg int, seq int, part text) on commit drop';
// PostgreSQL 15 takes STORAGE only from ALTER TABLE. Compressing a 512 KiB part took ~5 ms of the
// ~13 ms each part cost the POST of an 18 MB payload (and string_agg then decompressed it).
const PARTS_UNCOMPRESSED = 'alter table pg_temp.text_parts alter column part set storage external';
const INSERT_PART = 'insert into text_parts (arg, seq, part) values ($1, $2, $3)';

// The type each argument of a function is declared with, as SQL spells it (format_type quotes
// what needs quoting). OUT arguments are listed too, and harmless: no call names them.
const ARG_TYPES = `select a.name, format_type(a.type, null) as type
  from pg_proc p, unnest(p.proargnames, coalesce(p.proallargtypes, p.proargtypes::oid[])) as a(name, type)
 where p.oid = $1::text::regproc`;

/** An argument too large to send as one parameter: its name in the call, and its text. */
export interface LargeArgument {
  name: string;
  text: string;
}

/** The SQL expression that rebuilds argument number `arg` from its parts, as `type`. */
export function partsExpression(arg: number, type: string): string {
  return `(select string_agg(part, '' order by seq) from pg_temp.text_parts where arg = ${arg})::${type}`;
}

/**
 * Calls `fn` in a transaction, after sending the texts of `large` a part at a time: `call` builds
 * the statement, given the declared type of each argument, with `partsExpression(arg, type)` for
 * each key of `large`. `track` learns each query in flight, so that a deadline can cancel it.
 */
export async function callWithParts(
  sql: postgres.Sql,
  fn: string,
  large: ReadonlyMap<number, LargeArgument>,
  call: (types: ReadonlyMap<string, string>) => string,
  params: unknown[],
  track: (query: object) => void,
): Promise<postgres.Row[]> {
  return (await sql.begin(async (tx) => {
    const run = (text: string, values: unknown[] = []) => {
      const query = tx.unsafe(text, values as postgres.ParameterOrJSON<never>[]);
      track(query);
      return query;
    };
    await run(CREATE_PARTS);
    await run(PARTS_UNCOMPRESSED);
    const types = new Map((await run(ARG_TYPES, [fn])).map((r) => [r.name as string, r.type as string]));
    // Two parts in flight at most: one being stored while the next is encoded and sent.
    let previous: Promise<unknown> = Promise.resolve();
    for (const [arg, { text }] of large) {
      let seq = 0;
      // Each part is encoded as UTF-8 on its own, hence slices that keep surrogate pairs whole.
      for (const part of textSlices(text, PART_CHARS)) {
        await giveTurn();
        const sent = Promise.resolve(run(INSERT_PART, [arg, seq++, part]));
        // A failure is taken below, in order; this only keeps it from being "unhandled" meanwhile.
        sent.catch(() => {});
        await previous;
        previous = sent;
      }
    }
    await previous;
    return run(call(types), params);
  })) as postgres.Row[];
}
