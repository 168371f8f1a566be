/** @module Counts a CSV's data records without parsing it, for the total a queued import announces. */
// Oracle: this file as it was at 4985281, before its readers jumped over plain text; the differential tests compare the new code with it.
import type { Delimiter } from '../../../shared/imports/csv-record.ts';
import { giveTurn } from '../../../shared/lib/turns.ts';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0xfeff || c === 0x0b || c === 0x0c || c === 0xa0 || c === 0x0a || c === 0x0d;
}

/**
 * Counts the data records of a CSV without parsing it: line breaks outside quoted fields that end
 * a non-blank line, less the records before the data (header and preamble). A quote opens a quoted
 * field only at the start of a field, as the parser reads it. Cheap enough for a 20 MB text in the
 * request, where the queued total is announced; the worker's parse remains the authority (it
 * differs only for a broken file).
 */
export async function countCsvRecords(text: string, delimiter: Delimiter, recordsBeforeData: number): Promise<number> {
  const delim = delimiter.charCodeAt(0);
  let records = 0;
  let inQuotes = false;
  let justClosed = false;
  let fieldStart = true;
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    if ((i & 0xffff) === 0) await giveTurn();
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x22) {
        inQuotes = false;
        justClosed = true;
      } else if (blank && !isSpace(c)) blank = false;
      continue;
    }
    if (justClosed) {
      justClosed = false;
      if (c === 0x22) {
        // An escaped quote: text.
        inQuotes = true;
        blank = false;
        continue;
      }
    }
    if (c === 0x0a || c === 0x0d) {
      if (!blank) records++;
      blank = true;
      fieldStart = true;
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      continue;
    }
    if (c === 0x22 && fieldStart) inQuotes = true;
    fieldStart = c === delim;
    // Like the parser, a line of empty cells (",,,", '"",""') is blank.
    if (blank && c !== delim && c !== 0x22 && !isSpace(c)) blank = false;
  }
  if (!blank) records++;
  return Math.max(0, records - recordsBeforeData);
}
