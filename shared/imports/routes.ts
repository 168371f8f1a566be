/** @module POST /v1/import/contacts and GET /v1/import/jobs/{job_id}. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { errorResponses } from '../http/openapi.ts';
import { runSyncImport } from './engine.ts';
import { ImportRequestSchema, SYNC_ROW_LIMIT } from './request.ts';

const RowErrorSchema = z
  .object({
    row_number: z.number().int(),
    line: z.number().int().optional().openapi({ description: 'CSV only: the physical line where the record starts' }),
    code: z.enum(['missing_identity', 'invalid_email', 'invalid_phone', 'invalid_field', 'ambiguous_match', 'invalid_row']),
    message: z.string(),
  })
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
    mapping_used: z.record(z.string(), z.string()).optional().openapi({ description: 'CSV only: the columns used and their fields' }),
  })
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
    errors_truncated: z.boolean(),
    update_existing: z.boolean(),
    tags: z.array(z.string()),
    mapping_used: z.record(z.string(), z.string()).nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('ImportJob');

export interface ImportRouteDeps {
  db: DataPort;
  guards: Guards;
  now: () => Date;
}

export function registerImportRoutes(app: OpenAPIHono<AppEnv>, { db, guards, now }: ImportRouteDeps) {
  const importRoute = createRoute({
    method: 'post',
    path: '/v1/import/contacts',
    summary: 'Bulk-import contacts from JSON rows or CSV',
    security: [{ apiKey: [] }],
    middleware: guards.write('write:contacts'),
    request: { body: { required: true, content: { 'application/json': { schema: ImportRequestSchema } } } },
    responses: {
      200: { description: `Imported in the request (at most ${SYNC_ROW_LIMIT} rows)`, content: { 'application/json': { schema: z.object({ data: ImportResultSchema }) } } },
      ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429),
    },
  });

  app.openapi(importRoute, async (c) => {
    const body = c.req.valid('json');
    const idem = c.get('idempotency');
    const outcome = await runSyncImport(db, c.get('principal').workspaceId, body, now(), idem);
    if (outcome.kind === 'too_large') {
      throw new ApiError('validation_error', `Imports of more than ${SYNC_ROW_LIMIT} rows are not accepted yet.`, [
        { path: body.rows ? 'rows' : 'csv', message: `more than ${SYNC_ROW_LIMIT} data rows` },
      ]);
    }
    if (idem) idem.stored = true;
    return c.json(outcome.response, 200);
  });

  const jobRoute = createRoute({
    method: 'get',
    path: '/v1/import/jobs/{job_id}',
    summary: 'Status and results of an import job',
    security: [{ apiKey: [] }],
    middleware: guards.read('read:contacts', 'write:contacts'),
    request: { params: z.object({ job_id: z.string().openapi({ param: { name: 'job_id', in: 'path' } }) }) },
    responses: {
      200: { description: 'The job', content: { 'application/json': { schema: z.object({ data: JobSchema }) } } },
      ...errorResponses(401, 403, 404, 429),
    },
  });

  app.openapi(jobRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    const job = /^imp_[0-9A-HJKMNP-TV-Z]{26}$/.test(job_id)
      ? await db.rpc<z.infer<typeof JobSchema> | null>('import_job_get', { p_workspace_id: c.get('principal').workspaceId, p_job_id: job_id })
      : null;
    if (!job) throw new ApiError('not_found', 'No import job with this id.');
    return c.json({ data: job }, 200);
  });
}
