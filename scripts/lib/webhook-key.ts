/** @module The webhook-secret key on Node: WEBHOOK_SECRET_KEY when set, else a development key generated once and kept in .local (like the dev API key). */
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToBase64 } from '../../shared/lib/bytes.ts';
import { type SecretBox, secretBoxFromEnv } from '../../shared/webhooks/secret-box.ts';
import { LOCAL_DIR } from './local-dir.ts';

const FILE = join(LOCAL_DIR, 'webhook-secret-key');

export interface WebhookKey {
  box: SecretBox;
  /** For banners: where the key came from (never the key). */
  source: string;
}

export async function webhookSecretKey(env: NodeJS.ProcessEnv): Promise<WebhookKey> {
  const configured = await secretBoxFromEnv(env);
  if (configured) return { box: configured, source: `WEBHOOK_SECRET_KEY (key ${configured.keyId})` };
  if (!existsSync(FILE)) {
    await mkdir(LOCAL_DIR, { recursive: true });
    // Written aside, then linked into place: two processes starting at once keep the first key
    // rather than overwrite each other's, and neither can read a file that is not written yet.
    const aside = `${FILE}.${process.pid}.tmp`;
    await writeFile(aside, bytesToBase64(crypto.getRandomValues(new Uint8Array(32))) + '\n', { mode: 0o600 });
    await link(aside, FILE).catch((err) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }).finally(() => unlink(aside));
  }
  const box = (await secretBoxFromEnv({ ...env, WEBHOOK_SECRET_KEY: (await readFile(FILE, 'utf8')).trim() }))!;
  return { box, source: `development key in ${FILE} (key ${box.keyId})` };
}
