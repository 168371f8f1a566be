/** @module The development key `npm start` prints: created once per database, kept in .local so every start shows the same one. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateApiKey, hashApiKey, SCOPES } from '../../shared/auth/api-keys.ts';
import type { DataPort } from '../../shared/db/port.ts';
import { LOCAL_DIR } from './local-dir.ts';

const FILE = join(LOCAL_DIR, 'dev-keys.json');
export const DEV_WORKSPACE = 'dev';

export async function ensureDevKey(db: DataPort, targetId: string): Promise<string> {
  const saved: Record<string, string> = existsSync(FILE) ? JSON.parse(await readFile(FILE, 'utf8')) : {};
  const known = saved[targetId];
  if (known && (await db.rpc('api_key_authenticate', { p_key_hash: await hashApiKey(known) }))) return known;

  const key = await generateApiKey();
  await db.rpc('api_key_create', {
    p_workspace_name: DEV_WORKSPACE,
    p_name: 'development key (npm start)',
    p_key_hash: key.hash,
    p_prefix: key.prefix,
    p_scopes: [...SCOPES],
  });
  saved[targetId] = key.plaintext;
  await mkdir(LOCAL_DIR, { recursive: true });
  await writeFile(FILE, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  return key.plaintext;
}
