/** @module The contract's error codes, the one error type routes throw, and the envelope it becomes. */

export const ERROR_STATUS = {
  validation_error: 400,
  invalid_key: 401,
  insufficient_permissions: 403,
  not_found: 404,
  duplicate_contact: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_mismatch: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
  [extra: string]: unknown;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: ErrorDetail[] };
}

/** Thrown anywhere in a request; `onError` turns it into the envelope with the right status. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export function errorBody(code: ErrorCode, message: string, requestId: string, details?: ErrorDetail[]): ErrorBody {
  return { error: { code, message, request_id: requestId, ...(details ? { details } : {}) } };
}

/** The single body every 401 carries, so callers cannot tell unknown, revoked and expired keys apart. */
export const INVALID_KEY_MESSAGE = 'The API key is missing, malformed, unknown, revoked or expired.';
