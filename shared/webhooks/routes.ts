/** @module The webhooks resource: POST|GET /v1/webhooks, GET|PATCH|DELETE /v1/webhooks/{id}, GET /v1/webhooks/{id}/deliveries (scope admin:webhooks). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, jsonResponse, responseHeaders } from '../http/openapi.ts';
import { PageMetaSchema } from '../contacts/routes.ts';
import { WEBHOOK_EXAMPLES } from './examples.ts';
import type { SecretBox } from './secret-box.ts';
import { generateWebhookSecret } from './signing.ts';
import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH, type ResolveHost } from './ssrf.ts';

/** The events an endpoint can subscribe to. */
export const WEBHOOK_EVENTS = ['import.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const WebhookEndpointSchema = z
  .object({
    id: z.string().uuid(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: 'Set when the service deactivated the endpoint (a 410 Gone answer)' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .strict()
  .openapi('WebhookEndpoint');

const CreatedEndpointSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({ description: 'whsec_<base64>: the signing secret, shown only in this response', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4uWXPg3bQn0=' }),
}).strict()
  .openapi('WebhookEndpointCreated');

const AttemptSchema = z
  .object({
    attempt: z.number().int(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    response_body: z.string().nullable().openapi({ description: 'The first 2048 bytes of the response body' }),
  })
  .strict()
  .openapi('WebhookAttempt');

const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'Also sent as X-LeadLex-Delivery-ID' }),
    event_id: z.string().openapi({ description: 'Also sent as webhook-id' }),
    event: z.string(),
    status: z.enum(['pending', 'delivering', 'succeeded', 'failed']),
    attempt_count: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    attempts: z.array(AttemptSchema),
  })
  .strict()
  .openapi('WebhookDelivery');

const EventsField = z
  .array(z.string().max(100))
  .min(1)
  .max(20)
  .superRefine((events, ctx) => {
    events.forEach((e, i) => {
      if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `unknown event "${e}" (known: ${WEBHOOK_EVENTS.join(', ')})` });
      }
    });
  })
  .openapi({ description: `Events to receive: ${WEBHOOK_EVENTS.join(', ')}`, example: ['import.completed'] });

const UrlField = z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).openapi({ description: 'https URL with a public address', example: 'https://example.com/hooks/leadlex' });
const DescriptionField = z.string().max(500).nullable().optional();

const CreateBody = z
  .object({ url: UrlField, events: EventsField, description: DescriptionField, active: z.boolean().optional() })
  .strict()
  .openapi('WebhookEndpointCreate');

