/** @module GET /health: is the gateway up, and can it reach its database? */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { DataPort } from './db/port.ts';
import type { AppEnv } from './http/env.ts';

const HealthSchema = z.object({
  data: z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['ok', 'unreachable']) }),
});

const route = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and database reachability',
  responses: {
    200: { description: 'Up, database reachable', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'Up, database unreachable', content: { 'application/json': { schema: HealthSchema } } },
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
      : c.json({ data: { status: 'degraded' as const, database: 'unreachable' as const } }, 503, { 'Retry-After': '5' });
  });
}
