/** @module The webhooks resource's request and response schemas (components of the OpenAPI document). */
import { z } from '@hono/zod-openapi';
import { MAX_WEBHOOK_URL_LENGTH } from './ssrf.ts';

/** The events an endpoint can subscribe to. */
export const WEBHOOK_EVENTS = ['import.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WebhookEndpointSchema = z
  .object({
    id: z.string().uuid(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    disabled_reason: z.string().nullable().openapi({
      description: 'Set when the service deactivated the endpoint (a 410 Gone answer)',
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .strict()
  .openapi('WebhookEndpoint');

export const CreatedEndpointSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({
    description: 'whsec_<base64>: the signing secret, shown only in this response',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4uWXPg3bQn0=',
  }),
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

export const DeliverySchema = z
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
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `unknown event "${e}" (known: ${WEBHOOK_EVENTS.join(', ')})`,
        });
      }
    });
  })
  .openapi({ description: `Events to receive: ${WEBHOOK_EVENTS.join(', ')}`, example: ['import.completed'] });

const UrlField = z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).openapi({
  description: 'https URL with a public address',
  example: 'https://example.com/hooks/leadlex',
});
const DescriptionField = z.string().max(500).nullable().optional();

export const CreateBody = z
  .object({ url: UrlField, events: EventsField, description: DescriptionField, active: z.boolean().optional() })
  .strict()
  .openapi('WebhookEndpointCreate');

export const PatchBody = z
  .object({
    url: UrlField.optional(),
    events: EventsField.optional(),
    description: DescriptionField,
    active: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of url, events, description, active' })
  .openapi('WebhookEndpointUpdate');

export type Endpoint = z.infer<typeof WebhookEndpointSchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