const PatchBody = z
  .object({ url: UrlField.optional(), events: EventsField.optional(), description: DescriptionField, active: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of url, events, description, active' })
  .openapi('WebhookEndpointUpdate');

const IdParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path', example: WEBHOOK_EXAMPLES.endpointId } }) });

const PageQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(100000).default(1),
    per_page: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();

const PageMeta = PageMetaSchema;

type Endpoint = z.infer<typeof WebhookEndpointSchema>;
type Delivery = z.infer<typeof DeliverySchema>;
type CreateResult = { status: 'created'; endpoint: Endpoint } | { status: 'limit_reached'; limit: number };

export interface WebhookRouteDeps {
  db: DataPort;
  guards: Guards;
  resolveHost: ResolveHost;
  allowLoopback: boolean;
  /** Encrypts signing secrets before they are stored; null when WEBHOOK_SECRET_KEY is not configured. */
  secrets: SecretBox | null;
}

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, { db, guards, resolveHost, allowLoopback, secrets }: WebhookRouteDeps) {
  /** The URL as it will be fetched (WHATWG-normalised), after the SSRF guard accepted it. */
  async function acceptedUrl(url: string): Promise<string> {
    const check = await checkWebhookUrl(url, { resolveHost, allowLoopback });
    if (!check.ok) throw new ApiError('validation_error', `Invalid webhook URL: ${check.reason}.`, [{ path: 'url', message: check.reason }]);
    return new URL(url).href;
  }
  const notFound = () => new ApiError('not_found', 'No webhook endpoint with this id.');

  const create = createRoute({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    tags: ['Webhooks'],
    summary: 'Register a webhook endpoint (the signing secret is returned once)',
    ...accessOf('idempotent'),
    middleware: guards.write('admin:webhooks'),
    request: { body: { required: true, content: { 'application/json': { schema: CreateBody, example: WEBHOOK_EXAMPLES.createBody } } } },
    responses: {
      201: jsonResponse('idempotent', 201, 'Created; `secret` is never shown again', z.object({ data: CreatedEndpointSchema }).strict(), WEBHOOK_EXAMPLES.created),
      ...errorResponses('idempotent'),
    },
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    // Refused rather than stored in plain text: the deployment must set WEBHOOK_SECRET_KEY.
    if (!secrets) throw new ApiError('service_unavailable', 'Webhook endpoints cannot be created: the service has no key to encrypt their secrets (WEBHOOK_SECRET_KEY).');
    const url = await acceptedUrl(body.url);
    const workspaceId = c.get('principal').workspaceId;
    const secret = generateWebhookSecret();
    const out = await db.rpc<CreateResult>('webhook_endpoint_create', {
      p_workspace_id: workspaceId,
      p_url: url,
      p_events: [...new Set(body.events)],
      p_secret_sealed: await secrets.seal(secret, workspaceId),
      p_description: normalizeDescription(body.description),
      p_active: body.active ?? true,
    });
    if (out.status === 'limit_reached') {
      throw new ApiError('validation_error', `A workspace can have at most ${out.limit} webhook endpoints; delete one first.`, [
        { path: '', message: `at most ${out.limit} webhook endpoints per workspace` },
      ]);
    }
    return c.json({ data: { ...out.endpoint, secret } }, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tags: ['Webhooks'],
    summary: 'List webhook endpoints',
    ...accessOf('read'),
    middleware: guards.read('admin:webhooks'),
    request: { query: PageQuery },
    responses: {
      200: jsonResponse('read', 200, 'A page of endpoints, oldest first', z.object({ data: z.array(WebhookEndpointSchema), meta: PageMeta }).strict(), WEBHOOK_EXAMPLES.list),
      ...errorResponses('read', [400]),
    },
  });

  app.openapi(list, async (c) => {
    const { page, per_page } = c.req.valid('query');
    const out = await db.rpc<{ items: Endpoint[]; total: number }>('webhook_endpoint_list', { p_workspace_id: c.get('principal').workspaceId, p_page: page, p_per_page: per_page });
    return c.json({ data: out.items, meta: { page, per_page, total: out.total, total_pages: Math.ceil(out.total / per_page) } }, 200);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/webhooks/{id}',
    operationId: 'getWebhook',
    tags: ['Webhooks'],
    summary: 'Get a webhook endpoint',
    ...accessOf('read'),
    middleware: guards.read('admin:webhooks'),
    request: { params: IdParams },
    responses: {
      200: jsonResponse('read', 200, 'The endpoint (without its secret)', z.object({ data: WebhookEndpointSchema }).strict(), WEBHOOK_EXAMPLES.endpoint),
      ...errorResponses('read', [404]),
    },
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const endpoint = UUID.test(id) ? await db.rpc<Endpoint | null>('webhook_endpoint_get', { p_workspace_id: c.get('principal').workspaceId, p_id: id }) : null;
    if (!endpoint) throw notFound();
    return c.json({ data: endpoint }, 200);
  });

  const patch = createRoute({
    method: 'patch',
    path: '/v1/webhooks/{id}',
    operationId: 'updateWebhook',
    tags: ['Webhooks'],
    summary: 'Change a webhook endpoint (url, events, description, active)',
    ...accessOf('write'),
    middleware: guards.write('admin:webhooks'),
    request: { params: IdParams, body: { required: true, content: { 'application/json': { schema: PatchBody, example: { active: true } } } } },
    responses: {
      200: jsonResponse('write', 200, 'The changed endpoint', z.object({ data: WebhookEndpointSchema }).strict(), WEBHOOK_EXAMPLES.endpoint),
      ...errorResponses('write', [404]),
    },
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (!UUID.test(id)) throw notFound();
    const changes: Record<string, unknown> = {};
    if (body.url !== undefined) changes.url = await acceptedUrl(body.url);
    if (body.events !== undefined) changes.events = [...new Set(body.events)];
    if (body.description !== undefined) changes.description = normalizeDescription(body.description);
    if (body.active !== undefined) changes.active = body.active;
    const endpoint = await db.rpc<Endpoint | null>('webhook_endpoint_update', { p_workspace_id: c.get('principal').workspaceId, p_id: id, p_patch: changes });
    if (!endpoint) throw notFound();
    return c.json({ data: endpoint }, 200);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhook',
    tags: ['Webhooks'],
    summary: 'Delete a webhook endpoint with its delivery history',
    ...accessOf('read'),
    middleware: guards.read('admin:webhooks'),
    request: { params: IdParams },
    responses: {
      204: { description: 'Deleted', headers: responseHeaders('read', 204) },
      ...errorResponses('read', [404]),
    },
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    const deleted = UUID.test(id) ? await db.rpc<boolean>('webhook_endpoint_delete', { p_workspace_id: c.get('principal').workspaceId, p_id: id }) : false;
    if (!deleted) throw notFound();
    return c.body(null, 204);
  });

  const deliveries = createRoute({
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tags: ['Webhooks'],
    summary: "An endpoint's deliveries with every attempt",
    ...accessOf('read'),
    middleware: guards.read('admin:webhooks'),
    request: { params: IdParams, query: PageQuery },
    responses: {
      200: jsonResponse('read', 200, 'A page of deliveries, newest first', z.object({ data: z.array(DeliverySchema), meta: PageMeta }).strict(), WEBHOOK_EXAMPLES.deliveries),
      ...errorResponses('read', [400, 404]),
    },
  });

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid('param');
    const { page, per_page } = c.req.valid('query');
    const out = UUID.test(id)
      ? await db.rpc<{ items: Delivery[]; total: number } | null>('webhook_delivery_list', {
          p_workspace_id: c.get('principal').workspaceId,
          p_endpoint_id: id,
          p_page: page,
          p_per_page: per_page,
        })
      : null;
    if (!out) throw notFound();
    return c.json({ data: out.items, meta: { page, per_page, total: out.total, total_pages: Math.ceil(out.total / per_page) } }, 200);
  });
}

function normalizeDescription(d: string | null | undefined): string | null {
  const t = d?.trim();
  return t ? t : null;
}
