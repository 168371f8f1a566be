/** @module POST /v1/import/contacts and GET /v1/import/jobs/{job_id}. */
import { createRoute, type OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import { DatabaseError, type DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, jsonResponse } from '../http/openapi.ts';
import { idParams, JOB_ID, lookupById } from '../http/resource-ids.ts';
import { pageFields, pageMeta, PageMetaSchema } from '../http/pagination.ts';
import { runImport } from './engine.ts';
import { registerErrorsCsvRoute } from './errors-csv-route.ts';
import { ImportRequestSchema, SYNC_ROW_LIMIT } from './request.ts';
import { IMPORT_EXAMPLES } from './examples.ts';

const RowErrorSchema = z
  .object({
    row_number: z.number().int(),
    line: z.number().int().optional().openapi({ description: 'CSV only: the physical line where the record starts' }),
    code: z.enum([
      'missing_identity',
      'invalid_email',
      'invalid_phone',
      'invalid_field',
      'ambiguous_match',
      'invalid_row',
    ]),
    message: z.string(),
  })
  .strict()
  .openapi('ImportRowError');

const ImportResultSchema = z
  .object({
    job_id: z.string().openapi({ example: 'imp_01J9Z8Q4N2V6X7Y8Z9A0B1C2D3' }),
    status: z.enum(['completed', 'queued']),
    total_rows: z.number().int().nullable(),
    created_count: z.number().int().optional(),
    updated_count: z.number().int().optional(),
    skipped_count: z.number().int().optional(),
    errors: z.array(RowErrorSchema).optional(),
    mapping_used: z.record(z.string(), z.string()).optional().openapi({
      description: 'CSV only: the columns used and their fields, in column order',
    }),
    unmapped_columns: z.array(z.string()).optional().openapi({
      description: 'CSV only: the columns not used, in column order',
    }),
    preamble_lines_skipped: z.number().int().optional().openapi({
      description: 'CSV only: lines before the header that were skipped (a preamble, blank lines); absent when none',
    }),
  })
  // Import results grow with the CSV features (contract "CSV"); clients must ignore fields they do not know.
  .catchall(z.unknown())
  .openapi('ImportResult');

const JobSchema = z
  .object({
    job_id: z.string(),
    status: z.enum(['queued', 'processing', 'completed', 'failed']),
    source: z.enum(['rows', 'csv']),
    total_rows: z.number().int().nullable(),
    processed_rows: z.number().int(),
    created_count: z.number().int(),
    updated_count: z.number().int(),
    skipped_count: z.number().int(),
    error_count: z.number().int(),
    errors: z.array(RowErrorSchema).openapi({ description: 'The first 100 row errors' }),
    errors_truncated: z.boolean().openapi({ description: 'True when error_count exceeds the errors listed here' }),
    errors_stored: z.number().int().openapi({
      description: 'Row errors kept for /errors: the first 10,000 by row number; the rest are only counted',
    }),
    error_counts: z.record(z.string(), z.number().int()).openapi({
      description: 'Every row error by code, those not stored included',
    }),
    update_existing: z.boolean(),
    tags: z.array(z.string()),
    mapping_used: z.record(z.string(), z.string()).nullable(),
    unmapped_columns: z.array(z.string()).nullable(),
    preamble_lines_skipped: z.number().int().nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .catchall(z.unknown())
  .openapi('ImportJob');

const JobParams = idParams('job_id', 'imp_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3');
const TAGS = ['Imports'];

export const importContactsRoute = createRoute({
  method: 'post',
  path: '/v1/import/contacts',
  operationId: 'importContacts',
  tags: TAGS,
  summary: 'Bulk-import contacts from JSON rows or CSV',
  description:
    `Exactly one of \`rows\` or \`csv\`. Up to ${SYNC_ROW_LIMIT} data rows are imported in the request (\`200\`); more are queued (\`202\`) and tracked at \`GET /v1/import/jobs/{job_id}\`.`,
  ...accessOf('idempotent'),
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: ImportRequestSchema, examples: IMPORT_EXAMPLES.request } },
    },
  },
  responses: {
    200: jsonResponse(
      'idempotent',
      200,
      `Imported in the request (at most ${SYNC_ROW_LIMIT} rows)`,
      z.object({ data: ImportResultSchema }).strict(),
      IMPORT_EXAMPLES.completed,
    ),
    202: jsonResponse(
      'idempotent',
      202,
      `Queued (more than ${SYNC_ROW_LIMIT} rows); track it at /v1/import/jobs/{job_id}`,
      z.object({ data: ImportResultSchema }).strict(),
      IMPORT_EXAMPLES.queued,
    ),
    ...errorResponses('idempotent'),
  },
});

