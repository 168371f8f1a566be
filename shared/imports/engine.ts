/** @module The synchronous import: parse and validate in TypeScript, then one SQL call writes the rows, the job and its errors together. */
import { ulid } from 'ulid';
import type { DataPort } from '../db/port.ts';
import { ApiError } from '../http/errors.ts';
import { yieldToEventLoop } from '../http/json-shape.ts';
import { countCsvRecords, CsvStructureError, parseCsv, type CsvRecord, type Delimiter } from './csv.ts';
import { columnCountProblem, headerRecogniser, MappingError, recordToRow, resolveMapping, type ColumnMapping } from './mapping.ts';
import { prepareRow, type PrepareOptions, type PreparedRow, type RowError } from './prepare.ts';
import { requestTags, SYNC_ROW_LIMIT, type ImportRequest } from './request.ts';

export function newJobId(): string {
  return `imp_${ulid()}`;
}

/** Validated rows and row errors of an import, ready for the batch upsert. */
export interface PreparedImport {
  rows: PreparedRow[];
  errors: RowError[];
  total: number;
}

export function prepareJsonRows(rows: unknown[], firstRowNumber: number, opts: PrepareOptions): PreparedImport {
  const out: PreparedImport = { rows: [], errors: [], total: rows.length };
  rows.forEach((raw, i) => {
    const p = prepareRow(raw, firstRowNumber + i, opts);
    if (p.ok) out.rows.push(p.row);
    else out.errors.push(p.error);
  });
  return out;
}

export function prepareCsvRecords(records: CsvRecord[], mapping: ColumnMapping, opts: PrepareOptions): PreparedImport {
  const out: PreparedImport = { rows: [], errors: [], total: records.length };
  for (const rec of records) {
    const problem = columnCountProblem(rec.fields, mapping.width);
    if (problem) {
      out.errors.push({ row_number: rec.row_number, line: rec.line, code: 'invalid_row', message: problem });
      continue;
    }
    const p = prepareRow(recordToRow(rec.fields, mapping), rec.row_number, { ...opts, line: rec.line });
    if (p.ok) out.rows.push(p.row);
    else out.errors.push(p.error);
  }
  return out;
}

/** A mapping or structure problem of the whole file is the request's fault: 400 naming it. */
export function csvRequestError(err: unknown): ApiError {
  if (err instanceof MappingError) return new ApiError('validation_error', `Invalid mapping: ${err.message}.`, err.details);
  if (err instanceof CsvStructureError) {
    return new ApiError('validation_error', `The CSV is malformed at line ${err.line}: ${err.message}.`, [
      { path: 'csv', message: err.message, line: err.line },
    ]);
  }
  throw err;
}

/** The synchronous answer, built in SQL so an idempotent replay is byte-identical. */
export interface SyncResponse {
  data: {
    job_id: string;
    status: 'completed';
    total_rows: number;
    created_count: number;
    updated_count: number;
    skipped_count: number;
    errors: RowError[];
    mapping_used?: Record<string, string>;
    unmapped_columns?: string[];
    preamble_lines_skipped?: number;
  };
}

/** Where an Idempotency-Key's response is stored in the import's own transaction. */
export interface IdempotencyClaim {
  key: string;
  token: string;
}

/** The 202 answer of a queued import, also built in SQL. */
export interface QueuedResponse {
  data: {
    job_id: string;
    status: 'queued';
    total_rows: number;
    mapping_used?: Record<string, string>;
    unmapped_columns?: string[];
    preamble_lines_skipped?: number;
  };
}

/** How the worker reads a queued CSV: fixed at enqueue, never re-derived from the payload. */
export interface CsvSettings {
  delimiter: Delimiter;
  width: number;
  columns: [number, string][];
}

export type ImportOutcome = { kind: 'completed'; response: SyncResponse } | { kind: 'queued'; response: QueuedResponse };

/**
 * Runs an import: at most SYNC_ROW_LIMIT data rows in the request, more queued with their raw
 * payload. A large CSV is never parsed whole here: parsing stops at row SYNC_ROW_LIMIT + 1, and
 * the total is a quote-aware line count.
 */
