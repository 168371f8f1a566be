/** @module The gateway's bare URL (what the Supabase dashboard opens): the service's name, version and where its API document lives. */
import type { Hono } from 'hono';
import type { AppEnv } from './env.ts';
import { BASE_PATHS } from './paths.ts';

/** Where a client reaches the gateway from outside: a Supabase deployment's paths start with the function's public prefix. */
const PUBLIC_PREFIX = '/functions/v1/api-gateway';

export function registerServiceIndex(app: Hono<AppEnv>, service: { name: string; version: string }): void {
  for (const base of BASE_PATHS) {
    const prefix = base === '' ? '' : PUBLIC_PREFIX;
    const body = {
      data: {
        service: service.name,
        version: service.version,
        links: { openapi: `${prefix}/v1/openapi.json`, docs: `${prefix}/docs`, health: `${prefix}/health` },
      },
    };
    // Both `/api-gateway` and `/api-gateway/`: the dashboard and curl users type either.
    for (const path of new Set([base || '/', `${base}/`])) app.get(path, (c) => c.json(body, 200));
  }
}
