/** @module The webhooks resource: POST|GET /v1/webhooks, GET|PATCH|DELETE /v1/webhooks/{id}, GET /v1/webhooks/{id}/deliveries (permission manageWebhooks). */
import { createRoute, type OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, jsonResponse, responseHeaders } from '../http/openapi.ts';
import { pageFields, pageMeta, PageMetaSchema } from '../http/pagination.ts';
import { idParams, lookupById, UUID } from '../http/resource-ids.ts';
import { WEBHOOK_EXAMPLES } from './examples.ts';
import {
  CreateBody,
  CreatedEndpointSchema,
  type Delivery,
  DeliverySchema,
  type Endpoint,
  PatchBody,
  WebhookEndpointSchema,
} from './schemas.ts';
import type { SecretBox } from './secret-box.ts';
import { generateWebhookSecret } from './signing.ts';
import { checkWebhookUrl, type ResolveHost } from './ssrf.ts';

const IdParams = idParams('id', WEBHOOK_EXAMPLES.endpointId);
const PageQuery = z.object(pageFields({ maxPage: 100000, defaultPerPage: 25 })).strict();
const TAGS = ['Webhooks'];

export const createWebhookRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhook',
  tags: TAGS,
  summary: 'Register a webhook endpoint (the signing secret is returned once)',
  ...accessOf('idempotent'),
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: CreateBody, example: WEBHOOK_EXAMPLES.createBody } },
    },
  },
  responses: {
    201: jsonResponse(
      'idempotent',
      201,
      'Created; `secret` is never shown again',
      z.object({ data: CreatedEndpointSchema }).strict(),
      WEBHOOK_EXAMPLES.created,
    ),
    ...errorResponses('idempotent'),
  },
});

export const listWebhooksRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhooks',
  tags: TAGS,
  summary: 'List webhook endpoints',
  ...accessOf('noBody'),
  request: { query: PageQuery },
  responses: {
    200: jsonResponse(
      'noBody',
      200,
      'A page of endpoints, oldest first',
      z.object({ data: z.array(WebhookEndpointSchema), meta: PageMetaSchema }).strict(),
      WEBHOOK_EXAMPLES.list,
    ),
    ...errorResponses('noBody', [400]),
  },
});

export const getWebhookRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  operationId: 'getWebhook',
  tags: TAGS,
  summary: 'Get a webhook endpoint',
  ...accessOf('noBody'),
  request: { params: IdParams },
  responses: {
    200: jsonResponse(
      'noBody',
      200,
      'The endpoint (without its secret)',
      z.object({ data: WebhookEndpointSchema }).strict(),
      WEBHOOK_EXAMPLES.endpoint,
    ),
    ...errorResponses('noBody', [404]),
  },
});

export const updateWebhookRoute = createRoute({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  operationId: 'updateWebhook',
  tags: TAGS,
  summary: 'Change a webhook endpoint (url, events, description, active)',
  ...accessOf('jsonBody'),
  request: {
    params: IdParams,
    body: { required: true, content: { 'application/json': { schema: PatchBody, example: { active: true } } } },
  },
  responses: {
    200: jsonResponse(
      'jsonBody',
      200,
      'The changed endpoint',
      z.object({ data: WebhookEndpointSchema }).strict(),
      WEBHOOK_EXAMPLES.endpoint,
    ),
    ...errorResponses('jsonBody', [404]),
  },
});

export const deleteWebhookRoute = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  operationId: 'deleteWebhook',
  tags: TAGS,
  summary: 'Delete a webhook endpoint with its delivery history',
  ...accessOf('noBody'),
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted', headers: responseHeaders('noBody', 204) },
    ...errorResponses('noBody', [404]),
  },
});

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags: TAGS,
  summary: "An endpoint's deliveries with every attempt",
  ...accessOf('noBody'),
  request: { params: IdParams, query: PageQuery },
  responses: {
    200: jsonResponse(
      'noBody',
      200,
      'A page of deliveries, newest first',
      z.object({ data: z.array(DeliverySchema), meta: PageMetaSchema }).strict(),
      WEBHOOK_EXAMPLES.deliveries,
    ),
    ...errorResponses('noBody', [400, 404]),
  },
});

export interface WebhookRouteDeps {
  db: DataPort;
  guards: Guards;
  resolveHost: ResolveHost;
  allowLoopback: boolean;
  /** Encrypts signing secrets before they are stored; null when WEBHOOK_SECRET_KEY is not configured. */
  secrets: SecretBox | null;
}

type CreateResult = { status: 'created'; endpoint: Endpoint } | { status: 'limit_reached'; limit: number };

const notFound = () => new ApiError('not_found', 'No webhook endpoint with this id.');

function normalizeDescription(d: string | null | undefined): string | null {
  const t = d?.trim();
  return t ? t : null;
}

/** The URL as it will be fetched (WHATWG-normalised), after the SSRF guard accepted it. */
async function acceptedUrl(url: string, { resolveHost, allowLoopback }: WebhookRouteDeps): Promise<string> {
  const check = await checkWebhookUrl(url, { resolveHost, allowLoopback });
  if (!check.ok) {
    throw new ApiError('validation_error', `Invalid webhook URL: ${check.reason}.`, [{
      path: 'url',
      message: check.reason,
    }]);
  }
  return new URL(url).href;
}