export const getImportJobRoute = createRoute({
  method: 'get',
  path: '/v1/import/jobs/{job_id}',
  operationId: 'getImportJob',
  tags: TAGS,
  summary: 'Status and results of an import job',
  ...accessOf('noBody'),
  request: { params: JobParams },
  responses: {
    200: jsonResponse('noBody', 200, 'The job', z.object({ data: JobSchema }).strict(), IMPORT_EXAMPLES.job),
    ...errorResponses('noBody', [404]),
  },
});

export const listImportJobErrorsRoute = createRoute({
  method: 'get',
  path: '/v1/import/jobs/{job_id}/errors',
  operationId: 'listImportJobErrors',
  tags: TAGS,
  summary: 'Every row error of an import job, a page at a time',
  ...accessOf('noBody'),
  request: { params: JobParams, query: z.object(pageFields({ maxPage: 1_000_000, defaultPerPage: 100 })).strict() },
  responses: {
    200: jsonResponse(
      'noBody',
      200,
      'A page of row errors, by row number',
      z.object({ data: z.array(RowErrorSchema), meta: PageMetaSchema }).strict(),
      IMPORT_EXAMPLES.errorsPage,
    ),
    ...errorResponses('noBody', [400, 404]),
  },
});

/** The import found its Idempotency-Key claim taken over (its lease ran out before it started): a retry is running it. */
function claimLostAsInUse(err: unknown): unknown {
  if (!(err instanceof DatabaseError) || err.sqlState !== '40001') return err;
  return new ApiError(
    'idempotency_key_in_use',
    'A request with this Idempotency-Key is still being processed; retry later.',
    undefined,
    { 'Retry-After': '1' },
  );
}

export interface ImportRouteDeps {
  db: DataPort;
  guards: Guards;
  now: () => Date;
  /** Called after a job is queued, to start the worker without waiting for the next cron tick. */
  onQueued?: (jobId: string) => void;
}

const jobNotFound = () => new ApiError('not_found', 'No import job with this id.');

function importHandler({ db, now, onQueued }: ImportRouteDeps): RouteHandler<typeof importContactsRoute, AppEnv> {
  return async (c) => {
    const body = c.req.valid('json');
    const idem = c.get('idempotency');
    const outcome = await runImport(db, c.get('principal').workspaceId, body, now(), idem).catch((err) => {
      throw idem ? claimLostAsInUse(err) : err;
    });
    // The response (and, with a key, its idempotent copy) was written in the import's transaction.
    if (idem) idem.stored = true;
    if (outcome.kind === 'queued') {
      onQueued?.(outcome.response.data.job_id);
      return c.json(outcome.response, 202);
    }
    return c.json(outcome.response, 200);
  };
}

function jobHandler({ db }: ImportRouteDeps): RouteHandler<typeof getImportJobRoute, AppEnv> {
  return async (c) => {
    const workspaceId = c.get('principal').workspaceId;
    const job = await lookupById(
      c.req.valid('param').job_id,
      JOB_ID,
      (id) => db.rpc<z.infer<typeof JobSchema> | null>('import_job_get', { p_workspace_id: workspaceId, p_job_id: id }),
    );
    if (!job) throw jobNotFound();
    return c.json({ data: job }, 200);
  };
}

function errorsHandler({ db }: ImportRouteDeps): RouteHandler<typeof listImportJobErrorsRoute, AppEnv> {
  return async (c) => {
    const { page, per_page } = c.req.valid('query');
    const args = { p_workspace_id: c.get('principal').workspaceId, p_page: page, p_per_page: per_page };
    const out = await lookupById(
      c.req.valid('param').job_id,
      JOB_ID,
      (id) =>
        db.rpc<{ items: z.infer<typeof RowErrorSchema>[]; total: number } | null>('import_job_errors_page', {
          ...args,
          p_job_id: id,
        }),
    );
    if (!out) throw jobNotFound();
    return c.json({ data: out.items, meta: pageMeta(page, per_page, out.total) }, 200);
  };
}

export function registerImportRoutes(app: OpenAPIHono<AppEnv>, deps: ImportRouteDeps) {
  const read = deps.guards.noBody('readContacts');
  // A body with rows past SYNC_ROW_LIMIT is queued, its rows stored as sent (engine.ts, toNdjson):
  // not building those rows spares a 200,000-row POST much of its parse and its garbage.
  const body = deps.guards.jsonBody('writeContacts', { elementsBuilt: { rows: SYNC_ROW_LIMIT } });
  app.openapi({ ...importContactsRoute, middleware: body }, importHandler(deps));
  app.openapi({ ...getImportJobRoute, middleware: read }, jobHandler(deps));
  app.openapi({ ...listImportJobErrorsRoute, middleware: read }, errorsHandler(deps));
  registerErrorsCsvRoute(app, deps);
}
