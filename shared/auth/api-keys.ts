/** @module API key format: generation, hashing and parsing of `wbk_` bearer keys. Runtime-neutral (Web Crypto). */
import { sha256Hex } from '../lib/bytes.ts';

export const KEY_PREFIX = 'wbk_';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_LENGTH = 40; // ~238 bits
const KEY_SHAPE = /^wbk_[A-Za-z0-9]{20,128}$/;
/** Characters of the plaintext kept for display: enough to tell keys apart, far too few to guess the rest. */
const DISPLAY_PREFIX_LENGTH = 12;

export const SCOPES = ['read:contacts', 'write:contacts', 'admin:webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

export interface GeneratedKey {
  plaintext: string;
  hash: string;
  prefix: string;
}

export async function generateApiKey(): Promise<GeneratedKey> {
  // Rejection sampling keeps every character uniformly likely.
  const chars: string[] = [];
  while (chars.length < SECRET_LENGTH) {
    for (const b of crypto.getRandomValues(new Uint8Array(64))) {
      if (b < 248 && chars.length < SECRET_LENGTH) chars.push(SECRET_ALPHABET[b % 62]);
    }
  }
  const plaintext = KEY_PREFIX + chars.join('');
  return { plaintext, hash: await hashApiKey(plaintext), prefix: plaintext.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function hashApiKey(plaintext: string): Promise<string> {
  return sha256Hex(plaintext);
}

/** Returns the key from `Authorization: Bearer wbk_…`, or null when the header is missing or malformed. */
export function bearerKey(authorization: string | undefined | null): string | null {
  if (!authorization) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m || !KEY_SHAPE.test(m[1])) return null;
  return m[1];
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
