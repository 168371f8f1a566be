/** @module The gateway's bare URL (what the Supabase dashboard opens): the service's name, version and where its API document lives. */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { AppEnv } from './env.ts';
import { accessOf, errorResponses, jsonResponse } from './openapi.ts';
import { BASE_PATHS } from './paths.ts';

/** Where a client reaches the gateway from outside: a Supabase deployment's paths start with the function's public prefix. */
const PUBLIC_PREFIX = '/functions/v1/api-gateway';

const ServiceIndexSchema = z
  .object({
    data: z
      .object({
        service: z.string(),
        version: z.string(),
        links: z.object({ openapi: z.string(), docs: z.string(), health: z.string() }).strict(),
      })
      .strict(),
  })
  .strict()
  .openapi('ServiceIndex');

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

/**
 * Documents the bare URL as `GET /` (relative to each server, so the bare function URL on Supabase).
 * It is served by registerServiceIndex on the outer app, where the base paths themselves are routed.
 */
export function documentServiceIndex(api: OpenAPIHono<AppEnv>, service: { name: string; version: string }): void {
  const example = {
    data: {
      service: service.name,
      version: service.version,
      links: {
        openapi: `${PUBLIC_PREFIX}/v1/openapi.json`,
        docs: `${PUBLIC_PREFIX}/docs`,
        health: `${PUBLIC_PREFIX}/health`,
      },
    },
  };
  api.openAPIRegistry.registerPath({
    method: 'get',
    path: '/',
    operationId: 'getServiceIndex',
    tags: ['Service'],
    summary: 'The service, its version and links to this document, its reference page and the health check',
    ...accessOf('public'),
    responses: {
      200: jsonResponse('public', 200, 'The service index', ServiceIndexSchema, example),
      ...errorResponses('public'),
    },
  });
}
