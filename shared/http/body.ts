/** @module Reads a request body once, refusing more than the limit before it is buffered (Content-Length) or as it grows (chunked). */
import type { Context } from 'hono';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';

/** 20 MB, as the contract counts it. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * The client stopped sending its body (hung up, reset, timed out). Not the server's failure: logged
 * at info as status 499 (nginx's "client closed request"), never as a 500.
 */
export class ClientClosedRequest extends Error {
  constructor(cause: unknown) {
    super('the client closed the connection before sending the whole body', { cause });
    this.name = 'ClientClosedRequest';
  }
}

/** A status for logs only: nobody is left to read the answer. */
export const CLIENT_CLOSED_STATUS = 499;

export function payloadTooLarge(): ApiError {
  return new ApiError('payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes (20 MB).`);
}

/** True when a declared Content-Length already rules the body out, so nothing needs to be read. */
export function declaredTooLarge(c: Context, limit = MAX_BODY_BYTES): boolean {
  const declared = c.req.header('content-length');
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit;
}

export async function readBody(c: Context<AppEnv>, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const cached = c.get('rawBody');
  if (cached) return cached;
  if (declaredTooLarge(c, limit)) throw payloadTooLarge();
  const stream = c.req.raw.body;
  let bytes: Uint8Array;
  if (!stream) {
    bytes = new Uint8Array(0);
  } else {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      // The request body stream fails only when the upload is cut off: that is the client leaving.
      const { done, value } = await reader.read().catch((err: unknown) => {
        throw new ClientClosedRequest(err);
      });
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        // Stop reading and let go of what was read; the rest of the upload is never pulled in.
        chunks.length = 0;
        await reader.cancel().catch(() => {});
        throw payloadTooLarge();
      }
      chunks.push(value);
    }
    bytes = chunks.length === 1 ? chunks[0] : concat(chunks, size);
  }
  c.set('rawBody', bytes);
  return bytes;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
