/** @module Runs an import request: up to SYNC_ROW_LIMIT rows parsed and validated here, then one SQL call writes the rows, the job and its errors together; more are enqueued with their raw payload for the worker. */
import { ulid } from 'ulid';
import type { DataPort } from '../db/port.ts';
import { jsonArrayInTurns } from '../db/json-text.ts';
import { ApiError } from '../http/errors.ts';
import { rawElementTexts, takeRawElements } from '../http/json-sliced.ts';
import type { IdempotencyState } from '../http/idempotency.ts';
import { countCsvRecords, type CsvParseResult, CsvStructureError, parseCsv, stripBom } from './csv.ts';
import { type ColumnMapping, headerRecogniser, MappingError, resolveMappingInTurns } from './mapping.ts';
import type { PrepareOptions, RowError } from './prepare.ts';
import {
  csvSettings,
  keysDistinct,
  prepareCsvRecordsInTurns,
  type PreparedImport,
  prepareJsonRowsInTurns,
} from './prepare-rows.ts';
import { type ImportRequest, requestTags, SYNC_ROW_LIMIT } from './request.ts';
import { giveTurn } from '../lib/turns.ts';

export function newJobId(): string {
  return `imp_${ulid()}`;
}

/** A mapping or structure problem of the whole file is the request's fault: thrown as a 400 naming it; anything else as it came. */
function throwAsRequestError(err: unknown): never {
  if (err instanceof MappingError) {
    throw new ApiError('validation_error', `Invalid mapping: ${err.message}.`, err.details);
  }
  if (err instanceof CsvStructureError) {
    throw new ApiError('validation_error', `The CSV is malformed at line ${err.line}: ${err.message}.`, [
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

export type ImportOutcome = { kind: 'completed'; response: SyncResponse } | {
  kind: 'queued';
  response: QueuedResponse;
};

/** What every import call to the database carries. */
function commonArgs(
  workspaceId: string,
  body: ImportRequest,
  tags: string[],
  idempotency?: IdempotencyState,
): Record<string, unknown> {
  return {
    p_workspace_id: workspaceId,
    p_job_id: newJobId(),
    p_update_existing: body.update_existing ?? false,
    p_source: body.rows ? 'rows' : 'csv',
    p_tags: tags,
    p_idempotency: idempotency ? { key: idempotency.key, token: idempotency.token } : null,
  };
}

/**
 * Runs an import: at most SYNC_ROW_LIMIT data rows in the request, more queued with their raw
 * payload. A large CSV is never parsed whole here: parsing stops at row SYNC_ROW_LIMIT + 1, and
 * the total is a quote-aware line count.
 */
export function runImport(
  db: DataPort,
  workspaceId: string,
  body: ImportRequest,
  now: Date,
  idempotency?: IdempotencyState,
): Promise<ImportOutcome> {
  const tags = requestTags(body.tags);
  const common = commonArgs(workspaceId, body, tags, idempotency);
  const opts = { now, tags, updateExisting: body.update_existing ?? false };
  if (body.rows) return importRows(db, common, body.rows, opts);
  return importCsv(db, common, body, opts);
}

async function importRows(
  db: DataPort,
  common: Record<string, unknown>,
  rows: unknown[],
  opts: PrepareOptions,
): Promise<ImportOutcome> {
  if (rows.length > SYNC_ROW_LIMIT) {
    // One JSON document per line: the worker streams it in slices without a JSON stream parser.
    const response = await db.rpc<QueuedResponse>('import_enqueue', {
      ...common,
      p_format: 'ndjson',
      p_payload: await toNdjson(rows),
      p_total_rows: rows.length,
    });
    return { kind: 'queued', response };
  }
  const prepared = await prepareJsonRowsInTurns(rows, 1, opts);
  return { kind: 'completed', response: await commitSync(db, common, prepared) };
}

/** The CSV of a request, parsed up to one row past the synchronous limit, and its mapping. */
interface ReadCsv {
  text: string;
  parsed: CsvParseResult;
  mapping: ColumnMapping;
}

async function readCsv(body: ImportRequest): Promise<ReadCsv> {
  const text = stripBom(body.csv!);
  const hasHeader = body.has_header ?? true;
  try {
    const parsed = await parseCsv(text, {
      hasHeader,
      delimiter: body.delimiter,
      maxRecords: SYNC_ROW_LIMIT + 1,
      isHeader: hasHeader ? headerRecogniser(body.mapping) : undefined,
    });
    if (parsed.records.length === 0) {
      throw new ApiError('validation_error', 'The CSV has no data rows.', [{ path: 'csv', message: 'no data rows' }]);
    }
    return {
      text,
      parsed,
      mapping: await resolveMappingInTurns(parsed.header, parsed.records[0].fields.length, body.mapping),
    };
  } catch (err) {
    throwAsRequestError(err);
  }
}

async function importCsv(
  db: DataPort,
  common: Record<string, unknown>,
  body: ImportRequest,
  opts: PrepareOptions,
): Promise<ImportOutcome> {
  const { text, parsed, mapping } = await readCsv(body);
  const args = {
    ...common,
    p_mapping_used: mapping.used,
    p_unmapped_columns: mapping.unmapped,
    p_preamble_lines_skipped: parsed.preamble.lines > 0 ? parsed.preamble.lines : null,
  };
  if (parsed.records.length > SYNC_ROW_LIMIT) {
    const recordsBeforeData = (body.has_header ?? true ? 1 : 0) + parsed.preamble.records;
    const response = await db.rpc<QueuedResponse>('import_enqueue', {
      ...args,
      p_format: 'csv',
      p_payload: text,
      p_total_rows: await countCsvRecords(text, parsed.delimiter, recordsBeforeData),
      p_csv_settings: csvSettings(parsed.delimiter, mapping),
      p_cursor_offset: parsed.dataStart.offset,
      p_cursor_line: parsed.dataStart.line,
    });
    return { kind: 'queued', response };
  }
  const prepared = await prepareCsvRecordsInTurns(parsed.records, mapping, opts);
  return { kind: 'completed', response: await commitSync(db, args, prepared) };
}

/**
 * One JSON document per line, built with turns given to other requests (a body may hold millions
 * of rows). A body parsed in slices kept each row's own text: stored as it came, it is what the
 * worker parses, with no JSON.stringify of every row here (~125 ms of a 200,000-row POST), and the
 * worker sees exactly the values the request held (JSON.stringify would turn 1e400 into null).
 * Between the tokens of JSON text, a line feed is only whitespace: it becomes a space.
 */
async function toNdjson(rows: unknown[]): Promise<string> {
  const lines = rowLines(rows);
  const slices: string[] = [];
  for (let i = 0; i < rows.length; i += NDJSON_SLICE_ROWS) {
    await giveTurn();
    const slice: string[] = [];
    for (let k = 0; k < NDJSON_SLICE_ROWS; k++) {
      const line = lines.next();
      if (line.done) break;
      slice.push(line.value);
    }
    slices.push(slice.join('\n'));
  }
  return slices.join('\n');
}

function* rowLines(rows: unknown[]): Generator<string> {
  const raw = takeRawElements(rows);
  if (!raw) {
    for (const row of rows) {
      // A row left unbuilt (a hole: json-sliced.ts, elementsBuilt) always has its text kept.
      if (row === undefined) throw new Error('a queued row was neither built nor kept as text');
      yield JSON.stringify(row);
    }
    return;
  }
  for (const text of rawElementTexts(raw)) yield text.includes('\n') ? text.replace(/\n/g, ' ') : text;
}

/** Rows serialised between two looks at the clock. */
const NDJSON_SLICE_ROWS = 1024;

/** `args` carries, for a CSV, the mapping report (mapping_used as [column, field] pairs, so its order survives jsonb). */
async function commitSync(
  db: DataPort,
  args: Record<string, unknown>,
  prepared: PreparedImport,
): Promise<SyncResponse> {
  return await db.rpc<SyncResponse>('import_run_sync', {
    ...args,
    // Up to ~10 MB of JSON: serialised here with turns, not in one block by the port.
    p_rows: await jsonArrayInTurns(prepared.rows),
    p_errors: await jsonArrayInTurns(prepared.errors),
    p_total_rows: prepared.total,
    p_keys_distinct: keysDistinct(prepared.rows),
  });
}
