/** @module The synchronous import: parse and validate in TypeScript, then one SQL call writes the rows, the job and its errors together. */
import { ulid } from 'ulid';
import type { DataPort } from '../db/port.ts';
import { ApiError } from '../http/errors.ts';
import { CsvStructureError, parseCsv, type CsvRecord } from './csv.ts';
import { columnCountProblem, MappingError, recordToRow, resolveMapping, type ColumnMapping } from './mapping.ts';
import { prepareRow, type PreparedRow, type RowError } from './prepare.ts';
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

export function prepareJsonRows(rows: unknown[], firstRowNumber: number, opts: { now: Date; tags: string[] }): PreparedImport {
  const out: PreparedImport = { rows: [], errors: [], total: rows.length };
  rows.forEach((raw, i) => {
    const p = prepareRow(raw, firstRowNumber + i, opts);
    if (p.ok) out.rows.push(p.row);
    else out.errors.push(p.error);
  });
  return out;
}

export function prepareCsvRecords(records: CsvRecord[], mapping: ColumnMapping, opts: { now: Date; tags: string[] }): PreparedImport {
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
  };
}

/** Where an Idempotency-Key's response is stored in the import's own transaction. */
export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
}

export type SyncOutcome = { kind: 'completed'; response: SyncResponse } | { kind: 'too_large' };

/**
 * Runs an import of at most SYNC_ROW_LIMIT data rows in the request. Larger ones are reported as
 * `too_large` without having been parsed past row SYNC_ROW_LIMIT + 1.
 */
export async function runSyncImport(
  db: DataPort,
  workspaceId: string,
  body: ImportRequest,
  now: Date,
  idempotency?: IdempotencyClaim,
): Promise<SyncOutcome> {
  const tags = requestTags(body.tags);
  let prepared: PreparedImport;
  let mappingUsed: Record<string, string> | null = null;

  if (body.rows) {
    if (body.rows.length > SYNC_ROW_LIMIT) return { kind: 'too_large' };
    prepared = prepareJsonRows(body.rows, 1, { now, tags });
  } else {
    const hasHeader = body.has_header ?? true;
    let parsed;
    let mapping: ColumnMapping;
    try {
      parsed = await parseCsv(body.csv!, { hasHeader, delimiter: body.delimiter, maxRecords: SYNC_ROW_LIMIT + 1 });
      if (parsed.records.length > SYNC_ROW_LIMIT) return { kind: 'too_large' };
      if (parsed.records.length === 0) {
        throw new ApiError('validation_error', 'The CSV has no data rows.', [{ path: 'csv', message: 'no data rows' }]);
      }
      mapping = resolveMapping(parsed.header, parsed.records[0]?.fields.length ?? 0, body.mapping);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw csvRequestError(err);
    }
    mappingUsed = mapping.used;
    prepared = prepareCsvRecords(parsed.records, mapping, { now, tags });
  }

  const response = await db.rpc<SyncResponse>('import_run_sync', {
    p_workspace_id: workspaceId,
    p_job_id: newJobId(),
    p_rows: prepared.rows,
    p_errors: prepared.errors,
    p_total_rows: prepared.total,
    p_update_existing: body.update_existing ?? false,
    p_source: body.rows ? 'rows' : 'csv',
    p_tags: tags,
    p_mapping_used: mappingUsed,
    p_idempotency: idempotency ?? null,
  });
  return { kind: 'completed', response };
}
