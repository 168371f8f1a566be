/** @module GET /health: is the gateway up, and can it reach its database? */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { DataPort } from './db/port.ts';
import type { AppEnv } from './http/env.ts';
import { accessOf, errorResponses, jsonResponse } from './http/openapi.ts';

const HealthSchema = z
  .object({
    data: z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['ok', 'unreachable']) }).strict(),
  })
  .strict()
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Liveness and database reachability',
  ...accessOf('public'),
  responses: {
    ...errorResponses('public'),
    200: jsonResponse('public', 200, 'Up, database reachable', HealthSchema, {
      data: { status: 'ok', database: 'ok' },
    }),
    503: jsonResponse('public', 503, 'Up, database unreachable (with `Retry-After`)', HealthSchema, {
      data: { status: 'degraded', database: 'unreachable' },
    }),
  },
});

export function registerHealthRoute(app: OpenAPIHono<AppEnv>, db: DataPort) {
  app.openapi(route, async (c) => {
    const reachable = await db.rpc('health_ping').then(
      () => true,
      () => false,
    );
    return reachable
      ? c.json({ data: { status: 'ok' as const, database: 'ok' as const } }, 200)
      : c.json({ data: { status: 'degraded' as const, database: 'unreachable' as const } }, 503, {
        'Retry-After': '5',
      });
  });
}
