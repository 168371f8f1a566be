/** @module Webhook secrets and signatures: `whsec_` secrets, the LeadLex `sha256=` signature and the Standard Webhooks `v1,` signature. Runtime-neutral (Web Crypto). */
import { base64ToBytes, bytesToBase64, toHex } from '../lib/bytes.ts';
import { timingSafeEqualStrings } from '../lib/constant-time.ts';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const SECRET_SHAPE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
export const WEBHOOK_USER_AGENT = 'LeadLex-Webhook/1.0';

const encoder = new TextEncoder();

/** `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key of a secret: its base64 part, decoded. Throws on anything that is not `whsec_<base64>`. */
export function decodeWebhookSecret(secret: string): Uint8Array {
  const m = SECRET_SHAPE.exec(secret);
  if (!m) throw new Error('a webhook secret looks like whsec_<base64>');
  const key = base64ToBytes(m[1]);
  if (key.length === 0) throw new Error('a webhook secret must not be empty');
  return key;
}

export async function hmacSha256(key: Uint8Array, message: string | Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    key as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const data = typeof message === 'string' ? encoder.encode(message) : message;
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data as BufferSource));
}

/** `X-LeadLex-Signature`: `sha256=` + hex HMAC-SHA256 of the raw body. */
export async function leadlexSignature(secret: string, body: string): Promise<string> {
  return `sha256=${toHex(await hmacSha256(decodeWebhookSecret(secret), body))}`;
}

/** `webhook-signature` (Standard Webhooks): `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. */
export async function standardSignature(
  secret: string,
  webhookId: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  return `v1,${
    bytesToBase64(await hmacSha256(decodeWebhookSecret(secret), `${webhookId}.${timestampSeconds}.${body}`))
  }`;
}

export interface WebhookHeaderInput {
  secret: string;
  /** The Standard Webhooks message id: the event id, the same for every attempt. */
  webhookId: string;
  /** X-LeadLex-Delivery-ID: one (event, endpoint) pair, the same for every attempt. */
  deliveryId: string;
  body: string;
  /** The instant of this attempt. */
  at: Date;
}

/** Every header of a delivery attempt, both signature schemes included. */
export async function webhookHeaders(
  { secret, webhookId, deliveryId, body, at }: WebhookHeaderInput,
): Promise<Record<string, string>> {
  const seconds = Math.floor(at.getTime() / 1000);
  return {
    'Content-Type': 'application/json',
    'User-Agent': WEBHOOK_USER_AGENT,
    'X-LeadLex-Signature': await leadlexSignature(secret, body),
    'X-LeadLex-Timestamp': new Date(seconds * 1000).toISOString(),
    'X-LeadLex-Delivery-ID': deliveryId,
    'webhook-id': webhookId,
    'webhook-timestamp': String(seconds),
    'webhook-signature': await standardSignature(secret, webhookId, seconds, body),
  };
}

/** Consumer side of `X-LeadLex-Signature`, compared in constant time. */
export async function verifyLeadlexSignature(
  secret: string,
  body: string,
  header: string | null | undefined,
): Promise<boolean> {
  if (!header) return false;
  return timingSafeEqualStrings(header.trim(), await leadlexSignature(secret, body));
}

/**
 * Consumer side of the Standard Webhooks headers: any `v1,` signature in the space-separated list
 * must match, and the timestamp must be within `toleranceSeconds` of `now`.
 */
export async function verifyStandardSignature(
  secret: string,
  body: string,
  headers: {
    id: string | null | undefined;
    timestamp: string | null | undefined;
    signature: string | null | undefined;
  },
  { now = new Date(), toleranceSeconds = 300 }: { now?: Date; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  if (Math.abs(Math.floor(now.getTime() / 1000) - seconds) > toleranceSeconds) return false;
  const expected = await standardSignature(secret, id, seconds, body);
  // Compare every candidate, so timing does not tell which one nearly matched.
  return signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => timingSafeEqualStrings(s, expected))
    .some(Boolean);
}
