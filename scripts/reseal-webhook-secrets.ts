/**
 * @module `npm run webhook-secrets:reseal`: after a key rotation, re-encrypts every stored webhook secret that is
 * not under WEBHOOK_SECRET_KEY yet (opened with WEBHOOK_SECRET_KEYS_PREVIOUS), so the old key can be retired.
 */
import postgres from 'postgres';
import { secretBoxFromEnv } from '../shared/webhooks/secret-box.ts';

const url = process.env.DATABASE_URL;
const box = await secretBoxFromEnv(process.env);
if (!url || !box) {
  console.error('usage: WEBHOOK_SECRET_KEY=<new> WEBHOOK_SECRET_KEYS_PREVIOUS=<old,…> DATABASE_URL=<url> npm run webhook-secrets:reseal');
  process.exit(2);
}
const sql = postgres(url, { max: 1, onnotice: () => {} });
let resealed = 0;
let failed = 0;
try {
  const rows = await sql<{ id: string; workspace_id: string; secret_sealed: string }[]>`
    select id, workspace_id, secret_sealed from public.webhook_endpoints
     where secret_sealed not like ${`enc:v1:${box.keyId}:%`}`;
  for (const row of rows) {
    try {
      const sealed = await box.seal(await box.open(row.secret_sealed, row.workspace_id), row.workspace_id);
      // Compare-and-set: a row changed meanwhile is left for the next run.
      const done = await sql`update public.webhook_endpoints set secret_sealed = ${sealed}
                              where id = ${row.id} and secret_sealed = ${row.secret_sealed}`;
      resealed += done.count;
    } catch (err) {
      failed++;
      console.error(`endpoint ${row.id}: ${(err as Error).message}`);
    }
  }
  console.log(`resealed ${resealed} webhook secret(s) under key ${box.keyId}; ${failed} could not be opened`);
} finally {
  await sql.end({ timeout: 5 });
}
process.exit(failed ? 1 : 0);
