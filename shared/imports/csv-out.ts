/** @module Writing CSV: RFC 4180 quoting and the spreadsheet-formula guard for text a spreadsheet would otherwise evaluate. */

/** Starts a spreadsheet treats as a formula (OWASP's list: = + - @, and tab / carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field. With `guard`, text that a spreadsheet would run as a formula gets a leading `'`
 * (the usual neutraliser: Excel, LibreOffice and Google Sheets show the text, not its result).
 * Numbers are never guarded: a negative number is data, not a formula.
 */
export function csvField(value: string | number | null | undefined, guard: boolean): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (guard && typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line with its CRLF terminator (RFC 4180). `guarded` says, per column, whether to guard it. */
export function csvLine(
  values: readonly (string | number | null | undefined)[],
  guarded: (column: number) => boolean = () => true,
): string {
  return values.map((v, i) => csvField(v, guarded(i))).join(',') + '\r\n';
}
