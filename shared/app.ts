/** @module The gateway's Hono app, built by one factory so Deno (production) and Node (local, tests) serve the same thing. */
import { turnBegins } from './lib/turns.ts';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ErrorHandler, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { DataPort } from './db/port.ts';
import { DatabaseError } from './db/port.ts';
import type { AppEnv } from './http/env.ts';
import { ApiError, ERROR_STATUS, errorBody, type ErrorCode } from './http/errors.ts';
import { type Logger, silentLogger } from './lib/logger.ts';
import { corsForOrigins } from './http/cors.ts';
import { BASE_PATHS } from './http/paths.ts';
import { documentServiceIndex, registerServiceIndex } from './http/service-index.ts';
import { type ClientAddress, unknownAddress } from './http/client-address.ts';
import { queryText } from './http/query-text.ts';
import { requestIdFrom } from './lib/request-id.ts';
import { throwOnInvalid } from './http/validation.ts';
import { CLIENT_CLOSED_STATUS, ClientClosedRequest, declaredTooLarge, payloadTooLarge } from './http/body.ts';
import { createGuards } from './http/guards.ts';
import type { RateLimiter } from './ratelimit/limiter.ts';
import { createMemoryLimiter } from './ratelimit/memory.ts';
import { registerContactRoutes } from './contacts/routes.ts';
import { registerHealthRoute } from './health.ts';
import { registerImportRoutes } from './imports/routes.ts';
import { registerWebhookRoutes } from './webhooks/routes.ts';
import { registerWebhookEvents } from './webhooks/event-doc.ts';
import { registerDocumentRoutes } from './http/document-routes.ts';
import { registerOpenApiComponents } from './http/openapi.ts';
import type { SecretBox } from './webhooks/secret-box.ts';
import { unconfiguredResolver } from './webhooks/ssrf.ts';

export interface AppDeps {
  db: DataPort;
  /** Created once by the entry point; defaults to an in-process limiter (the embedded default). */
  limiter?: RateLimiter;
  logger?: Logger;
  /** Starts the import worker after a job is queued (Supabase: EdgeRuntime.waitUntil; locally: wakes the loop). */
  onImportQueued?: (jobId: string) => void;
  /** Clock for everything time-dependent in a request (created_date window); tests pin it. */
  now?: () => Date;
  /** DNS for the webhook SSRF guard (the entry point's resolver); without it only IP-literal webhook URLs pass. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Where a request comes from (socket on Node, CF-Connecting-IP on Supabase); without it failed authentications are not limited per address. */
  clientAddress?: ClientAddress;
  /** Encrypts webhook signing secrets at rest (WEBHOOK_SECRET_KEY); without it, creating a webhook endpoint is 503. */
  webhookSecrets?: SecretBox | null;
  /** WEBHOOK_ALLOW_LOOPBACK=1: webhook URLs may point at loopback, over http too (local development only). */
  allowWebhookLoopback?: boolean;
  /** Browser origins allowed to call the API (CORS_ORIGINS); none by default. */
  corsOrigins?: string[];
  /** Scalar's script for GET /docs, served by us (Node reads it from node_modules); without it the page loads it from a CDN. */
  docsScript?: () => Promise<string>;
}

export const API_VERSION = '0.1.0';
export const SERVICE_NAME = 'LeadLex contact-import API';

/** The documented API: every route and the OpenAPI document, registered once and mounted under each base path. */
function createApi(deps: AppDeps, logger: Logger, now: () => Date) {
  const guards = createGuards({
    db: deps.db,
    limiter: deps.limiter ?? createMemoryLimiter(),
    logger,
    clientAddress: deps.clientAddress ?? unknownAddress,
    responseSealer: deps.webhookSecrets ?? null,
  });
  const api = new OpenAPIHono<AppEnv>({ defaultHook: throwOnInvalid });
  registerOpenApiComponents(api);
  registerHealthRoute(api, deps.db);
  registerDocumentRoutes(api, { title: SERVICE_NAME, version: API_VERSION, docsScript: deps.docsScript });
  registerContactRoutes(api, { db: deps.db, guards, now });
  registerImportRoutes(api, { db: deps.db, guards, now, onQueued: deps.onImportQueued });
  registerWebhookRoutes(api, {
    db: deps.db,
    guards,
    resolveHost: deps.resolveHost ?? unconfiguredResolver,
    allowLoopback: deps.allowWebhookLoopback ?? false,
    secrets: deps.webhookSecrets ?? null,
  });
  registerWebhookEvents(api);
  documentServiceIndex(api, { name: SERVICE_NAME, version: API_VERSION });
  return api;
}

