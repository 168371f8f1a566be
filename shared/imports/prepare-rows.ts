/**
 * @module Row preparation of a batch (JSON rows or CSV records → rows for the batch upsert and row
 * errors), shared by the synchronous import and the queued-import worker; it depends on neither.
 */
import type { CsvRecord, Delimiter } from './csv.ts';
import type { ColumnMapping } from './mapping.ts';
import { columnCountProblem, recordToRow } from './record-row.ts';
import { type PreparedRow, type PrepareOptions, prepareRow, type RowError } from './prepare.ts';
import { giveTurn, turnDue } from '../lib/turns.ts';

/** Validated rows and row errors of an import, ready for the batch upsert. */
export interface PreparedImport {
  rows: PreparedRow[];
  errors: RowError[];
  total: number;
}

/**
 * Whether no two rows share an email or a phone key, which lets the batch upsert try inserting them
 * whole (import_contacts_batch). Keys compare as the unique indexes compare them: the email
 * lower-cased, the phone as normalised. A misjudged key (another lower-casing of some letter) only
 * costs time: SQL's unique indexes decide the outcome.
 */
export function keysDistinct(rows: readonly PreparedRow[]): boolean {
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const { email, phone } of rows) {
    if (email != null) {
      const key = email.toLowerCase();
      if (emails.has(key)) return false;
      emails.add(key);
    }
    if (phone != null) {
      if (phones.has(phone)) return false;
      phones.add(phone);
    }
  }
  return true;
}

/** How the worker reads a queued CSV: fixed at enqueue, never re-derived from the payload. */
export interface CsvSettings {
  delimiter: Delimiter;
  width: number;
  columns: [number, string][];
}

function jsonRowInto(out: PreparedImport, raw: unknown, rowNumber: number, opts: PrepareOptions): void {
  const p = prepareRow(raw, rowNumber, opts);
  if (p.ok) out.rows.push(p.row);
  else out.errors.push(p.error);
}

function csvRecordInto(out: PreparedImport, rec: CsvRecord, mapping: ColumnMapping, opts: PrepareOptions): void {
  const problem = columnCountProblem(rec.fields, mapping.width);
  if (problem) {
    out.errors.push({ row_number: rec.row_number, line: rec.line, code: 'invalid_row', message: problem });
    return;
  }
  const p = prepareRow(recordToRow(rec.fields, mapping), rec.row_number, opts, rec.line);
  if (p.ok) out.rows.push(p.row);
  else out.errors.push(p.error);
}

/** Prepares one item (a JSON row or a CSV record, the index-th of its batch) into `out`. */
type Into<T> = (out: PreparedImport, item: T, index: number) => void;

function prepareAll<T>(items: readonly T[], into: Into<T>): PreparedImport {
  const out: PreparedImport = { rows: [], errors: [], total: items.length };
  items.forEach((item, i) => into(out, item, i));
  return out;
}

/** Turns are given between rows: 500 rows at every field limit take longer than one turn should. */
async function prepareAllInTurns<T>(items: readonly T[], into: Into<T>): Promise<PreparedImport> {
  const out: PreparedImport = { rows: [], errors: [], total: items.length };
  for (let i = 0; i < items.length; i++) {
    if (turnDue()) await giveTurn();
    into(out, items[i], i);
  }
  return out;
}

const jsonRows = (firstRowNumber: number, opts: PrepareOptions): Into<unknown> => (out, raw, i) =>
  jsonRowInto(out, raw, firstRowNumber + i, opts);

const csvRecords = (mapping: ColumnMapping, opts: PrepareOptions): Into<CsvRecord> => (out, rec) =>
  csvRecordInto(out, rec, mapping, opts);

/** In one go: for measuring the work itself (benchmarks). Serving code uses the `InTurns` variants. */
export function prepareJsonRows(rows: unknown[], firstRowNumber: number, opts: PrepareOptions): PreparedImport {
  return prepareAll(rows, jsonRows(firstRowNumber, opts));
}

export function prepareCsvRecords(records: CsvRecord[], mapping: ColumnMapping, opts: PrepareOptions): PreparedImport {
  return prepareAll(records, csvRecords(mapping, opts));
}

export function prepareJsonRowsInTurns(
  rows: unknown[],
  firstRowNumber: number,
  opts: PrepareOptions,
): Promise<PreparedImport> {
  return prepareAllInTurns(rows, jsonRows(firstRowNumber, opts));
}

export function prepareCsvRecordsInTurns(
  records: CsvRecord[],
  mapping: ColumnMapping,
  opts: PrepareOptions,
): Promise<PreparedImport> {
  return prepareAllInTurns(records, csvRecords(mapping, opts));
}

/** The settings a queued CSV is read with, from the mapping resolved at enqueue. */
export function csvSettings(delimiter: Delimiter, mapping: ColumnMapping): CsvSettings {
  return { delimiter, width: mapping.width, columns: [...mapping.columns.entries()] };
}

/** Rebuilds the column mapping the worker applies to a queued CSV. */
export function mappingFromSettings(settings: CsvSettings): ColumnMapping {
  return { columns: new Map(settings.columns), used: [], unmapped: [], width: settings.width };
}