function createHandler(deps: WebhookRouteDeps): RouteHandler<typeof createWebhookRoute, AppEnv> {
  return async (c) => {
    const body = c.req.valid('json');
    // Refused rather than stored in plain text: the deployment must set WEBHOOK_SECRET_KEY.
    const secrets = deps.secrets;
    if (!secrets) {
      throw new ApiError(
        'service_unavailable',
        'Webhook endpoints cannot be created: the service has no key to encrypt their secrets (WEBHOOK_SECRET_KEY).',
      );
    }
    const url = await acceptedUrl(body.url, deps);
    const workspaceId = c.get('principal').workspaceId;
    const secret = generateWebhookSecret();
    const out = await deps.db.rpc<CreateResult>('webhook_endpoint_create', {
      p_workspace_id: workspaceId,
      p_url: url,
      p_events: [...new Set(body.events)],
      p_secret_sealed: await secrets.seal(secret, workspaceId),
      p_description: normalizeDescription(body.description),
      p_active: body.active ?? true,
    });
    if (out.status === 'limit_reached') {
      throw new ApiError(
        'validation_error',
        `A workspace can have at most ${out.limit} webhook endpoints; delete one first.`,
        [
          { path: '', message: `at most ${out.limit} webhook endpoints per workspace` },
        ],
      );
    }
    // The replayable copy of this response holds the secret: it is stored sealed (shared/http/idempotency.ts).
    const idem = c.get('idempotency');
    if (idem) idem.sealed = true;
    return c.json({ data: { ...out.endpoint, secret } }, 201);
  };
}

function updateHandler(deps: WebhookRouteDeps): RouteHandler<typeof updateWebhookRoute, AppEnv> {
  return async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (!UUID.test(id)) throw notFound();
    const changes: Record<string, unknown> = {};
    if (body.url !== undefined) changes.url = await acceptedUrl(body.url, deps);
    if (body.events !== undefined) changes.events = [...new Set(body.events)];
    if (body.description !== undefined) changes.description = normalizeDescription(body.description);
    if (body.active !== undefined) changes.active = body.active;
    const endpoint = await deps.db.rpc<Endpoint | null>('webhook_endpoint_update', {
      p_workspace_id: c.get('principal').workspaceId,
      p_id: id,
      p_patch: changes,
    });
    if (!endpoint) throw notFound();
    return c.json({ data: endpoint }, 200);
  };
}

function listHandler({ db }: WebhookRouteDeps): RouteHandler<typeof listWebhooksRoute, AppEnv> {
  return async (c) => {
    const { page, per_page } = c.req.valid('query');
    const out = await db.rpc<{ items: Endpoint[]; total: number }>('webhook_endpoint_list', {
      p_workspace_id: c.get('principal').workspaceId,
      p_page: page,
      p_per_page: per_page,
    });
    return c.json({ data: out.items, meta: pageMeta(page, per_page, out.total) }, 200);
  };
}

function getHandler({ db }: WebhookRouteDeps): RouteHandler<typeof getWebhookRoute, AppEnv> {
  return async (c) => {
    const workspaceId = c.get('principal').workspaceId;
    const endpoint = await lookupById(
      c.req.valid('param').id,
      UUID,
      (id) => db.rpc<Endpoint | null>('webhook_endpoint_get', { p_workspace_id: workspaceId, p_id: id }),
    );
    if (!endpoint) throw notFound();
    return c.json({ data: endpoint }, 200);
  };
}

function deleteHandler({ db }: WebhookRouteDeps): RouteHandler<typeof deleteWebhookRoute, AppEnv> {
  return async (c) => {
    const workspaceId = c.get('principal').workspaceId;
    const deleted = await lookupById(
      c.req.valid('param').id,
      UUID,
      (id) => db.rpc<boolean>('webhook_endpoint_delete', { p_workspace_id: workspaceId, p_id: id }),
    );
    if (!deleted) throw notFound();
    return c.body(null, 204);
  };
}

function deliveriesHandler({ db }: WebhookRouteDeps): RouteHandler<typeof listDeliveriesRoute, AppEnv> {
  return async (c) => {
    const { page, per_page } = c.req.valid('query');
    const args = { p_workspace_id: c.get('principal').workspaceId, p_page: page, p_per_page: per_page };
    const out = await lookupById(
      c.req.valid('param').id,
      UUID,
      (id) =>
        db.rpc<{ items: Delivery[]; total: number } | null>('webhook_delivery_list', { ...args, p_endpoint_id: id }),
    );
    if (!out) throw notFound();
    return c.json({ data: out.items, meta: pageMeta(page, per_page, out.total) }, 200);
  };
}

/** Registers the routes in the document's order. Every webhooks route requires manageWebhooks, the delete included. */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: WebhookRouteDeps) {
  const withBody = deps.guards.jsonBody('manageWebhooks');
  const noBody = deps.guards.noBody('manageWebhooks');
  app.openapi({ ...createWebhookRoute, middleware: withBody }, createHandler(deps));
  app.openapi({ ...listWebhooksRoute, middleware: noBody }, listHandler(deps));
  app.openapi({ ...getWebhookRoute, middleware: noBody }, getHandler(deps));
  app.openapi({ ...updateWebhookRoute, middleware: withBody }, updateHandler(deps));
  app.openapi({ ...deleteWebhookRoute, middleware: noBody }, deleteHandler(deps));
  app.openapi({ ...listDeliveriesRoute, middleware: noBody }, deliveriesHandler(deps));
}
