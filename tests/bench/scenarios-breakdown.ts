/**
 * @module Where a 500-row import's time goes, without instrumenting shared/: each step of the
 * server's path (body parse, zod schema, row validation, CSV parsing and mapping, the one SQL call)
 * is called directly, in-process, on the same kind of input. Whatever the HTTP p50 has beyond the
 * sum of these is HTTP, Hono and the middleware.
 */
import { newJobId, type SyncResponse } from '../../shared/imports/engine.ts';
import {
  keysDistinct,
  prepareCsvRecords,
  type PreparedImport,
  prepareJsonRows,
} from '../../shared/imports/prepare-rows.ts';
import { parseCsv } from '../../shared/imports/csv.ts';
import { resolveMapping } from '../../shared/imports/mapping.ts';
import { ImportRequestSchema, SYNC_ROW_LIMIT } from '../../shared/imports/request.ts';
import { freshContacts, toCsv, toJsonRow } from './data.ts';
import { type BenchOptions, expectThat, measure, type ScenarioResult } from './scenario.ts';
import type { BenchStack } from './stack.ts';

export const name = 'breakdown';
export const description = 'in-process steps of the 500-row path: parse, validate, SQL';

const ROWS = SYNC_ROW_LIMIT;

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const common = { group: name, kind: 'in-process' as const, rows: ROWS, iterations: 100, warmup: 10 };
  const now = () => new Date();
  const jsonText = () => JSON.stringify({ rows: freshContacts(ROWS).map(toJsonRow) });
  const results: ScenarioResult[] = [];

  results.push(
    await measure(
      {
        ...common,
        name: 'step-json-parse-500',
        description: 'JSON.parse of a 500-row request body',
        prepare: jsonText,
        send: (text) => Promise.resolve(JSON.parse(text) as { rows: unknown[] }),
        check: (body) => expectThat(body.rows.length === ROWS, 'step-json-parse-500', `${ROWS} rows`),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'step-zod-schema-500',
        description: 'ImportRequestSchema (the route validator) on a parsed 500-row body',
        prepare: () => JSON.parse(jsonText()) as unknown,
        send: (body) => Promise.resolve(ImportRequestSchema.safeParse(body)),
        check: (r) => expectThat(r.success, 'step-zod-schema-500', 'a valid body', r.error?.issues.slice(0, 3)),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'step-prepare-json-500',
        description: 'prepareJsonRows: per-row validation and normalisation (names, email, E.164 phone, tags)',
        prepare: () => (JSON.parse(jsonText()) as { rows: unknown[] }).rows,
        send: (rows) => Promise.resolve(prepareJsonRows(rows, 1, { now: now(), tags: [], updateExisting: false })),
        check: (p) =>
          expectThat(
            p.rows.length === ROWS && p.errors.length === 0,
            'step-prepare-json-500',
            `${ROWS} valid rows`,
            p.errors.slice(0, 3),
          ),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'step-csv-parse-map-prepare-500',
        description: 'parseCsv + resolveMapping (auto) + prepareCsvRecords of a 500-row CSV',
        prepare: () => toCsv(freshContacts(ROWS)),
        send: async (csv) => {
          const parsed = await parseCsv(csv, { hasHeader: true, maxRecords: ROWS + 1 });
          const mapping = resolveMapping(parsed.header, parsed.records[0]?.fields.length ?? 0, undefined);
          return prepareCsvRecords(parsed.records, mapping, { now: now(), tags: [], updateExisting: false });
        },
        check: (p) =>
          expectThat(
            p.rows.length === ROWS && p.errors.length === 0,
            'step-csv-parse-map-prepare-500',
            `${ROWS} valid rows`,
            p.errors.slice(0, 3),
          ),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'step-sql-transfer-500',
        description:
          'the same prepared rows sent as one json parameter and only counted: serialisation, transfer and json parsing',
        prepare: () =>
          prepareJsonRows(freshContacts(ROWS).map(toJsonRow), 1, { now: now(), tags: [], updateExisting: false }).rows,
        send: (rows) =>
          stack.sql<{ n: number }[]>`select json_array_length(${stack.sql.typed(rows as never, 114)}) as n`,
        check: (r) => expectThat(r[0]?.n === ROWS, 'step-sql-transfer-500', `${ROWS} elements`, r[0]),
      },
      opts,
      stack,
    ),
  );
  results.push(
    await measure(
      {
        ...common,
        name: 'step-sql-500-new',
        before: stack.analyze,
        target: { p50: 15 },
        description: 'the import_run_sync call alone with 500 prepared new rows (json transfer + SQL)',
        prepare: () =>
          prepareJsonRows(freshContacts(ROWS).map(toJsonRow), 1, { now: now(), tags: [], updateExisting: false }),
        send: (p: PreparedImport) =>
          stack.db.rpc<SyncResponse>('import_run_sync', {
            p_workspace_id: stack.workspaceId,
            p_job_id: newJobId(),
            p_rows: p.rows,
            p_errors: p.errors,
            p_total_rows: p.total,
            p_update_existing: false,
            p_source: 'rows',
            p_tags: [],
            p_mapping_used: null,
            p_idempotency: null,
            p_keys_distinct: keysDistinct(p.rows),
          }),
        check: (r) => expectThat(r.data.created_count === ROWS, 'step-sql-500-new', `${ROWS} created`, r.data),
      },
      opts,
      stack,
    ),
  );
  // The batch upsert alone (internal.import_contacts_batch, jsonb argument included), new people,
  // with the whole-batch insert and with matching row by row: the two paths a new batch can take.
  for (const [label, tryInsert] of [['whole-insert', true], ['matched', false]] as const) {
    results.push(
      await measure(
        {
          ...common,
          name: `step-batch-500-new-${label}`,
          description: `internal.import_contacts_batch on 500 prepared new rows, ${
            tryInsert ? 'inserted whole' : 'matched row by row (p_try_insert false)'
          }`,
          prepare: () =>
            prepareJsonRows(freshContacts(ROWS).map(toJsonRow), 1, { now: now(), tags: [], updateExisting: false })
              .rows,
          send: (rows) =>
            stack.sql<{ r: { created: number } }[]>`select internal.import_contacts_batch(${stack.workspaceId}, ${
              stack.sql.typed(rows as never, 114)
            }, false, ${tryInsert}) as r`,
          check: (r) => expectThat(r[0]?.r.created === ROWS, `step-batch-500-new-${label}`, `${ROWS} created`, r[0]),
        },
        opts,
        stack,
      ),
    );
  }
  return results;
}
