/** @module Request ids: the client's X-Request-ID when it is safe to echo, else a fresh req_<ULID>. */
import { ulid } from 'ulid';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | undefined | null): string {
  return header && CLIENT_ID.test(header) ? header : `req_${ulid()}`;
}
