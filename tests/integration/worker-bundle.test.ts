/**
 * @module `npm run worker`'s bundle keeps its state where the sources do: without WEBHOOK_SECRET_KEY
 * it must decrypt webhook secrets with the same development key as `npm start` (the project's
 * `.local`), or it cannot sign a single webhook the API's secrets were stored for.
 */
import { describe, expect, it } from 'vitest';
import { webhookSecretKey } from '../../scripts/lib/webhook-key.ts';
import { freshDatabase } from '../support/db.ts';
import { ROOT, run, workerNodeArgs } from '../support/processes.ts';

const db = await freshDatabase();

describe('the bundled worker', () => {
  it('uses the development webhook key in the project’s .local, as npm start does', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [...(await workerNodeArgs()), '--once'], {
      DATABASE_URL: db.url,
      LEADLEX_LOCAL_DIR: undefined,
      WEBHOOK_SECRET_KEY: undefined,
      DATA_PORT: undefined,
    });
    expect(code, stderr).toBe(0);
    const started = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) =>
      l.msg === 'worker started'
    );
    // The key this process (the sources, as npm start runs them) finds, read after the worker made it if it had to.
    const own = await webhookSecretKey({});
    expect(own.source).toContain(`${ROOT}.local/webhook-secret-key`);
    expect(started?.webhook_key_from).toBe(own.source);
  });
});