export async function runImport(
  db: DataPort,
  workspaceId: string,
  body: ImportRequest,
  now: Date,
  idempotency?: IdempotencyClaim,
): Promise<ImportOutcome> {
  const tags = requestTags(body.tags);
  const common = {
    p_workspace_id: workspaceId,
    p_job_id: newJobId(),
    p_update_existing: body.update_existing ?? false,
    p_source: body.rows ? 'rows' : 'csv',
    p_tags: tags,
    p_idempotency: idempotency ? { key: idempotency.key, token: idempotency.token } : null,
  };

  if (body.rows) {
    if (body.rows.length > SYNC_ROW_LIMIT) {
      // One JSON document per line: the worker streams it in slices without a JSON stream parser.
      const response = await db.rpc<QueuedResponse>('import_enqueue', {
        ...common,
        p_format: 'ndjson',
        p_payload: await toNdjson(body.rows),
        p_total_rows: body.rows.length,
      });
      return { kind: 'queued', response };
    }
    const prepared = prepareJsonRows(body.rows, 1, { now, tags, updateExisting: body.update_existing ?? false });
    return { kind: 'completed', response: await commitSync(db, common, prepared) };
  }

  const text = stripBom(body.csv!);
  const hasHeader = body.has_header ?? true;
  let parsed;
  let mapping: ColumnMapping;
  try {
    parsed = await parseCsv(text, {
      hasHeader,
      delimiter: body.delimiter,
      maxRecords: SYNC_ROW_LIMIT + 1,
      isHeader: hasHeader ? headerRecogniser(body.mapping) : undefined,
    });
    if (parsed.records.length === 0) {
      throw new ApiError('validation_error', 'The CSV has no data rows.', [{ path: 'csv', message: 'no data rows' }]);
    }
    mapping = resolveMapping(parsed.header, parsed.records[0].fields.length, body.mapping);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw csvRequestError(err);
  }

  const csvReport = {
    p_mapping_used: mapping.used,
    p_unmapped_columns: mapping.unmapped,
    p_preamble_lines_skipped: parsed.preamble.lines > 0 ? parsed.preamble.lines : null,
  };
  if (parsed.records.length > SYNC_ROW_LIMIT) {
    const settings: CsvSettings = { delimiter: parsed.delimiter, width: mapping.width, columns: [...mapping.columns.entries()] };
    const response = await db.rpc<QueuedResponse>('import_enqueue', {
      ...common,
      ...csvReport,
      p_format: 'csv',
      p_payload: text,
      p_total_rows: countCsvRecords(text, parsed.delimiter, (hasHeader ? 1 : 0) + parsed.preamble.records),
      p_csv_settings: settings,
      p_cursor_offset: parsed.dataStart.offset,
      p_cursor_line: parsed.dataStart.line,
    });
    return { kind: 'queued', response };
  }
  const prepared = prepareCsvRecords(parsed.records, mapping, { now, tags, updateExisting: body.update_existing ?? false });
  return { kind: 'completed', response: await commitSync(db, { ...common, ...csvReport }, prepared) };
}

/** One JSON document per line, built in slices that give other requests a turn (a body may hold millions of rows). */
async function toNdjson(rows: unknown[]): Promise<string> {
  const slices: string[] = [];
  for (let i = 0; i < rows.length; i += NDJSON_SLICE_ROWS) {
    if (i > 0) await yieldToEventLoop();
    slices.push(rows.slice(i, i + NDJSON_SLICE_ROWS).map((r) => JSON.stringify(r)).join('\n'));
  }
  return slices.join('\n');
}

const NDJSON_SLICE_ROWS = 20_000;

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `args` carries, for a CSV, the mapping report (mapping_used as [column, field] pairs, so its order survives jsonb). */
async function commitSync(db: DataPort, args: Record<string, unknown>, prepared: PreparedImport): Promise<SyncResponse> {
  return db.rpc<SyncResponse>('import_run_sync', {
    ...args,
    p_rows: prepared.rows,
    p_errors: prepared.errors,
    p_total_rows: prepared.total,
  });
}

/** Rebuilds the column mapping the worker applies to a queued CSV. */
export function mappingFromSettings(settings: CsvSettings): ColumnMapping {
  return { columns: new Map(settings.columns), used: [], unmapped: [], width: settings.width };
}
