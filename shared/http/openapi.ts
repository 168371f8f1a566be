/** @module Shared OpenAPI pieces: the error envelope schema and the standard error responses per status. */
import { z } from '@hono/zod-openapi';
import { ERROR_STATUS } from './errors.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
      message: z.string(),
      request_id: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() }).passthrough()).optional(),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'validation_error',
  401: 'invalid_key',
  403: 'insufficient_permissions',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_key_mismatch',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export function errorResponses<S extends number>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
  for (const s of statuses) out[s] = { description: DESCRIPTIONS[s] ?? 'error', content: { 'application/json': { schema: ErrorSchema } } };
  return out;
}
