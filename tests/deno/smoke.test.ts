import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey } from '../support/fixtures.ts';
import { DENO_LATEST } from '../support/deno.ts';
import { freePort, type Server, startServer } from '../support/processes.ts';

const db = await freshDatabase();
let server: Server | undefined;
let worker: Server | undefined;
/** Deno's arguments to run an entry point with the project's node_modules (the deploy rehearsal runs the upload). */
const denoRun = (entry: string) => [
  DENO_LATEST,
  'run',
  '--node-modules-dir=manual',
  '--allow-net',
  '--allow-env',
  '--allow-read',
  '--allow-sys',
  entry,
];

afterAll(async () => {
  await server?.stop();
  await worker?.stop();
});

describe('functions/api-gateway under Deno', () => {
  it('boots the real entry point (node_modules mode) and answers an authenticated request', async () => {
    const port = await freePort();
    const key = await createKey(db.port, { workspace: 'deno-smoke' });
    server = await startServer(
      process.execPath,
      denoRun('functions/api-gateway/index.ts'),
      {
        DATABASE_URL: db.url,
        PORT: String(port),
        SUPABASE_URL: '',
        SUPABASE_SERVICE_ROLE_KEY: '',
        DENO_NO_UPDATE_CHECK: '1',
        HOST: '127.0.0.1',
      },
      /Listening on/,
    );
    const base = `http://127.0.0.1:${port}/functions/v1/api-gateway`;
    const created = await fetch(`${base}/v1/contacts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.key}`,
        'content-type': 'application/json',
        'x-request-id': 'deno-smoke-1',
      },
      body: JSON.stringify({ full_name: 'Deno Smoke', email: 'deno@x.com', phone: '+44 20 7946 0958' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('deno-smoke-1');
    const body = await created.json();
    expect(body.data).toMatchObject({ first_name: 'Deno', last_name: 'Smoke', phone: '+442079460958' });
    const [row] = await db.sql`select workspace_id from contacts where id = ${body.data.id}`;
    expect(row.workspace_id).toBe(key.workspaceId);

    const unauthorised = await fetch(`${base}/v1/contacts`);
    expect(unauthorised.status).toBe(401);
    // The entry logs structured JSON lines; none may carry the key.
    expect(server.output()).toContain('"msg":"request"');
    expect(server.output()).not.toContain(key.key);
  }, 120_000);
});

describe('functions/import-worker under Deno', () => {
  it(
    'boots the real entry point, refuses a wrong secret, and processes a queued import for the right one',
    async () => {
      const key = await createKey(db.port, { workspace: 'deno-worker' });
      const rows = Array.from({ length: 700 }, (_, i) => ({ email: `dw${i}@x.com` }));
      const { createApp } = await import('../../shared/app.ts');
      const queued = await createApp({ db: db.port }).request('/v1/import/contacts', {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
      });
      expect(queued.status).toBe(202);
      const { job_id } = (await queued.json()).data;

      const port = await freePort();
      const secret = 'deno-worker-secret-0123456789abcdef';
      worker = await startServer(
        process.execPath,
        denoRun('functions/import-worker/index.ts'),
        {
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          WORKER_SECRET: secret,
          SUPABASE_URL: '',
          SUPABASE_SERVICE_ROLE_KEY: '',
          DENO_NO_UPDATE_CHECK: '1',
        },
        /Listening on/,
      );
      const url = `http://127.0.0.1:${port}/import-worker`;
      expect(
        (await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong-secret-0123456789abcdef' } }))
          .status,
      ).toBe(401);
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).data).toMatchObject({ jobs: 1, completed: 1, rows: 700 });
      const [job] = await db.sql`select status, created_count from import_jobs where id = ${job_id}`;
      expect(job).toEqual({ status: 'completed', created_count: 700 });
    },
    120_000,
  );
});
