/** @module Turns zod failures into the contract's validation_error with a `details` entry per problem. */
import type { ZodError } from 'zod';
import { ApiError, type ErrorDetail } from './errors.ts';
import { msg, truncate } from '../contacts/messages.ts';

export function zodDetails(error: ZodError): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        // The key is the client's text: shortened, as every message that echoes it.
        const shown = truncate(key);
        details.push({ path: base ? `${base}.${shown}` : shown, message: msg.unknownField(key) });
      }
    } else {
      details.push({ path: base, message: issue.message });
    }
  }
  return details;
}

export function validationError(where: string, error: ZodError): ApiError {
  const details = zodDetails(error);
  const first = details[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid';
  return new ApiError(
    'validation_error',
    `Invalid ${where}: ${summary}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}.`,
    details,
  );
}

/** The OpenAPIHono default hook: every request-schema failure becomes a thrown validation_error. */
export function throwOnInvalid(result: { success: boolean; target?: string; error?: unknown }): void {
  if (!result.success) {
    const where = result.target === 'query'
      ? 'query parameters'
      : result.target === 'param'
      ? 'path parameters'
      : 'request body';
    throw validationError(where, result.error as ZodError);
  }
}
