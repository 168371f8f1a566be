/**
 * @module Webhook signing secrets encrypted at rest: AES-256-GCM (Web Crypto, so Node and Deno alike) under
 * WEBHOOK_SECRET_KEY, with older keys still accepted for decryption so the key can be rotated.
 */
import { base64ToBytes, bytesToBase64, sha256, toHex } from '../lib/bytes.ts';

/** `enc:v1:<key id>:<base64 of IV ‖ ciphertext ‖ tag>`; the key id says which key opens it. */
const SEALED = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9+/]+={0,2})$/;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const encoder = new TextEncoder();

export interface SecretBox {
  /** The id of the key new secrets are sealed with. */
  readonly keyId: string;
  /** Encrypts `plaintext`, bound to `context` (the workspace id): a sealed secret moved to another workspace does not open. */
  seal(plaintext: string, context: string): Promise<string>;
  /** Decrypts; throws SecretBoxError when no configured key opens it. */
  open(sealed: string, context: string): Promise<string>;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** A key from its base64 text: exactly 32 bytes, or an error naming the setting. */
export function decodeSecretKey(b64: string, setting: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(b64.trim());
  } catch {
    throw new SecretBoxError(`${setting} is not base64`);
  }
  if (bytes.length !== KEY_BYTES) {
    throw new SecretBoxError(
      `${setting} must be ${KEY_BYTES} bytes of base64 (got ${bytes.length}); make one with: openssl rand -base64 32`,
    );
  }
  return bytes;
}

/** The first 4 bytes of the key's SHA-256, in hex: names the key without revealing it. */
async function keyIdOf(raw: Uint8Array): Promise<string> {
  return toHex((await sha256(raw)).subarray(0, 4));
}

/** `current` seals; `current` and every key in `previous` open. */
export async function createSecretBox(current: Uint8Array, previous: Uint8Array[] = []): Promise<SecretBox> {
  const keys = new Map<string, CryptoKey>();
  for (const raw of [current, ...previous]) {
    keys.set(
      await keyIdOf(raw),
      await crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']),
    );
  }
  const keyId = await keyIdOf(current);
  return {
    keyId,
    async seal(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const params = { name: 'AES-GCM', iv, additionalData: encoder.encode(context) };
      const ct = new Uint8Array(await crypto.subtle.encrypt(params, keys.get(keyId)!, encoder.encode(plaintext)));
      const out = new Uint8Array(IV_BYTES + ct.length);
      out.set(iv);
      out.set(ct, IV_BYTES);
      return `enc:v1:${keyId}:${bytesToBase64(out)}`;
    },
    async open(sealed, context) {
      const m = SEALED.exec(sealed);
      if (!m) throw new SecretBoxError('not a sealed secret');
      const key = keys.get(m[1]);
      if (!key) {
        throw new SecretBoxError(
          `sealed with key ${m[1]}, which is not configured (WEBHOOK_SECRET_KEY / WEBHOOK_SECRET_KEYS_PREVIOUS)`,
        );
      }
      const bytes = base64ToBytes(m[2]);
      try {
        const params = {
          name: 'AES-GCM',
          iv: bytes.subarray(0, IV_BYTES) as BufferSource,
          additionalData: encoder.encode(context),
        };
        return new TextDecoder().decode(
          await crypto.subtle.decrypt(params, key, bytes.subarray(IV_BYTES) as BufferSource),
        );
      } catch {
        throw new SecretBoxError(`key ${m[1]} does not open this secret (altered, or sealed for another workspace)`);
      }
    },
  };
}

export interface SecretKeySettings {
  /** base64 of 32 bytes: seals new secrets and opens them. */
  WEBHOOK_SECRET_KEY?: string;
  /** Comma-separated base64 keys that still open older secrets during a rotation. */
  WEBHOOK_SECRET_KEYS_PREVIOUS?: string;
}

/** The box the settings describe, or null when WEBHOOK_SECRET_KEY is not set. */
export async function secretBoxFromEnv(env: SecretKeySettings): Promise<SecretBox | null> {
  if (!env.WEBHOOK_SECRET_KEY) return null;
  const previous = (env.WEBHOOK_SECRET_KEYS_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((b64, i) => decodeSecretKey(b64, `WEBHOOK_SECRET_KEYS_PREVIOUS[${i}]`));
  // Awaited here so a malformed setting rejects, as callers expect, rather than throwing synchronously.
  return await createSecretBox(decodeSecretKey(env.WEBHOOK_SECRET_KEY, 'WEBHOOK_SECRET_KEY'), previous);
}
