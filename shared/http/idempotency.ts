/** @module Idempotency-Key for every POST: claim in Postgres, replay finished responses, refuse reuse in flight or with another request. */
import { createMiddleware } from 'hono/factory';
import type { DataPort } from '../db/port.ts';
import { sha256Hex } from '../lib/bytes.ts';
import { readBody } from './body.ts';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { canonicalPath } from './paths.ts';

/** A claimed Idempotency-Key; a handler that stores the response in its own transaction sets `stored`. */
export interface IdempotencyState {
  key: string;
  /** The claim's token: only its holder may complete or release the key. */
  token: string;
  stored: boolean;
  /** Set by a handler whose response holds a secret (a webhook's signing secret): its replayable copy is stored sealed. */
  sealed?: boolean;
}

/** Encrypts stored responses that hold secrets (the webhook SecretBox); `context` binds a sealed copy to its key. */
export interface ResponseSealer {
  seal(plaintext: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
}

/** A sealed stored response: `{"sealed_response": "enc:v1:…"}`; no route answers with this shape. */
interface SealedResponse {
  sealed_response: string;
}

const sealContext = (workspaceId: string, key: string) => `idempotency:${workspaceId}:${key}`;

function isSealed(body: unknown): body is SealedResponse {
  return typeof body === 'object' && body !== null && Object.keys(body).length === 1 &&
    typeof (body as SealedResponse).sealed_response === 'string';
}

/**
 * The stored body as replayed. Bodies stored by SQL carry Postgres's spacing; re-serialising gives
 * the original bytes (JSON.stringify of the same parsed value), whichever side stored them.
 */
async function replayBody(stored: string, sealer: ResponseSealer | null, context: string): Promise<string> {
  const parsed: unknown = JSON.parse(stored);
  if (!isSealed(parsed)) return JSON.stringify(parsed);
  // Without the key that sealed it the response cannot be replayed; that is a 500, never the plaintext.
  if (!sealer) throw new Error('a sealed idempotent response needs WEBHOOK_SECRET_KEY to be replayed');
  // Awaited here so an unreadable body or a missing key rejects like a failed open, never throws synchronously.
  return await sealer.open(parsed.sealed_response, context);
}

/** What is stored for a finished response: the body itself, or sealed when the handler asked for it. */
async function storedBody(
  body: string,
  state: IdempotencyState,
  sealer: ResponseSealer | null,
  context: string,
): Promise<string> {
  if (!state.sealed) return body;
  if (!sealer) throw new Error('a response holding a secret cannot be stored without WEBHOOK_SECRET_KEY');
  return JSON.stringify({ sealed_response: await sealer.seal(body, context) } satisfies SealedResponse);
}

/** A claim outlives any synchronous request; if its holder dies, the key is free again after this. */
export const IDEMPOTENCY_LEASE_SECONDS = 60;

/** Statuses whose responses are not kept, leaving the key free for a retry (contract). */
const NOT_STORED = new Set([401, 403, 409, 413, 415, 429]);
export function isStoredStatus(status: number): boolean {
  return status < 500 && !NOT_STORED.has(status);
}

/** 1–255 printable ASCII characters (also the OpenAPI document's pattern). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** A value in double quotes is unquoted first. */
export function parseIdempotencyKey(raw: string): string {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new ApiError('validation_error', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.', [
      {
        path: 'headers.idempotency-key',
        message: value.length === 0
          ? 'empty'
          : value.length > 255
          ? 'longer than 255 characters'
          : 'contains characters outside printable ASCII',
      },
    ]);
  }
  return value;
}

/** Method, canonical path (the /v1 form, whichever base path was used) and the SHA-256 of the raw body. */
export async function requestFingerprint(method: string, canonicalPath: string, body: Uint8Array): Promise<string> {
  return sha256Hex(`${method.toUpperCase()} ${canonicalPath}\n${await sha256Hex(body)}`);
}

type Claim =
  | { outcome: 'claimed'; token: string }
  | { outcome: 'replay'; status: number; body: string }
  | { outcome: 'in_flight'; retry_after: number }
  | { outcome: 'mismatch' };

export function idempotency(db: DataPort, sealer: ResponseSealer | null = null) {
  return createMiddleware<AppEnv>(async function idempotency(c, next) {
    const header = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || header === undefined) return next();
    const key = parseIdempotencyKey(header);
    const workspaceId = c.get('principal').workspaceId;
    const fingerprint = await requestFingerprint(c.req.method, canonicalPath(c.req.path), await readBody(c));

    const claim = await db.rpc<Claim>('idempotency_claim', {
      p_workspace_id: workspaceId,
      p_key: key,
      p_fingerprint: fingerprint,
      p_lease_seconds: IDEMPOTENCY_LEASE_SECONDS,
    });
    if (claim.outcome === 'replay') {
      const body = await replayBody(claim.body, sealer, sealContext(workspaceId, key));
      return c.body(body, claim.status as 200, { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' });
    }
    if (claim.outcome === 'in_flight') {
      throw new ApiError(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is still being processed; retry later.',
        undefined,
        {
          'Retry-After': String(claim.retry_after),
        },
      );
    }
    if (claim.outcome === 'mismatch') {
      throw new ApiError(
        'idempotency_key_mismatch',
        'This Idempotency-Key was used for a different request (method, path or body) in the last 24 hours.',
      );
    }

    const state: IdempotencyState = { key, token: claim.token, stored: false };
    c.set('idempotency', state);
    const args = { p_workspace_id: workspaceId, p_key: key, p_token: claim.token };
    try {
      await next();
    } catch (err) {
      await db.rpc('idempotency_release', args).catch(() => {});
      throw err;
    }
    // Hono has already turned a thrown error into c.res, so every outcome is a response here.
    if (state.stored) return;
    if (isStoredStatus(c.res.status)) {
      const body = await storedBody(await c.res.clone().text(), state, sealer, sealContext(workspaceId, key));
      await db.rpc('idempotency_complete', { ...args, p_status: c.res.status, p_body: body });
    } else {
      await db.rpc('idempotency_release', args);
    }
  });
}
