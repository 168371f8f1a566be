/** @module Shared OpenAPI pieces, one place each: the error envelope, the contract's headers, the security scheme, and which statuses and headers a route's guards can produce. */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      request_id: z.string(),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }).catchall(z.unknown()))
        .optional()
        .openapi({
          description: 'One entry per problem; row-level codes (`code`) and ids (`contact_id`) may be added',
        }),
    }).strict(),
  })
  .strict()
  .openapi('Error');

/** How a route is reached, which decides what its guards can answer (shared/http/guards.ts). */
export type Access =
  /** No key: /health, /v1/openapi.json. */
  | 'public'
  /** guards.noBody (GET, DELETE): authentication, rate limit, scope. */
  | 'noBody'
  /** guards.jsonBody on a PATCH: adds the JSON body checks. */
  | 'jsonBody'
  /** guards.jsonBody on a POST: adds the Idempotency-Key claim. */
  | 'idempotent';

const ref = (kind: 'headers' | 'parameters' | 'securitySchemes', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

type HeaderName =
  | 'X-Request-ID'
  | 'X-RateLimit-Limit'
  | 'X-RateLimit-Remaining'
  | 'X-RateLimit-Reset'
  | 'Retry-After'
  | 'Idempotent-Replayed';

/** The response headers of the contract, registered once under components.headers. */
const HEADERS: Record<HeaderName, { description: string; required?: boolean; schema: Record<string, unknown> }> = {
  'X-Request-ID': {
    description:
      'The request id: yours when it matches `^[A-Za-z0-9._:-]{1,128}$`, else `req_<ULID>`. Quote it in support requests.',
    required: true,
    schema: { type: 'string', example: 'req_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3' },
  },
  'X-RateLimit-Limit': {
    description:
      'Requests allowed per minute for this key (absent when the limiter did not answer in time and the request went through)',
    schema: { type: 'string', pattern: '^[0-9]+$', example: '60' },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current sliding minute',
    schema: { type: 'string', pattern: '^[0-9]+$', example: '59' },
  },
  'X-RateLimit-Reset': {
    description: 'When the window resets, Unix seconds',
    schema: { type: 'string', pattern: '^[0-9]+$', example: '1764646800' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying: on every 429, 503 and `409 idempotency_key_in_use`',
    schema: { type: 'string', pattern: '^[0-9]+$', example: '5' },
  },
  'Idempotent-Replayed': {
    description:
      'Present (`true`) when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const componentName = (h: HeaderName) => h.replaceAll('-', '');

/** Registers the shared components on the app whose document is published. */
export function registerOpenApiComponents(api: OpenAPIHono<AppEnv>): void {
  const registry = api.openAPIRegistry;
  for (const [name, header] of Object.entries(HEADERS)) {
    registry.registerComponent('headers', componentName(name as HeaderName), header);
  }
  registry.registerComponent('parameters', 'IdempotencyKey', {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the POST safe to retry: the same key and request within 24 hours replays the stored response (`Idempotent-Replayed: true`); ' +
      'the same key while the first is running is `409 idempotency_key_in_use`, with another method, path or body `422 idempotency_key_mismatch`. ' +
      '1 to 255 printable ASCII characters.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN.source },
    example: 'import-2026-11-26-1',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'wbk_…',
    description: 'An API key: `Authorization: Bearer wbk_…`',
  });
}

/** `security` and `parameters` of an operation with this access. */
export function accessOf(access: Access) {
  return {
    security: access === 'public' ? [] : [{ apiKey: [] }],
    ...(access === 'idempotent' ? { parameters: [ref('parameters', 'IdempotencyKey')] } : {}),
  };
}

function headersFor(names: HeaderName[]) {
  return Object.fromEntries(names.map((h) => [h, ref('headers', componentName(h))]));
}

const RATE_LIMIT: HeaderName[] = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/** Headers of a response with this status on a route with this access. */
export function responseHeaders(access: Access, status: number) {
  const names: HeaderName[] = ['X-Request-ID'];
  // Authentication runs before the rate limit, so a 401 never carries its headers.
  if (access !== 'public' && status !== 401) names.push(...RATE_LIMIT);
  if (status === 409 || status === 429 || status === 503) names.push('Retry-After');
  // Only stored statuses are replayed (2xx and 400; 401/403/409/413/415/422/429/5xx never are).
  if (access === 'idempotent' && (status < 300 || status === 400)) names.push('Idempotent-Replayed');
  return headersFor(names);
}

/** Statuses every route with this access can answer with the error envelope, before its own (400, 404, 409 …). */
// 413 on every route: a declared Content-Length over 20 MB is refused before routing (shared/app.ts).
// 400 on every route too: an unreadable query string (NUL, bad percent-encoding) is refused before routing.
const GUARD_STATUSES: Record<Access, number[]> = {
  public: [400, 413, 500],
  noBody: [400, 401, 403, 413, 429, 500, 503],
  jsonBody: [400, 401, 403, 413, 415, 429, 500, 503],
  idempotent: [400, 401, 403, 409, 413, 415, 422, 429, 500, 503],
};

/** The codes each status carries, for the description and the example. */
const CODES_BY_STATUS = Object.entries(ERROR_STATUS).reduce<Record<number, ErrorCode[]>>((acc, [code, status]) => {
  (acc[status] ??= []).push(code as ErrorCode);
  return acc;
}, {});

const EXAMPLE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  validation_error: 'Invalid request body: email: must be a valid email address.',
  invalid_key: 'The API key is missing, malformed, unknown, revoked or expired.',
  insufficient_permissions: 'This API key lacks the write:contacts scope.',
  not_found: 'No contact with this id.',
  duplicate_contact: 'A contact with this email already exists (5b1e…).',
  idempotency_key_in_use: 'A request with this Idempotency-Key is still being processed; retry later.',
  payload_too_large: 'The request body exceeds 20 MB.',
  unsupported_media_type: 'Content-Type must be application/json (got "text/plain").',
  idempotency_key_mismatch:
    'This Idempotency-Key was used for a different request (method, path or body) in the last 24 hours.',
  rate_limited: 'Rate limit of 60 requests per minute exceeded; retry in 12 s.',
  internal_error: 'An unexpected error occurred.',
  service_unavailable: 'The database is unreachable; retry shortly.',
};

function errorResponse(access: Access, status: number, codes: ErrorCode[]) {
  const code = codes[0]!;
  return {
    description: codes.map((c) => `\`${c}\``).join(' or '),
    headers: responseHeaders(access, status),
    content: {
      'application/json': {
        schema: ErrorSchema,
        example: {
          error: { code, message: EXAMPLE_MESSAGES[code] ?? code, request_id: 'req_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3' },
        },
      },
    },
  };
}

/**
 * The error responses of a route: those its guards can produce plus `extra` (a route's own 400, 404 …).
 * `codes` narrows a status to the codes this route can give (409 on POST /v1/contacts adds duplicate_contact).
 */
export function errorResponses(access: Access, extra: number[] = [], codes: Partial<Record<number, ErrorCode[]>> = {}) {
  const statuses = [...new Set([...GUARD_STATUSES[access], ...extra])].sort((a, b) => a - b);
  const out: Record<number, ReturnType<typeof errorResponse>> = {};
  for (const s of statuses) {
    const forStatus = codes[s] ?? defaultCodes(s);
    out[s] = errorResponse(access, s, forStatus);
  }
  return out;
}

/** A 409 from the guards is only ever the in-flight Idempotency-Key; duplicate_contact belongs to one route. */
function defaultCodes(status: number): ErrorCode[] {
  if (status === 409) return ['idempotency_key_in_use'];
  return CODES_BY_STATUS[status] ?? ['internal_error'];
}

/** A JSON success response with the headers of this access. */
export function jsonResponse<S extends z.ZodType>(
  access: Access,
  status: number,
  description: string,
  schema: S,
  example: unknown,
) {
  return {
    description,
    headers: responseHeaders(access, status),
    content: { 'application/json': { schema, example } },
  };
}
