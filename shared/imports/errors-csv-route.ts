/** @module The route GET /v1/import/jobs/{job_id}/errors.csv (the CSV itself is built in errors-csv.ts). */
import { createRoute, type OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, responseHeaders } from '../http/openapi.ts';
import { idParams, JOB_ID, lookupById } from '../http/resource-ids.ts';
import { errorsCsvStream } from './errors-csv.ts';

export const errorsCsvRoute = createRoute({
  method: 'get',
  path: '/v1/import/jobs/{job_id}/errors.csv',
  operationId: 'getImportJobErrorsCsv',
  tags: ['Imports'],
  summary: 'Every row error of an import job as CSV, streamed',
  description:
    'Columns row_number, line (CSV imports), code, message, ordered by row number. Text starting with = + - @, tab or CR is prefixed with an apostrophe so spreadsheets do not run it as a formula.',
  ...accessOf('noBody'),
  request: { params: idParams('job_id', 'imp_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3') },
  responses: {
    200: {
      description: 'The row errors, one per line after the header',
      headers: {
        ...responseHeaders('noBody', 200),
        'Content-Disposition': {
          description: 'attachment; filename="<job_id>-errors.csv"',
          schema: { type: 'string' },
        },
      },
      content: {
        'text/csv': {
          schema: z.string(),
          example: 'row_number,line,code,message\n2,3,invalid_email,"email: ""jane@"" is not a valid email address."\n',
        },
      },
    },
    ...errorResponses('noBody', [404]),
  },
});

function errorsCsvHandler(db: DataPort): RouteHandler<typeof errorsCsvRoute, AppEnv> {
  return async (c) => {
    const { job_id } = c.req.valid('param');
    const workspaceId = c.get('principal').workspaceId;
    const stream = await lookupById(job_id, JOB_ID, (id) => errorsCsvStream(db, workspaceId, id));
    if (!stream) throw new ApiError('not_found', 'No import job with this id.');
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${job_id}-errors.csv"`,
      'Cache-Control': 'no-store',
    });
  };
}

export function registerErrorsCsvRoute(app: OpenAPIHono<AppEnv>, deps: { db: DataPort; guards: Guards }) {
  app.openapi({ ...errorsCsvRoute, middleware: deps.guards.noBody('readContacts') }, errorsCsvHandler(deps.db));
}
