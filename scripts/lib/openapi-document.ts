/** @module The published OpenAPI document, taken from the app itself (GET /v1/openapi.json) without a database. */
import { createApp } from '../../shared/app.ts';
import type { DataPort } from '../../shared/db/port.ts';

/** Serving the document never reaches the database; a port that refuses every call proves it. */
const noDatabase: DataPort = {
  rpc: () => Promise.reject(new Error('the OpenAPI document needs no database')),
  close: async () => {},
};

export async function publishedDocument(): Promise<Record<string, unknown>> {
  const res = await createApp({ db: noDatabase }).request('/v1/openapi.json');
  if (res.status !== 200) throw new Error(`GET /v1/openapi.json answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}
