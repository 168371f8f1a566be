/** @module Ids in paths: their shapes, their OpenAPI parameters, and the lookup that answers 404 for an id that cannot name anything. */
import { z } from '@hono/zod-openapi';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const JOB_ID = /^imp_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Path parameters holding one id, documented with an example when given. */
export function idParams<N extends string>(name: N, example?: string) {
  const param = { name, in: 'path' as const, ...(example === undefined ? {} : { example }) };
  return z.object({ [name]: z.string().openapi({ param }) } as { [K in N]: z.ZodString });
}

/**
 * Looks the id up only when it has the resource's shape: a malformed id is answered like an unknown
 * one (null, then 404), which also keeps one answer for "another workspace's".
 */
export function lookupById<T>(id: string, shape: RegExp, lookup: (id: string) => Promise<T | null>): Promise<T | null> {
  return shape.test(id) ? lookup(id) : Promise.resolve(null);
}
