/**
 * @module `npm run webhook-secrets:reseal`: after a key rotation, re-encrypts every stored webhook secret that is
 * not under WEBHOOK_SECRET_KEY yet (opened with WEBHOOK_SECRET_KEYS_PREVIOUS), so the old key can be retired:
 * the endpoints' signing secrets, and the sealed idempotent copies of webhook creations (kept 24 hours).
 */
import postgres from 'postgres';
import { type SecretBox, secretBoxFromEnv } from '../shared/webhooks/secret-box.ts';

interface Tally {
  resealed: number;
  failed: number;
}

/** Compare-and-set per endpoint: a row changed meanwhile is left for the next run. */
async function resealEndpoints(sql: postgres.Sql, box: SecretBox, tally: Tally): Promise<void> {
  const rows = await sql<{ id: string; workspace_id: string; secret_sealed: string }[]>`
    select id, workspace_id, secret_sealed from public.webhook_endpoints
     where secret_sealed not like ${`enc:v1:${box.keyId}:%`}`;
  for (const row of rows) {
    try {
      const sealed = await box.seal(await box.open(row.secret_sealed, row.workspace_id), row.workspace_id);
      const done = await sql`update public.webhook_endpoints set secret_sealed = ${sealed}
                              where id = ${row.id} and secret_sealed = ${row.secret_sealed}`;
      tally.resealed += done.count;
    } catch (err) {
      tally.failed++;
      console.error(`endpoint ${row.id}: ${(err as Error).message}`);
    }
  }
}

/** Stored responses sealed by shared/http/idempotency.ts (`{"sealed_response": …}`, bound to workspace and key). */
async function resealStoredResponses(sql: postgres.Sql, box: SecretBox, tally: Tally): Promise<void> {
  const rows = await sql<{ workspace_id: string; key: string; response_body: string }[]>`
    select workspace_id, key, response_body from public.idempotency_keys
     where state = 'completed' and response_body like '{"sealed_response":"enc:v1:%'
       and response_body not like ${`{"sealed_response":"enc:v1:${box.keyId}:%`}`;
  for (const row of rows) {
    const context = `idempotency:${row.workspace_id}:${row.key}`;
    try {
      const plaintext = await box.open(JSON.parse(row.response_body).sealed_response, context);
      const body = JSON.stringify({ sealed_response: await box.seal(plaintext, context) });
      const done = await sql`update public.idempotency_keys set response_body = ${body}
                              where workspace_id = ${row.workspace_id} and key = ${row.key} and response_body = ${row.response_body}`;
      tally.resealed += done.count;
    } catch (err) {
      tally.failed++;
      console.error(`stored response of Idempotency-Key ${JSON.stringify(row.key)}: ${(err as Error).message}`);
    }
  }
}

const url = process.env.DATABASE_URL;
const box = await secretBoxFromEnv(process.env);
if (!url || !box) {
  console.error(
    'usage: WEBHOOK_SECRET_KEY=<new> WEBHOOK_SECRET_KEYS_PREVIOUS=<old,…> DATABASE_URL=<url> npm run webhook-secrets:reseal',
  );
  process.exit(2);
}
const sql = postgres(url, { max: 1, onnotice: () => {} });
const tally: Tally = { resealed: 0, failed: 0 };
try {
  await resealEndpoints(sql, box, tally);
  await resealStoredResponses(sql, box, tally);
  console.log(
    `resealed ${tally.resealed} webhook secret(s) under key ${box.keyId}; ${tally.failed} could not be opened`,
  );
} finally {
  await sql.end({ timeout: 5 });
}
process.exit(tally.failed ? 1 : 0);