/** Sets the request id and logger, and logs one line per request once it is answered. */
function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    turnBegins();
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('logger', logger);
    const started = performance.now();
    await next();
    c.header('X-Request-ID', requestId);
    logger.log(c.res.status >= 500 ? 'error' : 'info', 'request', {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      workspace_id: c.get('principal')?.workspaceId,
    });
  };
}

/** Every thrown error as the contract's envelope with X-Request-ID; unexpected ones are logged. */
function errorResponder(logger: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    const requestId = c.get('requestId') ?? requestIdFrom(null);
    if (err instanceof ClientClosedRequest) {
      // No one will read this answer; it exists so the request log shows 499 at level info.
      return new Response(null, { status: CLIENT_CLOSED_STATUS, headers: { 'X-Request-ID': requestId } });
    }
    const { code, message, details, headers } = describeError(err);
    if (code === 'internal_error' || code === 'service_unavailable') {
      logger.log('error', 'request failed', {
        request_id: requestId,
        error_code: code,
        error_name: (err as Error)?.name,
        error_message: err instanceof DatabaseError ? `sqlstate ${err.sqlState ?? 'none'}` : (err as Error)?.message,
      });
    }
    const res = c.json(errorBody(code, message, requestId, details), statusOf(code));
    for (const [k, v] of Object.entries(headers ?? {})) res.headers.set(k, v);
    res.headers.set('X-Request-ID', requestId);
    return res;
  };
}

export function createApp(deps: AppDeps) {
  const logger = deps.logger ?? silentLogger;
  const api = createApi(deps, logger, deps.now ?? (() => new Date()));
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestContext(logger));
  app.use(corsForOrigins(deps.corsOrigins ?? []));
  // A declared size over the limit is refused before anything else, without reading the body.
  app.use(async function payloadLimit(c, next) {
    if (declaredTooLarge(c)) throw payloadTooLarge();
    await next();
  });
  app.use(queryText());
  registerServiceIndex(app, { name: SERVICE_NAME, version: API_VERSION });
  for (const base of BASE_PATHS) app.route(base || '/', api);
  app.notFound((c) =>
    c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`, c.get('requestId')), 404)
  );
  app.onError(errorResponder(logger));
  return app;
}

function describeError(
  err: unknown,
): { code: ErrorCode; message: string; details?: ApiError['details']; headers?: Record<string, string> } {
  if (err instanceof ApiError) return err;
  if (err instanceof DatabaseError) {
    return err.unavailable
      ? {
        code: 'service_unavailable',
        message: 'The database is unreachable; retry shortly.',
        headers: { 'Retry-After': '5' },
      }
      : { code: 'internal_error', message: 'An unexpected error occurred.' };
  }
  if (err instanceof HTTPException) {
    if (err.status === 413) return { code: 'payload_too_large', message: 'The request body exceeds 20 MB.' };
    if (err.status === 415) {
      return { code: 'unsupported_media_type', message: 'Content-Type must be application/json.' };
    }
    if (err.status === 400) {
      return {
        code: 'validation_error',
        message: 'The request is malformed.',
        details: [{ path: '', message: err.message }],
      };
    }
  }
  return { code: 'internal_error', message: 'An unexpected error occurred.' };
}

function statusOf(code: ErrorCode) {
  // Hono types c.json's status as a literal union; the table holds only valid statuses.
  return ERROR_STATUS[code] as 400;
}
