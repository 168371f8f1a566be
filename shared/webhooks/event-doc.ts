/** @module The `webhooks` section of the OpenAPI document: what a subscribed endpoint receives (`import.completed`), with its signature headers. */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { WEBHOOK_EXAMPLES } from './examples.ts';
import { WEBHOOK_USER_AGENT } from './signing.ts';

/** The event body (built by internal.webhook_emit in SQL); the webhooks delivery test holds delivered bodies to it. */
export const ImportCompletedEventSchema = z
  .object({
    id: z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/).openapi({
      description: 'The event id; also sent as `webhook-id`: deduplicate on it',
    }),
    event: z.literal('import.completed'),
    created_at: z.string().openapi({ format: 'date-time' }),
    workspace_id: z.string(),
    data: z
      .object({
        job_id: z.string(),
        status: z.enum(['completed', 'failed']),
        total_rows: z.number().int().nullable(),
        created_count: z.number().int(),
        updated_count: z.number().int(),
        skipped_count: z.number().int(),
        error_count: z.number().int(),
      })
      .strict(),
  })
  .strict()
  .openapi('ImportCompletedEvent');

const header = (description: string, example: string, pattern?: RegExp) =>
  z.string().openapi({ description, example, ...(pattern ? { pattern: pattern.source } : {}) });

const SignatureHeaders = z.object({
  'user-agent': header('Always this value', WEBHOOK_USER_AGENT),
  'x-leadlex-signature': header(
    '`sha256=` + hex HMAC-SHA256 of the raw body, keyed with the decoded bytes of the secret after `whsec_`',
    'sha256=5d4e0a7c9b1f3e2d6c8a0b4f7e9d1c3a5b7f9e1d3c5a7b9f1e3d5c7a9b1f3e5d',
    /^sha256=[0-9a-f]{64}$/,
  ),
  'x-leadlex-timestamp': header(
    "The attempt's time, ISO 8601 (whole seconds; the same instant as webhook-timestamp)",
    '2026-06-01T12:00:04.000Z',
  ),
  'x-leadlex-delivery-id': header(
    'The delivery (one event to one endpoint), the same on every retry',
    'dlv_01KB8ZR7C3D4E5F6G7H8J9K0M2',
  ),
  'webhook-id': header(
    'Standard Webhooks: the event id, the same on every retry and every endpoint',
    WEBHOOK_EXAMPLES.event.id,
  ),
  'webhook-timestamp': header("Standard Webhooks: the attempt's time, Unix seconds", '1764590404', /^[0-9]+$/),
  'webhook-signature': header(
    'Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `webhook-id.webhook-timestamp.body`',
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  ),
});

export function registerWebhookEvents(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerWebhook({
    method: 'post',
    path: 'import.completed',
    operationId: 'onImportCompleted',
    tags: ['Webhooks'],
    summary: 'A queued import finished (completed or failed)',
    description: 'POSTed to every active endpoint subscribed to `import.completed`, the same bytes on every retry. ' +
      'Verify a signature over the raw body before parsing it. Retried after 5 s, 30 s, 5 min, 1 h and 6 h (±10%) until a 2xx within 10 s.',
    // The receiver authenticates the sender by the signatures, not by an API key.
    security: [],
    request: {
      headers: SignatureHeaders,
      body: {
        required: true,
        content: { 'application/json': { schema: ImportCompletedEventSchema, example: WEBHOOK_EXAMPLES.event } },
      },
    },
    responses: {
      '2XX': { description: 'Received; the delivery succeeded' },
      410: { description: 'Gone: the endpoint is deactivated (`active: false`) and its pending deliveries fail' },
      default: { description: 'Anything else (also a redirect or a timeout) is a failed attempt, retried' },
    },
  });
}
